//! Output formats and backgrounds, as the API and the CLI name them.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    Webm,
    Mov,
    Mp4,
    Gif,
    Webp,
    PngSequence,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 6] = [
        Self::Webm,
        Self::Mov,
        Self::Mp4,
        Self::Gif,
        Self::Webp,
        Self::PngSequence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webm => "webm",
            Self::Mov => "mov",
            Self::Mp4 => "mp4",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::PngSequence => "png_sequence",
        }
    }

    /// Whether the format can carry transparency (gif: 1-bit).
    pub fn carries_alpha(self) -> bool {
        !matches!(self, Self::Mp4)
    }

    /// Whether the container keeps the source's audio.
    /// 4:2:0 chroma: the encoder needs even sizes.
    pub fn subsampled_chroma(self) -> bool {
        matches!(self, Self::Webm | Self::Mp4 | Self::Webp)
    }

    pub fn carries_audio(self) -> bool {
        matches!(self, Self::Webm | Self::Mov | Self::Mp4)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::PngSequence => "zip",
            other => other.as_str(),
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Webm => "video/webm",
            Self::Mov => "video/quicktime",
            Self::Mp4 => "video/mp4",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::PngSequence => "application/zip",
        }
    }

    /// The format a file name implies (`.zip` means a PNG sequence).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "zip" => Some(Self::PngSequence),
            other => other.parse().ok(),
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} must be one of {expected}, not {got:?}")]
pub struct ParseError {
    pub what: &'static str,
    pub expected: &'static str,
    pub got: String,
}

impl FromStr for OutputFormat {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| ParseError {
                what: "output format",
                expected: "webm, mov, mp4, gif, webp, png_sequence",
                got: s.to_string(),
            })
    }
}

/// What shows where the subject is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Background {
    Transparent,
    Color([u8; 3]),
}

impl Background {
    pub const GREEN: Self = Self::Color([0, 255, 0]);
    pub const WHITE: Self = Self::Color([255, 255, 255]);
    pub const BLACK: Self = Self::Color([0, 0, 0]);
    pub const BLUE: Self = Self::Color([0, 0, 255]);

    /// From the API's `bg_type` and `bg_color`.
    pub fn from_type(bg_type: &str, color: Option<[u8; 3]>) -> Result<Self, ParseError> {
        let err = |expected| ParseError {
            what: "background",
            expected,
            got: bg_type.to_string(),
        };
        match (bg_type, color) {
            ("custom", Some(rgb)) => Ok(Self::Color(rgb)),
            ("custom", None) => Err(err("custom with a colour R,G,B")),
            ("transparent", _) => Ok(Self::Transparent),
            ("green", _) => Ok(Self::GREEN),
            ("white", _) => Ok(Self::WHITE),
            ("black", _) => Ok(Self::BLACK),
            ("blue", _) => Ok(Self::BLUE),
            _ => Err(err("transparent, green, white, black, blue, custom")),
        }
    }

    pub fn color(self) -> Option<[u8; 3]> {
        match self {
            Self::Transparent => None,
            Self::Color(rgb) => Some(rgb),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(
            OutputFormat::from_path(Path::new("a/b.WEBM")),
            Some(OutputFormat::Webm)
        );
        assert_eq!(
            OutputFormat::from_path(Path::new("frames.zip")),
            Some(OutputFormat::PngSequence)
        );
        assert_eq!(OutputFormat::from_path(Path::new("x.avi")), None);
        assert_eq!(OutputFormat::from_path(Path::new("noext")), None);
    }

    #[test]
    fn backgrounds_parse_from_the_api_names() {
        assert_eq!(
            Background::from_type("green", None),
            Ok(Background::Color([0, 255, 0]))
        );
        assert_eq!(
            Background::from_type("custom", Some([1, 2, 3])),
            Ok(Background::Color([1, 2, 3]))
        );
        assert!(Background::from_type("custom", None).is_err());
        assert!(Background::from_type("purple", None).is_err());
    }
}
