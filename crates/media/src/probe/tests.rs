//! The ffprobe parser, checked against ffprobe's real output saved beside it.

use super::*;

fn parse(name: &str) -> Result<MediaInfo, MediaError> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/probe")
        .join(name);
    parse_probe_json(&std::fs::read_to_string(path).expect("fixture"))
}

#[test]
fn ntsc_rate_and_frame_count() {
    let info = parse("carphone.json").unwrap();
    assert_eq!(
        info.fps,
        Rational {
            num: 30000,
            den: 1001
        }
    );
    assert_eq!(info.frame_count, 120);
    assert_eq!((info.width, info.height), (176, 144));
    assert!(
        (info.duration_seconds - 4.004).abs() < 0.01,
        "{}",
        info.duration_seconds
    );
    assert_eq!(info.audio, None);
    assert!(!info.has_alpha);
    assert_eq!(info.video_codec, "h264");
}

#[test]
fn audio_stream_is_found() {
    let info = parse("bigbuckbunny.json").unwrap();
    let audio = info.audio.expect("audio");
    assert_eq!(audio.codec, "aac");
    assert!(audio.channels >= 1 && audio.sample_rate > 0);
    assert_eq!((info.width, info.height), (1280, 720));
    assert_eq!(info.fps.as_f64(), 25.0);
    assert_eq!(info.frame_count, 132);
}

#[test]
fn rotation_swaps_the_display_size() {
    let info = parse("rotated.json").unwrap();
    assert_eq!(info.rotation % 180, 90);
    assert_eq!((info.width, info.height), (144, 176));
}

#[test]
fn vp9_alpha_is_seen_from_the_alpha_mode_tag() {
    let info = parse("alpha_webm.json").unwrap();
    assert!(info.has_alpha);
    assert_eq!(info.pix_fmt, "yuv420p");
    // Matroska stores no frame count: it is estimated from duration × fps.
    assert_eq!(info.frame_count, 30);
}

#[test]
fn audio_only_is_refused() {
    match parse("audio_only.json") {
        Err(MediaError::Unsupported(msg)) => assert!(msg.contains("no video"), "{msg}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn rational_parsing() {
    assert_eq!(Rational::parse("25"), Some(Rational { num: 25, den: 1 }));
    assert_eq!(Rational::parse("0/0"), None);
    assert_eq!(Rational::parse("x/1"), None);
    assert_eq!(
        Rational {
            num: 30000,
            den: 1001
        }
        .to_string(),
        "30000/1001"
    );
}

#[test]
fn limits_refuse_huge_frames() {
    let mut info = parse("carphone.json").unwrap();
    info.width = 8192;
    info.height = 8192;
    assert!(matches!(
        ProbeLimits::default().check(&info),
        Err(MediaError::OutsideLimits(_))
    ));
}
