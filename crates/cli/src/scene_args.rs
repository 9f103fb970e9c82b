//! `vidmatte process` flags for what the subject is laid over and where:
//! `--bg-image`, `--bg-video`, `--bg-blur`, `--fit`, `--canvas`, `--anchor`,
//! `--scale`, `--offset`, turned into the pipeline's [`Scene`].

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use tempfile::TempDir;
use vidmatte_media::{Anchor, Backdrop, Background, Composition, Fit, Scene};
use vidmatte_server::http::urls::AddressRules;
use vidmatte_server::jobs::{fetch, FetchLimits};

#[derive(clap::Args, Debug, Default)]
pub struct SceneArgs {
    /// A background picture (PNG, JPEG or WebP), fitted to the frame: a
    /// path or an http(s) URL.
    #[arg(long, value_name = "PATH|URL", conflicts_with_all = ["bg_video", "bg_blur", "bg", "bg_color"])]
    pub bg_image: Option<String>,
    /// A background clip, looped or cut to the video's length: a path or an
    /// http(s) URL.
    #[arg(long, value_name = "PATH|URL", conflicts_with_all = ["bg_blur", "bg", "bg_color"])]
    pub bg_video: Option<String>,
    /// The video's own background blurred, radius 1..100 pixels.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100), conflicts_with_all = ["bg", "bg_color"])]
    pub bg_blur: Option<u32>,
    /// How a background picture or clip fills the frame: cover, contain or stretch.
    #[arg(long, default_value = "cover")]
    pub fit: Fit,
    /// Output size WxH; the subject is fitted inside it, then --scale'd.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub canvas: Option<(u32, u32)>,
    /// Where the subject sits: center, top-left, top, top-right, left,
    /// right, bottom-left, bottom-center or bottom-right.
    #[arg(long)]
    pub anchor: Option<Anchor>,
    /// Subject size, 0.05..10 (1 = fitted inside the canvas).
    #[arg(long)]
    pub scale: Option<f64>,
    /// Pixels to move the subject by after anchoring, as X,Y.
    #[arg(long, value_name = "X,Y", value_parser = parse_offset, allow_hyphen_values = true)]
    pub offset: Option<(i32, i32)>,
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WxH such as 1280x720, got {text:?}"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|v| (16..=8192).contains(v))
            .ok_or_else(|| format!("each side must be 16..8192 pixels, got {text:?}"))
    };
    Ok((parse(w)?, parse(h)?))
}

fn parse_offset(text: &str) -> Result<(i32, i32), String> {
    let bad = || format!("expected X,Y in pixels such as 0,-40, got {text:?}");
    let (x, y) = text.split_once(',').ok_or_else(bad)?;
    Ok((
        x.trim().parse().map_err(|_| bad())?,
        y.trim().parse().map_err(|_| bad())?,
    ))
}

/// A local file, or an http(s) URL downloaded into `scratch` under the
/// server's address rules (no private or local addresses), 2 GB and 10 min.
fn local(value: &str, what: &str, scratch: &mut Option<TempDir>) -> anyhow::Result<PathBuf> {
    if !(value.starts_with("https://") || value.starts_with("http://")) {
        let path = PathBuf::from(value);
        std::fs::metadata(&path).with_context(|| format!("{what} {value}"))?;
        return Ok(path);
    }
    let dir = match scratch {
        Some(dir) => dir,
        None => scratch.insert(tempfile::tempdir().context("making a scratch folder")?),
    };
    let dest = dir.path().join(what.trim_start_matches('-'));
    let limits = FetchLimits {
        max_bytes: 2 << 30,
        timeout: Duration::from_secs(600),
        min_bytes_per_second: 10_000,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(fetch(value, &dest, limits, &AddressRules::default()))
        .map_err(|(_, why)| anyhow!("{what} {value}: {why}"))?;
    Ok(dest)
}

impl SceneArgs {
    /// The scene, over `fill` when no picture, clip or blur is asked for.
    /// A picture or clip given by URL is downloaded into `scratch`.
    pub fn scene(&self, fill: Background, scratch: &mut Option<TempDir>) -> anyhow::Result<Scene> {
        let backdrop = if let Some(value) = &self.bg_image {
            Backdrop::Image {
                path: local(value, "--bg-image", scratch)?,
                fit: self.fit,
            }
        } else if let Some(value) = &self.bg_video {
            Backdrop::Video {
                path: local(value, "--bg-video", scratch)?,
                fit: self.fit,
            }
        } else if let Some(radius) = self.bg_blur {
            Backdrop::Blur { radius }
        } else {
            Backdrop::Fill(fill)
        };
        let placed = self.canvas.is_some()
            || self.anchor.is_some()
            || self.scale.is_some()
            || self.offset.is_some();
        let composition = if placed {
            let scale = self.scale.unwrap_or(1.0);
            if !(0.05..=10.0).contains(&scale) {
                bail!("--scale must be 0.05..10, got {scale}");
            }
            Some(Composition {
                canvas: self.canvas,
                anchor: self.anchor.unwrap_or_default(),
                scale,
                offset: self.offset.unwrap_or((0, 0)),
            })
        } else {
            None
        };
        Ok(Scene {
            backdrop,
            composition,
        })
    }
}
