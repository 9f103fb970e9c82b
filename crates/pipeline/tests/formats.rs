//! Every output format, with a transparent and a colour background, on a
//! real clip: decoded back independently and checked frame by frame.

mod common;

use common::*;
use vidmatte_pipeline::{
    process, Background, Cancel, ModelKind, ModelStore, OutputFormat, ProcessRequest,
};

/// Per-channel error each codec may add (PNG is lossless).
fn tolerance(format: OutputFormat) -> u8 {
    match format {
        OutputFormat::PngSequence => 0,
        OutputFormat::Mov => 6,
        OutputFormat::Gif => 8,
        OutputFormat::Webm | OutputFormat::Webp | OutputFormat::Mp4 => 24,
    }
}

fn check(format: OutputFormat, background: Background) {
    let dir = tempfile::tempdir().unwrap();
    let input = carphone_1s(dir.path());
    let output = dir.path().join(format!("out.{}", format.extension()));
    let mut request = ProcessRequest::new(&input, &output, ModelKind::Human, format);
    request.scene = background.into();
    request.threads = Some(2);
    let report = process(
        &request,
        &ModelStore::from_env(),
        &Cancel::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.frames, 30);
    assert_eq!(
        leftovers(dir.path(), &[&input, &output]),
        Vec::<std::path::PathBuf>::new()
    );

    let decoded = decode(&output, format);
    assert_eq!((decoded.width, decoded.height), (176, 144));
    assert_eq!(decoded.frames.len(), 30, "frame count kept");
    assert_matted(&decoded, background, tolerance(format));
    if background == Background::Transparent && format == OutputFormat::PngSequence {
        assert_cleared(&decoded);
    }
    if !matches!(format, OutputFormat::Webp | OutputFormat::PngSequence) {
        let duration = probe(&output).duration;
        assert!((duration - 1.001).abs() < 0.05, "duration {duration}");
    }
}

#[test]
fn webm_transparent() {
    check(OutputFormat::Webm, Background::Transparent);
}

#[test]
fn webm_green() {
    check(OutputFormat::Webm, Background::GREEN);
}

#[test]
fn mov_transparent() {
    check(OutputFormat::Mov, Background::Transparent);
}

#[test]
fn mov_custom_colour() {
    check(OutputFormat::Mov, Background::Color([200, 30, 120]));
}

#[test]
fn mp4_white() {
    check(OutputFormat::Mp4, Background::WHITE);
}

#[test]
fn mp4_blue() {
    check(OutputFormat::Mp4, Background::BLUE);
}

#[test]
fn gif_transparent() {
    check(OutputFormat::Gif, Background::Transparent);
}

#[test]
fn gif_black() {
    check(OutputFormat::Gif, Background::BLACK);
}

#[test]
fn webp_transparent() {
    check(OutputFormat::Webp, Background::Transparent);
}

#[test]
fn webp_green() {
    check(OutputFormat::Webp, Background::GREEN);
}

#[test]
fn png_sequence_transparent() {
    check(OutputFormat::PngSequence, Background::Transparent);
}

#[test]
fn png_sequence_custom_colour() {
    check(OutputFormat::PngSequence, Background::Color([10, 20, 30]));
}

#[test]
fn mp4_transparent_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let request = ProcessRequest::new(
        dir.path().join("missing.mp4"),
        dir.path().join("o.mp4"),
        ModelKind::Human,
        OutputFormat::Mp4,
    );
    let err = process(
        &request,
        &ModelStore::from_env(),
        &Cancel::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    assert!(err.to_string().contains("background"), "{err}");
}
