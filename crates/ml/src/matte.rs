//! The [`Segmenter`] trait and the frames and mattes it works on.

use crate::{Interrupt, MlError, ModelKind};

/// One upright RGB24 frame, row-major, no padding.
#[derive(Clone, Copy, Debug)]
pub struct FrameRef<'a> {
    pub width: u32,
    pub height: u32,
    pub rgb: &'a [u8],
}

/// Alpha (0 = background, 255 = subject) at the frame's size, plus the
/// model's own estimate of the foreground colours when it makes one.
#[derive(Clone, Debug, Default)]
pub struct Matte {
    pub width: u32,
    pub height: u32,
    pub alpha: Vec<u8>,
    /// RGB24, same size, when the model predicts the unmixed foreground (RVM).
    pub foreground: Option<Vec<u8>>,
}

impl Matte {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            alpha: vec![0; width as usize * height as usize],
            foreground: None,
        }
    }
}

/// A model that separates subject from background, one frame at a time.
pub trait Segmenter: Send {
    fn kind(&self) -> ModelKind;

    /// Computes the matte of `frame` into `matte` (resized as needed).
    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError>;

    /// True when the model carries state from frame to frame (frames must
    /// then arrive in order, and it needs no extra temporal smoothing).
    fn is_temporal(&self) -> bool {
        false
    }

    /// Forgets state carried across frames (a new video, or a scene cut).
    fn reset(&mut self) {}

    /// A handle that stops this segmenter's inference from another thread.
    fn interrupt(&self) -> Interrupt;

    /// Things the caller asked for that the model could not act on.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}
