//! Several inputs, or a folder of them, into an output folder: one line per
//! file as it finishes and a summary at the end (ffmpeg-style `-y` / `-n`
//! apply to each file; `-n` skips existing ones).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use vidmatte_media::{Cancel, OutputFormat};
use vidmatte_ml::ModelStore;

use super::{one, report_doc, still, Overwrite, ProcessArgs};

/// What a folder is searched for (not recursively).
const MEDIA: &[&str] = &[
    "mp4", "mov", "m4v", "webm", "mkv", "avi", "mpg", "mpeg", "ts", "wmv", "flv", "png", "jpg",
    "jpeg", "webp",
];

/// More than one input, or a folder.
pub fn is_batch(args: &ProcessArgs) -> bool {
    args.inputs.len() > 1 || args.inputs[0].is_dir()
}

/// The files `inputs` name: folders give their media files, sorted.
fn expand(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            bail!("- (stdin) is one input on its own, not part of a batch");
        }
        if !input.is_dir() {
            files.push(input.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(input)
            .with_context(|| format!("listing {}", input.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(".");
                let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                path.is_file()
                    && !name.starts_with('.')
                    && MEDIA.contains(&extension.to_ascii_lowercase().as_str())
            })
            .collect();
        found.sort();
        if found.is_empty() {
            bail!("{} holds no videos or pictures", input.display());
        }
        files.extend(found);
    }
    Ok(files)
}

/// The output for `input` in `folder`: its stem with the format's
/// extension (a picture's is .png).
fn output_in(folder: &Path, input: &Path, format: OutputFormat) -> PathBuf {
    let stem = input.file_stem().unwrap_or(input.as_os_str());
    let extension = if still::is_picture(input) {
        "png"
    } else {
        format.extension()
    };
    folder.join(stem).with_extension(extension)
}

pub fn run(args: &ProcessArgs, store: &ModelStore, cancel: &Cancel) -> anyhow::Result<()> {
    let inputs = expand(&args.inputs)?;
    let folder = &args.output;
    if folder.as_os_str() == "-" || folder.is_file() {
        bail!(
            "with several inputs, -o names a folder to write into, not {}",
            folder.display()
        );
    }
    let format = args.format.unwrap_or(OutputFormat::Webm);
    let plan: Vec<(PathBuf, PathBuf)> = inputs
        .into_iter()
        .map(|input| {
            let output = output_in(folder, &input, format);
            (input, output)
        })
        .collect();
    let mut seen: HashMap<&Path, &Path> = HashMap::new();
    for (input, output) in &plan {
        if let Some(other) = seen.insert(output, input) {
            bail!(
                "{} and {} would both write {}: rename one",
                other.display(),
                input.display(),
                output.display()
            );
        }
    }
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let started = Instant::now();
    let total = plan.len();
    let (mut written, mut skipped, mut failed) = (0, 0, 0);
    let mut reports = Vec::new();
    for (i, (input, output)) in plan.iter().enumerate() {
        let at = format!("[{}/{total}] {}", i + 1, input.display());
        if args.overwrite() == Overwrite::Never && output.exists() {
            eprintln!("{at}: skipped, {} exists (-n)", output.display());
            skipped += 1;
            continue;
        }
        eprintln!("{at} → {}", output.display());
        match one(args, input, output, None, store, cancel, false) {
            Ok(report) => {
                eprintln!("{at}: {}", super::progress::summary(output, &report));
                let mut doc = report_doc(&report);
                doc["input"] = serde_json::json!(input);
                reports.push(doc);
                written += 1;
            }
            Err(err) => {
                eprintln!("{at}: failed: {err:#}");
                failed += 1;
            }
        }
    }
    eprintln!(
        "done: {written} written, {skipped} skipped, {failed} failed of {total}, in {:.1} s → {}",
        started.elapsed().as_secs_f64(),
        folder.display()
    );
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec_pretty(&reports)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if failed > 0 {
        bail!("{failed} of {total} inputs failed");
    }
    Ok(())
}
