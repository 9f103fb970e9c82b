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

use crate::io::{take_u8, BoundSession};
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
    /// Feed uint8 frames to the prefixed graph when setup made it (the
    /// host normalises to floats otherwise).
    pub uint8_io: bool,
}

impl Default for RvmOptions {
    fn default() -> Self {
        Self {
            max_long_side: 1280,
            downsample_ratio: None,
            foreground: true,
            uint8_io: true,
        }
    }
}

/// RVM's guidance: the internal frame ~256–512 px on its short side.
/// The long side RVM works at, at most, on the GPU.
const GPU_LONG_SIDE: u32 = 3840;

const RECURRENT_IN: [&str; 4] = ["r1i", "r2i", "r3i", "r4i"];
const RECURRENT_OUT: [&str; 4] = ["r1o", "r2o", "r3o", "r4o"];

pub(crate) fn downsample_ratio_for(width: u32, height: u32) -> f32 {
    (288.0 / width.min(height) as f32).min(1.0)
}

/// The float graph fed from the host, or the uint8 one through a binding.
enum Io {
    Float { session: Session, input: Vec<f32> },
    Uint8(Box<BoundSession>),
}

pub struct Rvm {
    io: Io,
    pub(crate) interrupt: Interrupt,
    options: RvmOptions,
    /// r1o..r4o of the previous frame, and the size they belong to.
    state: Option<([DynValue; 4], (u32, u32))>,
    resizer: Resizer,
    resized: Vec<u8>,
    small: Vec<u8>,
    small_fg: Vec<u8>,
}

impl Rvm {
    pub fn load(
        store: &ModelStore,
        threads: usize,
        mut options: RvmOptions,
    ) -> Result<Self, MlError> {
        if crate::device_status(store)?.on_gpu() {
            // A GPU mattes 4K at full size faster than the host resizes it.
            options.max_long_side = options.max_long_side.max(GPU_LONG_SIDE);
        }
        let io = if options.uint8_io && store.status(&ModelFile::RVM_U8).present {
            let mut bound = BoundSession::new(store.session(&ModelFile::RVM_U8, threads)?)?;
            bound.output_to_host("pha_u8")?;
            if options.foreground {
                bound.output_to_host("fgr_u8")?;
            }
            for name in RECURRENT_OUT {
                bound.on_device(name)?;
            }
            Io::Uint8(Box::new(bound))
        } else {
            Io::Float {
                session: store.session(&ModelFile::RVM, threads)?,
                input: Vec::new(),
            }
        };
        Ok(Self {
            io,
            interrupt: Interrupt::new()?,
            options,
            state: None,
            resizer: Resizer::new(),
            resized: Vec::new(),
            small: Vec::new(),
            small_fg: Vec::new(),
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
        if (w, h) != (frame.width, frame.height) {
            resize_u8(
                &mut self.resizer,
                frame.rgb,
                (frame.width, frame.height),
                &mut self.resized,
                (w, h),
                3,
                Filter::Bilinear,
            )?;
        }
        let src: &[u8] = if (w, h) == (frame.width, frame.height) {
            frame.rgb
        } else {
            &self.resized
        };
        if self.state.as_ref().is_some_and(|(_, size)| *size != (w, h)) {
            self.state = None;
        }
        let ratio = self
            .options
            .downsample_ratio
            .unwrap_or_else(|| downsample_ratio_for(w, h));
        let step = Step {
            src,
            size: (w, h),
            ratio,
            state: &self.state,
            interrupt: &self.interrupt,
            foreground: self.options.foreground,
        };
        let out = (&mut self.small, &mut self.small_fg);
        let next = match &mut self.io {
            Io::Float { session, input } => run_float(session, input, &step, out)?,
            Io::Uint8(bound) => run_uint8(bound, &step, out)?,
        };
        self.state = Some((next, (w, h)));
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
            let mut fg = matte.foreground.take().unwrap_or_default();
            resize_u8(
                &mut self.resizer,
                &self.small_fg,
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
        Ok(())
    }
}

type State = Option<([DynValue; 4], (u32, u32))>;

fn zeros() -> Result<DynValue, MlError> {
    Ok(Tensor::from_array(([1usize, 1, 1, 1], vec![0f32]))?.into_dyn())
}

fn missing(name: &str) -> MlError {
    MlError::Output {
        model: "rvm",
        detail: format!("no {name}"),
    }
}

/// One frame for either graph: RGB24 at the working size and the state.
struct Step<'a> {
    src: &'a [u8],
    size: (u32, u32),
    ratio: f32,
    state: &'a State,
    interrupt: &'a Interrupt,
    foreground: bool,
}

/// Alpha and foreground colours (RGB24) at the working size.
type Out<'a> = (&'a mut Vec<u8>, &'a mut Vec<u8>);

/// r1o..r4o, to feed back on the next frame.
fn next_state(outputs: &mut ort::session::SessionOutputs<'_>) -> Result<[DynValue; 4], MlError> {
    let mut take = |name: &str| outputs.remove(name).ok_or_else(|| missing(name));
    Ok([take("r1o")?, take("r2o")?, take("r3o")?, take("r4o")?])
}

/// The reference path: RGB / 255 as planar floats from the host.
fn run_float(
    session: &mut Session,
    input: &mut Vec<f32>,
    step: &Step<'_>,
    (alpha, fg): Out<'_>,
) -> Result<[DynValue; 4], MlError> {
    let Step {
        src,
        size: (w, h),
        ratio,
        state,
        interrupt,
        foreground,
    } = *step;
    let plane = (w * h) as usize;
    to_planes(src, input, |_, v| f32::from(v) / 255.0);
    let fresh;
    let recurrent: [&DynValue; 4] = match state {
        Some((values, _)) => [&values[0], &values[1], &values[2], &values[3]],
        None => {
            fresh = [zeros()?, zeros()?, zeros()?, zeros()?];
            [&fresh[0], &fresh[1], &fresh[2], &fresh[3]]
        }
    };
    let src = TensorRef::from_array_view(([1usize, 3, h as usize, w as usize], &input[..]))?;
    let ratio = Tensor::from_array(([1usize], vec![ratio]))?;
    let mut outputs = session
        .run_with_options(
            ort::inputs![
                "src" => src,
                "r1i" => recurrent[0],
                "r2i" => recurrent[1],
                "r3i" => recurrent[2],
                "r4i" => recurrent[3],
                "downsample_ratio" => ratio,
            ],
            interrupt.options(),
        )
        .map_err(|e| interrupt.error(e))?;
    let (_, pha) = outputs["pha"].try_extract_tensor::<f32>()?;
    if pha.len() != plane {
        return Err(MlError::Output {
            model: "rvm",
            detail: format!("pha has {} values for {w}x{h}", pha.len()),
        });
    }
    unit_to_u8(pha, alpha);
    if foreground {
        let (_, fgr) = outputs["fgr"].try_extract_tensor::<f32>()?;
        fg.clear();
        fg.extend(
            (0..plane)
                .flat_map(|i| (0..3).map(move |c| i + c * plane))
                .map(|j| (fgr[j].clamp(0.0, 1.0) * 255.0 + 0.5) as u8),
        );
    }
    next_state(&mut outputs)
}

/// The uint8 graph through the binding: bytes up, bytes down, the
/// recurrent state left where the model runs.
fn run_uint8(
    bound: &mut BoundSession,
    step: &Step<'_>,
    (alpha, fg): Out<'_>,
) -> Result<[DynValue; 4], MlError> {
    let Step {
        src,
        size: (w, h),
        ratio,
        state,
        interrupt,
        foreground,
    } = *step;
    let plane = (w * h) as usize;
    bound.frame("src_u8", src, (w, h))?;
    match state {
        Some((values, _)) => {
            for (name, value) in RECURRENT_IN.into_iter().zip(values) {
                bound.input(name, value)?;
            }
        }
        None => {
            for name in RECURRENT_IN {
                bound.input(name, &zeros()?)?;
            }
        }
    }
    bound.input(
        "downsample_ratio",
        &Tensor::from_array(([1usize], vec![ratio]))?.into_dyn(),
    )?;
    let mut outputs = bound.run(interrupt)?;
    take_u8(&outputs, "pha_u8", plane, "rvm", alpha)?;
    if foreground {
        take_u8(&outputs, "fgr_u8", plane * 3, "rvm", fg)?;
    }
    next_state(&mut outputs)
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
