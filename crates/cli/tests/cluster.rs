//! The several-machines topology as separate processes (scripts/cluster.sh:
//! 2 API nodes and 2 workers on one PostgreSQL database and one S3 bucket,
//! both real servers the script finds or starts): jobs created through
//! both nodes; a worker and an API node killed with -9 mid-job; every job
//! completes once, is charged once, announces each event once, and
//! downloads through the surviving node. One idempotent create sent to both
//! nodes at once makes one job; a burst split across both nodes is held to
//! one bucket.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use reqwest::blocking::{multipart, Client};
use serde_json::{json, Value};
use support::receiver::Receiver;
use support::*;

const ADMIN: &str = "cluster-admin";

/// Stops every node listed in the cluster folder and drops its database,
/// however the test ends.
struct Cluster<'a>(&'a Path);

impl Drop for Cluster<'_> {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/cluster.sh"))
            .arg("stop")
            .arg(self.0)
            .status();
        let env = std::fs::read_to_string(self.0.join("env")).unwrap_or_default();
        let url = env
            .lines()
            .find_map(|l| l.strip_prefix("export VIDMATTE_DATABASE_URL="));
        if let Some((server, database)) = url.and_then(|u| u.rsplit_once('/')) {
            let _ = Command::new("psql")
                .arg(format!("{server}/postgres"))
                .arg("-qc")
                .arg(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                .status();
        }
    }
}

struct Node {
    name: String,
    pid: u32,
    url: String,
}

fn start_cluster(dir: &Path) -> Vec<Node> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/cluster.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("start")
        .arg(dir)
        .env("VIDMATTE_BIN", BIN)
        .env("VIDMATTE_LEASE_SECONDS", "3")
        .env("VIDMATTE_THREADS", "1")
        .env("VIDMATTE_ADMIN_TOKEN", ADMIN)
        .env("VIDMATTE_RATE_LIMIT_PER_SECOND", "1000")
        .env("VIDMATTE_RATE_LIMIT_BURST", "1000")
        .env("VIDMATTE_WEBHOOK_ALLOW_HTTP", "true")
        .env("VIDMATTE_URL_ALLOWLIST", "127.0.0.1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cluster.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("nodes"))
        .unwrap()
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            Node {
                name: parts[0].into(),
                pid: parts[2].parse().unwrap(),
                url: parts[3].into(),
            }
        })
        .collect()
}

fn kill_9(node: &Node) {
    let status = Command::new("kill")
        .args(["-9", &node.pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -9 {}", node.name);
}

fn json_of(response: reqwest::blocking::Response) -> (u16, Value) {
    (
        response.status().as_u16(),
        response.json().unwrap_or(Value::Null),
    )
}

#[test]
fn two_api_nodes_and_two_workers_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let _cluster = Cluster(dir.path());
    let nodes = start_cluster(dir.path());
    let node = |name: &str| nodes.iter().find(|n| n.name == name).unwrap();
    let (api1, api2, worker1) = (node("api1"), node("api2"), node("worker1"));
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let get = |base: &str, key: &str, path: &str| {
        json_of(
            client
                .get(format!("{base}{path}"))
                .header("X-Api-Key", key)
                .send()
                .unwrap(),
        )
    };
    let post = |base: &str, key: &str, path: &str, body: &Value| {
        json_of(
            client
                .post(format!("{base}{path}"))
                .header("X-Api-Key", key)
                .json(body)
                .send()
                .unwrap(),
        )
    };
    let admin = |base: &str, path: &str, body: &Value| {
        json_of(
            client
                .post(format!("{base}{path}"))
                .header("X-Admin-Token", ADMIN)
                .json(body)
                .send()
                .unwrap(),
        )
    };

    // A key made on one node works on the other (one database).
    let (status, jobs_key) = admin(
        &api1.url,
        "/v1/admin/keys",
        &json!({"client_id": "jobs", "credits": 1000}),
    );
    assert_eq!(status, 201, "{jobs_key}");
    let key = jobs_key["api_key"].as_str().unwrap().to_string();
    let secret = jobs_key["webhook_secret"].as_str().unwrap().to_string();
    let (status, _) = get(&api2.url, &key, "/v1/credits");
    assert_eq!(status, 200);

    // Uploads through either node land in the bucket.
    let upload = |base: &str, file: &Path| {
        let form = multipart::Form::new().file("file", file).unwrap();
        json_of(
            client
                .post(format!("{base}/v1/uploads"))
                .header("X-Api-Key", &key)
                .multipart(form)
                .send()
                .unwrap(),
        )
    };
    let (status, long) = upload(&api1.url, &clip("bikes.mp4"));
    assert_eq!(status, 201, "{long}");
    let (status, short) = upload(&api2.url, &carphone_1s(dir.path()));
    assert_eq!(status, 201, "{short}");

    // A key allowed one running job: with both workers free, its two jobs
    // still run one after the other.
    let (status, capped) = admin(&api2.url, "/v1/admin/keys", &json!({"client_id": "capped"}));
    assert_eq!(status, 201, "{capped}");
    let (status, limited) = admin(
        &api1.url,
        "/v1/admin/keys/limits",
        &json!({"key_fingerprint": capped["key_fingerprint"], "max_running_jobs": 1}),
    );
    assert_eq!(status, 200, "{limited}");
    let capped_key = capped["api_key"].as_str().unwrap();
    let (status, own) = {
        let form = multipart::Form::new()
            .file("file", carphone_1s(dir.path()))
            .unwrap();
        json_of(
            client
                .post(format!("{}/v1/uploads", api1.url))
                .header("X-Api-Key", capped_key)
                .multipart(form)
                .send()
                .unwrap(),
        )
    };
    assert_eq!(status, 201, "{own}");
    let pair: Vec<String> = [&api1.url, &api2.url]
        .into_iter()
        .map(|base| {
            let (status, job) = post(
                base,
                capped_key,
                "/v1/jobs",
                &json!({"video_url": own["video_url"], "model": "light"}),
            );
            assert_eq!(status, 201, "{job}");
            job["id"].as_str().unwrap().to_string()
        })
        .collect();
    let mut most_at_once = 0;
    wait_until(300, "both capped jobs to end", || {
        // Both jobs from one listing (one query, one snapshot): two GETs in
        // a row can see the first still processing and the second already
        // started after the first ended, on a busy machine.
        let (_, listing) = get(&api2.url, capped_key, "/v1/jobs?limit=10");
        let jobs: Vec<Value> = listing["jobs"]
            .as_array()
            .expect("a job listing")
            .iter()
            .filter(|j| pair.iter().any(|id| j["id"] == id.as_str()))
            .cloned()
            .collect();
        assert_eq!(jobs.len(), 2, "{listing}");
        let running = jobs
            .iter()
            .filter(|j| j["status"] == "processing" && j["stage"] != "queued")
            .count();
        most_at_once = most_at_once.max(running);
        jobs.iter().all(|j| j["status"] == "completed")
    });
    assert_eq!(most_at_once, 1, "a cap of 1 held across two workers");

    // One Idempotency-Key sent to both nodes at once makes one job.
    let (_, before) = get(&api1.url, &key, "/v1/jobs?limit=1");
    let body = json!({"video_url": short["video_url"], "model": "light", "auto_start": false});
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let sent: Vec<_> = [&api1.url, &api2.url]
            .into_iter()
            .map(|base| {
                let (client, key, body) = (&client, &key, &body);
                scope.spawn(move || {
                    json_of(
                        client
                            .post(format!("{base}/v1/jobs"))
                            .header("X-Api-Key", key)
                            .header("Idempotency-Key", "same-create")
                            .json(body)
                            .send()
                            .unwrap(),
                    )
                })
            })
            .collect();
        sent.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // The second to arrive is either told the first is in flight (409) or,
    // when the first has already finished, gets its answer replayed (200).
    assert_eq!(
        answers.iter().filter(|(status, _)| *status == 201).count(),
        1,
        "{answers:?}"
    );
    let made: Vec<&str> = answers
        .iter()
        .filter(|(status, _)| matches!(status, 200 | 201))
        .map(|(_, job)| job["id"].as_str().unwrap())
        .collect();
    assert!(made.iter().all(|id| *id == made[0]), "{answers:?}");
    for (status, answer) in &answers {
        assert!(
            matches!(status, 200 | 201) || answer["error"]["code"] == "idempotency_in_progress",
            "{answers:?}"
        );
    }
    let (_, after) = get(&api2.url, &key, "/v1/jobs?limit=1");
    assert_eq!(
        after["total"].as_i64(),
        before["total"].as_i64().map(|t| t + 1)
    );

    // Jobs created alternately through both nodes.
    let hooks = Receiver::start(0);
    let ids: Vec<String> = (0..4)
        .map(|i| {
            let base = if i % 2 == 0 { &api1.url } else { &api2.url };
            let (status, job) = post(
                base,
                &key,
                "/v1/jobs",
                &json!({"video_url": long["video_url"], "model": "light", "webhook_url": hooks.url()}),
            );
            assert_eq!(status, 201, "{job}");
            job["id"].as_str().unwrap().to_string()
        })
        .collect();
    // Both workers busy (a job each past its first frames), then a worker
    // and an API node die.
    wait_until(300, "two jobs running at once", || {
        ids.iter()
            .filter(|id| {
                let (_, job) = get(&api2.url, &key, &format!("/v1/jobs/{id}"));
                job["status"] == "processing" && job["progress"].as_i64().unwrap_or(0) >= 10
            })
            .count()
            == 2
    });
    kill_9(worker1);
    kill_9(api1);

    let mut charged = 0;
    for id in &ids {
        let mut job = Value::Null;
        wait_until(600, "every job to end", || {
            job = get(&api2.url, &key, &format!("/v1/jobs/{id}")).1;
            job["status"] != "processing"
        });
        assert_eq!(job["status"], "completed", "{job}");
        assert_eq!(job["frames"].as_i64(), Some(250), "{job}");
        charged += job["credits_charged"].as_i64().unwrap();
        // Its output downloads through the surviving node (a redirect to
        // the bucket).
        let url = job["output_url"].as_str().unwrap();
        assert!(url.starts_with(&api2.url), "{url}");
        let output = client.get(url).send().unwrap();
        assert_eq!(output.status(), 200, "{url}");
        let bytes = output.bytes().unwrap();
        assert_eq!(&bytes[..4], [0x1a, 0x45, 0xdf, 0xa3], "{id}: a WebM file");
    }
    let (_, events) = get(&api2.url, &key, "/v1/usage/events?limit=100");
    for id in &ids {
        let count = |kind: &str| usage_events_of(&events, id, kind);
        assert_eq!(
            (count("reserve"), count("charge"), count("release")),
            (1, 1, 0),
            "{id}: {events}"
        );
    }
    let (_, credits) = get(&api2.url, &key, "/v1/credits");
    assert_eq!(
        credits["remaining"].as_i64(),
        Some(1000 - charged),
        "{credits}"
    );
    wait_until(120, "every webhook", || {
        ids.iter().all(|id| hooks.events_of(id).len() == 2)
    });
    for id in &ids {
        let names: Vec<String> = hooks.events_of(id).into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["job.completed", "job.started"], "{id}");
    }
    assert!(hooks.all().iter().all(|r| r.signature_valid(&secret)));

    // A burst split across both nodes gets one bucket's worth. api1 is
    // gone, so a third API node joins with the shared settings.
    let api3_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let api3_url = format!("http://127.0.0.1:{api3_port}");
    let mut api3 = Command::new("bash")
        .arg("-c")
        .arg(format!(
            ". '{}/env' && exec '{BIN}' serve --workers 0 --listen 127.0.0.1:{api3_port} --data-dir '{}/api3' 2>>'{}/api3.log'",
            dir.path().display(),
            dir.path().display(),
            dir.path().display()
        ))
        .env("VIDMATTE_ADMIN_TOKEN", ADMIN)
        .spawn()
        .unwrap();
    // Listed with the others, so the cluster's stop ends it too.
    std::fs::write(
        dir.path().join("nodes"),
        std::fs::read_to_string(dir.path().join("nodes")).unwrap()
            + &format!("api3 api {} {api3_url}\n", api3.id()),
    )
    .unwrap();
    wait_until(120, "a third API node", || {
        client
            .get(format!("{api3_url}/health"))
            .send()
            .is_ok_and(|r| r.status().is_success())
    });
    let (status, bursty) = admin(&api3_url, "/v1/admin/keys", &json!({"client_id": "bursty"}));
    assert_eq!(status, 201, "{bursty}");
    let (status, limited) = admin(
        &api2.url,
        "/v1/admin/keys/limits",
        &json!({"key_fingerprint": bursty["key_fingerprint"], "requests_per_second": 0.01, "burst": 10}),
    );
    assert_eq!(status, 200, "{limited}");
    let bursty_key = bursty["api_key"].as_str().unwrap();
    let admitted = (0..30)
        .filter(|i| {
            let base = if i % 2 == 0 { &api2.url } else { &api3_url };
            get(base, bursty_key, "/v1/credits").0 == 200
        })
        .count();
    let _ = api3.kill();
    let _ = api3.wait();
    assert_eq!(admitted, 10, "one bucket of 10 across both nodes");
    println!(
        "cluster: {} jobs through 2 API nodes and 2 workers, worker1 and api1 killed -9 mid-job, {charged} credits charged",
        ids.len()
    );
}
