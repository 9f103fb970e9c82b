//! The uint8-I/O graphs setup makes (scripts/u8_io.py: normalisation and
//! layout change inside the graph, run through an I/O binding) give the
//! same mattes as the float graphs fed from the host, on the CPU, on real
//! clip frames: RVM across a run of frames (its recurrent state stays in
//! the binding), ISNet in float and in int8.

mod support;

use support::{clip, store};
use vidmatte_ml::{
    FrameRef, Isnet, IsnetOptions, Matte, ModelFile, Precision, Rvm, RvmOptions, Segmenter,
};

fn assert_made_by_setup(file: &ModelFile) {
    let status = store().status(file);
    assert!(
        status.present,
        "{} missing: run scripts/setup.sh",
        status.path.display()
    );
}

/// Largest and mean |Δ| over every value of every frame.
fn difference(a: &[Vec<u8>], b: &[Vec<u8>]) -> (u8, f64) {
    let (mut max, mut sum, mut n) = (0u8, 0u64, 0u64);
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.len(), y.len());
        for (&p, &q) in x.iter().zip(y) {
            max = max.max(p.abs_diff(q));
            sum += u64::from(p.abs_diff(q));
        }
        n += x.len() as u64;
    }
    (max, sum as f64 / n.max(1) as f64)
}

fn run(
    model: &mut dyn Segmenter,
    frames: &[Vec<u8>],
    size: (u32, u32),
) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (mut alphas, mut foregrounds) = (Vec::new(), Vec::new());
    for rgb in frames {
        let mut matte = Matte::default();
        let frame = FrameRef {
            width: size.0,
            height: size.1,
            rgb,
        };
        model.segment(&frame, &mut matte).unwrap();
        alphas.push(matte.alpha);
        foregrounds.extend(matte.foreground);
    }
    (alphas, foregrounds)
}

#[test]
fn rvm_uint8_graph_gives_the_float_mattes_over_a_run_of_frames() {
    assert_made_by_setup(&ModelFile::RVM_U8);
    let size = (640, 360);
    let frames = clip("bikes.mp4", 8.3, 12, size);
    let load = |uint8_io| {
        let options = RvmOptions {
            uint8_io,
            ..RvmOptions::default()
        };
        Rvm::load(&store(), 2, options).unwrap()
    };
    let (float_alpha, float_fg) = run(&mut load(false), &frames, size);
    let (u8_alpha, u8_fg) = run(&mut load(true), &frames, size);
    let opaque: usize = float_alpha.iter().flatten().filter(|&&a| a > 127).count();
    assert!(opaque > 1000, "the walker is there: {opaque} px");
    // Rounding happens once, at the same point, so a level at most.
    let (max, mean) = difference(&float_alpha, &u8_alpha);
    eprintln!("rvm alpha: max |Δ| {max}, mean {mean:.5}");
    assert!(max <= 1 && mean < 0.01, "alpha max {max}, mean {mean}");
    assert_eq!(float_fg.len(), 12);
    let (max, mean) = difference(&float_fg, &u8_fg);
    eprintln!("rvm foreground: max |Δ| {max}, mean {mean:.5}");
    assert!(max <= 1 && mean < 0.01, "foreground max {max}, mean {mean}");
}

#[test]
fn isnet_uint8_graphs_give_the_float_mattes_in_fp32_and_int8() {
    assert_made_by_setup(&ModelFile::ISNET_U8);
    assert_made_by_setup(&ModelFile::ISNET_INT8_U8);
    let size = (640, 360);
    let frames = clip("carphone_pristine.mp4", 1.0, 3, size);
    for precision in [Precision::Float, Precision::Int8] {
        let load = |uint8_io| {
            let options = IsnetOptions {
                precision,
                uint8_io,
                ..IsnetOptions::default()
            };
            Isnet::load(&store(), 2, options).unwrap()
        };
        let (float, _) = run(&mut load(false), &frames, size);
        let (uint8, _) = run(&mut load(true), &frames, size);
        let opaque: usize = float.iter().flatten().filter(|&&a| a > 127).count();
        assert!(
            opaque > 1000,
            "{precision}: the subject is there: {opaque} px"
        );
        let (max, mean) = difference(&float, &uint8);
        eprintln!("isnet {precision}: max |Δ| {max}, mean {mean:.5}");
        assert!(
            max <= 1 && mean < 0.01,
            "{precision}: max {max}, mean {mean}"
        );
    }
}
