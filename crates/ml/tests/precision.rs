//! `original` with ISNet's int8 copy (made by setup) against float, on real
//! clip frames: issue 13's bar, mean |Δα| ≤ 2/255 and IoU(α > 127) ≥ 0.98
//! over each clip's frames. On the bus photo it measured 1.10/255 and
//! 0.9797, just under the bar; that test guards against it getting worse.

mod support;

use support::{bus, clip, store};
use vidmatte_ml::{FrameRef, Matte, ModelKind, Precision, Segmenter, SegmenterOptions};

fn original(precision: Precision) -> Box<dyn Segmenter> {
    let mut options = SegmenterOptions {
        threads: 2,
        ..SegmenterOptions::default()
    };
    options.isnet.precision = precision;
    store()
        .load(ModelKind::Original, &options)
        .expect("original loads (run scripts/setup.sh)")
}

/// Mean |Δα| (0..255) and pooled IoU of α > 127 between two sets of mattes.
fn agreement(pairs: &[(Vec<u8>, Vec<u8>)]) -> (f64, f64) {
    let (mut diff, mut n, mut inter, mut union) = (0u64, 0u64, 0u64, 0u64);
    for (a, b) in pairs {
        for (&x, &y) in a.iter().zip(b) {
            diff += u64::from(x.abs_diff(y));
            inter += u64::from(x > 127 && y > 127);
            union += u64::from(x > 127 || y > 127);
        }
        n += a.len() as u64;
    }
    assert!(union > 0, "no foreground at all");
    (diff as f64 / n as f64, inter as f64 / union as f64)
}

fn mattes(frames: &[Vec<u8>], (width, height): (u32, u32)) -> Vec<(Vec<u8>, Vec<u8>)> {
    let (mut float, mut int8) = (original(Precision::Float), original(Precision::Int8));
    frames
        .iter()
        .map(|rgb| {
            let frame = FrameRef { width, height, rgb };
            let (mut a, mut b) = (Matte::default(), Matte::default());
            float.segment(&frame, &mut a).unwrap();
            int8.segment(&frame, &mut b).unwrap();
            assert_eq!(a.alpha.len(), b.alpha.len());
            (a.alpha, b.alpha)
        })
        .collect()
}

#[test]
fn int8_original_stays_near_the_float_matte_on_a_photo() {
    let (w, h, rgb) = bus();
    let (diff, iou) = agreement(&mattes(&[rgb], (w, h)));
    println!("bus.jpg: mean |Δα| {diff:.2}/255, IoU {iou:.4}");
    assert!(diff <= 2.0, "mean |Δα| {diff:.2}/255");
    assert!(iou >= 0.975, "IoU {iou:.4}");
}

#[test]
fn int8_original_keeps_the_float_matte_on_clip_frames() {
    // Times outside the ranges setup calibrates on (bikes 0–4 s, bbb 0–2.4 s).
    for (name, start, size) in [
        ("bikes.mp4", 5.0, (1280, 720)),
        ("bigbuckbunny.mp4", 3.0, (1280, 720)),
    ] {
        let frames = clip(name, start, 6, size);
        let (diff, iou) = agreement(&mattes(&frames, size));
        println!("{name}: mean |Δα| {diff:.2}/255, IoU {iou:.4}");
        assert!(diff <= 2.0, "{name}: mean |Δα| {diff:.2}/255");
        assert!(iou >= 0.98, "{name}: IoU {iou:.4}");
    }
}
