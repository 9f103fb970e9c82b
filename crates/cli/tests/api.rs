//! The job API end to end against a real `vidmatte serve` process: the
//! flows the vendor's SDKs perform, errors in the contract's shape, tenancy,
//! cancellation, and a crash mid-job.

mod support;

use serde_json::{json, Value};
use support::origin::origin;
use support::sse::job_events;
use support::*;

#[test]
fn sdk_flow_upload_create_poll_download() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let input = carphone_1s(dir.path());

    let (status, upload) = server.upload("/v1/uploads", &input);
    assert_eq!(status, 201, "{upload}");
    assert!(upload["video_id"].as_str().unwrap().starts_with("vid_"));
    assert!((upload["duration_seconds"].as_f64().unwrap() - 1.0).abs() < 0.1);

    let (status, created) =
        server.post("/v1/jobs", &job_body(upload["video_url"].as_str().unwrap()));
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "processing");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("job_"));

    let job = server.wait_terminal(&id, 120);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(
        (job["stage"].as_str(), job["progress"].as_i64()),
        (Some("done"), Some(100))
    );
    assert_eq!(
        (
            job["width"].as_i64(),
            job["height"].as_i64(),
            job["frames"].as_i64()
        ),
        (Some(176), Some(144), Some(30))
    );
    assert!(job["output_expires_at"].is_string());

    // The signed URL works without a key; a tampered one does not.
    let url = job["output_url"].as_str().unwrap();
    let response = server.client.get(url).send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "video/webm");
    let bytes = response.bytes().unwrap();
    let (width, _, frames) = decode_webm(&bytes, dir.path());
    assert_eq!(frames.len(), 30);
    assert_person_matted(&frames, width);
    // Players seek with byte ranges.
    let part = server
        .client
        .get(url)
        .header("Range", "bytes=0-99")
        .send()
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-type"], "video/webm");
    assert_eq!(part.bytes().unwrap(), bytes.slice(0..100));
    let tampered = url.replace("signature=", "signature=00");
    assert_eq!(server.client.get(tampered).send().unwrap().status(), 403);
}

#[test]
fn draft_then_start_with_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let video_url = upload["video_url"].as_str().unwrap();
    let (status, draft) = server.post(
        "/v1/jobs",
        &json!({"video_url": video_url, "auto_start": false, "metadata": {"user": "u1"}}),
    );
    assert_eq!(status, 201, "{draft}");
    assert_eq!(
        (
            draft["job"]["status"].as_str(),
            draft["job"]["stage"].as_str()
        ),
        (Some("created"), Some("draft"))
    );
    let id = draft["id"].as_str().unwrap();

    let (status, started) = server.post(
        &format!("/v1/jobs/{id}/start"),
        &json!({"model": "human", "output_format": "png_sequence", "background": {"type": "custom", "color": [1, 2, 3]}}),
    );
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["job"]["output_format"], "png_sequence");
    assert_eq!(started["job"]["bg_color"], json!([1, 2, 3]));
    let (status, again) = server.post(&format!("/v1/jobs/{id}/start"), &json!({}));
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );

    let job = server.wait_terminal(id, 120);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["metadata"], json!({"user": "u1"}));
    let zip = server
        .client
        .get(job["output_url"].as_str().unwrap())
        .send()
        .unwrap();
    assert_eq!(zip.headers()["content-type"], "application/zip");
    assert_eq!(&zip.bytes().unwrap()[..2], b"PK");
}

#[test]
fn legacy_routes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let (status, upload) = server.upload("/api/upload", &carphone_1s(dir.path()));
    assert_eq!(status, 201, "{upload}");
    let (status, created) = server.post(
        "/api/process",
        &json!({"video_url": upload["video_url"], "model": "human", "auto_start": false}),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["status"], "processing",
        "legacy process always starts"
    );
    let id = created["id"].as_str().unwrap();
    let (status, early) = server.get(&format!("/api/download/{id}"));
    if status == 400 {
        assert_eq!(early["error"]["message"], "Job not completed");
    }
    server.wait_terminal(id, 120);
    let (status, download) = server.get(&format!("/api/download/{id}"));
    assert_eq!(status, 200, "{download}");
    assert_eq!(download["output_format"], "webm");
    assert_eq!(
        server
            .client
            .get(download["download_url"].as_str().unwrap())
            .send()
            .unwrap()
            .status(),
        200
    );
    let (status, pricing) = server.get("/api/pricing");
    assert_eq!(
        (
            status,
            pricing["model_pricing_credits_per_minute"]["pro"].as_i64()
        ),
        (200, Some(180))
    );
}

#[test]
fn listing_pages_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let ids: Vec<String> = (0..3)
        .map(|_| {
            let (_, c) = server.post(
                "/v1/jobs",
                &json!({"video_url": upload["video_url"], "auto_start": false}),
            );
            c["id"].as_str().unwrap().to_string()
        })
        .collect();
    let (status, page) = server.get("/v1/jobs?limit=2");
    assert_eq!(status, 200);
    assert_eq!(
        (page["total"].as_i64(), page["has_more"].as_bool()),
        (Some(3), Some(true))
    );
    let listed: Vec<&str> = page["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![ids[2].as_str(), ids[1].as_str()]);
    let (_, rest) = server.get("/v1/jobs?limit=2&offset=2");
    assert_eq!(
        (
            rest["jobs"].as_array().unwrap().len(),
            rest["has_more"].as_bool()
        ),
        (1, Some(false))
    );
    let (_, drafts) = server.get("/v1/jobs?status=created");
    assert_eq!(drafts["total"].as_i64(), Some(3));
    let (status, bad) = server.get("/v1/jobs?limit=500");
    assert_eq!(
        (status, bad["error"]["param"].as_str()),
        (400, Some("limit"))
    );
}

fn error_of(response: reqwest::blocking::Response) -> (u16, Value, String) {
    let status = response.status().as_u16();
    let header = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body: Value = response.json().unwrap();
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(
        body["error"]["request_id"].as_str(),
        Some(header.as_str()),
        "request id in body and header"
    );
    assert!(header.starts_with("req_"));
    (status, body["error"].clone(), header)
}

#[test]
fn errors_in_the_contract_shape() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_MAX_UPLOAD_BYTES", "100000")],
    );
    let c = &server.client;
    let url = |p: &str| server.url(p);
    let key = server.key.as_str();

    let (s, e, _) = error_of(
        c.post(url("/v1/jobs"))
            .json(&json!({"video_url": "https://example.com/a.mp4"}))
            .send()
            .unwrap(),
    );
    assert_eq!((s, e["code"].as_str()), (401, Some("missing_api_key")));
    let (s, e, _) = error_of(
        c.get(url("/v1/jobs"))
            .header("X-Api-Key", "vm_live_nope")
            .send()
            .unwrap(),
    );
    assert_eq!((s, e["code"].as_str()), (401, Some("invalid_api_key")));
    let (s, e, _) = error_of(
        c.post(url("/v1/jobs"))
            .header("X-Api-Key", key)
            .header("content-type", "application/json")
            .body("{\"video_url\": ")
            .send()
            .unwrap(),
    );
    assert_eq!((s, e["code"].as_str()), (400, Some("invalid_request")));
    for (body, param) in [
        (json!({}), "video_url"),
        (json!({"video_url": 5}), "video_url"),
        (
            json!({"video_url": "https://example.com/a.mp4", "model": "huge"}),
            "model",
        ),
        (
            json!({"video_url": "https://example.com/a.mp4", "output_format": "mp4"}),
            "output_format",
        ),
        (
            json!({"video_url": "https://example.com/a.mp4", "bg_color": [1, 2]}),
            "bg_color",
        ),
        (
            json!({"video_url": "https://example.com/a.mp4", "text_prompt": " "}),
            "text_prompt",
        ),
        (
            json!({"video_url": "https://example.com/a.mp4", "auto_start": "yes"}),
            "auto_start",
        ),
        (
            json!({"video_url": "http://169.254.169.254/latest/meta-data"}),
            "video_url",
        ),
        (json!({"video_url": "http://10.0.0.7/v.mp4"}), "video_url"),
        (
            json!({"video_url": "https://example.com/a.mp4", "webhook_url": "http://127.0.0.1:9/hook"}),
            "webhook_url",
        ),
        (
            json!({"video_url": "https://example.com/a.mp4", "metadata": ["a"]}),
            "metadata",
        ),
    ] {
        let (s, e, _) = error_of(
            c.post(url("/v1/jobs"))
                .header("X-Api-Key", key)
                .json(&body)
                .send()
                .unwrap(),
        );
        assert_eq!(
            (s, e["code"].as_str(), e["param"].as_str()),
            (400, Some("invalid_request"), Some(param)),
            "{body}"
        );
    }
    let (s, e, _) = error_of(
        c.get(url("/v1/jobs/job_nope"))
            .header("X-Api-Key", key)
            .send()
            .unwrap(),
    );
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")));
    let (s, e, _) = error_of(
        c.post(url("/v1/jobs"))
            .header("X-Api-Key", key)
            .json(&json!({"video_url": "upload://vid_nope"}))
            .send()
            .unwrap(),
    );
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")));
    let (s, e, _) = error_of(c.get(url("/v1/admin/keys")).send().unwrap());
    assert_eq!((s, e["code"].as_str()), (403, Some("forbidden")));

    // Uploads: not a video, and too large.
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, b"just some text, not a video".repeat(20)).unwrap();
    let form = reqwest::blocking::multipart::Form::new()
        .file("file", &text)
        .unwrap();
    let (s, e, _) = error_of(
        c.post(url("/v1/uploads"))
            .header("X-Api-Key", key)
            .multipart(form)
            .send()
            .unwrap(),
    );
    assert_eq!(
        (s, e["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let big = dir.path().join("big.mp4");
    std::fs::write(&big, vec![0u8; 200_000]).unwrap();
    let form = reqwest::blocking::multipart::Form::new()
        .file("file", &big)
        .unwrap();
    let (s, e, _) = error_of(
        c.post(url("/v1/uploads"))
            .header("X-Api-Key", key)
            .multipart(form)
            .send()
            .unwrap(),
    );
    assert_eq!((s, e["code"].as_str()), (413, Some("payload_too_large")));
    let leftovers = stored(&server.data_dir, "uploads");
    assert!(
        leftovers.is_empty(),
        "refused uploads leave no files: {leftovers:?}"
    );
}

#[test]
fn another_key_sees_404() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let (_, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "auto_start": false}),
    );
    let id = created["id"].as_str().unwrap();
    let other = create_key(&data, "someone-else")["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    for (method, path) in [
        ("GET", format!("/v1/jobs/{id}")),
        ("POST", format!("/v1/jobs/{id}/start")),
        ("POST", format!("/v1/jobs/{id}/cancel")),
    ] {
        let request = if method == "GET" {
            server.client.get(server.url(&path))
        } else {
            server.client.post(server.url(&path)).json(&json!({}))
        };
        let (s, e, _) = error_of(request.header("X-Api-Key", &other).send().unwrap());
        assert_eq!(
            (s, e["code"].as_str()),
            (404, Some("not_found")),
            "{method} {path}"
        );
    }
    let (s, e, _) = error_of(
        server
            .client
            .post(server.url("/v1/jobs"))
            .header("X-Api-Key", &other)
            .json(&json!({"video_url": upload["video_url"]}))
            .send()
            .unwrap(),
    );
    assert_eq!(
        (s, e["code"].as_str()),
        (404, Some("not_found")),
        "another key's upload"
    );
    let list: Value = server
        .client
        .get(server.url("/v1/jobs"))
        .header("X-Api-Key", &other)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(list["total"].as_i64(), Some(0));
}

#[test]
fn cancel_a_running_job() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let (_, upload) = server.upload("/v1/uploads", &clip("bikes.mp4"));
    let (_, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "original"}),
    );
    let id = created["id"].as_str().unwrap();
    server.wait_for(id, 60, |j| j["stage"] == "segmenting");
    let (status, canceled) = server.post(&format!("/v1/jobs/{id}/cancel"), &json!({}));
    assert_eq!(status, 200, "{canceled}");
    let asked = std::time::Instant::now();
    let job = server.wait_terminal(id, 30);
    assert_eq!(
        (
            job["status"].as_str(),
            job["stage"].as_str(),
            job["error_code"].as_str()
        ),
        (Some("failed"), Some("canceled"), Some("canceled"))
    );
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        asked.elapsed()
    );
    assert!(job["output_url"].is_null());
    for folder in ["outputs", "work"] {
        let left = stored(&server.data_dir, folder);
        assert!(
            left.is_empty(),
            "{folder}: no output or temp file left: {left:?}"
        );
    }
    let (status, e) = server.post(&format!("/v1/jobs/{id}/cancel"), &json!({}));
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );
}

#[test]
fn a_server_killed_mid_job_finishes_it_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("data"), &[("VIDMATTE_LEASE_SECONDS", "3")]);
    let (_, upload) = server.upload("/v1/uploads", &clip("bikes.mp4"));
    let (_, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    let id = created["id"].as_str().unwrap().to_string();
    server.wait_for(&id, 60, |j| j["progress"].as_i64().unwrap_or(0) >= 15);
    server.kill();
    server.restart();
    // Progress never goes back, also across the crash.
    let (_, after) = server.get(&format!("/v1/jobs/{id}"));
    assert!(after["progress"].as_i64().unwrap() >= 15, "{after}");
    let job = server.wait_terminal(&id, 240);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["frames"].as_i64(), Some(250));
    let outputs = stored(&server.data_dir, "outputs");
    assert_eq!(
        outputs,
        vec![format!("{id}.webm")],
        "one output, no temp files"
    );
    let response = server
        .client
        .get(job["output_url"].as_str().unwrap())
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    // Charged exactly once across the crash.
    assert_eq!(job["billing_status"], "charged");
    let (_, events) = server.get("/v1/usage/events?limit=100");
    let charges = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["job_id"] == id.as_str() && e["type"] == "charge")
        .count();
    assert_eq!(charges, 1, "{events}");
}

#[test]
fn external_urls_are_fetched_under_the_address_rules() {
    let dir = tempfile::tempdir().unwrap();
    let port = origin(vec![(
        "/clip.mp4",
        std::fs::read(carphone_1s(dir.path())).unwrap(),
    )]);
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_URL_ALLOWLIST", "127.0.0.1/32")],
    );

    let (status, created) = server.post(
        "/v1/jobs",
        &job_body(&format!("http://127.0.0.1:{port}/clip.mp4")),
    );
    assert_eq!(status, 201, "{created}");
    let job = server.wait_terminal(created["id"].as_str().unwrap(), 120);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["frames"].as_i64(), Some(30));

    // A redirect to the metadata address is re-checked and refused.
    let (_, created) = server.post(
        "/v1/jobs",
        &job_body(&format!("http://127.0.0.1:{port}/redirect")),
    );
    let job = server.wait_terminal(created["id"].as_str().unwrap(), 60);
    assert_eq!(
        (job["status"].as_str(), job["error_code"].as_str()),
        (Some("failed"), Some("source_unreachable")),
        "{job}"
    );

    // A hex spelling of a loopback address outside the allowlist is read
    // as the address it means and refused at once.
    let (status, refused) = server.post(
        "/v1/jobs",
        &job_body(&format!("http://0x7f000002:{port}/clip.mp4")),
    );
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["param"], "video_url", "{refused}");
}

#[test]
fn graceful_shutdown_requeues_and_the_next_start_finishes_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("data"), &[]);
    let (_, upload) = server.upload("/v1/uploads", &clip("bikes.mp4"));
    let (_, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    let id = created["id"].as_str().unwrap().to_string();
    server.wait_for(&id, 60, |j| j["progress"].as_i64().unwrap_or(0) >= 15);
    let took = server.terminate();
    assert!(
        took < std::time::Duration::from_secs(10),
        "shutdown took {took:?}"
    );
    let (_, requeued) = {
        server.start_again();
        server.get(&format!("/v1/jobs/{id}"))
    };
    assert_eq!(requeued["status"], "processing");
    // Requeued, not left leased: picked up again long before the 30 s lease could expire.
    server.wait_for(&id, 10, |j| j["stage"] == "segmenting");
    let job = server.wait_terminal(&id, 240);
    assert_eq!(job["status"], "completed", "{job}");
}

#[test]
fn progress_events_stream_until_the_job_ends() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let (_, created) = server.post("/v1/jobs", &job_body(upload["video_url"].as_str().unwrap()));
    let id = created["id"].as_str().unwrap();
    let events: Vec<(String, String, i64)> = job_events(&server, id)
        .into_iter()
        .map(|(event, job)| {
            (
                event,
                job["status"].as_str().unwrap().to_string(),
                job["progress"].as_i64().unwrap(),
            )
        })
        .collect();
    let last = events.last().expect("events");
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("status", "completed"),
        "{events:?}"
    );
    assert!(
        events.windows(2).all(|w| w[0].2 <= w[1].2),
        "progress is monotonic: {events:?}"
    );
}

#[test]
fn credits_are_reserved_charged_and_released_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[("VIDMATTE_ADMIN_TOKEN", "s3cret")]);
    let payer = create_key_with(&data, "payer", &["--credits", "1"]);
    let key = payer["api_key"].as_str().unwrap();
    assert_eq!(payer["credits"].as_i64(), Some(1));

    // 1 s with `human` (45/min) costs 1 credit: reserved, then charged once.
    let (_, upload) = server.upload_as(key, "/v1/uploads", &carphone_1s(dir.path()));
    let body = json!({"video_url": upload["video_url"], "model": "human"});
    let (status, created) = server.post_as(key, "/v1/jobs", &body);
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (
            created["job"]["billing_status"].as_str(),
            created["job"]["credits_estimated"].as_i64()
        ),
        (Some("reserved"), Some(1))
    );
    let id = created["id"].as_str().unwrap();
    let job = server.wait_for_as(key, id, 120, |j| j["status"] != "processing");
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(
        (
            job["billing_status"].as_str(),
            job["credits_charged"].as_i64()
        ),
        (Some("charged"), Some(1))
    );
    let (_, credits) = server.get_as(key, "/v1/credits");
    assert_eq!(
        (
            credits["remaining"].as_i64(),
            credits["used"].as_i64(),
            credits["unlimited"].as_bool()
        ),
        (Some(0), Some(1), Some(false))
    );

    // Nothing left: refused synchronously, for a started job and for a draft.
    for auto_start in [true, false] {
        let (status, e) = server.post_as(
            key,
            "/v1/jobs",
            &json!({"video_url": upload["video_url"], "model": "human", "auto_start": auto_start}),
        );
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (402, Some("insufficient_credits")),
            "{e}"
        );
    }

    // Top up; a canceled job gives its reservation back.
    let fingerprint = payer["key_fingerprint"].as_str().unwrap();
    let topped: Value = server
        .client
        .post(server.url("/v1/admin/keys/credits"))
        .header("X-Admin-Token", "s3cret")
        .json(&json!({"key_fingerprint": fingerprint, "amount": 10}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(topped["credits"].as_i64(), Some(10));
    let (_, upload) = server.upload_as(key, "/v1/uploads", &clip("bikes.mp4"));
    let (status, created) = server.post_as(
        key,
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "original"}),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["job"]["credits_estimated"].as_i64(), Some(10));
    let (_, credits) = server.get_as(key, "/v1/credits");
    assert_eq!(
        (credits["remaining"].as_i64(), credits["reserved"].as_i64()),
        (Some(0), Some(10))
    );
    let id = created["id"].as_str().unwrap();
    let (status, _) = server.post_as(key, &format!("/v1/jobs/{id}/cancel"), &json!({}));
    assert_eq!(status, 200);
    let job = server.wait_for_as(key, id, 30, |j| j["status"] != "processing");
    assert_eq!(
        (
            job["status"].as_str(),
            job["billing_status"].as_str(),
            job["credits_charged"].as_i64()
        ),
        (Some("failed"), Some("released"), Some(0))
    );
    let (_, credits) = server.get_as(key, "/v1/credits");
    assert_eq!(
        (credits["remaining"].as_i64(), credits["used"].as_i64()),
        (Some(10), Some(1))
    );

    let (_, events) = server.get_as(key, "/v1/usage/events?limit=10");
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["release", "reserve", "charge", "reserve"],
        "{events}"
    );
}

#[test]
fn idempotent_creates_make_one_job() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // 50 requests at once are more than the default burst (30): the rate
    // limit has its own test.
    let server = Server::start(&data, &[("VIDMATTE_RATE_LIMIT_BURST", "100")]);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let body = json!({"video_url": upload["video_url"], "model": "human", "auto_start": false});
    let results: Vec<(u16, Option<String>, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                s.spawn(|| {
                    let r = server
                        .client
                        .post(server.url("/v1/jobs"))
                        .header("X-Api-Key", &server.key)
                        .header("Idempotency-Key", "create-once")
                        .json(&body)
                        .send()
                        .unwrap();
                    let replayed = r
                        .headers()
                        .get("idempotent-replayed")
                        .map(|v| v.to_str().unwrap().to_string());
                    (r.status().as_u16(), replayed, r.json::<Value>().unwrap())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let created: Vec<_> = results.iter().filter(|r| r.0 == 201).collect();
    assert_eq!(created.len(), 1, "{results:?}");
    let id = created[0].2["id"].as_str().unwrap();
    for (status, replayed, body) in &results {
        match status {
            201 => {}
            200 => assert_eq!(
                (replayed.as_deref(), body["id"].as_str()),
                (Some("true"), Some(id))
            ),
            409 => assert_eq!(body["error"]["code"], "idempotency_in_progress"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let (_, list) = server.get("/v1/jobs");
    assert_eq!(list["total"].as_i64(), Some(1));

    // After the first finished: a replay, then a conflict for another body.
    let again = server
        .client
        .post(server.url("/v1/jobs"))
        .header("X-Api-Key", &server.key)
        .header("Idempotency-Key", "create-once")
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(
        (
            again.status().as_u16(),
            again.headers()["idempotent-replayed"].to_str().unwrap()
        ),
        (200, "true")
    );
    let other = json!({"video_url": upload["video_url"], "model": "light", "auto_start": false});
    let conflict: Value = server
        .client
        .post(server.url("/v1/jobs"))
        .header("X-Api-Key", &server.key)
        .header("Idempotency-Key", "create-once")
        .json(&other)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(conflict["error"]["code"], "idempotency_conflict");

    // Keys are scoped to the API key.
    let second = create_key(&data, "second")["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, upload2) = server.upload_as(&second, "/v1/uploads", &carphone_1s(dir.path()));
    let theirs = json!({"video_url": upload2["video_url"], "auto_start": false});
    let r = server
        .client
        .post(server.url("/v1/jobs"))
        .header("X-Api-Key", &second)
        .header("Idempotency-Key", "create-once")
        .json(&theirs)
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[test]
fn a_key_runs_at_most_two_jobs_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_WORKERS", "3"), ("VIDMATTE_THREADS", "1")],
    );
    let (_, upload) = server.upload("/v1/uploads", &clip("carphone_pristine.mp4"));
    for _ in 0..3 {
        let (status, _) = server.post("/v1/jobs", &job_body(upload["video_url"].as_str().unwrap()));
        assert_eq!(status, 201);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let mut most = 0;
    loop {
        let (_, list) = server.get("/v1/jobs");
        let jobs = list["jobs"].as_array().unwrap();
        let running = jobs
            .iter()
            .filter(|j| j["status"] == "processing" && j["stage"] != "queued")
            .count();
        most = most.max(running);
        if jobs.iter().all(|j| j["status"] == "completed") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{list}");
        // Under the key's default rate limit (10 requests/s).
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    assert_eq!(most, 2, "three workers, but a key runs two jobs at once");
}
