//! `light`: U²-Netp, as rembg runs it.
//!
//! Reference preprocessing (rembg): Lanczos resize to 320 × 320, divide by
//! the image's maximum value, then ImageNet mean/std per channel; the first
//! output is min-max normalised, truncated to u8 and Lanczos-resized back.

use fast_image_resize::Resizer;
use ort::session::Session;
use ort::value::TensorRef;

use crate::resize::{model_input_size, resize_u8, to_planes, Filter};
use crate::{FrameRef, Interrupt, Matte, MlError, ModelFile, ModelKind, ModelStore, Segmenter};

/// A frame whose every channel stays within this range is flat.
const FLAT_RANGE: u8 = 12;

fn is_flat(rgb: &[u8]) -> bool {
    let mut lo = [u8::MAX; 3];
    let mut hi = [0u8; 3];
    for px in rgb.chunks_exact(3) {
        for c in 0..3 {
            lo[c] = lo[c].min(px[c]);
            hi[c] = hi[c].max(px[c]);
        }
    }
    (0..3).all(|c| hi[c].saturating_sub(lo[c]) <= FLAT_RANGE)
}

const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

#[derive(Clone, Debug)]
pub struct U2netpOptions {
    /// Model input long side (multiple of 32).
    pub long_side: u32,
    /// Keep the frame's aspect ratio (the reference squashes to a square).
    pub keep_aspect: bool,
}

impl Default for U2netpOptions {
    /// Video default: the reference's 320 across, at the frame's aspect, so
    /// a 16:9 frame costs 320 × 192 instead of 320 × 320.
    fn default() -> Self {
        Self {
            long_side: 320,
            keep_aspect: true,
        }
    }
}

impl U2netpOptions {
    /// rembg's own setting: a 320 × 320 square.
    pub fn reference() -> Self {
        Self {
            long_side: 320,
            keep_aspect: false,
        }
    }
}

pub struct U2netp {
    session: Session,
    interrupt: Interrupt,
    options: U2netpOptions,
    resizer: Resizer,
    resized: Vec<u8>,
    input: Vec<f32>,
    small_alpha: Vec<u8>,
}

impl U2netp {
    pub fn load(
        store: &ModelStore,
        threads: usize,
        options: U2netpOptions,
    ) -> Result<Self, MlError> {
        Ok(Self {
            session: store.session(&ModelFile::U2NETP, threads)?,
            interrupt: Interrupt::new()?,
            options,
            resizer: Resizer::new(),
            resized: Vec::new(),
            input: Vec::new(),
            small_alpha: Vec::new(),
        })
    }
}

impl Segmenter for U2netp {
    fn interrupt(&self) -> Interrupt {
        self.interrupt.clone()
    }

    fn kind(&self) -> ModelKind {
        ModelKind::Light
    }

    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError> {
        let (iw, ih) = model_input_size(
            self.options.long_side,
            self.options.keep_aspect,
            frame.width,
            frame.height,
        );
        resize_u8(
            &mut self.resizer,
            frame.rgb,
            (frame.width, frame.height),
            &mut self.resized,
            (iw, ih),
            3,
            Filter::Lanczos3,
        )?;
        if is_flat(&self.resized) {
            // Nothing stands out of a black or single-colour frame, but the
            // min-max normalisation below would stretch the model's noise
            // to full opacity.
            matte.width = frame.width;
            matte.height = frame.height;
            matte.foreground = None;
            matte.alpha.clear();
            matte
                .alpha
                .resize(frame.width as usize * frame.height as usize, 0);
            return Ok(());
        }
        let max = f32::from(self.resized.iter().copied().max().unwrap_or(0).max(1));
        let plane = (iw * ih) as usize;
        to_planes(&self.resized, &mut self.input, |c, v| {
            (f32::from(v) / max - MEAN[c]) / STD[c]
        });
        let input =
            TensorRef::from_array_view(([1usize, 3, ih as usize, iw as usize], &self.input[..]))?;
        let outputs = self
            .session
            .run_with_options(ort::inputs!["input.1" => input], self.interrupt.options())
            .map_err(|e| self.interrupt.error(e))?;
        let (shape, values) = outputs[0].try_extract_tensor::<f32>()?;
        if values.len() != plane {
            return Err(MlError::Output {
                model: "u2netp",
                detail: format!("shape {shape:?} for input {iw}x{ih}"),
            });
        }
        let (lo, hi) = values
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let range = (hi - lo).max(f32::EPSILON);
        self.small_alpha.clear();
        // rembg truncates ((pred - min) / range * 255) to u8.
        self.small_alpha
            .extend(values.iter().map(|&v| ((v - lo) / range * 255.0) as u8));
        drop(outputs);
        matte.width = frame.width;
        matte.height = frame.height;
        matte.foreground = None;
        resize_u8(
            &mut self.resizer,
            &self.small_alpha,
            (iw, ih),
            &mut matte.alpha,
            (frame.width, frame.height),
            1,
            Filter::Lanczos3,
        )
    }
}
