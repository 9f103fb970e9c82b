//! The OpenAPI document against the live server: it is served, the docs page
//! renders from it, and schemathesis (scripts/schemathesis.sh, installed by
//! scripts/test.sh) generates requests for every operation and checks that
//! none is a 5xx and every response matches the documented schema.

mod support;

use std::process::Command;

use support::*;

#[test]
fn the_live_server_conforms_to_its_openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[
            ("VIDMATTE_ADMIN_TOKEN", "st-admin"),
            // Thousands of generated requests from one key: the limiter's
            // 429s are documented, but they would starve the run.
            ("VIDMATTE_RATE_LIMIT_PER_SECOND", "10000"),
            ("VIDMATTE_RATE_LIMIT_BURST", "10000"),
        ],
    );
    let (status, doc) = server.get("/openapi.json");
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/v1/jobs",
        "/v1/jobs/{id}",
        "/v1/uploads",
        "/api/process",
        "/openapi.json",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not documented");
    }
    let docs_page = server
        .client
        .get(server.url("/docs"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(docs_page.contains("docs.js"), "{docs_page}");

    let out = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/schemathesis.sh"
        ))
        .env("BASE_URL", &server.base)
        .env("API_KEY", &server.key)
        .env("ADMIN_TOKEN", "st-admin")
        .env("MAX_EXAMPLES", "10")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: String = stdout
        .lines()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    println!("{tail}");
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{stderr}"
    );
}
