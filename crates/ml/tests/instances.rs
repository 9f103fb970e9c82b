//! The detector and what is built on it, on a real photo (bus.jpg: four
//! people in front of a bus): the detector against a reference computed
//! independently (scripts/golden.py, Python ONNX Runtime), `original`
//! keeping every person RVM keeps, `pro` keeping the named object inside
//! its box and warning about a class that is not there, and `light` keeping
//! nothing of a flat frame.

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::{bus, store};
use vidmatte_ml::{
    BoxF, CocoClass, Detection, Detector, FrameRef, Matte, ModelKind, Segmenter, SegmenterOptions,
};

fn options(prompt: Option<&str>) -> SegmenterOptions {
    SegmenterOptions {
        threads: 2,
        prompt: prompt.map(String::from),
        ..SegmenterOptions::default()
    }
}

fn segment(model: &mut dyn Segmenter, (w, h, rgb): &(u32, u32, Vec<u8>)) -> Matte {
    let mut matte = Matte::default();
    let frame = FrameRef {
        width: *w,
        height: *h,
        rgb,
    };
    model.segment(&frame, &mut matte).unwrap();
    assert_eq!(matte.alpha.len(), (*w * *h) as usize);
    matte
}

fn detections() -> Vec<Detection> {
    let (width, height, rgb) = bus();
    let mut detector = Detector::load(&store(), 2).unwrap();
    detector
        .detect(&FrameRef {
            width,
            height,
            rgb: &rgb,
        })
        .unwrap()
}

fn reference() -> Vec<(u8, f32, BoxF)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/detector.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["detections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let b: Vec<f32> = d["box"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect();
            (
                d["class"].as_u64().unwrap() as u8,
                d["score"].as_f64().unwrap() as f32,
                BoxF {
                    x1: b[0],
                    y1: b[1],
                    x2: b[2],
                    y2: b[3],
                },
            )
        })
        .collect()
}

#[test]
fn detector_matches_reference() {
    let found = detections();
    for d in &found {
        eprintln!("{} {:.3} {:?}", d.class, d.score, d.bbox);
    }
    // Every reference detection at or above the threshold is found, same
    // class, nearly the same box and score (resize implementations differ).
    let wanted: Vec<_> = reference()
        .into_iter()
        .filter(|(_, score, _)| *score >= 0.32)
        .collect();
    assert!(wanted.len() >= 4, "reference too thin: {wanted:?}");
    for (class, score, bbox) in &wanted {
        let best = found
            .iter()
            .filter(|d| d.class == CocoClass(*class))
            .max_by(|a, b| a.bbox.iou(bbox).total_cmp(&b.bbox.iou(bbox)))
            .unwrap_or_else(|| panic!("no {} found", CocoClass(*class)));
        assert!(
            best.bbox.iou(bbox) > 0.9 && (best.score - score).abs() < 0.05,
            "{}: {:?} {} vs reference {bbox:?} {score}",
            CocoClass(*class),
            best.bbox,
            best.score
        );
    }
    let people = found
        .iter()
        .filter(|d| d.class == CocoClass::PERSON)
        .count();
    let bus = CocoClass::named("bus").unwrap();
    assert!(people >= 3, "{found:?}");
    assert!(found.iter().any(|d| d.class == bus), "{found:?}");
}

/// Share of RVM's α > 127 pixels inside detected people that `alpha` keeps.
fn agreement_with_rvm(alpha: &[u8], rvm: &[u8], people: &[BoxF], width: u32) -> f64 {
    let (mut total, mut kept) = (0u64, 0u64);
    for (i, (&a, &r)) in alpha.iter().zip(rvm).enumerate() {
        let (x, y) = (i as u32 % width, i as u32 / width);
        if r > 127 && people.iter().any(|b| b.contains_pixel(x, y)) {
            total += 1;
            kept += u64::from(a > 127);
        }
    }
    assert!(total > 10_000, "too few person pixels: {total}");
    kept as f64 / total as f64
}

#[test]
fn original_and_pro_keep_the_people_rvm_keeps() {
    let photo = bus();
    let people: Vec<BoxF> = detections()
        .iter()
        .filter(|d| d.class == CocoClass::PERSON)
        .map(|d| d.bbox)
        .collect();
    let store = store();
    let rvm = segment(
        store
            .load(ModelKind::Human, &options(None))
            .unwrap()
            .as_mut(),
        &photo,
    );
    for (model, prompt) in [(ModelKind::Original, None), (ModelKind::Pro, None)] {
        let mut m = store.load(model, &options(prompt)).unwrap();
        let matte = segment(m.as_mut(), &photo);
        let agreement = agreement_with_rvm(&matte.alpha, &rvm.alpha, &people, photo.0);
        eprintln!("{model}: keeps {agreement:.3} of RVM's person pixels");
        assert!(agreement >= 0.9, "{model}: {agreement:.3}");
    }
}

#[test]
fn pro_keeps_the_named_object_and_warns_about_a_missing_one() {
    let photo = bus();
    let (w, h) = (photo.0, photo.1);
    let bus_box = detections()
        .into_iter()
        .find(|d| d.class == CocoClass::named("bus").unwrap())
        .expect("the bus is detected")
        .bbox;
    let store = store();
    let mut pro = store
        .load(ModelKind::Pro, &options(Some("the bus")))
        .unwrap();
    let matte = segment(pro.as_mut(), &photo);
    let grown = bus_box.grown(0.06);
    let (mut mass, mut inside) = (0f64, 0f64);
    for (i, &a) in matte.alpha.iter().enumerate() {
        let (x, y) = (i as u32 % w, i as u32 / w);
        mass += f64::from(a);
        if grown.contains_pixel(x, y) {
            inside += f64::from(a);
        }
    }
    let share_of_box = inside / (255.0 * f64::from(bus_box.area()));
    eprintln!(
        "bus: {:.3} of the matte inside the box, box {share_of_box:.3} covered",
        inside / mass
    );
    assert!(inside / mass > 0.97, "{}", inside / mass);
    assert!(share_of_box > 0.5, "{share_of_box}");
    assert!(pro.warnings().is_empty(), "{:?}", pro.warnings());

    let mut pro = store.load(ModelKind::Pro, &options(Some("dog"))).unwrap();
    let matte = segment(pro.as_mut(), &photo);
    let kept = matte.alpha.iter().filter(|&&a| a > 0).count();
    let warnings = pro.warnings();
    assert!(
        kept < (w * h / 1000) as usize,
        "kept {kept} pixels for an absent dog"
    );
    assert!(
        warnings.len() == 1 && warnings[0].contains("no dog found"),
        "{warnings:?}"
    );
}

#[test]
fn light_keeps_nothing_of_black_or_flat_frames() {
    let mut light = store().load(ModelKind::Light, &options(None)).unwrap();
    for colour in [[0u8, 0, 0], [128, 128, 128], [20, 90, 200]] {
        let rgb: Vec<u8> = colour.iter().copied().cycle().take(320 * 240 * 3).collect();
        let matte = segment(light.as_mut(), &(320, 240, rgb));
        let max = matte.alpha.iter().copied().max().unwrap();
        assert_eq!(max, 0, "{colour:?}");
    }
    // A real picture still gets a matte.
    let matte = segment(light.as_mut(), &bus());
    assert!(matte.alpha.iter().any(|&a| a > 200));
}
