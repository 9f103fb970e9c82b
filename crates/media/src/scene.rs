//! What the matted foreground is laid over and where: a colour, an image, a
//! looped video clip or the source itself blurred, on the video's own frame
//! or on a canvas of another size with the foreground scaled, anchored and
//! offset. The encoder turns a [`Scene`] into one ffmpeg filter graph, so
//! scaling (Lanczos), blurring and blending are ffmpeg's.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Background, OutputFormat, ParseError, Rational};

/// The demuxer a background picture is opened with, forced (never chosen
/// by the file's name): it reads one file by content, never a pattern or a
/// playlist; [`crate::probe_image`] admits PNG, JPEG and WebP only.
pub const IMAGE_FORMATS: &str = "image2pipe";

/// How a background image or clip fills the canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Covers the canvas, cropping what overflows (keeps the aspect).
    #[default]
    Cover,
    /// Fits inside the canvas, black bars where it does not reach.
    Contain,
    /// Stretched to the canvas (aspect not kept).
    Stretch,
}

impl Fit {
    pub const NAMES: &'static str = "cover, contain, stretch";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cover => "cover",
            Self::Contain => "contain",
            Self::Stretch => "stretch",
        }
    }

    /// The ffmpeg filters that bring a picture to `w × h`.
    fn filters(self, w: u32, h: u32) -> String {
        match self {
            Self::Cover => format!(
                "scale={w}:{h}:force_original_aspect_ratio=increase:flags=lanczos,crop={w}:{h}"
            ),
            Self::Contain => format!(
                "scale={w}:{h}:force_original_aspect_ratio=decrease:flags=lanczos,\
                 pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"
            ),
            Self::Stretch => format!("scale={w}:{h}:flags=lanczos"),
        }
    }
}

impl FromStr for Fit {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        match s {
            "cover" => Ok(Self::Cover),
            "contain" => Ok(Self::Contain),
            "stretch" | "fill" => Ok(Self::Stretch),
            _ => Err(ParseError {
                what: "fit",
                expected: Self::NAMES,
                got: s.to_string(),
            }),
        }
    }
}

/// Where on the canvas the foreground sits before its offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    #[default]
    Center,
    TopLeft,
    Top,
    TopRight,
    Left,
    Right,
    BottomLeft,
    BottomCenter,
    BottomRight,
}

impl Anchor {
    pub const NAMES: &'static str =
        "center, top-left, top, top-right, left, right, bottom-left, bottom-center, bottom-right";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Center => "center",
            Self::TopLeft => "top-left",
            Self::Top => "top",
            Self::TopRight => "top-right",
            Self::Left => "left",
            Self::Right => "right",
            Self::BottomLeft => "bottom-left",
            Self::BottomCenter => "bottom-center",
            Self::BottomRight => "bottom-right",
        }
    }

    /// Horizontal and vertical position: 0 start, 1 middle, 2 end.
    fn cells(self) -> (i64, i64) {
        match self {
            Self::TopLeft => (0, 0),
            Self::Top => (1, 0),
            Self::TopRight => (2, 0),
            Self::Left => (0, 1),
            Self::Center => (1, 1),
            Self::Right => (2, 1),
            Self::BottomLeft => (0, 2),
            Self::BottomCenter => (1, 2),
            Self::BottomRight => (2, 2),
        }
    }
}

impl FromStr for Anchor {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Ok(match s {
            "center" | "centre" | "middle" => Self::Center,
            "top-left" => Self::TopLeft,
            "top" | "top-center" => Self::Top,
            "top-right" => Self::TopRight,
            "left" | "center-left" => Self::Left,
            "right" | "center-right" => Self::Right,
            "bottom-left" => Self::BottomLeft,
            "bottom-center" | "bottom" => Self::BottomCenter,
            "bottom-right" => Self::BottomRight,
            _ => {
                return Err(ParseError {
                    what: "anchor",
                    expected: Self::NAMES,
                    got: s.to_string(),
                })
            }
        })
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The foreground placed on a canvas.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Composition {
    /// The output's size; `None` keeps the video's own.
    pub canvas: Option<(u32, u32)>,
    pub anchor: Anchor,
    /// 1 = the foreground fitted inside the canvas (contain).
    pub scale: f64,
    /// Canvas pixels added after anchoring (x right, y down).
    pub offset: (i32, i32),
}

impl Default for Composition {
    fn default() -> Self {
        Self {
            canvas: None,
            anchor: Anchor::Center,
            scale: 1.0,
            offset: (0, 0),
        }
    }
}

/// What shows where the subject is not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Backdrop {
    Fill(Background),
    Image {
        path: PathBuf,
        fit: Fit,
    },
    /// Looped, or cut to the foreground's length.
    Video {
        path: PathBuf,
        fit: Fit,
    },
    /// The source frame itself, blurred (Gaussian, sigma = radius / 2).
    Blur {
        radius: u32,
    },
}

/// Backdrop and placement of one output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub backdrop: Backdrop,
    pub composition: Option<Composition>,
}

/// The foreground's rectangle on the canvas (may reach past its edges).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub x: i64,
    pub y: i64,
    pub width: u32,
    pub height: u32,
}

impl From<Background> for Scene {
    fn from(background: Background) -> Self {
        Self {
            backdrop: Backdrop::Fill(background),
            composition: None,
        }
    }
}

impl Scene {
    /// A colour or transparency on the video's own frame: composited frame
    /// by frame without a filter graph.
    pub fn plain_background(&self) -> Option<Background> {
        match (&self.backdrop, &self.composition) {
            (Backdrop::Fill(bg), None) => Some(*bg),
            _ => None,
        }
    }

    /// True when every output pixel is opaque.
    pub fn is_opaque(&self) -> bool {
        !matches!(self.backdrop, Backdrop::Fill(Background::Transparent))
    }

    /// The output size for a `width × height` video: the canvas, or the
    /// video's size; even where the format's 4:2:0 chroma needs it.
    pub fn canvas(&self, width: u32, height: u32, format: OutputFormat) -> (u32, u32) {
        let (w, h) = self
            .composition
            .and_then(|c| c.canvas)
            .unwrap_or((width, height));
        if format.subsampled_chroma() && self.plain_background().is_none() {
            (w + w % 2, h + h % 2)
        } else {
            (w, h)
        }
    }

    /// Where the `width × height` foreground lands on `canvas`.
    pub fn placement(&self, width: u32, height: u32, canvas: (u32, u32)) -> Placement {
        let Some(c) = self.composition else {
            return Placement {
                x: 0,
                y: 0,
                width,
                height,
            };
        };
        let (cw, ch) = (f64::from(canvas.0), f64::from(canvas.1));
        let fit = (cw / f64::from(width)).min(ch / f64::from(height)) * c.scale;
        let fw = (f64::from(width) * fit).round().max(1.0) as u32;
        let fh = (f64::from(height) * fit).round().max(1.0) as u32;
        let (col, row) = c.anchor.cells();
        let along = |cell: i64, room: i64| match cell {
            0 => 0,
            1 => room / 2,
            _ => room,
        };
        Placement {
            x: along(col, i64::from(canvas.0) - i64::from(fw)) + i64::from(c.offset.0),
            y: along(row, i64::from(canvas.1) - i64::from(fh)) + i64::from(c.offset.1),
            width: fw,
            height: fh,
        }
    }

    /// ffmpeg inputs after the frames on `pipe:0` (input 1 when any).
    pub(crate) fn inputs(&self, max_pixels: u64) -> Vec<OsString> {
        let (path, mut argv) = match &self.backdrop {
            // One still picture, read once and repeated by the graph.
            Backdrop::Image { path, .. } => (
                path,
                vec!["-f", IMAGE_FORMATS, "-format_whitelist", IMAGE_FORMATS],
            ),
            Backdrop::Video { path, .. } => (
                path,
                vec![
                    "-stream_loop",
                    "-1",
                    "-format_whitelist",
                    crate::INPUT_FORMATS,
                ],
            ),
            _ => return Vec::new(),
        };
        let limit = max_pixels.to_string();
        argv.extend(["-protocol_whitelist", "file", "-max_pixels", &limit, "-i"]);
        let mut argv: Vec<OsString> = argv.into_iter().map(OsString::from).collect();
        argv.push(path.as_os_str().to_owned());
        argv
    }

    /// True when the backdrop is ffmpeg input 1 (and audio moves to 2).
    pub(crate) fn has_input(&self) -> bool {
        matches!(
            self.backdrop,
            Backdrop::Image { .. } | Backdrop::Video { .. }
        )
    }

    /// The filter graph from the RGBA frames on input 0 (and the backdrop
    /// on input 1) to the composited canvas, labelled `[scene]`.
    pub(crate) fn graph(
        &self,
        width: u32,
        height: u32,
        fps: Rational,
        format: OutputFormat,
    ) -> String {
        let (cw, ch) = self.canvas(width, height, format);
        let mut graph = Vec::new();
        let fg_source = match &self.backdrop {
            Backdrop::Blur { radius } => {
                graph.push("[0:v]format=rgba,split[fgsrc][blursrc]".to_string());
                graph.push(format!(
                    "[blursrc]format=rgb24,gblur=sigma={},{},format=rgba[bg]",
                    f64::from(*radius) / 2.0,
                    Fit::Cover.filters(cw, ch)
                ));
                "[fgsrc]"
            }
            Backdrop::Image { fit, .. } => {
                graph.push(format!(
                    // Scaled once, then repeated; `fps` stamps the repeats
                    // on the frames' clock (setpts alone rounds in the
                    // picture's time base and loses frames).
                    "[1:v]{},setsar=1,format=rgba,loop=loop=-1:size=1:start=0,setpts=N*{}/{}/TB,fps={fps}[bg]",
                    fit.filters(cw, ch),
                    fps.den,
                    fps.num
                ));
                "[0:v]"
            }
            Backdrop::Video { fit, .. } => {
                graph.push(format!(
                    "[1:v]setpts=PTS-STARTPTS,fps={fps},{},setsar=1,format=rgba[bg]",
                    fit.filters(cw, ch)
                ));
                "[0:v]"
            }
            Backdrop::Fill(bg) => {
                let color = match bg.color() {
                    Some([r, g, b]) => format!("0x{r:02x}{g:02x}{b:02x}"),
                    None => "black@0".into(),
                };
                graph.push(format!(
                    "color=c={color}:s={cw}x{ch}:r={fps},format=rgba[bg]"
                ));
                "[0:v]"
            }
        };
        let place = self.placement(width, height, (cw, ch));
        let fg = visible_part(width, height, place, (cw, ch));
        graph.push(format!(
            "{fg_source}format=rgba,crop={}:{}:{}:{},scale={}:{}:flags=lanczos[fg]",
            fg.crop.2, fg.crop.3, fg.crop.0, fg.crop.1, fg.size.0, fg.size.1
        ));
        graph.push(format!(
            "[bg][fg]overlay=x={}:y={}:format=rgb:shortest=1:eof_action=endall,setsar=1[scene]",
            fg.at.0, fg.at.1
        ));
        graph.join(";")
    }
}

/// What of the foreground shows: the source rectangle (x, y, w, h) to
/// crop, the size to scale it to, and where it goes on the canvas. Only the
/// visible part is scaled, so a large scale costs no more than the canvas.
struct Visible {
    crop: (u32, u32, u32, u32),
    size: (u32, u32),
    at: (i64, i64),
}

fn visible_part(width: u32, height: u32, place: Placement, canvas: (u32, u32)) -> Visible {
    let x0 = place.x.max(0);
    let y0 = place.y.max(0);
    let x1 = (place.x + i64::from(place.width)).min(i64::from(canvas.0));
    let y1 = (place.y + i64::from(place.height)).min(i64::from(canvas.1));
    if x1 - x0 < 1 || y1 - y0 < 1 {
        // Entirely off the canvas: a pixel placed where it cannot be seen
        // (the frames must still be consumed).
        return Visible {
            crop: (0, 0, 1, 1),
            size: (1, 1),
            at: (-2, -2),
        };
    }
    let sx = f64::from(width) / f64::from(place.width);
    let sy = f64::from(height) / f64::from(place.height);
    let to_src = |v: i64, origin: i64, s: f64, max: u32| {
        (((v - origin) as f64 * s).round() as i64).clamp(0, i64::from(max)) as u32
    };
    let (cx0, cx1) = (
        to_src(x0, place.x, sx, width),
        to_src(x1, place.x, sx, width),
    );
    let (cy0, cy1) = (
        to_src(y0, place.y, sy, height),
        to_src(y1, place.y, sy, height),
    );
    Visible {
        crop: (cx0, cy0, (cx1 - cx0).max(1), (cy1 - cy0).max(1)),
        size: ((x1 - x0) as u32, (y1 - y0) as u32),
        at: (x0, y0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composed(canvas: (u32, u32), anchor: Anchor, scale: f64, offset: (i32, i32)) -> Scene {
        Scene {
            backdrop: Backdrop::Fill(Background::Transparent),
            composition: Some(Composition {
                canvas: Some(canvas),
                anchor,
                scale,
                offset,
            }),
        }
    }

    #[test]
    fn bottom_center_at_half_scale_sits_in_the_bottom_middle() {
        let scene = composed((640, 360), Anchor::BottomCenter, 0.5, (0, 0));
        let p = scene.placement(1280, 720, (640, 360));
        assert_eq!(
            p,
            Placement {
                x: 160,
                y: 180,
                width: 320,
                height: 180
            }
        );
        let p =
            composed((640, 360), Anchor::TopLeft, 1.0, (10, -5)).placement(100, 100, (640, 360));
        assert_eq!(
            p,
            Placement {
                x: 10,
                y: -5,
                width: 360,
                height: 360
            }
        );
    }

    #[test]
    fn only_the_visible_part_is_scaled() {
        let scene = composed((640, 360), Anchor::Center, 10.0, (0, 0));
        let place = scene.placement(1280, 720, (640, 360));
        assert_eq!((place.width, place.height), (6400, 3600));
        let v = visible_part(1280, 720, place, (640, 360));
        assert_eq!(v.size, (640, 360));
        assert_eq!(v.at, (0, 0));
        assert_eq!(v.crop, (576, 324, 128, 72));
        let off = composed((64, 64), Anchor::Right, 1.0, (64, 0));
        let v = visible_part(64, 64, off.placement(64, 64, (64, 64)), (64, 64));
        assert_eq!(v.at, (-2, -2));
    }

    #[test]
    fn canvas_is_made_even_for_subsampled_formats_only() {
        let scene = composed((641, 361), Anchor::Center, 1.0, (0, 0));
        assert_eq!(scene.canvas(10, 10, OutputFormat::Webm), (642, 362));
        assert_eq!(scene.canvas(10, 10, OutputFormat::Mov), (641, 361));
        let plain = Scene::from(Background::GREEN);
        assert_eq!(plain.canvas(11, 11, OutputFormat::Mp4), (11, 11));
    }

    #[test]
    fn names_parse() {
        assert_eq!("bottom-center".parse::<Anchor>(), Ok(Anchor::BottomCenter));
        assert!("middle-ish".parse::<Anchor>().is_err());
        assert_eq!("contain".parse::<Fit>(), Ok(Fit::Contain));
    }
}
