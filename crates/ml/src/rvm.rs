//! `human`: RobustVideoMatting (MobileNetV3), the official ONNX export.
//!
//! Reference preprocessing: RGB / 255 at the working size; the recurrent
//! state `r1..r4` starts as zeros and is fed back frame after frame; the
//! `downsample_ratio` is chosen so the internal frame is ~288 px on its short
//! side (RVM's guidance: 256–512). Outputs: `pha` (alpha) and `fgr` (the
//! unmixed foreground colours).

use fast_image_resize::Resizer;
use ort::session::Session;
use ort::value::{DynValue, Tensor, TensorRef};

use crate::resize::{resize_u8, to_planes, unit_to_u8, Filter};
use crate::{FrameRef, Interrupt, Matte, MlError, ModelFile, ModelKind, ModelStore, Segmenter};

#[derive(Clone, Debug)]
pub struct RvmOptions {
    /// Frames larger than this on their long side are matted at this size and
    /// the matte scaled up: RVM's refiner costs grow with every pixel.
    pub max_long_side: u32,
    /// Fixed `downsample_ratio`; `None` picks it from the working size.
    pub downsample_ratio: Option<f32>,
    /// Also return the unmixed foreground colours.
    pub foreground: bool,
}

impl Default for RvmOptions {
    fn default() -> Self {
        Self {
            max_long_side: 1280,
            downsample_ratio: None,
            foreground: true,
        }
    }
}

/// RVM's guidance: the internal frame ~256–512 px on its short side.
pub(crate) fn downsample_ratio_for(width: u32, height: u32) -> f32 {
    (288.0 / width.min(height) as f32).min(1.0)
}

pub struct Rvm {
    session: Session,
    pub(crate) interrupt: Interrupt,
    options: RvmOptions,
    /// r1o..r4o of the previous frame, and the size they belong to.
    state: Option<([DynValue; 4], (u32, u32))>,
    resizer: Resizer,
    resized: Vec<u8>,
    input: Vec<f32>,
    small: Vec<u8>,
}

impl Rvm {
    pub fn load(store: &ModelStore, threads: usize, options: RvmOptions) -> Result<Self, MlError> {
        Ok(Self {
            session: store.session(&ModelFile::RVM, threads)?,
            interrupt: Interrupt::new()?,
            options,
            state: None,
            resizer: Resizer::new(),
            resized: Vec::new(),
            input: Vec::new(),
            small: Vec::new(),
        })
    }

    fn working_size(&self, width: u32, height: u32) -> (u32, u32) {
        let long = width.max(height);
        if long <= self.options.max_long_side {
            return (width, height);
        }
        let scale = f64::from(self.options.max_long_side) / f64::from(long);
        let even = |v: u32| ((f64::from(v) * scale).round() as u32).max(2);
        (even(width), even(height))
    }
}

impl Segmenter for Rvm {
    fn interrupt(&self) -> Interrupt {
        self.interrupt.clone()
    }

    fn kind(&self) -> ModelKind {
        ModelKind::Human
    }

    fn is_temporal(&self) -> bool {
        true
    }

    fn reset(&mut self) {
        self.state = None;
    }

    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError> {
        let (w, h) = self.working_size(frame.width, frame.height);
        let src_rgb: &[u8] = if (w, h) == (frame.width, frame.height) {
            frame.rgb
        } else {
            resize_u8(
                &mut self.resizer,
                frame.rgb,
                (frame.width, frame.height),
                &mut self.resized,
                (w, h),
                3,
                Filter::Bilinear,
            )?;
            &self.resized
        };
        let plane = (w * h) as usize;
        to_planes(src_rgb, &mut self.input, |_, v| f32::from(v) / 255.0);
        if self.state.as_ref().is_some_and(|(_, size)| *size != (w, h)) {
            self.state = None;
        }
        let ratio = self
            .options
            .downsample_ratio
            .unwrap_or_else(|| downsample_ratio_for(w, h));
        let zeros = || Tensor::from_array(([1usize, 1, 1, 1], vec![0f32]));
        let fresh;
        let recurrent: [&DynValue; 4] = match &self.state {
            Some((values, _)) => [&values[0], &values[1], &values[2], &values[3]],
            None => {
                fresh = [
                    zeros()?.into_dyn(),
                    zeros()?.into_dyn(),
                    zeros()?.into_dyn(),
                    zeros()?.into_dyn(),
                ];
                [&fresh[0], &fresh[1], &fresh[2], &fresh[3]]
            }
        };
        let src =
            TensorRef::from_array_view(([1usize, 3, h as usize, w as usize], &self.input[..]))?;
        let ratio = Tensor::from_array(([1usize], vec![ratio]))?;
        let mut outputs = self
            .session
            .run_with_options(
                ort::inputs![
                    "src" => src,
                    "r1i" => recurrent[0],
                    "r2i" => recurrent[1],
                    "r3i" => recurrent[2],
                    "r4i" => recurrent[3],
                    "downsample_ratio" => ratio,
                ],
                self.interrupt.options(),
            )
            .map_err(|e| self.interrupt.error(e))?;
        let (_, pha) = outputs["pha"].try_extract_tensor::<f32>()?;
        if pha.len() != plane {
            return Err(MlError::Output {
                model: "rvm",
                detail: format!("pha has {} values for {w}x{h}", pha.len()),
            });
        }
        unit_to_u8(pha, &mut self.small);
        matte.width = frame.width;
        matte.height = frame.height;
        resize_u8(
            &mut self.resizer,
            &self.small,
            (w, h),
            &mut matte.alpha,
            (frame.width, frame.height),
            1,
            Filter::Bilinear,
        )?;
        matte.foreground = if self.options.foreground {
            let (_, fgr) = outputs["fgr"].try_extract_tensor::<f32>()?;
            self.small.clear();
            self.small.extend(
                (0..plane)
                    .flat_map(|i| (0..3).map(move |c| i + c * plane))
                    .map(|j| (fgr[j].clamp(0.0, 1.0) * 255.0 + 0.5) as u8),
            );
            let mut fg = matte.foreground.take().unwrap_or_default();
            resize_u8(
                &mut self.resizer,
                &self.small,
                (w, h),
                &mut fg,
                (frame.width, frame.height),
                3,
                Filter::Bilinear,
            )?;
            Some(fg)
        } else {
            None
        };
        let take = |name: &str, outputs: &mut ort::session::SessionOutputs<'_>| {
            outputs.remove(name).ok_or_else(|| MlError::Output {
                model: "rvm",
                detail: format!("no {name}"),
            })
        };
        let next = [
            take("r1o", &mut outputs)?,
            take("r2o", &mut outputs)?,
            take("r3o", &mut outputs)?,
            take("r4o", &mut outputs)?,
        ];
        drop(outputs);
        self.state = Some((next, (w, h)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsample_ratio_follows_rvm_guidance() {
        assert!((downsample_ratio_for(1920, 1080) - 0.2667).abs() < 0.01);
        assert!((downsample_ratio_for(1280, 720) - 0.4).abs() < 0.01);
        assert_eq!(downsample_ratio_for(320, 240), 1.0);
    }
}
