//! Matting models for vidmatte: ONNX Runtime sessions, one struct per model,
//! each with its reference pre- and post-processing, behind [`Segmenter`].
//!
//! Weights and the runtime library are only ever loaded from the local cache
//! that `scripts/setup.sh` fills ([`ModelStore`]); nothing is fetched here.

mod components;
mod error;
mod interrupt;
mod isnet;
mod matte;
mod pro;
mod prompt;
mod resize;
mod runtime;
mod rvm;
mod store;
mod u2netp;

pub use error::MlError;
pub use interrupt::Interrupt;
pub use isnet::{Isnet, IsnetOptions};
pub use matte::{FrameRef, Matte, Segmenter};
pub use pro::Pro;
pub use prompt::{Placement, Prompt, Subject};
pub use rvm::{Rvm, RvmOptions};
pub use store::{ModelFile, ModelKind, ModelStatus, ModelStore, SegmenterOptions};
pub use u2netp::{U2netp, U2netpOptions};
