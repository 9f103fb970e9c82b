//! What a new user of the API meets in the first hour, on a real server:
//! queue positions, the legacy download's progress, metrics that exist from
//! the start, job ids on request log lines, per-model measured speed, and
//! `keys` that say which store they use.

mod support;

use std::process::Command;

use serde_json::{json, Value};
use support::*;

#[test]
fn waiting_jobs_show_their_place_and_the_download_says_how_far() {
    let dir = tempfile::tempdir().unwrap();
    // No workers: the jobs stay queued, so positions are exact.
    let server = Server::start(&dir.path().join("data"), &[("VIDMATTE_WORKERS", "0")]);
    let metrics = reqwest::blocking::get(server.url("/metrics"))
        .unwrap()
        .text()
        .unwrap();
    for series in [
        "vidmatte_rate_limited_total{route=\"/v1/jobs\"} 0",
        "vidmatte_webhook_deliveries_total{event=\"job.completed\",outcome=\"sent\"} 0",
        "vidmatte_jobs_finished_total{model=\"human\",outcome=\"completed\"} 0",
        "vidmatte_webhook_delivery_seconds_count 0",
    ] {
        assert!(
            metrics.contains(series),
            "{series} missing at start:\n{metrics}"
        );
    }

    let clip = carphone_frames(dir.path(), 3);
    let (status, upload) = server.upload("/v1/uploads", &clip);
    assert_eq!(status, 201, "{upload}");
    let body = json!({"video_url": upload["video_url"], "model": "light"});
    let ids: Vec<String> = (1..=3)
        .map(|place| {
            let (status, made) = server.post("/v1/jobs", &body);
            assert_eq!(status, 201, "{made}");
            let job = &made["job"];
            assert_eq!(
                (&job["status"], &job["stage"]),
                (&json!("processing"), &json!("queued"))
            );
            assert_eq!(job["queue_position"], place, "{job}");
            job["id"].as_str().unwrap().to_string()
        })
        .collect();
    let (_, third) = server.get(&format!("/v1/jobs/{}", ids[2]));
    assert_eq!(third["queue_position"], 3, "{third}");
    let (status, _) = server.post(&format!("/v1/jobs/{}/cancel", ids[0]), &json!({}));
    assert_eq!(status, 200);
    let (_, list) = server.get("/v1/jobs?limit=10");
    let place = |id: &str| -> Value {
        list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["id"] == id)
            .unwrap()["queue_position"]
            .clone()
    };
    assert_eq!(place(&ids[0]), Value::Null, "a canceled job has no place");
    assert_eq!((place(&ids[1]), place(&ids[2])), (json!(1), json!(2)));

    // The vendor's download route before completion: a 400 with progress.
    let (status, answer) = server.get(&format!("/api/download/{}", ids[1]));
    assert_eq!(status, 400, "{answer}");
    let error = &answer["error"];
    assert_eq!(error["code"], "invalid_state");
    assert_eq!(
        (&error["status"], &error["stage"], &error["progress"]),
        (&json!("processing"), &json!("queued"), &json!(0)),
        "{error}"
    );
    assert_eq!(
        error["message"], "Job not completed",
        "the contract's words"
    );

    // Request log lines of a job's routes, and of its creation, name it.
    let log = std::fs::read_to_string(server.log_path()).unwrap();
    for (id, route) in [
        (&ids[1], "/api/download/{job_id}"),
        (&ids[0], "/v1/jobs/{id}/cancel"),
        (&ids[2], "/v1/jobs"),
    ] {
        assert!(
            log.lines().any(|l| l.contains(route)
                && l.contains("job_id")
                && l.contains(id.as_str())
                && l.contains("status")),
            "no request line for {route} names {id}:\n{}",
            server.log_tail(3000)
        );
    }

    // The models, what each is for, and no speed before any job ran.
    let (status, models) = server.get("/v1/models");
    assert_eq!(status, 200, "{models}");
    let models = models["models"].as_array().unwrap();
    assert_eq!(models.len(), 4);
    let human = models.iter().find(|m| m["model"] == "human").unwrap();
    assert!(
        human["best_for"].as_str().unwrap().contains("people"),
        "{human}"
    );
    assert!(models.iter().all(|m| m["measured_fps"].is_null()));
}

#[test]
fn models_report_the_speed_this_server_measured() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let clip = carphone_frames(dir.path(), 4);
    let (_, upload) = server.upload("/v1/uploads", &clip);
    let id = server.create_job_as(
        &server.key,
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    let job = server.wait_terminal(&id, 300);
    assert_eq!(job["status"], "completed", "{job}");
    let (_, models) = server.get("/v1/models");
    let light = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "light")
        .unwrap()
        .clone();
    assert_eq!(light["jobs_measured"], 1, "{light}");
    assert_eq!(light["frames_measured"], 4, "{light}");
    assert!(light["measured_fps"].as_f64().unwrap() > 0.0, "{light}");
}

#[test]
fn keys_say_which_store_they_use() {
    let dir = tempfile::tempdir().unwrap();
    let keys = |args: &[&str]| {
        Command::new(BIN)
            .arg("keys")
            .args(args)
            .current_dir(dir.path())
            .env_remove("VIDMATTE_DATA_DIR")
            .env_remove("VIDMATTE_DATABASE_URL")
            .output()
            .unwrap()
    };
    let store = dir.path().canonicalize().unwrap().join("vidmatte-data");
    let listed = keys(&["list"]);
    assert!(!listed.status.success());
    let said = String::from_utf8_lossy(&listed.stderr);
    assert!(
        said.contains("no store at") && said.contains("--data-dir"),
        "{said}"
    );
    assert!(!store.exists(), "list made no store");

    let made = keys(&["create", "--client-id", "me"]);
    assert!(made.status.success());
    let said = String::from_utf8_lossy(&made.stderr);
    assert!(
        said.contains("made a new one") && said.contains(store.to_str().unwrap()),
        "{said}"
    );
    let key: Value = serde_json::from_slice(&made.stdout).unwrap();
    assert!(key["api_key"].as_str().unwrap().starts_with("vm_"));
    let again = keys(&["create", "--client-id", "you"]);
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.contains("Stored in") && !said.contains("new one"),
        "{said}"
    );
    let listed = keys(&["list"]);
    assert!(listed.status.success());
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 2);
}

#[test]
fn another_format_of_a_finished_job_reuses_its_matte() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let clip = carphone_frames(dir.path(), 6);
    let (_, upload) = server.upload("/v1/uploads", &clip);
    let first = server.create_job_as(
        &server.key,
        &json!({"video_url": upload["video_url"], "model": "human", "output_format": "webm"}),
    );
    let done = server.wait_terminal(&first, 300);
    assert_eq!(done["status"], "completed", "{done}");
    let (width, _, frames) = decode_webm(&support::frames::download(&server, &done), dir.path());
    assert_eq!(frames.len(), 6);

    let formats = format!("/v1/jobs/{first}/formats");
    let (status, made) = server.post(&formats, &json!({"output_format": "mov"}));
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["job"]["matte_of"], first.as_str());
    let second = made["id"].as_str().unwrap().to_string();
    let mov = server.wait_terminal(&second, 300);
    assert_eq!(mov["status"], "completed", "{mov}");
    assert_eq!(mov["credits_charged"], 0, "no model ran: {mov}");
    let path = dir.path().join("again.mov");
    std::fs::write(&path, support::frames::download(&server, &mov)).unwrap();
    let again = support::frames::decode(&path, width as usize, 144);
    assert_eq!(again.len(), 6);
    // The same matte: alpha agrees with the first output's (VP9 alpha is
    // lossy, so within a few levels on average).
    for (a, b) in frames.iter().zip(&again) {
        let diff: f64 = a
            .chunks_exact(4)
            .zip(b.chunks_exact(4))
            .map(|(p, q)| f64::from(p[3].abs_diff(q[3])))
            .sum::<f64>()
            / (a.len() / 4) as f64;
        assert!(diff < 3.0, "mean alpha difference {diff}");
    }
    let log = std::fs::read_to_string(server.log_path()).unwrap();
    assert!(
        log.contains("no model runs") && log.contains(&first),
        "{}",
        server.log_tail(2000)
    );

    // Over a colour, into an mp4: opaque green where the matte is clear.
    let (status, made) = server.post(
        &formats,
        &json!({"output_format": "mp4", "bg_type": "green"}),
    );
    assert_eq!(status, 201, "{made}");
    let green = server.wait_terminal(made["id"].as_str().unwrap(), 300);
    assert_eq!(green["status"], "completed", "{green}");
    let path = dir.path().join("green.mp4");
    std::fs::write(&path, support::frames::download(&server, &green)).unwrap();
    let opaque = support::frames::decode(&path, 176, 144);
    let clear = frames[3].chunks_exact(4).position(|p| p[3] == 0).unwrap();
    let px = &opaque[3][clear * 4..clear * 4 + 4];
    assert!(
        px[1] > 200 && px[0] < 60 && px[2] < 60,
        "green at a clear pixel: {px:?}"
    );

    // Only what needs no model may change, and only a finished job has a matte.
    let (status, refused) =
        server.post(&formats, &json!({"output_format": "gif", "model": "light"}));
    assert_eq!(
        (status, &refused["error"]["param"]),
        (400, &json!("model")),
        "{refused}"
    );
    let (_, draft) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "auto_start": false}),
    );
    let (status, refused) = server.post(
        &format!("/v1/jobs/{}/formats", draft["id"].as_str().unwrap()),
        &json!({"output_format": "gif"}),
    );
    assert_eq!(status, 409, "{refused}");
}
