//! Golden tests: each model's matte of a real photo (bus.jpg, four people
//! and a bus) against reference numbers computed by scripts/golden.py with
//! each model's reference preprocessing, independently of this code.
//! Tolerances allow for resize implementations (PIL vs fast_image_resize)
//! and fp16 noise; a wrong normalisation, channel order or output scaling
//! moves the block means by tens of levels.

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::{bus, store};
use vidmatte_ml::{
    FrameRef, Isnet, IsnetOptions, Matte, ModelKind, Rvm, RvmOptions, Segmenter, SegmenterOptions,
    U2netp, U2netpOptions,
};

// Measured (see the closing note): RVM 0.000/0.01, ISNet 0.007/0.54,
// U2-Netp 0.055/5.57 (Lanczos edges); the bounds leave headroom for other CPUs.
const MEAN_TOL_ISNET: f64 = 0.1;
const MAX_TOL_ISNET: f64 = 3.0;
const MEAN_TOL_U2NETP: f64 = 0.3;
const MAX_TOL_U2NETP: f64 = 12.0;
const MEAN_TOL_RVM: f64 = 0.05;
const MAX_TOL_RVM: f64 = 1.0;

fn golden(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// (mean |Δ| over 8×8 block means, largest block |Δ|, |Δ| of the overall mean), 0..255 units.
fn compare(matte: &Matte, reference: &Value) -> (f64, f64, f64) {
    let block = reference["block"].as_u64().unwrap() as usize;
    let (bw, bh) = (
        reference["blocks_w"].as_u64().unwrap() as usize,
        reference["blocks_h"].as_u64().unwrap() as usize,
    );
    let want: Vec<f64> = reference["block_means"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let w = matte.width as usize;
    let (mut sum, mut max) = (0.0, 0.0f64);
    for by in 0..bh {
        for bx in 0..bw {
            let mut acc = 0.0;
            for y in by * block..(by + 1) * block {
                for x in bx * block..(bx + 1) * block {
                    acc += f64::from(matte.alpha[y * w + x]);
                }
            }
            let d = (acc / (block * block) as f64 - want[by * bw + bx]).abs();
            sum += d;
            max = max.max(d);
        }
    }
    let mean = matte.alpha.iter().map(|&a| f64::from(a)).sum::<f64>() / matte.alpha.len() as f64;
    (
        sum / (bw * bh) as f64,
        max,
        (mean - reference["mean"].as_f64().unwrap()).abs(),
    )
}

fn run(segmenter: &mut dyn Segmenter) -> Matte {
    let (width, height, rgb) = bus();
    let mut matte = Matte::default();
    segmenter
        .segment(
            &FrameRef {
                width,
                height,
                rgb: &rgb,
            },
            &mut matte,
        )
        .unwrap();
    assert_eq!(
        (matte.width, matte.height, matte.alpha.len()),
        (width, height, (width * height) as usize)
    );
    matte
}

fn check(name: &str, matte: &Matte, mean_tol: f64, max_tol: f64) {
    let (mean, max, overall) = compare(matte, &golden(name));
    eprintln!(
        "{name}: mean block |Δ| {mean:.3}, max block |Δ| {max:.2}, overall mean |Δ| {overall:.3}"
    );
    assert!(
        mean <= mean_tol,
        "{name}: mean block difference {mean:.3} > {mean_tol}"
    );
    assert!(
        max <= max_tol,
        "{name}: largest block difference {max:.2} > {max_tol}"
    );
    assert!(
        overall <= mean_tol,
        "{name}: overall mean differs by {overall:.3}"
    );
}

#[test]
fn original_isnet_matches_reference() {
    let mut model = Isnet::load(&store(), 2, IsnetOptions::reference()).unwrap();
    check("original", &run(&mut model), MEAN_TOL_ISNET, MAX_TOL_ISNET);
}

#[test]
fn light_u2netp_matches_reference() {
    let mut model = U2netp::load(&store(), 2, U2netpOptions::reference()).unwrap();
    check("light", &run(&mut model), MEAN_TOL_U2NETP, MAX_TOL_U2NETP);
}

#[test]
fn human_rvm_matches_reference() {
    let reference = golden("human");
    let options = RvmOptions {
        max_long_side: 4096,
        downsample_ratio: Some(reference["downsample_ratio"].as_f64().unwrap() as f32),
        foreground: true,
        uint8_io: true,
    };
    let mut model = Rvm::load(&store(), 2, options).unwrap();
    let matte = run(&mut model);
    assert_eq!(
        matte.foreground.as_ref().map(Vec::len),
        Some(810 * 1080 * 3)
    );
    check("human", &matte, MEAN_TOL_RVM, MAX_TOL_RVM);
}

#[test]
fn pro_with_a_people_prompt_is_rvm_at_its_own_ratio() {
    let options = SegmenterOptions {
        threads: 2,
        prompt: Some("people".into()),
        ..SegmenterOptions::default()
    };
    let mut model = store().load(ModelKind::Pro, &options).unwrap();
    assert!(model.warnings().is_empty());
    check(
        "pro_person",
        &run(model.as_mut()),
        MEAN_TOL_RVM,
        MAX_TOL_RVM,
    );
}

#[test]
fn pro_left_keeps_only_the_left_subject() {
    let options = SegmenterOptions {
        threads: 2,
        prompt: Some("the person on the left".into()),
        ..SegmenterOptions::default()
    };
    let mut model = store().load(ModelKind::Pro, &options).unwrap();
    let matte = run(model.as_mut());
    let (w, h) = (matte.width as usize, matte.height as usize);
    let mass = |x0: usize, x1: usize| -> f64 {
        (0..h)
            .map(|y| {
                (x0..x1)
                    .map(|x| f64::from(matte.alpha[y * w + x]))
                    .sum::<f64>()
            })
            .sum()
    };
    let (left, right) = (mass(0, w / 2), mass(w / 2, w));
    eprintln!("pro left: mass left {left:.0}, right {right:.0}");
    assert!(
        left > 0.0 && right < left * 0.05,
        "left {left} right {right}"
    );
}
