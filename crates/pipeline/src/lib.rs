//! Where a frame goes: decode → segment → composite → encode, each stage on
//! its own thread with bounded queues between them, so memory stays flat
//! whatever the video's length. Owns the request's validation, temporal
//! smoothing, scene-cut handling, progress and cancellation; calls `media`
//! for ffmpeg and `ml` for the models.

mod composite;
mod error;
mod progress;
mod request;
mod run;
mod smoothing;
mod stored_matte;

pub use composite::{composite, Render};
pub use error::PipelineError;
pub use progress::{Progress, StageStats};
pub use request::ProcessRequest;
pub use run::{process, process_with, Report};
pub use smoothing::{flicker, measure_flicker, SceneCuts, TemporalSmoother};
pub use stored_matte::StoredMatte;
pub use vidmatte_media::{Background, Cancel, MediaInfo, OutputFormat};
pub use vidmatte_ml::{ModelKind, ModelStore};
