//! The `quality` section: each faster path against the float matte it
//! replaces, on real clips — mean |Δα| (in 1/255) and IoU of α > 127, with
//! both paths' fps from the same run.

use std::path::Path;

use vidmatte_ml::{ModelKind, ModelStore, Precision};

use super::{footage, stages, BenchArgs, FrameSize};

/// Agreement of one matte sequence with a reference sequence.
#[derive(Debug, Default)]
struct Agreement {
    abs_diff: f64,
    pixels: f64,
    intersection: f64,
    union: f64,
    /// The lowest per-frame IoU over frames whose union is ≥ 0.5 % of the frame.
    min_iou: Option<f64>,
}

impl Agreement {
    fn add(&mut self, reference: &[u8], other: &[u8]) {
        let (mut inter, mut union, mut diff) = (0u64, 0u64, 0u64);
        for (&a, &b) in reference.iter().zip(other) {
            diff += u64::from(a.abs_diff(b));
            let (a, b) = (a > 127, b > 127);
            inter += u64::from(a && b);
            union += u64::from(a || b);
        }
        self.abs_diff += diff as f64;
        self.pixels += reference.len() as f64;
        self.intersection += inter as f64;
        self.union += union as f64;
        if union as f64 >= reference.len() as f64 * 0.005 {
            let iou = inter as f64 / union as f64;
            self.min_iou = Some(self.min_iou.map_or(iou, |m| m.min(iou)));
        }
    }

    fn mean_abs_diff(&self) -> f64 {
        self.abs_diff / self.pixels.max(1.0)
    }

    fn iou(&self) -> f64 {
        if self.union == 0.0 {
            1.0
        } else {
            self.intersection / self.union
        }
    }

    /// Issue 13's bar, over the clip: mean |Δα| ≤ 2/255 and pooled IoU ≥ 0.98.
    fn passes(&self) -> bool {
        self.mean_abs_diff() <= 2.0 && self.iou() >= 0.98
    }
}

pub(super) fn report(
    args: &BenchArgs,
    store: &ModelStore,
    work: &Path,
    threads: usize,
) -> anyhow::Result<()> {
    println!(
        "\n== quality: int8 against fp32 on real clips ({} frames each; bar: mean |Δα| ≤ 2/255 and IoU(α>127) ≥ 0.98 over the clip; the lowest single frame is shown too) ==",
        args.quality_frames
    );
    let mut clips = vec![
        store.root().join("clips/carphone_pristine.mp4"),
        store.root().join("clips/bigbuckbunny.mp4"),
    ];
    if let Some(&size) = args.sizes.first() {
        clips.insert(0, footage(store, work, size, args.seconds)?);
    }
    for &model in &args.models {
        if !matches!(model, ModelKind::Original | ModelKind::Pro) {
            println!("{model}: fp32 only (its int8 copy failed the bar: docs/research/int8)");
            continue;
        }
        for clip in &clips {
            let (frames, (width, height)) = stages::read_frames(clip, args.quality_frames)?;
            let size = FrameSize { width, height };
            let run = |precision| {
                stages::inference(
                    store,
                    model,
                    threads,
                    precision,
                    &frames,
                    size,
                    frames.len(),
                )
            };
            let (float_fps, reference) = run(Precision::Float)?;
            let (int8_fps, fast) = run(Precision::Int8)?;
            let mut agreement = Agreement::default();
            for (a, b) in reference.iter().zip(&fast) {
                agreement.add(&a.alpha, &b.alpha);
            }
            println!(
                "{model} on {} ({}x{}): int8 {int8_fps:.2} fps vs fp32 {float_fps:.2} fps ({:.2}×); mean |Δα| {:.2}/255, IoU {:.4} (lowest frame {}) — {}",
                clip.file_name().unwrap_or_default().to_string_lossy(),
                size.width,
                size.height,
                int8_fps / float_fps,
                agreement.mean_abs_diff(),
                agreement.iou(),
                agreement
                    .min_iou
                    .map_or("—".to_string(), |m| format!("{m:.4}")),
                if agreement.passes() { "within the bar" } else { "OUTSIDE the bar" }
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_counts_differences_and_overlap() {
        let mut same = Agreement::default();
        same.add(&[0, 255, 200, 10], &[0, 255, 200, 10]);
        assert_eq!(same.mean_abs_diff(), 0.0);
        assert_eq!(same.iou(), 1.0);
        assert!(same.passes());
        let mut off = Agreement::default();
        off.add(&[0, 255, 255, 0], &[0, 255, 100, 8]);
        assert!((off.mean_abs_diff() - (155.0 + 8.0) / 4.0).abs() < 1e-9);
        assert!((off.iou() - 0.5).abs() < 1e-9);
        assert_eq!(off.min_iou, Some(0.5));
        assert!(!off.passes());
    }
}
