//! Media I/O for vidmatte: everything it asks of ffprobe and ffmpeg.
//!
//! This crate owns the subprocesses (hardened argument lists, timeouts, kill
//! on drop, stderr tails), the typed [`MediaInfo`] from ffprobe, decoding any
//! readable video into raw RGB frames, and encoding RGBA/RGB frames into the
//! six output formats with the source's audio. It knows nothing of models.

mod cancel;
mod decode;
mod encode;
mod error;
mod format;
mod matte_file;
mod png_zip;
mod probe;
mod process;
mod scene;
mod segments;
mod still;

pub use cancel::Cancel;
pub use decode::{ffmpeg_has_cuda, DecodeOptions, FrameDecoder};
pub use encode::{default_encoders, EncodeSpec, FrameEncoder};
pub use error::MediaError;
pub use format::{Background, OutputFormat, ParseError};
pub use matte_file::{MatteReader, MatteWriter};
pub use probe::{probe, AudioInfo, MediaInfo, ProbeLimits, Rational};
pub use scene::{Anchor, Backdrop, Composition, Fit, Placement, Scene, IMAGE_FORMATS};
pub use segments::segment_frames;
pub use still::{probe_image, ImageInfo};

/// Demuxers vidmatte opens. Anything else (HLS/DASH playlists, concat lists,
/// image2 patterns, raw streams) is refused before it can open other files.
pub const INPUT_FORMATS: &str =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,ogg,gif,asf,mxf";
