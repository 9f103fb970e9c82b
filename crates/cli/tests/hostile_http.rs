//! Holes a security review found in the HTTP surface, each closed against
//! the real server process: idempotency records for unauthenticated
//! requests, JSON bodies without a JSON Content-Type, special-purpose
//! addresses and local names, webhooks to refused addresses retried for a
//! day, credit adjustments that overflow, clients trickling their headers,
//! download links of disabled keys, and ffmpeg's heap addresses in errors.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::blocking::RequestBuilder;
use serde_json::{json, Value};
use support::receiver::Receiver;
use support::*;

const ADMIN: &str = "hostile-admin";

/// Sends a prepared request: (status, body, `Idempotent-Replayed` header).
fn send(request: RequestBuilder) -> (u16, Value, Option<String>) {
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_string());
    (status, response.json().unwrap_or(Value::Null), replayed)
}

fn draft(server: &Server) -> String {
    let (status, job) = server.post(
        "/v1/jobs",
        &json!({"video_url": "https://example.com/a.mp4", "auto_start": false}),
    );
    assert_eq!(status, 201, "{job}");
    job["id"].as_str().unwrap().to_string()
}

/// Disables or enables the key with this fingerprint.
fn set_disabled(server: &Server, fingerprint: &str, disabled: bool) {
    let route = if disabled { "disable" } else { "enable" };
    let body = json!({ "key_fingerprint": fingerprint });
    let (status, answer) = server.admin_post(ADMIN, &format!("/v1/admin/keys/{route}"), &body);
    assert_eq!(status, 200, "{answer}");
}

/// Reads for up to `wait`: true once the peer has closed the connection.
fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let until = Instant::now() + wait;
    let mut buf = [0u8; 512];
    while Instant::now() < until {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {} // an error response before the close is fine
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn requests_without_a_valid_key_leave_no_idempotency_record() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[("VIDMATTE_ADMIN_TOKEN", ADMIN)]);
    let body = json!({"video_url": "https://example.com/a.mp4", "auto_start": false});
    let post = |key: &str, idempotency: &str, body: &Value| {
        send(
            server
                .client
                .post(server.url("/v1/jobs"))
                .header("X-Api-Key", key)
                .header("Idempotency-Key", idempotency)
                .json(body),
        )
    };
    let junk = "vm_live_00000000000000000000000000000000";
    let (status, error, replayed) = post(junk, "k-junk", &body);
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (401, Some("invalid_api_key"))
    );
    assert_eq!(replayed, None);
    // Nothing was stored: the same request is answered afresh, and another
    // body under the same Idempotency-Key is no conflict.
    let (status, _, replayed) = post(junk, "k-junk", &body);
    assert_eq!((status, replayed), (401, None), "a 401 was replayed");
    let (status, error, _) = post(
        junk,
        "k-junk",
        &json!({"video_url": "https://example.com/b.mp4"}),
    );
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (401, Some("invalid_api_key")),
        "{error}"
    );
    // Distinct Idempotency-Keys for many junk requests: none is kept.
    for i in [0, 1, 2, 3, 4, 0, 1, 2, 3, 4] {
        let (status, _, replayed) = post(junk, &format!("k-many-{i}"), &body);
        assert_eq!((status, replayed), (401, None));
    }

    // A valid key still gets idempotency, under the same Idempotency-Key.
    let (status, first, replayed) = post(&server.key, "k-junk", &body);
    assert_eq!((status, replayed), (201, None), "{first}");
    let (status, again, replayed) = post(&server.key, "k-junk", &body);
    assert_eq!((status, replayed.as_deref()), (200, Some("true")));
    assert_eq!(again["id"], first["id"]);

    // A disabled key is refused like an unknown one, and leaves nothing.
    let other = create_key(&data, "other");
    let (other_key, other_fp) = (
        other["api_key"].as_str().unwrap(),
        other["key_fingerprint"].as_str().unwrap(),
    );
    set_disabled(&server, other_fp, true);
    let (status, _, _) = post(other_key, "k-disabled", &body);
    assert_eq!(status, 401);
    set_disabled(&server, other_fp, false);
    let (status, created, replayed) = post(other_key, "k-disabled", &body);
    assert_eq!((status, replayed), (201, None), "{created}");
}

#[test]
fn a_json_body_must_be_sent_as_application_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[("VIDMATTE_ADMIN_TOKEN", ADMIN)]);
    let raw = |path: &str, content_type: Option<&str>, body: &str| {
        let mut request = server
            .client
            .post(server.url(path))
            .header("X-Api-Key", &server.key)
            .header("X-Admin-Token", ADMIN)
            .body(body.to_string());
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let (status, body, _) = send(request);
        (status, body)
    };
    let assert_415 = |(status, body): (u16, Value), what: &str| {
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (415, Some("unsupported_media_type")),
            "{what}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("Content-Type: application/json"),
            "{message}"
        );
    };

    // /start with overrides but no Content-Type: refused, not ignored.
    let id = draft(&server);
    let start = format!("/v1/jobs/{id}/start");
    let overrides = r#"{"model": "light"}"#;
    assert_415(raw(&start, None, overrides), "start without Content-Type");
    assert_415(
        raw(&start, Some("text/plain"), overrides),
        "start as text/plain",
    );
    let (_, job) = server.get(&format!("/v1/jobs/{id}"));
    assert_eq!(job["status"], "created", "{job}");
    let (status, started) = raw(&start, Some("application/json; charset=utf-8"), overrides);
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["job"]["model"], "light", "{started}");

    // An optional body may be left out altogether.
    let id = draft(&server);
    let (status, started) = raw(&format!("/v1/jobs/{id}/start"), None, "");
    assert_eq!(status, 200, "{started}");
    let id = draft(&server);
    let cancel = format!("/v1/jobs/{id}/cancel");
    assert_415(
        raw(&cancel, Some("text/plain"), "please"),
        "cancel as text/plain",
    );
    let (status, canceled) = raw(&cancel, None, "");
    assert_eq!(status, 200, "{canceled}");

    // The same rule on every JSON POST route.
    let job = r#"{"video_url": "https://example.com/a.mp4", "auto_start": false}"#;
    assert_415(raw("/v1/jobs", None, job), "create without Content-Type");
    assert_415(
        raw("/v1/jobs", Some("text/plain"), job),
        "create as text/plain",
    );
    assert_415(raw("/api/process", None, job), "legacy process");
    assert_415(
        raw(
            "/v1/admin/keys",
            Some("application/x-www-form-urlencoded"),
            r#"{"client_id": "x"}"#,
        ),
        "admin create key",
    );
    let (status, created) = raw("/v1/jobs", Some("Application/JSON; charset=utf-8"), job);
    assert_eq!(status, 201, "{created}");
    // A required body left out is a 400 naming what to send.
    let (status, refused) = raw("/v1/jobs", None, "");
    assert_eq!(status, 400, "{refused}");
}

#[test]
fn special_purpose_addresses_and_local_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_RATE_LIMIT_BURST", "500")],
    );
    // Special-purpose blocks (IANA registries), local and metadata names.
    let refused = "192.0.0.192 192.0.2.10 198.18.0.1 198.19.7.7 198.51.100.1 203.0.113.5 \
        240.0.0.1 255.255.255.255 [2001:db8::1] [100::1] [2001:2::1] [2001::1] [fc00::1] \
        [ff02::1] [2002:c0a8:101::1] [2002:c612:1::1] metadata.goog metadata instance-data \
        instance-data.ec2.internal metadata.google.internal intranet db.internal \
        printer.local router.home.arpa app.localhost";
    for host in refused.split_whitespace() {
        let url = format!("http://{host}/a");
        let https = url.replacen("http://", "https://", 1);
        for (param, body) in [
            ("video_url", json!({"video_url": url, "auto_start": false})),
            (
                "webhook_url",
                json!({"video_url": "https://example.com/a.mp4", "auto_start": false, "webhook_url": https}),
            ),
        ] {
            let (status, error) = server.post("/v1/jobs", &body);
            assert_eq!(
                (status, error["error"]["param"].as_str()),
                (400, Some(param)),
                "{param} {url}: {error}"
            );
        }
    }
    for url in [
        "https://example.com/a.mp4",
        "https://[2606:4700::1111]/a.mp4",
    ] {
        let (status, job) =
            server.post("/v1/jobs", &json!({"video_url": url, "auto_start": false}));
        assert_eq!(status, 201, "{url}: {job}");
    }

    // The operator's allowlist still exempts names and networks.
    let exempt = Server::start(
        &dir.path().join("exempt"),
        &[(
            "VIDMATTE_URL_ALLOWLIST",
            "metadata.goog,nas.local,media,198.18.0.0/15",
        )],
    );
    for url in [
        "http://metadata.goog/a.mp4",
        "http://nas.local/a.mp4",
        "http://media/a.mp4",
        "http://198.18.0.7/a.mp4",
    ] {
        let (status, job) =
            exempt.post("/v1/jobs", &json!({"video_url": url, "auto_start": false}));
        assert_eq!(status, 201, "{url}: {job}");
    }
}

#[test]
fn a_webhook_refused_at_delivery_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Always 500: the first attempt fails and a retry is scheduled.
    let hooks = Receiver::start(usize::MAX);
    let mut before = Server::start(
        &data,
        &[
            ("VIDMATTE_URL_ALLOWLIST", "127.0.0.1"),
            ("VIDMATTE_WEBHOOK_ALLOW_HTTP", "true"),
        ],
    );
    let key = before.key.clone();
    let (status, job) = before.post(
        "/v1/jobs",
        &json!({"video_url": "https://example.com/a.mp4", "auto_start": false, "webhook_url": hooks.url()}),
    );
    assert_eq!(status, 201, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    let (status, canceled) = before.post(&format!("/v1/jobs/{id}/cancel"), &json!({}));
    assert_eq!(status, 200, "{canceled}");
    wait_until(60, "the first webhook attempt", || !hooks.all().is_empty());
    before.terminate();
    drop(before);

    // The operator withdraws the exemption: the receiver's address is now
    // refused, so the pending retry must fail the delivery, not reschedule
    // it for the rest of the day.
    let after = Server::start(&data, &[("VIDMATTE_WEBHOOK_ALLOW_HTTP", "true")]);
    let attempts = hooks.all().len();
    // The retry is due 5-10 s after the first attempt, or once a lease left
    // by the stopped server runs out (60 s).
    let job = after.wait_for_as(&key, &id, 180, |j| {
        j["webhook_events"]["job.failed"] != "pending"
    });
    assert_eq!(job["webhook_events"]["job.failed"], "failed", "{job}");
    assert_eq!(
        hooks.all().len(),
        attempts,
        "the refused address was contacted"
    );
}

#[test]
fn credit_adjustments_stay_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[("VIDMATTE_ADMIN_TOKEN", ADMIN)]);
    let limited = create_key_with(&data, "limited", &["--credits", "100"]);
    let fp = limited["key_fingerprint"].as_str().unwrap();
    let adjust = |amount: Value| {
        server.admin_post(
            ADMIN,
            "/v1/admin/keys/credits",
            &json!({"key_fingerprint": fp, "amount": amount}),
        )
    };
    let balance = || {
        let request = server.client.get(server.url("/v1/admin/keys"));
        let keys = send(request.header("X-Admin-Token", ADMIN)).1;
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key_fingerprint"] == fp)
            .unwrap()["credits"]
            .clone()
    };
    for amount in [
        json!(i64::MIN),
        json!(i64::MAX),
        json!(-1_000_000_000_000_000_000i64),
        json!(1_000_000_000_001i64),
        // Within the amount's bounds, but more than the balance.
        json!(-1_000_000_000_000i64),
        json!(-101),
        json!(1.5),
        json!("10"),
    ] {
        let (status, error) = adjust(amount.clone());
        assert_eq!(
            (
                status,
                error["error"]["code"].as_str(),
                error["error"]["param"].as_str()
            ),
            (400, Some("invalid_request"), Some("amount")),
            "{amount}: {error}"
        );
        assert_eq!(balance(), json!(100), "after {amount}");
    }
    let (status, done) = adjust(json!(-100));
    assert_eq!((status, &done["credits"]), (200, &json!(0)), "{done}");
    let (status, done) = adjust(json!(1_000_000_000_000i64));
    assert_eq!(
        (status, &done["credits"]),
        (200, &json!(1_000_000_000_000i64))
    );
    assert_eq!(balance(), json!(1_000_000_000_000i64));
}

#[test]
fn a_client_that_trickles_its_headers_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_HEADER_READ_TIMEOUT_SECONDS", "3")],
    );
    let address = server.base.trim_start_matches("http://").to_string();
    let mut slow = TcpStream::connect(&address).unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHo").unwrap();
    let started = Instant::now();
    let (mut closed, mut served_meanwhile) = (false, false);
    while !closed && started.elapsed() < Duration::from_secs(40) {
        // One more header byte every 2 s; a closed socket refuses it.
        closed = slow.write_all(b"s").is_err() || closed_within(&mut slow, Duration::from_secs(2));
        if !closed && !served_meanwhile {
            let (status, _) = server.get("/health");
            assert_eq!(status, 200);
            served_meanwhile = true;
        }
    }
    assert!(
        closed,
        "the server kept a trickling connection open for 40 s"
    );

    // Keep-alive still works: two requests on one connection.
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    stream
        .write_all(format!("{request}{request}").as_bytes())
        .unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while seen.matches("HTTP/1.1 200").count() < 2 {
        let n = stream
            .read(&mut buf)
            .expect("both answers on one connection");
        assert!(n > 0, "closed after {seen:?}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

#[test]
fn a_disabled_keys_download_links_stop_working() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[("VIDMATTE_ADMIN_TOKEN", ADMIN)]);
    let clip = carphone_1s(dir.path());
    let (status, upload) = server.upload("/v1/uploads", &clip);
    assert_eq!(status, 201, "{upload}");
    let video = format!("upload://{}", upload["video_id"].as_str().unwrap());
    let id = server.create_job_as(
        &server.key,
        &json!({"video_url": video, "model": "light", "output_format": "webm"}),
    );
    let job = server.wait_terminal(&id, 600);
    assert_eq!(job["status"], "completed", "{job}");
    let link = job["output_url"].as_str().unwrap().to_string();
    let download = || {
        let response = server.client.get(&link).send().unwrap();
        let status = response.status().as_u16();
        let body = response.bytes().unwrap();
        (status, body)
    };
    assert_eq!(download().0, 200);
    let fingerprint = server.fingerprint(ADMIN);
    set_disabled(&server, &fingerprint, true);
    let (status, body) = download();
    assert_eq!(status, 404);
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["code"], "not_found", "{error}");
    set_disabled(&server, &fingerprint, false);
    let (status, body) = download();
    assert_eq!(status, 200);
    assert!(!body.is_empty());
}

#[test]
fn ffmpeg_heap_addresses_do_not_reach_error_messages() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    // A Matroska file cut short: ffprobe reads its header, ffmpeg then
    // fails with "[matroska,webm @ 0x…] File ended prematurely".
    let mkv = dir.path().join("whole.mkv");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(carphone_1s(dir.path()))
        .args(["-c", "copy"])
        .arg(&mkv)
        .status()
        .unwrap();
    assert!(status.success());
    let cut = dir.path().join("cut.mkv");
    std::fs::write(&cut, &std::fs::read(&mkv).unwrap()[..2000]).unwrap();
    let (status, upload) = server.upload("/v1/uploads", &cut);
    let message = if status == 201 {
        let video = format!("upload://{}", upload["video_id"].as_str().unwrap());
        let id = server.create_job_as(
            &server.key,
            &json!({"video_url": video, "model": "light", "output_format": "webm"}),
        );
        let job = server.wait_terminal(&id, 300);
        assert_eq!(job["status"], "failed", "{job}");
        job["error"].as_str().unwrap_or_default().to_string()
    } else {
        upload["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(!message.is_empty());
    assert!(!message.contains("@ 0x"), "{message}");
}
