//! What the vendor's SDKs do, against a real `vidmatte serve` (issue 11):
//! a canceled job reads `failed` (code `canceled`) wherever a job is shown,
//! `status=pending` lists drafts, the admin key list also comes as `items`,
//! `metadata` takes any JSON, a `text_prompt` for another model than pro is
//! a warning, a job's webhook events arrive in order, and the usage summary
//! counts only jobs that ran.

mod support;

use serde_json::{json, Value};
use support::receiver::Receiver;
use support::sse::job_events;
use support::*;

const ADMIN: &str = "s3cret";

/// Loopback webhooks and sources (a source on port 1 refuses at once).
const LOOPBACK: [(&str, &str); 3] = [
    ("VIDMATTE_URL_ALLOWLIST", "127.0.0.1/32"),
    ("VIDMATTE_WEBHOOK_ALLOW_HTTP", "true"),
    ("VIDMATTE_ADMIN_TOKEN", ADMIN),
];
const GONE: &str = "http://127.0.0.1:1/gone.mp4";

fn ids(list: &Value) -> Vec<&str> {
    list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect()
}

#[test]
fn a_canceled_job_reads_failed_with_code_canceled_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = Receiver::start(0);
    let server = Server::start(&dir.path().join("data"), &LOOPBACK);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let draft = server.create_job_as(
        &server.key,
        &json!({"video_url": upload["video_url"], "auto_start": false, "webhook_url": hooks.url()}),
    );
    let (status, canceled) = server.post(&format!("/v1/jobs/{draft}/cancel"), &json!({}));
    assert_eq!(status, 200, "{canceled}");
    let expected = (json!("failed"), json!("canceled"), json!("canceled"));
    let shown = |job: &Value| {
        (
            job["status"].clone(),
            job["stage"].clone(),
            job["error_code"].clone(),
        )
    };
    assert_eq!(canceled["status"], "failed", "the envelope: {canceled}");
    assert_eq!(shown(&canceled["job"]), expected, "{canceled}");
    let (_, job) = server.get(&format!("/v1/jobs/{draft}"));
    assert_eq!(shown(&job), expected, "{job}");
    // The helpers' wait loop ends: a terminal status on the first poll.
    let waited = server.wait_terminal(&draft, 5);
    assert_eq!(waited["status"], "failed");

    let events = job_events(&server, &draft);
    assert_eq!(
        events.len(),
        1,
        "one status event, then the end: {events:?}"
    );
    assert_eq!(events[0].0, "status");
    assert_eq!(shown(&events[0].1), expected, "{events:?}");

    // A real failure, to tell the list filters apart.
    let broken = server.create_job_as(&server.key, &json!({"video_url": GONE}));
    let failed = server.wait_terminal(&broken, 60);
    assert_eq!(
        (&failed["status"], &failed["error_code"]),
        (&json!("failed"), &json!("source_unreachable")),
        "{failed}"
    );
    let (_, all) = server.get("/v1/jobs");
    let listed: Vec<Value> = all["jobs"].as_array().unwrap().clone();
    let row = listed.iter().find(|j| j["id"] == draft.as_str()).unwrap();
    assert_eq!(shown(row), expected, "{all}");
    let (_, only_canceled) = server.get("/v1/jobs?status=canceled");
    assert_eq!(ids(&only_canceled), [draft.as_str()], "{only_canceled}");
    assert_eq!(only_canceled["total"], 1);
    assert_eq!(only_canceled["jobs"][0]["status"], "failed");
    let (_, only_failed) = server.get("/v1/jobs?status=failed");
    assert_eq!(ids(&only_failed), [broken.as_str()], "{only_failed}");

    // The event is job.failed, its body the job as a GET shows it.
    wait_until(30, "the cancel's webhook", || {
        hooks.events_of(&draft).len() == 1
    });
    let (event, delivery) = hooks.events_of(&draft).remove(0);
    assert_eq!(event, "job.failed");
    let body = hooks.accepted()[&delivery].json();
    assert_eq!(body["event"], "job.failed", "{body}");
    assert_eq!(shown(&body["data"]), expected, "{body}");
    let job = server.wait_for(&draft, 30, |j| j["webhook_events"]["job.failed"] == "sent");
    assert_eq!(
        job["webhook_events"],
        json!({"job.failed": "sent"}),
        "{job}"
    );
}

#[test]
fn pending_lists_drafts_and_the_admin_list_comes_as_items_too() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &LOOPBACK);
    let draft = server.create_job_as(
        &server.key,
        &json!({"video_url": "https://example.com/a.mp4", "auto_start": false}),
    );
    let gone = server.create_job_as(&server.key, &json!({"video_url": GONE}));
    server.wait_terminal(&gone, 60);
    let (status, pending) = server.get("/v1/jobs?status=pending");
    assert_eq!(status, 200, "{pending}");
    assert_eq!(ids(&pending), [draft.as_str()], "{pending}");
    assert_eq!(pending["jobs"][0]["status"], "created");
    let (_, created) = server.get("/v1/jobs?status=created");
    assert_eq!(ids(&created), ids(&pending));
    let (status, error) = server.get("/v1/jobs?status=running");
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"]["param"], "status");
    let message = error["error"]["message"].as_str().unwrap();
    for name in [
        "created",
        "pending",
        "processing",
        "completed",
        "failed",
        "canceled",
    ] {
        assert!(message.contains(name), "{message}");
    }

    let keys: Value = server
        .client
        .get(server.url("/v1/admin/keys"))
        .header("X-Admin-Token", ADMIN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1, "{keys}");
    assert_eq!(keys["items"], keys["keys"], "{keys}");
}

#[test]
fn metadata_takes_any_json_within_8_kib_and_comes_back_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let metadata = json!({
        "user": "u_42", "order": 7, "ratio": 0.5, "vip": true, "coupon": null,
        "tags": ["a", 2, {"deep": [false, null]}], "project": {"id": 9, "name": "launch"},
    });
    let (status, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": "https://example.com/a.mp4", "auto_start": false, "metadata": metadata}),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["job"]["metadata"], metadata);
    let (_, job) = server.get(&format!("/v1/jobs/{}", created["id"].as_str().unwrap()));
    assert_eq!(job["metadata"], metadata, "{job}");

    let fits = json!({"blob": "x".repeat(8192 - r#"{"blob":""}"#.len())});
    let (status, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": "https://example.com/a.mp4", "auto_start": false, "metadata": fits}),
    );
    assert_eq!(status, 201, "exactly 8 KiB fits: {created}");
    for too_much in [
        json!({"blob": "x".repeat(8192)}),
        json!({"list": vec![12345; 2000]}),
        Value::Object((0..21).map(|i| (format!("k{i}"), json!(i))).collect()),
        json!(["not", "an", "object"]),
        json!("nope"),
    ] {
        let (status, error) = server.post(
            "/v1/jobs",
            &json!({"video_url": "https://example.com/a.mp4", "metadata": too_much}),
        );
        assert_eq!(
            (status, error["error"]["param"].as_str()),
            (400, Some("metadata")),
            "{error}"
        );
    }
}

#[test]
fn a_text_prompt_for_another_model_is_a_warning_kept_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let warning = "text_prompt is only used by model pro; ignored for model light";

    let (status, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "light", "text_prompt": "the person"}),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["job"]["warnings"], json!([warning]), "{created}");
    assert_eq!(created["job"]["text_prompt"], "the person");
    let id = created["id"].as_str().unwrap();
    let done = server.wait_terminal(id, 180);
    assert_eq!(done["status"], "completed", "{done}");
    let warnings = done["warnings"].as_array().unwrap();
    assert_eq!(warnings[0], warning, "kept past the pipeline: {done}");

    // A pro draft started as light: accepted, with the warning from then on.
    let (status, draft) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "pro", "text_prompt": "the person", "auto_start": false}),
    );
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["job"]["warnings"], json!([]), "{draft}");
    let draft_id = draft["id"].as_str().unwrap();
    let (status, started) = server.post(
        &format!("/v1/jobs/{draft_id}/start"),
        &json!({"model": "light"}),
    );
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["job"]["warnings"], json!([warning]), "{started}");
    let done = server.wait_terminal(draft_id, 180);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["warnings"][0], warning, "{done}");

    // Only an empty or oversized prompt is refused, whatever the model.
    for (model, prompt) in [
        ("light", String::new()),
        ("human", " \t".to_string()),
        ("pro", "x".repeat(501)),
    ] {
        let (status, error) = server.post(
            "/v1/jobs",
            &json!({"video_url": upload["video_url"], "model": model, "text_prompt": prompt}),
        );
        assert_eq!(
            (status, error["error"]["param"].as_str()),
            (400, Some("text_prompt")),
            "{model} {prompt:?}: {error}"
        );
    }
}

#[test]
fn a_jobs_end_is_delivered_only_after_its_start() {
    let dir = tempfile::tempdir().unwrap();
    // The first delivery (job.started) is refused and retried 5–10 s later;
    // the job fails within milliseconds of starting meanwhile.
    let hooks = Receiver::start(1);
    let server = Server::start(&dir.path().join("data"), &LOOPBACK);
    let id = server.create_job_as(
        &server.key,
        &json!({"video_url": GONE, "webhook_url": hooks.url()}),
    );
    assert_eq!(server.wait_terminal(&id, 60)["status"], "failed");
    wait_until(60, "job.started and job.failed accepted", || {
        hooks.events_of(&id).len() == 2
    });
    let arrivals: Vec<(String, u16)> = hooks
        .all()
        .iter()
        .map(|r| (r.header("x-webhook-event").to_string(), r.answered))
        .collect();
    assert_eq!(
        arrivals,
        [
            ("job.started".to_string(), 500),
            ("job.started".to_string(), 200),
            ("job.failed".to_string(), 200),
        ],
        "job.failed must wait for job.started's retry"
    );
    let job = server.wait_for(&id, 30, |j| {
        j["webhook_events"] == json!({"job.started": "sent", "job.failed": "sent"})
    });
    assert_eq!(job["error_code"], "source_unreachable");
}

#[test]
fn the_usage_summary_counts_only_jobs_that_ran() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &LOOPBACK);
    let body = json!({"video_url": "https://example.com/a.mp4", "auto_start": false});
    server.create_job_as(&server.key, &body);
    let canceled = server.create_job_as(&server.key, &body);
    let (status, _) = server.post(&format!("/v1/jobs/{canceled}/cancel"), &json!({}));
    assert_eq!(status, 200);
    // Started by a worker, then failed: it ran.
    let ran = server.create_job_as(&server.key, &json!({"video_url": GONE, "model": "light"}));
    let job = server.wait_terminal(&ran, 60);
    assert!(job["started_at"].is_string(), "{job}");

    let (status, summary) = server.get("/v1/usage/summary?days=1");
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["jobs"], 1, "{summary}");
    assert_eq!(summary["by_status"], json!({"failed": 1}), "{summary}");
    assert_eq!(summary["by_model"]["light"]["jobs"], 1, "{summary}");
    assert_eq!(summary["credits"], 0, "{summary}");
    let (_, all) = server.get("/v1/jobs");
    assert_eq!(all["total"], 3, "the others are still there: {all}");
}
