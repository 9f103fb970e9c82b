//! One entry per route of `http::router`, in its order: path, method,
//! summary, parameters, body and the responses particular to it (the rest
//! is added by `Op::into_json`).

use serde_json::{json, Value};

use super::schemas::{nullable, r, string_enum};
use super::{Auth, Op};

pub fn tags() -> Value {
    json!([
        {"name": "Jobs", "description": "Create, start, watch, cancel and list background-removal jobs."},
        {"name": "Uploads", "description": "Upload a video to use as a job's `video_url`."},
        {"name": "Usage", "description": "Credits and usage of the calling key."},
        {"name": "Admin", "description": "Operator routes (`X-Admin-Token`): configuration and API keys."},
        {"name": "Legacy", "description": "The hosted vendor's `/api/*` routes, for its SDKs."},
        {"name": "Operations", "description": "Liveness, readiness, metrics and this document."},
        {"name": "Web", "description": "The web page and these docs."},
        {"name": "Webhooks", "description": "What vidmatte POSTs to a job's `webhook_url`."},
    ])
}

pub fn all() -> Vec<Op> {
    vec![
        create_job(),
        list_jobs(),
        get_job(),
        start_job(),
        cancel_job(),
        job_events(),
        job_formats(),
        download_output(),
        credits(),
        models(),
        usage_summary(),
        usage_events(),
        admin_config(),
        list_keys(),
        create_key(),
        key_switch("disable"),
        key_switch("enable"),
        add_credits(),
        set_limits(),
        legacy_process(),
        legacy_download(),
        pricing(),
        health(),
        ready(),
        metrics(),
        web_page("/", "webPage", "The web page"),
        web_page("/docs", "docsPage", "These API docs, rendered"),
        asset(),
        upload("/v1/uploads", "Uploads", "createUpload"),
        upload("/api/upload", "Legacy", "legacyUpload"),
        openapi(),
    ]
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description,
           "schema": {"type": "string"}})
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn job_id() -> Value {
    path_param("id", "The job's id (`job_…`).")
}

fn created(op: Op, what: &str, schema: Value) -> Op {
    op.ok(201, what, schema.clone()).ok(
        200,
        "An idempotent replay of the 201 (`Idempotent-Replayed: true`).",
        schema,
    )
}

fn create_job() -> Op {
    created(
        Op::new("post", "/v1/jobs", "Jobs", "createJob", "Create a job (and start it)")
            .describe("Starts the job unless `auto_start` is false. For an upload the duration is known, so the cost is checked now (402 if the balance is short); for an external URL it is checked after the fetch, and a shortfall fails the job with `insufficient_credits`. `mp4` with a transparent background is a 400 (`param: output_format`).")
            .json_body(r("JobCreate"), true)
            .errors(&[402, 404]),
        "The job was created (and queued unless `auto_start` was false).",
        r("JobEnvelope"),
    )
}

fn list_jobs() -> Op {
    Op::new(
        "get",
        "/v1/jobs",
        "Jobs",
        "listJobs",
        "List jobs, newest first",
    )
    .param(query(
        "limit",
        "Page size.",
        json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
    ))
    .param(query(
        "offset",
        "Jobs to skip.",
        json!({"type": "integer", "minimum": 0, "default": 0}),
    ))
    .param(query(
        "status",
        "Only jobs with this status. `pending` is the vendor's name for drafts (`created`). Canceled jobs, which read `status: failed`, are listed by `canceled`; `failed` lists only jobs that failed.",
        string_enum(&crate::http::jobs::LIST_STATUSES),
    ))
    .ok(200, "A page of the caller's jobs.", r("JobList"))
    .errors(&[400])
}

fn get_job() -> Op {
    Op::new("get", "/v1/jobs/{id}", "Jobs", "getJob", "Get a job")
        .describe("`status`, `output_url` and `error` are at the top level. `output_url` is signed again on every read while the output is kept.")
        .param(job_id())
        .ok(200, "The job.", r("Job"))
        .errors(&[404])
}

fn start_job() -> Op {
    Op::new("post", "/v1/jobs/{id}/start", "Jobs", "startJob", "Start a draft")
        .describe("The body may override the draft's settings. 409 `invalid_state` if the job is not a draft.")
        .param(job_id())
        .json_body(r("JobStart"), false)
        .ok(200, "The job was queued.", r("JobEnvelope"))
        .errors(&[402, 404])
}

fn cancel_job() -> Op {
    Op::new("post", "/v1/jobs/{id}/cancel", "Jobs", "cancelJob", "Cancel a draft or running job")
        .describe("A draft or queued job is canceled at once; a running one stops within seconds (its temporary files removed, nothing charged). A canceled job reads `status: failed`, `error_code: canceled`, `stage: canceled` (the vendor's SDKs wait for `completed` or `failed` only), and its webhook event is `job.failed`. 409 `invalid_state` for a finished job.")
        .param(job_id())
        .json_body(json!({"type": "object", "description": "No options; an empty body is fine."}), false)
        .ok(200, "Canceled, or cancel requested (`message` says which).", r("JobEnvelope"))
        .errors(&[400, 404])
}

fn job_formats() -> Op {
    let create = super::requests::job_create_body();
    let mut properties = serde_json::Map::new();
    for name in crate::http::formats::OVERRIDES {
        properties.insert(name.into(), create["properties"][name].clone());
    }
    Op::new("post", "/v1/jobs/{id}/formats", "Jobs", "jobFormats", "The same result in another format")
        .describe("A completed job keeps its matte (lossless, until its output expires), so its result in another `output_format`, or over another plain background, is a re-encode: this makes and starts a new job with the source's video, model and preview, and `matte_of` naming the source. No model runs and no credits are charged. The background carries over unless the body sets one (pictures, clips and blur do not carry over). 409 `invalid_state` for a job that is not completed or whose matte is gone.")
        .param(job_id())
        .json_body(json!({"type": "object", "required": ["output_format"], "properties": properties}), true)
        .ok(201, "The new job, queued.", r("JobEnvelope"))
        .errors(&[400, 404])
}

fn job_events() -> Op {
    Op::new("get", "/v1/jobs/{id}/events", "Jobs", "jobEvents", "Follow a job (server-sent events)")
        .describe("A `status` event first and whenever the status changes, a `progress` event when the stage or progress moves; each carries the job object as JSON. The stream ends after a terminal status.")
        .param(job_id())
        .response(200, json!({"description": "An event stream.",
            "content": {"text/event-stream": {"schema": r("JobEvent")}}}))
        .errors(&[404])
}

fn download_output() -> Op {
    let binary = json!({"schema": {"type": "string", "format": "binary"}});
    let mut content = serde_json::Map::new();
    for mime in [
        "video/webm",
        "video/quicktime",
        "video/mp4",
        "image/gif",
        "image/webp",
        "application/zip",
    ] {
        content.insert(mime.into(), binary.clone());
    }
    Op::new("get", "/v1/jobs/{id}/output", "Jobs", "downloadOutput", "Download a finished output (signed URL)")
        .describe("The URL in a job's `output_url`; needs no key, the signature is the credential. 403 once it has expired: read the job again for a fresh one.")
        .auth(Auth::Public)
        .param(job_id())
        .param(json!({"name": "expires", "in": "query", "required": true, "description": "Epoch seconds.", "schema": {"type": "integer"}}))
        .param(json!({"name": "signature", "in": "query", "required": true, "schema": {"type": "string"}}))
        .response(200, json!({"description": "The file, as an attachment.", "content": content}))
        .errors(&[400, 403, 404])
}

fn credits() -> Op {
    Op::new(
        "get",
        "/v1/credits",
        "Usage",
        "getCredits",
        "Credit balance",
    )
    .ok(200, "The key's credits.", r("Credits"))
}

fn models() -> Op {
    Op::new("get", "/v1/models", "Usage", "listModels", "Models and their measured speed")
        .describe("The four models, what each is best for, whether this server has its files, and this server's own measured end-to-end speed per model (null until a job with it completes).")
        .ok(200, "The models.", r("Models"))
}

fn usage_summary() -> Op {
    Op::new(
        "get",
        "/v1/usage/summary",
        "Usage",
        "usageSummary",
        "Usage over the last days",
    )
    .param(query(
        "days",
        "How many days back.",
        json!({"type": "integer", "minimum": 1, "maximum": 90, "default": 7}),
    ))
    .describe("Counts only jobs that ran: created in the window and started by a worker (`started_at` set), whatever their end. Drafts, and jobs canceled or failed before a worker took them, are left out.")
    .ok(
        200,
        "Jobs, seconds and credits, per model and per status.",
        r("UsageSummary"),
    )
    .errors(&[400])
}

fn usage_events() -> Op {
    Op::new(
        "get",
        "/v1/usage/events",
        "Usage",
        "usageEvents",
        "Billing events, newest first",
    )
    .param(query(
        "limit",
        "How many.",
        json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
    ))
    .ok(200, "Reserve, charge and release events.", r("UsageEvents"))
    .errors(&[400])
}

fn admin_config() -> Op {
    Op::new(
        "get",
        "/v1/admin/config",
        "Admin",
        "adminConfig",
        "The effective configuration",
    )
    .auth(Auth::Admin)
    .ok(200, "Configuration without secrets.", r("AdminConfig"))
}

fn list_keys() -> Op {
    Op::new(
        "get",
        "/v1/admin/keys",
        "Admin",
        "listKeys",
        "List API keys",
    )
    .auth(Auth::Admin)
    .ok(
        200,
        "Every key (never its secret), as `keys` and again as `items`.",
        r("KeyList"),
    )
}

fn fingerprint() -> Value {
    json!({"type": "string", "description": "A key's `key_fingerprint`."})
}

fn create_key() -> Op {
    let body = json!({"type": "object", "required": ["client_id"], "properties": {
        "client_id": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
        "note": nullable(json!({"type": "string"})),
        "credits": nullable(json!({"type": "integer", "minimum": 0, "description": "Leave out (or null) for an unlimited key."})),
    }});
    created(
        Op::new(
            "post",
            "/v1/admin/keys",
            "Admin",
            "createKey",
            "Create an API key",
        )
        .describe("The only response that shows the key itself.")
        .auth(Auth::Admin)
        .json_body(body, true),
        "The new key.",
        r("KeyCreated"),
    )
}

fn key_switch(action: &'static str) -> Op {
    let (path, id, summary) = match action {
        "disable" => (
            "/v1/admin/keys/disable",
            "disableKey",
            "Disable a key (it then gets 401)",
        ),
        _ => ("/v1/admin/keys/enable", "enableKey", "Enable a key again"),
    };
    Op::new("post", path, "Admin", id, summary)
        .auth(Auth::Admin)
        .json_body(
            json!({"type": "object", "required": ["key_fingerprint"],
                          "properties": {"key_fingerprint": fingerprint()}}),
            true,
        )
        .ok(200, "The key's new state.", r("KeyDisabled"))
        .errors(&[404])
}

fn add_credits() -> Op {
    Op::new(
        "post",
        "/v1/admin/keys/credits",
        "Admin",
        "addCredits",
        "Add (or remove) credits",
    )
    .describe(
        "A negative `amount` removes credits. Unlimited keys stay unlimited (`credits: null`).",
    )
    .auth(Auth::Admin)
    .json_body(
        json!({"type": "object", "required": ["key_fingerprint", "amount"], "properties": {
            "key_fingerprint": fingerprint(), "amount": {"type": "integer"}}}),
        true,
    )
    .ok(200, "The new balance.", r("KeyCredits"))
    .errors(&[404])
}

fn set_limits() -> Op {
    let count = || nullable(json!({"type": "integer", "minimum": 1, "maximum": 1_000_000}));
    Op::new("post", "/v1/admin/keys/limits", "Admin", "setKeyLimits", "Set a key's rate limit and running-jobs cap")
        .describe("A field left out or null goes back to the server's default.")
        .auth(Auth::Admin)
        .json_body(json!({"type": "object", "required": ["key_fingerprint"], "properties": {
            "key_fingerprint": fingerprint(),
            "requests_per_second": nullable(json!({"type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000})),
            "burst": count(),
            "max_running_jobs": count(),
        }}), true)
        .ok(200, "The key with its limits.", key_with_success())
        .errors(&[404])
}

fn key_with_success() -> Value {
    json!({"allOf": [r("Key"), {"type": "object", "required": ["success"],
                                "properties": {"success": {"type": "boolean", "const": true}}}]})
}

fn legacy_process() -> Op {
    created(
        Op::new("post", "/api/process", "Legacy", "legacyProcess", "Create and start a job (vendor route)")
            .describe("The body and response of `POST /v1/jobs`; `auto_start` is ignored (the job always starts).")
            .auth(Auth::LegacyKey)
            .json_body(r("JobCreate"), true)
            .errors(&[402, 404]),
        "The job was created and queued.",
        r("JobEnvelope"),
    )
}

fn legacy_download() -> Op {
    Op::new(
        "get",
        "/api/download/{job_id}",
        "Legacy",
        "legacyDownload",
        "A finished job's download URL (vendor route)",
    )
    .describe("400 `invalid_state` until the job is completed; with the message \"Job not completed\" and, beside it in the error object, the job's `status`, `stage` and `progress` (e.g. `\"stage\": \"segmenting\", \"progress\": 34`).")
    .auth(Auth::LegacyKey)
    .param(path_param("job_id", "The job's id (`job_…`)."))
    .ok(200, "A fresh signed URL.", r("Download"))
    .errors(&[400, 404])
}

fn pricing() -> Op {
    Op::new(
        "get",
        "/api/pricing",
        "Legacy",
        "pricing",
        "Prices in credits per minute of video",
    )
    .describe("A job costs ceil(rate × seconds / 60) credits.")
    .auth(Auth::Public)
    .ok(200, "Per-model rates.", r("Pricing"))
}

fn health() -> Op {
    Op::new("get", "/health", "Operations", "health", "Liveness")
        .auth(Auth::Public)
        .ok(200, "The process is up.", r("Health"))
}

fn ready() -> Op {
    Op::new(
        "get",
        "/ready",
        "Operations",
        "ready",
        "Readiness: database, storage, ffmpeg, models",
    )
    .auth(Auth::Public)
    .ok(200, "Every check passed.", r("Ready"))
    .ok(503, "Some check failed (the body says which).", r("Ready"))
}

fn text(mime: &str, description: &str) -> Value {
    json!({"description": description, "content": {mime: {"schema": {"type": "string"}}}})
}

fn metrics() -> Op {
    Op::new(
        "get",
        "/metrics",
        "Operations",
        "metrics",
        "Prometheus metrics",
    )
    .auth(Auth::Public)
    .response(
        200,
        text("text/plain", "Prometheus text exposition format."),
    )
}

fn openapi() -> Op {
    Op::new(
        "get",
        "/openapi.json",
        "Operations",
        "openapi",
        "This document (OpenAPI 3.1)",
    )
    .auth(Auth::Public)
    .ok(200, "The OpenAPI document.", json!({"type": "object"}))
}

fn web_page(path: &'static str, id: &'static str, summary: &'static str) -> Op {
    Op::new("get", path, "Web", id, summary)
        .auth(Auth::Public)
        .response(200, text("text/html", "An HTML page."))
}

fn asset() -> Op {
    let mut content = serde_json::Map::new();
    for mime in ["text/css", "text/javascript", "text/html", "image/svg+xml"] {
        content.insert(mime.into(), json!({"schema": {"type": "string"}}));
    }
    Op::new(
        "get",
        "/assets/{name}",
        "Web",
        "asset",
        "A static file of the web page",
    )
    .auth(Auth::Public)
    .param(path_param(
        "name",
        "A file name such as `app.css`, `app.js`, `docs.js` or `favicon.svg`.",
    ))
    .response(200, json!({"description": "The file.", "content": content}))
    .errors(&[404])
}

fn upload(path: &'static str, tag: &'static str, id: &'static str) -> Op {
    let body = json!({"required": true, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
            "description": "A video, or a PNG, JPEG or WebP picture for an image background. Its content is sniffed with ffprobe; the name and Content-Type are not trusted."}},
    }}}});
    let op = Op::new("post", path, tag, id, "Upload a video or a background picture")
        .describe("Multipart with one field, `file`, streamed to storage (default limit 500 MB). Pass the returned `video_url` as a job's `video_url` (a video) or `background.image_url` (a picture; `kind: image`).")
        .auth(if tag == "Legacy" { Auth::LegacyKey } else { Auth::Key })
        .body(body)
        .errors(&[415, 422]);
    created(op, "The stored upload.", r("Upload"))
}
