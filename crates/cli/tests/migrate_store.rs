//! `vidmatte migrate-store`: a one-box install (SQLite and files) with a
//! finished job moves to PostgreSQL, and everything its users hold keeps
//! working there: the same API key, its balance and usage, the job, and
//! the download link it was given before the move.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::json;
use support::*;

/// A PostgreSQL base URL (scripts/postgres.sh finds or starts one).
fn postgres() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh");
    let out = Command::new("bash").arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn a_one_box_store_moves_to_postgres_without_new_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sqlite = format!("sqlite://{}", data.join("vidmatte.db").display());
    let env = [("VIDMATTE_DATABASE_URL", sqlite.as_str())];
    let mut before = Server::start(&data, &env);
    let (status, upload) = before.upload("/v1/uploads", &carphone_1s(dir.path()));
    assert_eq!(status, 201, "{upload}");
    let (status, created) = before.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "light", "metadata": {"order": "7"}}),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let job = before.wait_terminal(&id, 120);
    assert_eq!(job["status"], "completed", "{job}");
    let link = job["output_url"].as_str().unwrap().to_string();
    let (_, credits) = before.get("/v1/credits");
    let (_, usage) = before.get("/v1/usage/events?limit=100");
    before.terminate();

    let pg = postgres();
    let database = format!("vmt_migrate_{}", std::process::id());
    let url = format!("{pg}/{database}");
    let _ = Command::new("psql")
        .args([
            &format!("{pg}/postgres"),
            "-qc",
            &format!("DROP DATABASE IF EXISTS {database}"),
        ])
        .status();
    let made = Command::new("psql")
        .args([
            &format!("{pg}/postgres"),
            "-qc",
            &format!("CREATE DATABASE {database}"),
        ])
        .status()
        .unwrap();
    assert!(made.success());
    let out = Command::new(BIN)
        .args(["migrate-store", "--from", &sqlite, "--to", &url])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("jobs") && printed.contains("1 rows"),
        "{printed}"
    );
    // A second copy into the same database is refused.
    let again = Command::new(BIN)
        .args(["migrate-store", "--from", &sqlite, "--to", &url])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty database"));

    // The same files, now on PostgreSQL; the key made before the move.
    let after = Server::start(&data, &[("VIDMATTE_DATABASE_URL", url.as_str())]);
    let (status, moved) = after.get_as(&before.key, &format!("/v1/jobs/{id}"));
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["status"], "completed");
    assert_eq!(moved["metadata"], json!({"order": "7"}));
    assert_eq!(moved["frames"], job["frames"]);
    assert_eq!(after.get_as(&before.key, "/v1/credits").1, credits);
    assert_eq!(
        after.get_as(&before.key, "/v1/usage/events?limit=100").1,
        usage
    );
    // The link handed out before the move (signed with the moved secret,
    // served by the new node on the old port's path).
    let path = &link[link.find("/v1/").unwrap()..];
    let output = after.client.get(after.url(path)).send().unwrap();
    assert_eq!(output.status(), 200, "{link}");
    assert_eq!(&output.bytes().unwrap()[..4], [0x1a, 0x45, 0xdf, 0xa3]);
    // New keys continue after the copied ids.
    let made = Command::new(BIN)
        .args(["keys", "create", "--client-id", "after-move", "--data-dir"])
        .arg(&data)
        .env("VIDMATTE_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    drop(after);
    let _ = Command::new("psql")
        .args([
            &format!("{pg}/postgres"),
            "-qc",
            &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
        ])
        .status();
}
