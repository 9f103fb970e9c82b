//! The schemas of what handlers send and take, field for field as
//! `view.rs`, `ops.rs`, `admin.rs` and `uploads.rs` write them (`null` only
//! where the code can emit it), and the components that hold them.

use serde_json::{json, Value};
use vidmatte_media::OutputFormat;
use vidmatte_ml::ModelKind;

use crate::http::settings::{METADATA_MAX_BYTES, METADATA_MAX_KEYS};
use crate::store::{JobStatus, Stage, WEBHOOK_EVENTS};

pub fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// `schema` that may also be `null` (3.1 type arrays; enums gain `null` too).
pub fn nullable(mut schema: Value) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(t)) => schema["type"] = json!([t, "null"]),
        Some(Value::Array(mut types)) if !types.contains(&json!("null")) => {
            types.push(json!("null"));
            schema["type"] = Value::Array(types);
        }
        _ => {}
    }
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(Value::Null);
    }
    schema
}

pub fn string_enum(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

pub fn models() -> Vec<&'static str> {
    ModelKind::ALL.iter().map(|m| m.as_str()).collect()
}

pub fn formats() -> Vec<&'static str> {
    OutputFormat::ALL.iter().map(|f| f.as_str()).collect()
}

/// What a job object's `status` shows: a canceled job reads `failed`.
pub fn statuses() -> Vec<&'static str> {
    JobStatus::ALL
        .iter()
        .filter(|s| s.reported() == **s)
        .map(|s| s.as_str())
        .collect()
}

/// The statuses as stored, `canceled` apart (usage's `by_status`).
fn stored_statuses() -> Vec<&'static str> {
    JobStatus::ALL.iter().map(|s| s.as_str()).collect()
}

fn stages() -> Vec<&'static str> {
    Stage::ALL.iter().map(|s| s.as_str()).collect()
}
const ERROR_CODES: [&str; 15] = [
    "invalid_request",
    "missing_api_key",
    "invalid_api_key",
    "insufficient_credits",
    "forbidden",
    "not_found",
    "invalid_state",
    "idempotency_conflict",
    "idempotency_in_progress",
    "payload_too_large",
    "unsupported_media_type",
    "unprocessable_video",
    "rate_limited",
    "internal_error",
    "unavailable",
];

fn date_time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

fn rgb() -> Value {
    json!({
        "type": "array", "minItems": 3, "maxItems": 3,
        "items": {"type": "integer", "minimum": 0, "maximum": 255},
        "description": "Red, green, blue; 0..255 each.",
    })
}

fn success() -> Value {
    json!({"type": "boolean", "const": true})
}

/// A JSON object whose listed properties are all present.
fn object(properties: Value) -> Value {
    let required: Vec<&String> = properties
        .as_object()
        .map_or(Vec::new(), |p| p.keys().collect());
    json!({"type": "object", "required": required, "properties": properties})
}

pub fn components() -> Value {
    json!({
        "schemas": {
            "Error": error(),
            "Job": job(),
            "JobEnvelope": job_envelope(),
            "JobList": job_list(),
            "JobCreate": super::requests::job_create_body(),
            "JobStart": super::requests::job_start_body(),
            "JobEvent": job_event(),
            "Upload": upload(),
            "Background": super::scene::background_view(),
            "Composition": super::scene::composition(),
            "Credits": credits(),
            "Models": object(json!({
                "success": success(),
                "models": {"type": "array", "items": object(json!({
                    "model": string_enum(&models()),
                    "description": {"type": "string"},
                    "best_for": {"type": "string", "description": "What to pick it for (`human`: videos of people)."},
                    "available": {"type": "boolean", "description": "This server has the model's files and the runtime."},
                    "measured_fps": nullable(json!({"type": "number", "description": "This server's own speed: frames over the seconds from a worker starting each completed job to its completion, over all of this model's completed jobs. Null until one completes."})),
                    "jobs_measured": {"type": "integer", "minimum": 0},
                    "frames_measured": {"type": "integer", "minimum": 0},
                }))},
            })),
            "UsageSummary": usage_summary(),
            "UsageEvents": usage_events(),
            "Pricing": pricing(),
            "Download": download(),
            "Health": object(json!({"success": success(), "status": {"type": "string", "const": "ok"}})),
            "Ready": ready(),
            "AdminConfig": admin_config(),
            "Key": key(),
            "KeyList": object(json!({
                "success": success(),
                "keys": {"type": "array", "items": r("Key")},
                "items": {"type": "array", "items": r("Key"), "description": "The same list as `keys`, under the vendor's name."},
            })),
            "KeyCreated": key_created(),
            "KeyDisabled": object(json!({
                "success": success(), "key_fingerprint": {"type": "string"}, "disabled": {"type": "boolean"},
            })),
            "KeyCredits": object(json!({
                "success": success(), "key_fingerprint": {"type": "string"},
                "credits": nullable(json!({"type": "integer", "description": "The new balance; null for an unlimited key."})),
            })),
            "WebhookEvent": webhook_event(),
        },
        "responses": super::responses::error_responses(),
        "parameters": {
            "IdempotencyKey": {
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Makes a retry safe: the same key and body replay the first response (with `Idempotent-Replayed: true`); the same key with another body is 409 `idempotency_conflict`, and while the first is in flight 409 `idempotency_in_progress`. Scoped to the API key, kept 24 h.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]([ -~]*[!-~])?$"},
            },
        },
        "headers": super::responses::headers(),
        "securitySchemes": {
            "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                       "description": "`vm_live_…`, created by an operator (`vidmatte keys create` or `POST /v1/admin/keys`)."},
            "AdminToken": {"type": "apiKey", "in": "header", "name": "X-Admin-Token",
                           "description": "The operator secret (`VIDMATTE_ADMIN_TOKEN`); admin routes are off without it."},
        },
    })
}

fn error() -> Value {
    json!({
        "type": "object",
        "required": ["success", "error"],
        "properties": {
            "success": {"type": "boolean", "const": false},
            "error": {
                "type": "object",
                "required": ["code", "message", "request_id"],
                "properties": {
                    "code": {"type": "string", "enum": ERROR_CODES},
                    "message": {"type": "string", "description": "For people; never internal details."},
                    "param": {"type": "string", "description": "The request field at fault (only with `invalid_request`)."},
                    "request_id": {"type": "string", "description": "Equals the `X-Request-Id` header."},
                },
            },
        },
    })
}

fn job() -> Value {
    let mut schema = object(json!({
        "id": {"type": "string", "description": "`job_` and a ULID."},
        "object": {"type": "string", "const": "job"},
        "status": {"type": "string", "enum": statuses(),
                   "description": "The vendor's statuses: a job that waits for a worker already reads `processing` (with `stage: queued` and its `queue_position`), as the vendor's has no queued status. Its SDKs wait for `completed` or `failed`, so a canceled job reads `failed` with `error_code: canceled` and `stage: canceled`."},
        "stage": {"type": "string", "enum": stages(),
                  "description": "Where a job is (or was, for a failed job); `canceled` for a canceled job."},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "queue_position": nullable(json!({"type": "integer", "minimum": 1,
            "description": "While `stage` is `queued`: 1 + the waiting jobs (of every key) queued before it; 1 starts next once its key is under its running-jobs cap. Null otherwise."})),
        "model": string_enum(&models()),
        "text_prompt": nullable(json!({"type": "string"})),
        "output_format": string_enum(&formats()),
        "bg_type": string_enum(&crate::http::settings::BG_TYPES),
        "bg_color": nullable(rgb()),
        "background": r("Background"),
        "composition": super::scene::composition_or_null(),
        "preview": {"type": "boolean", "description": "True when only the first `preview_duration` seconds are processed."},
        "preview_duration": nullable(json!({"type": "number"})),
        "matte_of": nullable(json!({"type": "string",
            "description": "Made by `POST /v1/jobs/{id}/formats`: the job whose kept matte it re-encodes (no model runs, no credits)."})),
        "video_url": {"type": "string"},
        "webhook_url": nullable(json!({"type": "string"})),
        "metadata": {"type": "object", "additionalProperties": {},
                     "description": format!("As given at creation: at most {METADATA_MAX_KEYS} keys with values of any JSON type, at most {METADATA_MAX_BYTES} bytes as JSON.")},
        "output_url": nullable(json!({"type": "string", "format": "uri",
            "description": "Signed, expiring download URL; re-signed on every read while the output is kept."})),
        "output_expires_at": nullable(date_time()),
        "error": nullable(json!({"type": "string"})),
        "error_code": nullable(json!({"type": "string",
            "description": "An error code, or `processing_failed`, `timeout`, `source_unreachable`, `canceled` (a canceled job: `status` reads `failed`)."})),
        "warnings": {"type": "array", "items": {"type": "string"},
                     "description": "What the job did not do as asked, e.g. a `text_prompt` ignored by a model other than pro; kept from creation to the end."},
        "duration_seconds": nullable(json!({"type": "number"})),
        "width": nullable(json!({"type": "integer"})),
        "height": nullable(json!({"type": "integer"})),
        "fps": nullable(json!({"type": "number"})),
        "frames": nullable(json!({"type": "integer"})),
        "credits_estimated": nullable(json!({"type": "integer"})),
        "credits_charged": {"type": "integer"},
        "billing_status": string_enum(&crate::store::BillingStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "webhook_events": {
            "type": "object",
            "description": "Delivery state of each webhook event queued for this job.",
            "propertyNames": {"enum": WEBHOOK_EVENTS},
            "additionalProperties": string_enum(&["pending", "sent", "failed"]),
        },
        "created_at": date_time(),
        "started_at": nullable(date_time()),
        "completed_at": nullable(date_time()),
    }));
    // Present on API responses, absent from webhook bodies.
    schema["properties"]["success"] = success();
    schema["example"] = job_example();
    schema
}

/// A finished job as `GET /v1/jobs/{id}` shows it (the tests check it
/// against the schema).
fn job_example() -> Value {
    json!({
        "success": true, "id": "job_01JEXAMPLE0000000000000000", "object": "job",
        "status": "completed", "stage": "done", "progress": 100, "queue_position": null,
        "model": "human", "text_prompt": null, "output_format": "webm",
        "bg_type": "transparent", "bg_color": null, "background": {"type": "transparent"},
        "composition": null, "preview": false, "preview_duration": null, "matte_of": null,
        "video_url": "upload://vid_01JEXAMPLE0000000000000000", "webhook_url": null,
        "metadata": {"order": "A-1042"},
        "output_url": "https://vidmatte.example.com/v1/jobs/job_01JEXAMPLE0000000000000000/output?expires=1764763200&signature=9c1f…",
        "output_expires_at": "2026-12-04T12:00:00.000Z", "error": null, "error_code": null,
        "warnings": [], "duration_seconds": 10.0, "width": 1280, "height": 720, "fps": 30.0,
        "frames": 300, "credits_estimated": 8, "credits_charged": 8, "billing_status": "charged",
        "webhook_events": {}, "created_at": "2026-12-03T12:00:00.000Z",
        "started_at": "2026-12-03T12:00:01.000Z", "completed_at": "2026-12-03T12:00:46.000Z",
    })
}

fn job_envelope() -> Value {
    object(json!({
        "success": success(),
        "id": {"type": "string"},
        "status": string_enum(&statuses()),
        "message": {"type": "string"},
        "job": r("Job"),
    }))
}

fn job_list() -> Value {
    object(json!({
        "success": success(),
        "jobs": {"type": "array", "items": r("Job")},
        "total": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100},
        "offset": {"type": "integer", "minimum": 0},
        "has_more": {"type": "boolean"},
    }))
}

/// One server-sent event of `GET /v1/jobs/{id}/events`.
fn job_event() -> Value {
    json!({
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "enum": ["status", "progress"]},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": r("Job")},
        },
    })
}

fn upload() -> Value {
    object(json!({
        "success": success(),
        "video_id": {"type": "string", "description": "`vid_` and a ULID."},
        "video_url": {"type": "string", "description": "`upload://<video_id>`: pass a video as a job's `video_url`, a picture as `background.image_url`."},
        "filename": {"type": "string"},
        "size": {"type": "integer", "minimum": 0, "description": "Bytes."},
        "kind": {"type": "string", "enum": ["video", "image"], "description": "A video, or a PNG, JPEG or WebP picture (for image backgrounds)."},
        "duration_seconds": nullable(json!({"type": "number", "description": "null for a picture."})),
        "width": {"type": "integer", "description": "Display size (after rotation)."},
        "height": {"type": "integer"},
    }))
}

fn credits() -> Value {
    let mut schema = object(json!({
        "success": success(),
        "total": nullable(json!({"type": "integer", "description": "remaining + used + reserved; null when unlimited."})),
        "used": {"type": "integer", "description": "Charged for completed jobs."},
        "reserved": {"type": "integer", "description": "Held for running jobs."},
        "remaining": nullable(json!({"type": "integer", "description": "null when unlimited."})),
        "unlimited": {"type": "boolean"},
    }));
    schema["example"] = json!({"success": true, "total": 1000, "used": 240, "reserved": 8,
                               "remaining": 752, "unlimited": false});
    schema
}

fn usage_summary() -> Value {
    object(json!({
        "success": success(),
        "days": {"type": "integer", "minimum": 1, "maximum": 90},
        "jobs": {"type": "integer",
                 "description": "Jobs created in the window that ran: a worker started them (`started_at` is set), whatever their end. Drafts, and jobs canceled or failed before a worker took them, are not counted."},
        "seconds": {"type": "number", "description": "Video seconds of the jobs counted."},
        "credits": {"type": "integer", "description": "What the completed jobs cost at list price (also for unlimited keys)."},
        "by_model": {
            "type": "object",
            "propertyNames": {"enum": models()},
            "additionalProperties": object(json!({
                "jobs": {"type": "integer"}, "seconds": {"type": "number"}, "credits": {"type": "integer"},
            })),
        },
        "by_status": {
            "type": "object",
            "propertyNames": {"enum": stored_statuses()},
            "description": "Jobs per stored status: canceled jobs are counted under `canceled` (as `GET /v1/jobs?status=canceled` lists them), not `failed`.",
            "additionalProperties": {"type": "integer"},
        },
    }))
}

fn usage_events() -> Value {
    let event = object(json!({
        "id": {"type": "string"},
        "job_id": {"type": "string"},
        "type": string_enum(&["reserve", "charge", "release"]),
        "model": string_enum(&models()),
        "seconds": {"type": "number"},
        "credits": {"type": "integer"},
        "created_at": date_time(),
    }));
    object(json!({"success": success(), "events": {"type": "array", "items": event}}))
}

fn pricing() -> Value {
    let example: serde_json::Map<String, Value> = crate::billing::PRICES
        .iter()
        .map(|(m, p)| (m.to_string(), json!(p)))
        .collect();
    object(json!({
        "success": success(),
        "model_pricing_credits_per_minute": {
            "type": "object",
            "propertyNames": {"enum": models()},
            "additionalProperties": {"type": "integer"},
            "examples": [example],
        },
    }))
}

fn download() -> Value {
    object(json!({
        "success": success(),
        "download_url": {"type": "string", "format": "uri"},
        "output_format": string_enum(&formats()),
    }))
}

fn ready() -> Value {
    object(json!({
        "success": {"type": "boolean", "description": "true when every check passed."},
        "database": {"type": "boolean"},
        "storage": {"type": "boolean"},
        "ffmpeg": {"type": "boolean"},
        "models": {
            "type": "object",
            "propertyNames": {"enum": models()},
            "additionalProperties": {"type": "boolean"},
        },
    }))
}

fn admin_config() -> Value {
    let string = || json!({"type": "string"});
    let config = json!({
        "type": "object",
        "description": "The effective configuration, without secrets.",
        "properties": {
            "listen": string(),
            "data_dir": string(),
            "database_url": nullable(string()),
            "public_url": nullable(string()),
            "url_allowlist": {"type": "array", "items": string()},
            "workers": {"type": "integer"},
            "max_running_per_key": {"type": "integer"},
            "threads": nullable(json!({"type": "integer"})),
            "precision": {"type": "string", "enum": ["auto", "fp32", "int8"]},
            "legacy_anonymous": {"type": "boolean"},
            "max_upload_bytes": {"type": "integer"},
            "output_url_ttl_seconds": {"type": "integer"},
            "retention_seconds": {"type": "integer"},
            "lease_seconds": {"type": "integer"},
            "log_json": {"type": "boolean"},
            "web_dir": nullable(string()),
            "rate_limit_per_second": {"type": "number"},
            "rate_limit_burst": {"type": "integer"},
            "webhook_allow_http": {"type": "boolean"},
        },
    });
    object(json!({"success": success(), "config": config}))
}

fn key() -> Value {
    object(json!({
        "key_fingerprint": {"type": "string", "description": "First 12 hex characters of the key's SHA-256."},
        "client_id": {"type": "string"},
        "note": nullable(json!({"type": "string"})),
        "credits": nullable(json!({"type": "integer", "description": "Balance; null = unlimited."})),
        "disabled": {"type": "boolean"},
        "created_at": date_time(),
        "requests_per_second": nullable(json!({"type": "number", "description": "null = the server default."})),
        "burst": nullable(json!({"type": "integer", "description": "null = the server default."})),
        "max_running_jobs": nullable(json!({"type": "integer", "description": "null = the server default."})),
    }))
}

fn key_created() -> Value {
    object(json!({
        "success": success(),
        "api_key": {"type": "string", "description": "`vm_live_…`; shown only here."},
        "key_fingerprint": {"type": "string"},
        "client_id": {"type": "string"},
        "webhook_secret": {"type": "string", "description": "`whsec_…`: signs this key's webhooks."},
        "credits": nullable(json!({"type": "integer"})),
    }))
}

fn webhook_event() -> Value {
    object(json!({
        "id": {"type": "string", "description": "`evt_` and a ULID; the same on every retry."},
        "event": {"type": "string", "enum": WEBHOOK_EVENTS},
        "created_at": date_time(),
        "data": r("Job"),
    }))
}
