//! Matting models for vidmatte: ONNX Runtime sessions, one struct per model,
//! each with its reference pre- and post-processing, behind [`Segmenter`].
//!
//! Weights and the runtime library are only ever loaded from the local cache
//! that `scripts/setup.sh` fills ([`ModelStore`]); nothing is fetched here.

mod coco;
mod colour;
mod components;
mod detector;
mod device;
mod error;
mod general;
mod geometry;
mod instances;
mod interrupt;
mod io;
mod isnet;
mod matte;
mod precision;
mod pro;
mod prompt;
mod resize;
mod runtime;
mod rvm;
mod store;
mod track;
mod u2netp;
mod vocab;

pub use coco::{CocoClass, NAMES as COCO_NAMES};
pub use colour::Colour;
pub use detector::{Detection, Detector};
pub use device::{
    cuda_gaps, device_status, on_gpu, request_device, requested_device, CudaGap, Device,
    DeviceStatus, Processor, CUDA_LIBRARIES,
};
pub use error::MlError;
pub use general::General;
pub use geometry::{BoxF, SoftBox};
pub use interrupt::Interrupt;
pub use isnet::{Isnet, IsnetOptions};
pub use matte::{FrameRef, Matte, Segmenter};
pub use precision::{cpu_has_int8_dot_product, Precision};
pub use pro::Pro;
pub use prompt::{Placement, Prompt, Subject, Target};
pub use rvm::{Rvm, RvmOptions};
pub use store::{ModelFile, ModelKind, ModelStatus, ModelStore, SegmenterOptions};
pub use track::{Track, Tracker};
pub use u2netp::{U2netp, U2netpOptions};
