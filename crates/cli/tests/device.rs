//! `--device` / `VIDMATTE_DEVICE`: `auto` falls back to the CPU and says
//! why, `cuda` without what the CUDA provider needs fails at start naming
//! it, and `/ready` and `vidmatte models` report the device. These run on
//! every machine: a cache without the CUDA build makes the outcome the same
//! whether or not the machine has a GPU.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::{Server, BIN};

fn vidmatte(cache: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("VIDMATTE_CACHE", cache)
        .env_remove("VIDMATTE_ORT_LIB")
        .env_remove("VIDMATTE_DEVICE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn cuda_without_the_cuda_build_fails_naming_every_missing_file() {
    let cache = tempfile::tempdir().unwrap();
    for args in [&["--device", "cuda", "models"][..], &["models"]] {
        let env: &[(&str, &str)] = if args.len() == 1 {
            &[("VIDMATTE_DEVICE", "cuda")]
        } else {
            &[]
        };
        let out = vidmatte(cache.path(), args, env);
        assert!(!out.status.success(), "{args:?} must fail");
        let text = stderr(&out);
        assert!(
            text.contains("--device cuda, but this machine lacks"),
            "{text}"
        );
        for file in [
            "lib/gpu/libonnxruntime.so.1.31.1",
            "lib/gpu/libonnxruntime_providers_cuda.so",
            "lib/gpu/libonnxruntime_providers_shared.so",
        ] {
            assert!(text.contains(file), "{file} named in: {text}");
        }
        assert!(text.contains("scripts/setup.sh --gpu"), "{text}");
    }
}

#[test]
fn cuda_with_the_build_but_nothing_to_run_it_names_what_is_missing() {
    // The CUDA build's files are there (empty stand-ins); what is missing
    // is the machine's side, or, where a GPU is there, a provider that
    // cannot start from these files. Either way `cuda` fails and says so.
    let cache = tempfile::tempdir().unwrap();
    let gpu = cache.path().join("lib/gpu");
    std::fs::create_dir_all(&gpu).unwrap();
    for file in [
        "libonnxruntime.so.1.31.1",
        "libonnxruntime_providers_cuda.so",
        "libonnxruntime_providers_shared.so",
    ] {
        std::fs::write(gpu.join(file), b"").unwrap();
    }
    let out = vidmatte(cache.path(), &["--device", "cuda", "models"], &[]);
    assert!(!out.status.success());
    let text = stderr(&out);
    assert!(
        !text.contains("libonnxruntime_providers_cuda.so ("),
        "{text}"
    );
    let names_machine = text.contains("libcuda.so.1") || text.contains("libcudart.so.13");
    let provider_failed = text.contains("the CUDA provider did not start");
    assert!(names_machine || provider_failed, "{text}");
}

#[test]
fn auto_falls_back_to_the_cpu_and_says_why() {
    let cache = tempfile::tempdir().unwrap();
    let out = vidmatte(cache.path(), &["models", "--json"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let device = &doc["device"];
    assert_eq!(device["requested"], "auto");
    assert_eq!(device["active"], "cpu");
    let reason = device["reason"].as_str().unwrap();
    assert!(
        reason.contains("no usable GPU") && reason.contains("setup.sh --gpu"),
        "{reason}"
    );
    // One log line says it.
    assert!(
        stderr(&out).contains("device: cpu (no usable GPU"),
        "{}",
        stderr(&out)
    );

    let out = vidmatte(cache.path(), &["--device", "cpu", "models", "--json"], &[]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["device"]["requested"], "cpu");
    assert_eq!(doc["device"]["active"], "cpu");
    assert!(doc["device"]["reason"].is_null());
}

#[test]
fn an_unknown_device_is_refused_with_the_choices() {
    let cache = tempfile::tempdir().unwrap();
    let out = vidmatte(cache.path(), &["--device", "gpu", "models"], &[]);
    assert!(!out.status.success());
    let text = stderr(&out);
    assert!(text.contains("auto, cpu, cuda"), "{text}");
}

#[test]
fn serve_with_cuda_and_no_gpu_stops_at_start() {
    let cache = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let out = vidmatte(
        cache.path(),
        &["serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"],
        &[("VIDMATTE_DEVICE", "cuda")],
    );
    assert!(!out.status.success(), "serve must not start");
    assert!(
        stderr(&out).contains("--device cuda, but this machine lacks"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ready_reports_the_device() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), &[]);
    let (_, ready) = server.get("/ready");
    let device = &ready["device"];
    assert_eq!(device["requested"], "auto", "{ready}");
    match device["active"].as_str() {
        Some("cpu") => assert!(device["reason"].is_string(), "{ready}"),
        Some("cuda") => assert!(device["reason"].is_null(), "{ready}"),
        other => panic!("active {other:?} in {ready}"),
    }
    assert!(device["library"]
        .as_str()
        .unwrap()
        .contains("libonnxruntime"));
}
