//! Still pictures (background images): what ffprobe says of one PNG, JPEG or
//! WebP file, checked against the pixel limit before anything decodes it.

use std::path::Path;

use serde::Deserialize;

use crate::probe::run_ffprobe;
use crate::process::args;
use crate::scene::IMAGE_FORMATS;
use crate::{Cancel, MediaError, ProbeLimits};

/// A picture's codec and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub codec: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    streams: Vec<Stream>,
}

#[derive(Deserialize)]
struct Stream {
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
}

/// Probes `path` as a single PNG, JPEG or WebP picture within `limits`.
pub fn probe_image(
    path: &Path,
    limits: &ProbeLimits,
    cancel: &Cancel,
) -> Result<ImageInfo, MediaError> {
    let mut argv = args([
        "-v",
        "error",
        "-hide_banner",
        "-protocol_whitelist",
        "file",
        "-f",
        IMAGE_FORMATS,
        "-format_whitelist",
        IMAGE_FORMATS,
        "-print_format",
        "json",
        "-show_streams",
    ]);
    argv.push(path.as_os_str().to_owned());
    let json = run_ffprobe(&argv, limits, cancel).map_err(|e| match e {
        MediaError::Unsupported(_) => {
            MediaError::Unsupported("not a PNG, JPEG or WebP picture".into())
        }
        other => other,
    })?;
    parse_image_json(&json, limits)
}

fn parse_image_json(json: &str, limits: &ProbeLimits) -> Result<ImageInfo, MediaError> {
    let out: Output = serde_json::from_str(json)?;
    let stream = out
        .streams
        .into_iter()
        .next()
        .ok_or_else(|| MediaError::Unsupported("not a PNG, JPEG or WebP picture".into()))?;
    let codec = stream.codec_name.unwrap_or_default();
    if !matches!(codec.as_str(), "png" | "mjpeg" | "webp") {
        return Err(MediaError::Unsupported(format!(
            "a {codec} picture; PNG, JPEG or WebP are taken"
        )));
    }
    let (width, height) = match (stream.width, stream.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err(MediaError::Unsupported("the picture has no size".into())),
    };
    limits.check_size(width, height)?;
    Ok(ImageInfo {
        codec,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_within_limits_only() {
        let limits = ProbeLimits::default();
        let png = r#"{"streams":[{"codec_name":"png","width":640,"height":480}]}"#;
        assert_eq!(parse_image_json(png, &limits).unwrap().width, 640);
        let huge = r#"{"streams":[{"codec_name":"mjpeg","width":20000,"height":20000}]}"#;
        assert!(matches!(
            parse_image_json(huge, &limits),
            Err(MediaError::OutsideLimits(_))
        ));
        let gif = r#"{"streams":[{"codec_name":"gif","width":10,"height":10}]}"#;
        assert!(matches!(
            parse_image_json(gif, &limits),
            Err(MediaError::Unsupported(_))
        ));
    }
}
