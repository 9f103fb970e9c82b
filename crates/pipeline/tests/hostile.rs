//! Hostile and broken inputs end quickly with a clear error and leave no
//! files behind; cancellation stops a run within a second.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use vidmatte_pipeline::{
    process, Cancel, ModelKind, ModelStore, OutputFormat, PipelineError, ProcessRequest,
};

fn attempt(dir: &Path, input: &Path) -> (PipelineError, Duration) {
    let output = dir.join("out.webm");
    let request = ProcessRequest::new(input, &output, ModelKind::Human, OutputFormat::Webm);
    let started = Instant::now();
    let err = process(
        &request,
        &ModelStore::from_env(),
        &Cancel::new(),
        &mut |_| {},
    )
    .unwrap_err();
    let took = started.elapsed();
    eprintln!("{}: {} after {took:?}", input.display(), err.code());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(
        leftovers(dir, &[input]),
        Vec::<PathBuf>::new(),
        "files left behind"
    );
    (err, took)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "empty.mp4", b"");
    let (err, _) = attempt(dir.path(), &input);
    assert_eq!(err.code(), "unsupported_media_type");
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn not_a_video() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "notes.mp4",
        &b"this is not a video at all\n".repeat(400),
    );
    let (err, _) = attempt(dir.path(), &input);
    assert_eq!(err.code(), "unsupported_media_type", "{err}");
}

#[test]
fn hls_playlist_named_mp4_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = write(
        dir.path(),
        "secret.ts",
        b"local file that must not be opened",
    );
    let playlist = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{}\n#EXT-X-ENDLIST\n",
        secret.display()
    );
    let input = write(dir.path(), "playlist.mp4", playlist.as_bytes());
    let output = dir.path().join("out.webm");
    let request = ProcessRequest::new(&input, &output, ModelKind::Human, OutputFormat::Webm);
    let err = process(
        &request,
        &ModelStore::from_env(),
        &Cancel::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err.code(), "unsupported_media_type", "{err}");
    assert_eq!(
        leftovers(dir.path(), &[&input, &secret]),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn audio_only() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tone.m4a");
    ffmpeg(&["-f", "lavfi", "-i", "sine=d=1", input.to_str().unwrap()]);
    let (err, _) = attempt(dir.path(), &input);
    assert_eq!(err.code(), "unsupported_media_type");
    assert!(err.to_string().contains("no video"), "{err}");
}

#[test]
fn huge_declared_dimensions_are_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("huge.mkv");
    // One black 8192×8192 frame compresses to a few KB.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=black:s=8192x8192:d=0.04:r=25",
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        input.to_str().unwrap(),
    ]);
    assert!(std::fs::metadata(&input).unwrap().len() < 1_000_000);
    let (err, took) = attempt(dir.path(), &input);
    assert_eq!(err.code(), "unprocessable_video", "{err}");
    assert!(err.to_string().contains("8192x8192"), "{err}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(clip("bikes.mp4")).unwrap();
    // Keep the header and a third of the data.
    let input = write(dir.path(), "cut.mp4", &whole[..whole.len() / 3]);
    let (err, _) = attempt(dir.path(), &input);
    assert!(
        matches!(
            err.code(),
            "unsupported_media_type" | "unprocessable_video" | "processing_failed"
        ),
        "{err}"
    );
    eprintln!("truncated: {} ({err})", err.code());
}

#[test]
fn truncated_after_a_front_header() {
    let dir = tempfile::tempdir().unwrap();
    // moov at the front: the file probes fine, then its data runs out.
    let whole = dir.path().join("whole.mp4");
    ffmpeg(&[
        "-i",
        clip("carphone_pristine.mp4").to_str().unwrap(),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        whole.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&whole).unwrap();
    std::fs::remove_file(&whole).unwrap();
    let input = write(dir.path(), "cut.mp4", &bytes[..bytes.len() / 2]);
    let (err, _) = attempt(dir.path(), &input);
    assert_eq!(err.code(), "unprocessable_video", "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
}

/// A cancel lands inside a running inference (ONNX Runtime's terminate
/// flag), not after it: one `original` or `pro` frame can take seconds on a
/// busy machine, and the stop must not wait for it.
#[test]
fn cancel_stops_within_a_second_and_removes_temp_files() {
    for model in [
        ModelKind::Original,
        ModelKind::Pro,
        ModelKind::Human,
        ModelKind::Light,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let input = clip("bikes.mp4");
        let output = dir.path().join("out.webm");
        let request = ProcessRequest::new(&input, &output, model, OutputFormat::Webm);
        let cancel = Cancel::new();
        let mut canceled_at = None;
        let err = process(&request, &ModelStore::from_env(), &cancel, &mut |p| {
            if p.frames_done >= 1 && canceled_at.is_none() {
                canceled_at = Some(Instant::now());
                cancel.cancel();
            }
        })
        .unwrap_err();
        let after = canceled_at.expect("progress before cancel").elapsed();
        eprintln!("{model}: stopped {after:?} after cancel");
        assert!(err.is_canceled(), "{model}: {err}");
        assert_eq!(err.code(), "canceled");
        assert!(
            after < Duration::from_secs(1),
            "{model}: stopped {after:?} after cancel"
        );
        assert_eq!(
            leftovers(dir.path(), &[]),
            Vec::<PathBuf>::new(),
            "{model}: temp files left"
        );
    }
}
