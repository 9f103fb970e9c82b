//! Temporal smoothing for per-frame models, scene-cut detection, and the
//! flicker measure the benchmark reports.
//!
//! Per-frame models see each frame afresh, so a matte edge that sits still
//! in the picture jitters by a few levels from frame to frame. The smoother
//! blends each pixel's alpha with its previous output, but only where the
//! picture itself did not change: where the pixel's colour moved (or the
//! model's answer jumped), the new alpha is taken as is, so moving edges are
//! not smeared.

use vidmatte_ml::{FrameRef, Matte, MlError, Segmenter};

/// Exponential smoothing gated by per-pixel motion.
#[derive(Debug, Default)]
pub struct TemporalSmoother {
    prev_luma: Vec<u8>,
    prev_alpha: Vec<u8>,
}

/// Weight of the new alpha for a still pixel (the rest is the previous output).
const STILL_WEIGHT: u32 = 96; // of 256
/// Luma change (0..255) at which a pixel counts as fully moving.
const MOTION_FULL: u32 = 24;
/// Alpha change at which the model's new answer is taken outright.
const ALPHA_JUMP: u32 = 96;

impl TemporalSmoother {
    pub fn reset(&mut self) {
        self.prev_luma.clear();
        self.prev_alpha.clear();
    }

    /// Smooths `alpha` (the current frame's matte) in place.
    pub fn apply(&mut self, rgb: &[u8], alpha: &mut [u8]) {
        let n = alpha.len();
        let fresh = self.prev_alpha.len() != n;
        if fresh {
            self.prev_alpha.clear();
            self.prev_alpha.extend_from_slice(alpha);
            self.prev_luma.clear();
            self.prev_luma.extend(rgb.chunks_exact(3).map(luma));
            return;
        }
        for (i, (a, px)) in alpha.iter_mut().zip(rgb.chunks_exact(3)).enumerate() {
            let y = luma(px);
            let motion = u32::from(y.abs_diff(self.prev_luma[i]));
            let prev = u32::from(self.prev_alpha[i]);
            let cur = u32::from(*a);
            let jump = cur.abs_diff(prev);
            // Weight of the new value, 0..256: STILL_WEIGHT when nothing moved,
            // rising to 256 as the pixel's colour or the model's answer changes.
            let gate = (motion * 256 / MOTION_FULL)
                .max(jump * 256 / ALPHA_JUMP)
                .min(256);
            let w = STILL_WEIGHT + (256 - STILL_WEIGHT) * gate / 256;
            let out = (cur * w + prev * (256 - w) + 128) / 256;
            *a = out as u8;
            self.prev_alpha[i] = out as u8;
            self.prev_luma[i] = y;
        }
    }
}

fn luma(px: &[u8]) -> u8 {
    ((u32::from(px[0]) * 77 + u32::from(px[1]) * 150 + u32::from(px[2]) * 29) >> 8) as u8
}

/// Detects hard cuts between shots from a tiny thumbnail of each frame.
#[derive(Debug, Default)]
pub struct SceneCuts {
    prev: Vec<u8>,
}

const THUMB: usize = 16;
/// Mean absolute thumbnail difference (0..255) that counts as a cut.
const CUT_THRESHOLD: f64 = 40.0;

impl SceneCuts {
    /// True when `rgb` starts a new shot.
    pub fn is_cut(&mut self, rgb: &[u8], width: u32, height: u32) -> bool {
        let (w, h) = (width as usize, height as usize);
        let mut thumb = Vec::with_capacity(THUMB * THUMB);
        for ty in 0..THUMB {
            for tx in 0..THUMB {
                let (x, y) = (
                    (tx * 2 + 1) * w / (THUMB * 2),
                    (ty * 2 + 1) * h / (THUMB * 2),
                );
                let i = (y * w + x) * 3;
                thumb.push(luma(&rgb[i..i + 3]));
            }
        }
        let cut = self.prev.len() == thumb.len() && {
            let diff: u32 = thumb
                .iter()
                .zip(&self.prev)
                .map(|(a, b)| u32::from(a.abs_diff(*b)))
                .sum();
            f64::from(diff) / thumb.len() as f64 > CUT_THRESHOLD
        };
        self.prev = thumb;
        cut
    }
}

/// The flicker measure: mean frame-to-frame |Δα| (0..1) of `segmenter`'s
/// mattes over `frames` (RGB24, `width × height`), smoothed or not.
pub fn measure_flicker<'a>(
    segmenter: &mut dyn Segmenter,
    frames: impl IntoIterator<Item = &'a [u8]>,
    (width, height): (u32, u32),
    smooth: bool,
) -> Result<f64, MlError> {
    let mut smoother = TemporalSmoother::default();
    let (mut prev, mut total, mut pairs) = (Vec::new(), 0.0, 0u32);
    segmenter.reset();
    for rgb in frames {
        let mut matte = Matte::default();
        segmenter.segment(&FrameRef { width, height, rgb }, &mut matte)?;
        if smooth {
            smoother.apply(rgb, &mut matte.alpha);
        }
        if !prev.is_empty() {
            total += flicker(&prev, &matte.alpha);
            pairs += 1;
        }
        prev = matte.alpha;
    }
    Ok(total / f64::from(pairs.max(1)))
}

/// Mean absolute frame-to-frame alpha change, in 0..1 units.
pub fn flicker(prev: &[u8], cur: &[u8]) -> f64 {
    let sum: u64 = prev
        .iter()
        .zip(cur)
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    sum as f64 / (cur.len().max(1) as f64 * 255.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn still_pixels_are_smoothed_moving_ones_are_not() {
        let mut s = TemporalSmoother::default();
        let still = vec![100u8; 6];
        let mut first = vec![200u8, 200];
        s.apply(&still, &mut first);
        assert_eq!(first, vec![200, 200]);
        // Second frame: pixel 0 unchanged in colour, pixel 1 changed a lot;
        // the model's alpha wobbles by 20 on both.
        let mut moved = still.clone();
        moved[3..6].copy_from_slice(&[250, 250, 250]);
        let mut second = vec![180u8, 180];
        s.apply(&moved, &mut second);
        assert!(
            second[0] > 185 && second[0] < 200,
            "still pixel smoothed: {}",
            second[0]
        );
        assert_eq!(second[1], 180, "moving pixel taken as is");
    }

    #[test]
    fn large_alpha_jumps_pass_through() {
        let mut s = TemporalSmoother::default();
        let rgb = vec![50u8; 3];
        s.apply(&rgb, &mut [0]);
        let mut a = [255u8];
        s.apply(&rgb, &mut a);
        assert_eq!(a[0], 255);
    }

    #[test]
    fn cuts_are_seen_between_different_shots_only() {
        let mut cuts = SceneCuts::default();
        let dark = vec![10u8; 32 * 32 * 3];
        let bright = vec![200u8; 32 * 32 * 3];
        assert!(!cuts.is_cut(&dark, 32, 32));
        assert!(!cuts.is_cut(&dark, 32, 32));
        assert!(cuts.is_cut(&bright, 32, 32));
    }

    #[test]
    fn flicker_is_mean_absolute_change() {
        assert_eq!(flicker(&[0, 255], &[255, 255]), 0.5);
    }
}
