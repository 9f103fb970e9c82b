//! `vidmatte process IN -o OUT`: one video or picture, several, or a folder
//! of them, with a progress bar; `-` reads stdin or writes stdout. Owns the
//! command's flags and turning them into pipeline requests.

mod batch;
mod output;
mod progress;
mod still;

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use vidmatte_media::{Background, Cancel, OutputFormat};
use vidmatte_ml::{ModelKind, ModelStore, Precision};
use vidmatte_pipeline::{process, ProcessRequest, Render, Report};

pub use output::Overwrite;
use progress::Reporter;

#[derive(clap::Args, Debug)]
pub struct ProcessArgs {
    /// Videos (anything ffmpeg reads: mp4, mov, webm, mkv, avi, ...) or
    /// pictures (PNG, JPEG, WebP), a folder of them, or - for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output file, its extension picking the format unless --format is
    /// given (.zip = png_sequence; a picture gives a .png); - for stdout; a
    /// folder when the input is a folder or there are several inputs.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Overwrite existing outputs without asking.
    #[arg(short = 'y', long = "overwrite", conflicts_with = "no_overwrite")]
    pub overwrite: bool,
    /// Never overwrite: an existing output is an error (skipped in a batch).
    #[arg(short = 'n', long = "no-overwrite")]
    pub no_overwrite: bool,
    /// original, light, human (fastest for people) or pro.
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
    /// Write the matte alone: opaque greyscale, white where the subject is.
    #[arg(long, conflicts_with_all = ["foreground", "bg", "bg_color", "bg_image", "bg_video", "bg_blur"])]
    pub mask: bool,
    /// Write the foreground's colours alone, opaque and without the matte
    /// (pair it with a --mask run for tools that take both).
    #[arg(long, conflicts_with_all = ["bg", "bg_color", "bg_image", "bg_video", "bg_blur"])]
    pub foreground: bool,
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
    /// Also write a JSON report (frames, fps, stage busy seconds, peak RSS;
    /// a list of them for several inputs).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Process only the first SECONDS (a quick look before the full run).
    #[arg(long, value_name = "SECONDS")]
    pub preview: Option<f64>,
    #[command(flatten)]
    pub scene: crate::scene_args::SceneArgs,
}

impl ProcessArgs {
    fn overwrite(&self) -> Overwrite {
        match (self.overwrite, self.no_overwrite) {
            (true, _) => Overwrite::Always,
            (_, true) => Overwrite::Never,
            _ => Overwrite::Ask,
        }
    }

    fn render(&self) -> Render {
        match (self.mask, self.foreground) {
            (true, _) => Render::Matte,
            (_, true) => Render::Foreground,
            _ => Render::Composite,
        }
    }
}

fn parse_rgb(text: &str) -> Result<[u8; 3], String> {
    let parts: Vec<_> = text.split(',').map(|p| p.trim().parse::<u8>()).collect();
    match parts.as_slice() {
        [Ok(r), Ok(g), Ok(b)] => Ok([*r, *g, *b]),
        _ => Err(format!("expected R,G,B with each 0..255, got {text:?}")),
    }
}

/// The run `args` ask for, from `input` into `output` as `format`; a
/// background given by URL is downloaded into `scratch`, which must outlive
/// the run.
fn request_for(
    args: &ProcessArgs,
    input: &Path,
    output: &Path,
    format: OutputFormat,
    scratch: &mut Option<tempfile::TempDir>,
) -> anyhow::Result<ProcessRequest> {
    if args.prompt.is_some() && args.model != ModelKind::Pro {
        bail!(
            "--prompt is only used by --model pro, not {} (add --model pro)",
            args.model
        );
    }
    let bg_type = args.bg.clone().unwrap_or_else(|| {
        if args.bg_color.is_some() {
            "custom"
        } else {
            "transparent"
        }
        .into()
    });
    let background = Background::from_type(&bg_type, args.bg_color)?;
    let mut request = ProcessRequest::new(input, output, args.model, format);
    request.scene = args.scene.scene(background, scratch)?;
    request.render_only(args.render());
    request.preview_seconds = args.preview;
    request.prompt = args.prompt.clone();
    request.threads = args.threads;
    request.precision = args.precision;
    request.smoothing = !args.no_smoothing;
    if let Some(n) = args.encoders {
        request.encoders = usize::from(n);
    }
    request.validate().map_err(|e| match e {
        vidmatte_pipeline::PipelineError::Invalid { param, message } => {
            anyhow!("{}", cli_words(param, &message))
        }
        other => other.into(),
    })?;
    Ok(request)
}

/// The API's parameter names in a message, as the CLI's flags.
fn cli_words(param: &str, message: &str) -> String {
    let flag = match param {
        "text_prompt" => "--prompt",
        "output_format" => "--format",
        "preview_duration" => "--preview",
        _ => return message.to_string(),
    };
    message.replace(param, flag)
}

pub fn run(args: ProcessArgs) -> anyhow::Result<()> {
    let cancel = Cancel::new();
    cancel_on_ctrl_c(&cancel);
    let store = ModelStore::from_env();
    if batch::is_batch(&args) {
        return batch::run(&args, &store, &cancel);
    }
    let input = args.inputs[0].clone();
    let report = one(
        &args,
        &input,
        &args.output,
        args.format,
        &store,
        &cancel,
        true,
    )?;
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec_pretty(&report_doc(&report))?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// What `--report` holds for one run.
fn report_doc(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "report": report,
        "fps": report.fps(),
        "peak_rss_bytes": peak_rss_bytes(),
    })
}

/// Processes one input (`-`: stdin) into `output` (`-`: stdout) as
/// `format` (or what the output's name says), asking before it overwrites;
/// `verbose` prints the header and result lines.
fn one(
    args: &ProcessArgs,
    input: &Path,
    output: &Path,
    format: Option<OutputFormat>,
    store: &ModelStore,
    cancel: &Cancel,
    verbose: bool,
) -> anyhow::Result<Report> {
    let streams = output::Streams::open(input, output)?;
    output::may_write(output, args.overwrite(), streams.reads_stdin())?;
    let picture = still::is_picture(streams.input());
    let format = output::format_for(output, format, picture)?;
    let mut scratch = None;
    let work = streams.output_for(format)?;
    let request = request_for(args, streams.input(), &work, format, &mut scratch)?;
    let mut reporter = Reporter::new(verbose);
    reporter.header(input, output, &request);
    let result = if picture {
        still::cut_out(&request, store, cancel, &work)
    } else {
        process(&request, store, cancel, &mut |p| reporter.update(p)).map_err(Into::into)
    };
    reporter.finish();
    if cancel.is_cancelled() {
        // The partial output and temporary files are already gone.
        eprintln!("interrupted: nothing was written");
        std::process::exit(130);
    }
    let report = result.with_context(|| format!("processing {}", input.display()))?;
    streams.deliver(&work)?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if verbose {
        eprintln!("{}", progress::summary(output, &report));
    }
    Ok(report)
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
