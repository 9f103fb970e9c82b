//! Parallel segment encoding: one output encoded as keyframe-aligned
//! segments on several ffmpeg encoders at once and joined without
//! re-encoding keeps every frame, the matte (alpha), the duration and the
//! source's audio, in each format that segments (webm, mov, mp4).

mod common;

use common::*;
use vidmatte_pipeline::{
    process, Background, Cancel, ModelKind, ModelStore, OutputFormat, ProcessRequest,
};

fn check(format: OutputFormat, background: Background) {
    let dir = tempfile::tempdir().unwrap();
    let input = carphone_with_audio(dir.path());
    let output = dir.path().join(format!("out.{}", format.extension()));
    let mut request = ProcessRequest::new(&input, &output, ModelKind::Human, format);
    request.scene = background.into();
    request.threads = Some(2);
    // 30 frames in segments of 8: four segments, three encoders at once.
    request.encoders = 3;
    request.segment_frames = Some(8);
    let report = process(
        &request,
        &ModelStore::from_env(),
        &Cancel::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.frames, 30);
    assert_eq!(report.segments, 4, "encoded as segments");
    assert_eq!(
        leftovers(dir.path(), &[&input, &output]),
        Vec::<std::path::PathBuf>::new(),
        "segment files are cleaned up"
    );
    let decoded = decode(&output, format);
    assert_eq!(decoded.frames.len(), 30, "every frame, once");
    assert_matted(
        &decoded,
        background,
        if format == OutputFormat::Mov { 6 } else { 24 },
    );
    let probed = probe(&output);
    assert!(
        (probed.duration - 1.001).abs() < 0.05,
        "duration {}",
        probed.duration
    );
    let audio = probed.audio_codec.expect("the source's audio is kept");
    let want = if format == OutputFormat::Webm {
        "opus"
    } else {
        "aac"
    };
    assert_eq!(audio, want);
}

#[test]
fn webm_segments_keep_alpha_frames_and_audio() {
    check(OutputFormat::Webm, Background::Transparent);
}

#[test]
fn mov_segments_keep_alpha_frames_and_audio() {
    check(OutputFormat::Mov, Background::Transparent);
}

#[test]
fn mp4_segments_keep_frames_and_audio() {
    check(OutputFormat::Mp4, Background::GREEN);
}
