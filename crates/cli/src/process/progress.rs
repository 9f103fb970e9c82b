//! What `vidmatte process` says while it works: a header naming input,
//! model and output, a progress bar with percentage, elapsed time and ETA on
//! a terminal (plain lines every few seconds otherwise), and a result line.

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use vidmatte_pipeline::{ProcessRequest, Progress, Render, Report};

pub struct Reporter {
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Instant,
    verbose: bool,
}

impl Reporter {
    /// `verbose`: print the header too (a batch prints its own lines).
    pub fn new(verbose: bool) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40.cyan/blue} {percent:>3}%  {pos}/{len} frames  {elapsed_precise} elapsed  {msg}  ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            bar,
            started: Instant::now(),
            last_line: Instant::now(),
            verbose,
        }
    }

    /// `vidmatte: in.mp4 → out.webm (model human, webm)`.
    pub fn header(&self, input: &Path, output: &Path, request: &ProcessRequest) {
        if self.verbose {
            eprintln!("vidmatte: {}", describe(input, output, request));
        }
    }

    pub fn update(&mut self, p: &Progress) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(p.frames_total);
                bar.set_position(p.frames_done);
                bar.set_message(format!("{:.2} fps", p.fps));
            }
            None if self.last_line.elapsed() >= Duration::from_secs(2) => {
                self.last_line = Instant::now();
                eprintln!(
                    "progress: {}/{} frames ({:.0}%), {:.2} fps, {:.0} s elapsed, ETA {}",
                    p.frames_done,
                    p.frames_total,
                    p.percent(),
                    p.fps,
                    self.started.elapsed().as_secs_f64(),
                    p.eta_seconds
                        .map(|s| format!("{s:.0} s"))
                        .unwrap_or_else(|| "?".into())
                );
            }
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn shown(path: &Path) -> String {
    match path.as_os_str() == "-" {
        true => "stdout".into(),
        false => path.display().to_string(),
    }
}

/// `in.mp4 → out.webm (model human, webm)`.
pub fn describe(input: &Path, output: &Path, request: &ProcessRequest) -> String {
    let what = match request.render {
        Render::Composite => "",
        Render::Matte => ", the matte only",
        Render::Foreground => ", the foreground only",
    };
    let input = match input.as_os_str() == "-" {
        true => "stdin".into(),
        false => input.display().to_string(),
    };
    format!(
        "{input} → {} (model {}, {}{what})",
        shown(output),
        request.model,
        request.format
    )
}

/// `wrote out.webm (120 frames, 4.1 s, 29.27 fps, peak RSS 512 MB)`.
pub fn summary(output: &Path, report: &Report) -> String {
    let peak = super::peak_rss_bytes()
        .map(|b| format!(", peak RSS {:.0} MB", b as f64 / 1e6))
        .unwrap_or_default();
    format!(
        "wrote {} ({} frames, {:.1} s, {:.2} fps{peak})",
        shown(output),
        report.frames,
        report.elapsed.as_secs_f64(),
        report.fps()
    )
}
