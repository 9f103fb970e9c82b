//! A picture (PNG, JPEG or WebP) cut out into one PNG, rembg's first use:
//! ffmpeg turns it into a one-frame lossless video, the pipeline mattes that
//! like any video into a PNG sequence, and its one frame is the output.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use vidmatte_media::{Cancel, OutputFormat, ProbeLimits};
use vidmatte_ml::ModelStore;
use vidmatte_pipeline::{process, ProcessRequest, Report};

/// True when ffprobe reads `path` as a single PNG, JPEG or WebP picture.
pub fn is_picture(path: &Path) -> bool {
    vidmatte_media::probe_image(path, &ProbeLimits::default(), &Cancel::new()).is_ok()
}

/// Runs `request` (whose input is a picture) and writes its one frame to
/// `output` as a PNG, replacing it only once complete.
pub fn cut_out(
    request: &ProcessRequest,
    store: &ModelStore,
    cancel: &Cancel,
    output: &Path,
) -> anyhow::Result<Report> {
    let scratch = tempfile::Builder::new()
        .prefix("vidmatte-picture-")
        .tempdir()
        .context("making a scratch folder")?;
    let video = scratch.path().join("picture.mkv");
    let made = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-f", "image2pipe", "-i"])
        .arg(&request.input)
        .args(["-frames:v", "1", "-c:v", "ffv1", "-an", "-y"])
        .arg(&video)
        .output()
        .context("running ffmpeg (run scripts/setup.sh)")?;
    if !made.status.success() {
        bail!(
            "ffmpeg could not read the picture: {}",
            String::from_utf8_lossy(&made.stderr).trim()
        );
    }
    let mut one = request.clone();
    one.input = video;
    one.output = scratch.path().join("frames.zip");
    one.format = OutputFormat::PngSequence;
    one.preview_seconds = None;
    let mut report = process(&one, store, cancel, &mut |_| {})?;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&one.output)?)?;
    if zip.is_empty() {
        bail!("the picture gave no frame");
    }
    let mut png = Vec::new();
    zip.by_index(0)?.read_to_end(&mut png)?;
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut partial = tempfile::Builder::new()
        .prefix(".vidmatte-")
        .suffix(".png")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", output.display()))?;
    std::io::Write::write_all(&mut partial, &png)
        .with_context(|| format!("cannot write {}", output.display()))?;
    // The temp file was made owner-only; the output is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        partial
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    partial
        .persist(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    report.output = output.to_path_buf();
    Ok(report)
}
