//! Each model end to end on a real clip, audio, rotation, odd sizes, and
//! what temporal smoothing does to flicker.

mod common;

use common::*;
use vidmatte_ml::SegmenterOptions;
use vidmatte_pipeline::{
    measure_flicker, process, Background, Cancel, ModelKind, ModelStore, OutputFormat,
    ProcessRequest,
};

/// Carphone's first second through `model` to webm: the run's report and
/// the decoded output, with the progress checked.
fn process_carphone(
    model: ModelKind,
    prompt: Option<&str>,
) -> (vidmatte_pipeline::Report, Decoded) {
    let dir = tempfile::tempdir().unwrap();
    let input = carphone_1s(dir.path());
    let output = dir.path().join("out.webm");
    let mut request = ProcessRequest::new(&input, &output, model, OutputFormat::Webm);
    request.prompt = prompt.map(String::from);
    request.threads = Some(2);
    let mut last = None;
    let report = process(
        &request,
        &ModelStore::from_env(),
        &Cancel::new(),
        &mut |p| last = Some(p.clone()),
    )
    .unwrap();
    assert_eq!(report.frames, 30);
    let last = last.expect("progress reported");
    assert_eq!((last.frames_done, last.frames_total), (30, 30));
    let decoded = decode(&output, OutputFormat::Webm);
    assert_eq!(decoded.frames.len(), 30);
    (report, decoded)
}

fn run_model(model: ModelKind, prompt: Option<&str>) -> Vec<String> {
    let (report, decoded) = process_carphone(model, prompt);
    assert_matted(&decoded, Background::Transparent, 24);
    report.warnings
}

#[test]
fn original_end_to_end() {
    run_model(ModelKind::Original, None);
}

#[test]
fn light_end_to_end() {
    run_model(ModelKind::Light, None);
}

#[test]
fn human_end_to_end() {
    run_model(ModelKind::Human, None);
}

#[test]
fn pro_end_to_end_with_a_prompt_and_its_warnings() {
    let warnings = run_model(ModelKind::Pro, Some("the man, glowing aura"));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("glowing") && warnings[0].contains("aura"),
        "{warnings:?}"
    );
}

#[test]
fn pro_warns_when_the_named_class_is_nowhere_in_the_video() {
    let (report, decoded) = process_carphone(ModelKind::Pro, Some("the dog"));
    assert_eq!(
        report.warnings,
        vec!["\"the dog\": no dog found in the video; nothing was kept for it".to_string()]
    );
    // Nothing of the man in the car is kept for a dog.
    let opaque = decoded
        .frames
        .iter()
        .flat_map(|f| f.chunks_exact(4))
        .filter(|p| p[3] > 128)
        .count();
    assert_eq!(opaque, 0);
}

#[test]
fn audio_is_kept_where_the_container_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = carphone_with_audio(dir.path());
    assert_eq!(probe(&input).audio_codec.as_deref(), Some("aac"));
    for (format, background, codec) in [
        (OutputFormat::Webm, Background::Transparent, Some("opus")),
        (OutputFormat::Mov, Background::Transparent, Some("aac")),
        (OutputFormat::Mp4, Background::GREEN, Some("aac")),
        (OutputFormat::Gif, Background::Transparent, None),
    ] {
        let output = dir.path().join(format!("out.{}", format.extension()));
        let mut request = ProcessRequest::new(&input, &output, ModelKind::Human, format);
        request.scene = background.into();
        process(
            &request,
            &ModelStore::from_env(),
            &Cancel::new(),
            &mut |_| {},
        )
        .unwrap();
        let p = probe(&output);
        assert_eq!(p.audio_codec.as_deref(), codec, "{format}");
        assert!(
            (p.duration - 1.001).abs() < 0.08,
            "{format}: duration {}",
            p.duration
        );
        assert_eq!(decode(&output, format).frames.len(), 30, "{format}");
    }
}

#[test]
fn rotated_input_comes_out_upright() {
    let dir = tempfile::tempdir().unwrap();
    let plain = carphone_1s(dir.path());
    let rotated = dir.path().join("rotated.mp4");
    ffmpeg(&[
        "-i",
        plain.to_str().unwrap(),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        rotated.to_str().unwrap(),
    ]);
    let output = dir.path().join("out.webm");
    let request = ProcessRequest::new(&rotated, &output, ModelKind::Human, OutputFormat::Webm);
    let report = process(
        &request,
        &ModelStore::from_env(),
        &Cancel::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((report.info.width, report.info.height), (144, 176));
    let p = probe(&output);
    assert_eq!((p.width, p.height), (144, 176));
}

#[test]
fn odd_sizes_work_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let plain = carphone_1s(dir.path());
    let odd = dir.path().join("odd.mkv");
    ffmpeg(&[
        "-i",
        plain.to_str().unwrap(),
        "-vf",
        "format=yuv444p,crop=175:143:0:0",
        "-c:v",
        "ffv1",
        odd.to_str().unwrap(),
    ]);
    for format in OutputFormat::ALL {
        let output = dir.path().join(format!("out.{}", format.extension()));
        let mut request = ProcessRequest::new(&odd, &output, ModelKind::Human, format);
        request.scene = if format == OutputFormat::Mp4 {
            Background::BLACK
        } else {
            Background::Transparent
        }
        .into();
        process(
            &request,
            &ModelStore::from_env(),
            &Cancel::new(),
            &mut |_| {},
        )
        .unwrap();
        let decoded = decode(&output, format);
        assert_eq!(decoded.frames.len(), 30, "{format}");
        // 4:2:0 video needs even sizes: mp4 is padded by a pixel of background,
        // webm by a transparent one.
        let expected = if matches!(format, OutputFormat::Mp4 | OutputFormat::Webm) {
            (176, 144)
        } else {
            (175, 143)
        };
        assert_eq!((decoded.width, decoded.height), expected, "{format}");
    }
}

/// Mean frame-to-frame |Δα| over carphone's first 20 frames.
fn flicker_of(model: ModelKind, smooth: bool) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let input = carphone_1s(dir.path());
    let raw = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&input)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"])
        .output()
        .unwrap()
        .stdout;
    let options = SegmenterOptions {
        threads: 2,
        ..SegmenterOptions::default()
    };
    let mut segmenter = ModelStore::from_env().load(model, &options).unwrap();
    measure_flicker(
        segmenter.as_mut(),
        raw.chunks_exact(176 * 144 * 3).take(20),
        (176, 144),
        smooth,
    )
    .unwrap()
}

#[test]
fn smoothing_reduces_flicker_of_per_frame_models() {
    let raw = flicker_of(ModelKind::Light, false);
    let smooth = flicker_of(ModelKind::Light, true);
    eprintln!("light flicker: raw {raw:.5}, smoothed {smooth:.5}");
    assert!(
        smooth < raw * 0.9,
        "smoothing should cut flicker: {raw} -> {smooth}"
    );
}
