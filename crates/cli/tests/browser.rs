//! The web page in a real browser: Debian's Chromium driven by Playwright
//! (`tests/browser/page.cjs`) against a real `vidmatte serve`, uploading a
//! real clip and processing it with a real model. scripts/test.sh installs
//! Chromium and playwright-core into the cache.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::*;

#[test]
fn the_web_page_uploads_processes_previews_and_downloads() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("small.mp4");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(support::clip("bikes.mp4"))
        .args(["-t", "2", "-vf", "scale=320:-2", "-an"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(status.success());
    let server = Server::start(&dir.path().join("data"), &[]);
    let cache = std::env::var_os("VIDMATTE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/vidmatte"));
    let modules = cache.join("node/node_modules");
    assert!(
        modules.join("playwright-core").is_dir(),
        "{} has no playwright-core: run scripts/test.sh",
        modules.display()
    );
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let out = Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/browser/page.cjs"
        ))
        .arg(&server.base)
        .arg(&server.key)
        .arg(&clip)
        .arg(&downloads)
        .env("NODE_PATH", &modules)
        .output()
        .expect("node runs (scripts/test.sh installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON summary line");
    assert_eq!(summary["ok"], true, "{summary}");
}
