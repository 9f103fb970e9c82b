//! The production guarantees of issue 4 against a real `vidmatte serve`:
//! signed webhooks with retries, rate limits, the address rules for both
//! URL parameters, and kill -9 at random points while jobs run.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use support::receiver::Receiver;
use support::*;

const ADMIN: &str = "s3cret";

const LOOPBACK_HOOKS: [(&str, &str); 2] = [
    ("VIDMATTE_URL_ALLOWLIST", "127.0.0.1/32"),
    ("VIDMATTE_WEBHOOK_ALLOW_HTTP", "true"),
];

#[test]
fn webhooks_are_signed_retried_and_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = Receiver::start(1);
    let server = Server::start(&dir.path().join("data"), &LOOPBACK_HOOKS);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let (status, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "light", "webhook_url": hooks.url()}),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let job = server.wait_terminal(&id, 120);
    assert_eq!(job["status"], "completed", "{job}");

    // The first delivery is refused; its retry comes about 5–10 s later.
    wait_until(40, "job.started and job.completed", || {
        hooks.events_of(&id).len() == 2
    });
    let all = hooks.all();
    let refused = &all[0];
    assert_eq!(refused.answered, 500);
    let delivery_id = refused.header("x-webhook-delivery-id");
    assert!(delivery_id.starts_with("dlv_"), "{delivery_id}");
    let retry = all[1..]
        .iter()
        .find(|r| r.header("x-webhook-delivery-id") == delivery_id)
        .expect("the refused delivery is retried under the same id");
    assert_eq!(retry.answered, 200);
    assert_eq!(retry.body, refused.body, "the body is fixed at the event");
    let gap = retry.at - refused.at;
    assert!(
        gap >= Duration::from_secs(4) && gap <= Duration::from_secs(15),
        "first retry after {gap:?}"
    );
    for r in &all {
        assert!(
            r.signature_valid(&server.webhook_secret),
            "bad signature: {r:?}"
        );
        assert!(!r.signature_valid("whsec_wrong"));
        let timestamp = r.header("x-webhook-timestamp");
        assert!(
            timestamp.len() >= 20 && timestamp.contains('T') && timestamp.ends_with('Z'),
            "{timestamp}"
        );
        let body = r.json();
        assert!(body["id"].as_str().unwrap().starts_with("evt_"), "{body}");
        assert_eq!(body["event"].as_str(), Some(r.header("x-webhook-event")));
        assert_eq!(body["data"]["id"], id.as_str());
    }
    let events: HashMap<String, Value> = hooks
        .accepted()
        .into_values()
        .map(|r| (r.header("x-webhook-event").to_string(), r.json()))
        .collect();
    assert_eq!(events["job.started"]["data"]["status"], "processing");
    let done = &events["job.completed"]["data"];
    assert_eq!(done["status"], "completed");
    assert!(
        done["output_url"].as_str().unwrap().contains("signature="),
        "{done}"
    );
    let (_, job) = server.get(&format!("/v1/jobs/{id}"));
    assert_eq!(
        job["webhook_events"],
        json!({"job.started": "sent", "job.completed": "sent"}),
        "{job}"
    );

    // A canceled draft announces job.failed (error_code canceled); an
    // unreachable source job.failed too, after its job.started.
    let (_, draft) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "auto_start": false, "webhook_url": hooks.url()}),
    );
    let draft_id = draft["id"].as_str().unwrap().to_string();
    let (status, _) = server.post(&format!("/v1/jobs/{draft_id}/cancel"), &json!({}));
    assert_eq!(status, 200);
    let (_, broken) = server.post(
        "/v1/jobs",
        &json!({"video_url": "http://127.0.0.1:1/gone.mp4", "webhook_url": hooks.url()}),
    );
    let broken_id = broken["id"].as_str().unwrap().to_string();
    assert_eq!(server.wait_terminal(&broken_id, 60)["status"], "failed");
    wait_until(20, "both job.failed", || {
        hooks.events_of(&draft_id).len() == 1 && hooks.events_of(&broken_id).len() == 2
    });
    assert_eq!(hooks.events_of(&draft_id)[0].0, "job.failed");
    let canceled = hooks.accepted()[&hooks.events_of(&draft_id)[0].1].json();
    assert_eq!(
        (&canceled["data"]["status"], &canceled["data"]["error_code"]),
        (&json!("failed"), &json!("canceled")),
        "{canceled}"
    );
    let names: Vec<String> = hooks
        .events_of(&broken_id)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(names, ["job.failed", "job.started"]);
}

#[test]
fn forbidden_urls_are_refused_for_video_url_and_webhook_url() {
    let dir = tempfile::tempdir().unwrap();
    // 60 requests in a row: more than the default burst.
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_RATE_LIMIT_BURST", "200")],
    );
    let forbidden = [
        "http://127.0.0.1/a",
        "http://localhost:8080/a",
        "http://vidmatte.localhost/a",
        "http://2130706433/a",
        "http://0177.0.0.1/a",
        "http://0x7f.0.0.1/a",
        "http://0x7f000001/a",
        "http://10.1.2.3/a",
        "http://172.16.0.1/a",
        "http://192.168.0.1/a",
        "http://100.64.0.1/a",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://0.0.0.0/a",
        "http://224.0.0.1/a",
        "http://[::1]/a",
        "http://[::]/a",
        "http://[::ffff:127.0.0.1]/a",
        "http://[::ffff:a9fe:a9fe]/a",
        "http://[64:ff9b::a00:1]/a",
        "http://[fd00:ec2::254]/a",
        "http://[fe80::1]/a",
        "http://user:secret@example.com/a",
        "ftp://example.com/a",
        "file:///etc/passwd",
        "gopher://example.com/a",
        "not a url",
    ];
    for url in forbidden {
        let https = url.replacen("http://", "https://", 1);
        for (param, body) in [
            ("video_url", json!({"video_url": url, "auto_start": false})),
            (
                "webhook_url",
                json!({"video_url": "https://example.com/a.mp4", "auto_start": false, "webhook_url": https}),
            ),
        ] {
            let (status, refused) = server.post("/v1/jobs", &body);
            assert_eq!(status, 400, "{param} {url}: {refused}");
            assert_eq!(refused["error"]["param"], param, "{url}: {refused}");
        }
    }
    // Plain http is refused for webhooks unless the operator allows it.
    let (status, refused) = server.post(
        "/v1/jobs",
        &json!({"video_url": "https://example.com/a.mp4", "auto_start": false, "webhook_url": "http://example.com/hook"}),
    );
    assert_eq!(
        (status, refused["error"]["param"].as_str()),
        (400, Some("webhook_url"))
    );
    // Public addresses pass (drafts: nothing is fetched).
    let (status, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": "http://93.184.215.14/a.mp4", "auto_start": false, "webhook_url": "https://example.com/hook"}),
    );
    assert_eq!(status, 201, "{created}");
}

#[test]
fn a_burst_gets_429_with_retry_after_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[("VIDMATTE_ADMIN_TOKEN", ADMIN)]);
    let body = json!({"video_url": "https://example.com/a.mp4", "auto_start": false});
    let results: Vec<(u16, reqwest::header::HeaderMap, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..60)
            .map(|_| {
                s.spawn(|| {
                    let r = server
                        .client
                        .post(server.url("/v1/jobs"))
                        .header("X-Api-Key", &server.key)
                        .json(&body)
                        .send()
                        .unwrap();
                    let headers = r.headers().clone();
                    (r.status().as_u16(), headers, r.json::<Value>().unwrap())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let created = results.iter().filter(|r| r.0 == 201).count();
    let limited: Vec<_> = results.iter().filter(|r| r.0 == 429).collect();
    assert_eq!(created + limited.len(), 60, "only 201 and 429, no 5xx");
    assert!((30..=40).contains(&created), "{created} created");
    for (_, headers, _) in &results {
        assert_eq!(headers["x-ratelimit-limit"], "30");
        let remaining: u32 = headers["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(remaining < 30);
        let reset: u64 = headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(reset >= now && reset <= now + 5, "reset {reset} now {now}");
    }
    for (_, headers, error) in &limited {
        assert_eq!(error["error"]["code"], "rate_limited", "{error}");
        let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=3).contains(&wait), "Retry-After {wait}");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
    }
    // After the wait the key is served again, and exactly the accepted jobs exist.
    std::thread::sleep(Duration::from_secs(2));
    let (status, list) = server.get("/v1/jobs?limit=100");
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"].as_u64(), Some(created as u64));

    // A per-key override: 1 request/s, burst 2; another key keeps the default.
    let admin = |path: &str, body: Value| server.admin_post(ADMIN, path, &body);
    let fingerprint = server.fingerprint(ADMIN);
    let fingerprint = fingerprint.as_str();
    let (status, key) = admin(
        "/v1/admin/keys/limits",
        json!({"key_fingerprint": fingerprint, "requests_per_second": 1, "burst": 2}),
    );
    assert_eq!(status, 200, "{key}");
    assert_eq!(
        (key["requests_per_second"].as_f64(), key["burst"].as_i64()),
        (Some(1.0), Some(2))
    );
    let (status, bad) = admin(
        "/v1/admin/keys/limits",
        json!({"key_fingerprint": fingerprint, "burst": -1}),
    );
    assert_eq!(
        (status, bad["error"]["param"].as_str()),
        (400, Some("burst"))
    );
    let statuses: Vec<(u16, String)> = (0..3)
        .map(|_| {
            let r = server
                .client
                .get(server.url("/v1/credits"))
                .header("X-Api-Key", &server.key)
                .send()
                .unwrap();
            (
                r.status().as_u16(),
                r.headers()["x-ratelimit-limit"]
                    .to_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [(200, "2".into()), (200, "2".into()), (429, "2".into())]
    );
    // Without a valid key the client's address has a bucket of its own:
    // guessing keys is throttled too, and 401s carry the headers.
    let guesses: Vec<u16> = (0..35)
        .map(|i| {
            let r = server
                .client
                .get(server.url("/v1/jobs"))
                .header("X-Api-Key", format!("vm_live_guess{i}"))
                .send()
                .unwrap();
            assert!(r.headers().contains_key("x-ratelimit-remaining"));
            r.status().as_u16()
        })
        .collect();
    assert!(guesses[..30].iter().all(|s| *s == 401), "{guesses:?}");
    assert_eq!(guesses[34], 429, "{guesses:?}");
    let other = create_key(&data, "other")["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(server.get_as(&other, "/v1/credits").0, 200);
}

#[test]
fn operator_limits_refuse_videos_outside_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[
            ("VIDMATTE_MAX_DURATION_SECONDS", "0.5"),
            ("VIDMATTE_MAX_PIXELS", "10000"),
        ],
    );
    let (status, refused) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "unprocessable_video", "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("176x144") || message.contains("second"),
        "{message}"
    );
    let leftovers = stored(&server.data_dir, "uploads");
    assert!(
        leftovers.is_empty(),
        "the refused upload is not kept: {leftovers:?}"
    );
}

/// "2026-11-27T06:26:27.55Z" as (date, seconds into the day).
fn instant(rfc3339: &str) -> (String, f64) {
    let (date, time) = rfc3339.trim_end_matches('Z').split_once('T').unwrap();
    let mut parts = time.split(':');
    let h: f64 = parts.next().unwrap().parse().unwrap();
    let m: f64 = parts.next().unwrap().parse().unwrap();
    let s: f64 = parts.next().unwrap().parse().unwrap();
    (date.to_string(), h * 3600.0 + m * 60.0 + s)
}

#[test]
fn a_key_override_caps_its_running_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(
        &data,
        &[("VIDMATTE_ADMIN_TOKEN", ADMIN), ("VIDMATTE_WORKERS", "2")],
    );
    let (status, _) = server.admin_post(
        ADMIN,
        "/v1/admin/keys/limits",
        &json!({"key_fingerprint": server.fingerprint(ADMIN), "max_running_jobs": 1}),
    );
    assert_eq!(status, 200);
    let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
    let ids: Vec<String> = (0..2)
        .map(|_| {
            let (status, job) = server.post(
                "/v1/jobs",
                &json!({"video_url": upload["video_url"], "model": "light"}),
            );
            assert_eq!(status, 201, "{job}");
            job["id"].as_str().unwrap().to_string()
        })
        .collect();
    let jobs: Vec<Value> = ids.iter().map(|id| server.wait_terminal(id, 120)).collect();
    assert!(jobs.iter().all(|j| j["status"] == "completed"), "{jobs:?}");
    // Two idle workers, but the second job only started once the first ended.
    let first_done = instant(jobs[0]["completed_at"].as_str().unwrap());
    let second_started = instant(jobs[1]["started_at"].as_str().unwrap());
    assert!(second_started >= first_done, "{jobs:?}");
}

/// A small xorshift: the chaos schedule varies per run, and the seed is
/// printed so a failing schedule can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn kill_9_at_random_points_loses_nothing() {
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("CHAOS_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let hooks = Receiver::start(0);
    let mut env = LOOPBACK_HOOKS.to_vec();
    env.push(("VIDMATTE_LEASE_SECONDS", "3"));
    let mut server = Server::start(&data, &env);
    let key = create_key_with(&data, "chaos", &["--credits", "1000"]);
    let api_key = key["api_key"].as_str().unwrap().to_string();
    let secret = key["webhook_secret"].as_str().unwrap().to_string();
    let (status, upload) = server.upload_as(&api_key, "/v1/uploads", &carphone_1s(dir.path()));
    assert_eq!(status, 201, "{upload}");
    let ids: Vec<String> = (0..4)
        .map(|_| {
            let (status, job) = server.post_as(
                &api_key,
                "/v1/jobs",
                &json!({"video_url": upload["video_url"], "model": "light", "webhook_url": hooks.url()}),
            );
            assert_eq!(status, 201, "{job}");
            job["id"].as_str().unwrap().to_string()
        })
        .collect();

    let kills = 5;
    for _ in 0..kills {
        std::thread::sleep(Duration::from_millis(300 + rng.below(2200)));
        server.kill();
        server.start_again();
    }

    let mut charged = 0;
    let mut outcomes = Vec::new();
    for id in &ids {
        let job = server.wait_terminal_as(&api_key, id, 300);
        outcomes.push(format!(
            "{}:{}cr",
            job["status"].as_str().unwrap(),
            job["credits_charged"]
        ));
        let completed = job["status"] == "completed";
        if !completed {
            // Only a job that lost its worker on every attempt may fail.
            assert_eq!(job["error_code"], "processing_failed", "{job}");
        }
        charged += job["credits_charged"].as_i64().unwrap();
    }
    let (_, events) = server.get_as(&api_key, "/v1/usage/events?limit=100");
    for id in &ids {
        let count = |kind: &str| usage_events_of(&events, id, kind);
        let (_, job) = server.get_as(&api_key, &format!("/v1/jobs/{id}"));
        let completed = job["status"] == "completed";
        assert_eq!(count("reserve"), 1, "{id}: {events}");
        assert_eq!(
            (count("charge"), count("release")),
            if completed { (1, 0) } else { (0, 1) },
            "{id}: {events}"
        );
    }
    let (_, credits) = server.get_as(&api_key, "/v1/credits");
    assert_eq!(
        credits["remaining"].as_i64(),
        Some(1000 - charged),
        "{credits}"
    );
    let restarts: Vec<u128> = server.start_times[1..]
        .iter()
        .map(|t| t.as_millis())
        .collect();
    println!(
        "chaos: {kills} kills, {} jobs ({}), {charged} credits charged, restarts up in {restarts:?} ms",
        ids.len(),
        outcomes.join(", ")
    );

    // Every job announced its start and its end exactly once (per delivery id).
    wait_until(60, "every webhook", || {
        ids.iter().all(|id| hooks.events_of(id).len() == 2)
    });
    for id in &ids {
        let (_, job) = server.get_as(&api_key, &format!("/v1/jobs/{id}"));
        let names: Vec<String> = hooks.events_of(id).into_iter().map(|e| e.0).collect();
        let end = format!("job.{}", job["status"].as_str().unwrap());
        let mut expected = vec![end, "job.started".to_string()];
        expected.sort();
        assert_eq!(names, expected, "{id}");
    }
    for r in hooks.all() {
        assert!(r.signature_valid(&secret), "{r:?}");
    }

    // The upload survived every crash: a new job from it completes.
    let (status, again) = server.post_as(
        &api_key,
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    assert_eq!(status, 201, "{again}");
    let job = server.wait_for_as(&api_key, again["id"].as_str().unwrap(), 120, |j| {
        j["status"] != "processing"
    });
    assert_eq!(job["status"], "completed", "{job}");
}
