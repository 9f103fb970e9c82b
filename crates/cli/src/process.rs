//! `vidmatte process IN -o OUT`: one video, with a progress bar.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use indicatif::{ProgressBar, ProgressStyle};
use vidmatte_media::{Background, Cancel, OutputFormat};
use vidmatte_ml::{ModelKind, ModelStore, Precision};
use vidmatte_pipeline::{process, ProcessRequest, Progress};

#[derive(clap::Args, Debug)]
pub struct ProcessArgs {
    /// Input video (anything ffmpeg reads: mp4, mov, webm, mkv, avi, ...).
    pub input: PathBuf,
    /// Output file; its extension picks the format unless --format is given
    /// (.zip = png_sequence).
    #[arg(short, long)]
    pub output: PathBuf,
    /// original, light, human or pro.
    #[arg(long, default_value = "original")]
    pub model: ModelKind,
    /// webm, mov, mp4, gif, webp or png_sequence.
    #[arg(long)]
    pub format: Option<OutputFormat>,
    /// transparent, green, white, black, blue or custom (with --bg-color).
    #[arg(long)]
    pub bg: Option<String>,
    /// Background colour as R,G,B (0..255 each); implies --bg custom.
    #[arg(long, value_parser = parse_rgb)]
    pub bg_color: Option<[u8; 3]>,
    /// What to keep (pro only), e.g. "person on the left, dog".
    #[arg(long)]
    pub prompt: Option<String>,
    /// Inference threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// auto (int8 where the CPU has VNNI/dotprod), fp32 or int8; only
    /// ISNet (original, pro) has an int8 copy.
    #[arg(long, default_value = "auto")]
    pub precision: Precision,
    /// Turn off temporal smoothing for the per-frame models.
    #[arg(long)]
    pub no_smoothing: bool,
    /// Encoders at once on keyframe-aligned segments, joined without
    /// re-encoding (webm, mov, mp4; default: one per four cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub encoders: Option<u16>,
    /// Also write a JSON report (frames, fps, stage busy times, peak RSS).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Process only the first SECONDS (a quick look before the full run).
    #[arg(long, value_name = "SECONDS")]
    pub preview: Option<f64>,
    #[command(flatten)]
    pub scene: crate::scene_args::SceneArgs,
}

fn parse_rgb(text: &str) -> Result<[u8; 3], String> {
    let parts: Vec<_> = text.split(',').map(|p| p.trim().parse::<u8>()).collect();
    match parts.as_slice() {
        [Ok(r), Ok(g), Ok(b)] => Ok([*r, *g, *b]),
        _ => Err(format!("expected R,G,B with each 0..255, got {text:?}")),
    }
}

/// The run `args` ask for; a background given by URL is downloaded into
/// `scratch`, which must outlive the run.
pub fn request_from(
    args: &ProcessArgs,
    scratch: &mut Option<tempfile::TempDir>,
) -> anyhow::Result<ProcessRequest> {
    let format = match args.format {
        Some(f) => f,
        None => OutputFormat::from_path(&args.output).ok_or_else(|| {
            anyhow!(
                "cannot tell the format from {:?}: use .webm, .mov, .mp4, .gif, .webp or .zip, or pass --format",
                args.output
            )
        })?,
    };
    let bg_type = args.bg.clone().unwrap_or_else(|| {
        if args.bg_color.is_some() {
            "custom"
        } else {
            "transparent"
        }
        .into()
    });
    let background = Background::from_type(&bg_type, args.bg_color)?;
    let mut request = ProcessRequest::new(&args.input, &args.output, args.model, format);
    request.scene = args.scene.scene(background, scratch)?;
    request.preview_seconds = args.preview;
    request.prompt = args.prompt.clone();
    request.threads = args.threads;
    request.precision = args.precision;
    request.smoothing = !args.no_smoothing;
    if let Some(n) = args.encoders {
        request.encoders = usize::from(n);
    }
    request.validate()?;
    Ok(request)
}

pub fn run(args: ProcessArgs) -> anyhow::Result<()> {
    let mut scratch = None;
    let request = request_from(&args, &mut scratch)?;
    let store = ModelStore::from_env();
    let mut reporter = Reporter::new();
    let cancel = Cancel::new();
    cancel_on_ctrl_c(&cancel);
    let result = process(&request, &store, &cancel, &mut |p| reporter.update(p));
    reporter.finish();
    if cancel.is_cancelled() {
        // The partial output and temporary files are already gone.
        eprintln!("interrupted: nothing was written");
        std::process::exit(130);
    }
    let report = result.with_context(|| format!("processing {}", args.input.display()))?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    let peak_rss_mb = peak_rss_bytes().map(|b| b as f64 / 1e6);
    eprintln!(
        "wrote {} ({} frames, {:.1} s, {:.2} fps{})",
        report.output.display(),
        report.frames,
        report.elapsed.as_secs_f64(),
        report.fps(),
        peak_rss_mb
            .map(|m| format!(", peak RSS {m:.0} MB"))
            .unwrap_or_default()
    );
    if let Some(path) = &args.report {
        let doc = serde_json::json!({
            "report": report,
            "fps": report.fps(),
            "peak_rss_bytes": peak_rss_bytes(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Ctrl-C cancels the run (ffmpeg stopped, temporary files removed) instead
/// of killing the process mid-write.
fn cancel_on_ctrl_c(cancel: &Cancel) {
    let cancel = cancel.clone();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        else {
            return;
        };
        if runtime.block_on(tokio::signal::ctrl_c()).is_ok() {
            cancel.cancel();
        }
    });
}

/// This process's peak resident set (VmHWM), where /proc has it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A progress bar on a terminal, plain lines every few seconds otherwise.
struct Reporter {
    bar: Option<ProgressBar>,
    last_line: Instant,
}

impl Reporter {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40.cyan/blue} {pos}/{len} frames  {msg}  ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            bar,
            last_line: Instant::now(),
        }
    }

    fn update(&mut self, p: &Progress) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(p.frames_total);
                bar.set_position(p.frames_done);
                bar.set_message(format!("{:.2} fps", p.fps));
            }
            None if self.last_line.elapsed() >= Duration::from_secs(2) => {
                self.last_line = Instant::now();
                eprintln!(
                    "progress: {}/{} frames ({:.0}%), {:.2} fps, ETA {}",
                    p.frames_done,
                    p.frames_total,
                    p.percent(),
                    p.fps,
                    p.eta_seconds
                        .map(|s| format!("{s:.0} s"))
                        .unwrap_or_else(|| "?".into())
                );
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
