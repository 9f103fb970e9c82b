//! Where `vidmatte process` writes: the format an output's name implies,
//! whether an existing file may be replaced (ffmpeg's `-y` / `-n` habits),
//! and `-` for stdin and stdout through a scratch folder.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use tempfile::TempDir;
use vidmatte_media::OutputFormat;

/// What to do when the output already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Ask on a terminal; refuse without one.
    Ask,
    /// `-y`.
    Always,
    /// `-n`.
    Never,
}

fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Errors unless `output` may be written: absent, or replaced as `policy`
/// says (asking on a terminal, which stdin can only be when it is not the
/// input).
pub fn may_write(output: &Path, policy: Overwrite, stdin_is_input: bool) -> anyhow::Result<()> {
    if is_dash(output) {
        return Ok(());
    }
    let Ok(meta) = std::fs::metadata(output) else {
        return Ok(());
    };
    if meta.is_dir() {
        bail!(
            "{} is a folder: name a file, or give a folder or several inputs to write into it",
            output.display()
        );
    }
    match policy {
        Overwrite::Always => Ok(()),
        Overwrite::Never => bail!("{} exists; not overwritten (-n)", output.display()),
        Overwrite::Ask
            if !stdin_is_input
                && std::io::stdin().is_terminal()
                && std::io::stderr().is_terminal() =>
        {
            eprint!("{} exists. Overwrite? [y/N] ", output.display());
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer)?;
            if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
                Ok(())
            } else {
                bail!("{} exists; not overwritten", output.display())
            }
        }
        Overwrite::Ask => bail!(
            "{} exists: pass -y to overwrite it (-n never overwrites)",
            output.display()
        ),
    }
}

/// The format to write: from `--format`, the output's extension, or both
/// when they agree. A picture becomes one PNG (made from a one-frame
/// `png_sequence`).
pub fn format_for(
    output: &Path,
    flag: Option<OutputFormat>,
    picture: bool,
) -> anyhow::Result<OutputFormat> {
    let extension = output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if picture {
        if flag.is_some_and(|f| f != OutputFormat::PngSequence) {
            bail!("a picture is cut out into one PNG: drop --format");
        }
        return match extension.as_deref() {
            Some("png") => Ok(OutputFormat::PngSequence),
            _ if is_dash(output) => Ok(OutputFormat::PngSequence),
            _ => bail!(
                "the input is a picture: name a .png output (e.g. -o cut.png), not {}",
                output.display()
            ),
        };
    }
    let named = OutputFormat::from_path(output);
    match (flag, named, extension.as_deref()) {
        (Some(wanted), Some(named), _) if wanted != named => bail!(
            "--format {wanted} but {} is named as {named}: call it .{} or drop --format",
            output.display(),
            wanted.extension()
        ),
        (Some(wanted), None, Some(other)) => bail!(
            "--format {wanted} but {} ends in .{other}: call it .{}",
            output.display(),
            wanted.extension()
        ),
        (Some(wanted), _, _) => Ok(wanted),
        (None, Some(named), _) => Ok(named),
        (None, None, _) if is_dash(output) => {
            bail!("-o - (stdout) needs --format: there is no name to tell it from")
        }
        (None, None, Some("png")) => bail!(
            "a .png holds one picture: a video's frames go in a .zip (png_sequence)"
        ),
        (None, None, _) => bail!(
            "cannot tell the format from {}: use .webm, .mov, .mp4, .gif, .webp or .zip, or pass --format",
            output.display()
        ),
    }
}

/// The input and output files of one run, with `-` (stdin, stdout) going
/// through a scratch folder: videos need seeking, and the output is
/// complete only at the end.
pub struct Streams {
    input: PathBuf,
    reads_stdin: bool,
    writes_stdout: bool,
    output: PathBuf,
    scratch: Option<TempDir>,
}

impl Streams {
    pub fn open(input: &Path, output: &Path) -> anyhow::Result<Self> {
        let (reads_stdin, writes_stdout) = (is_dash(input), is_dash(output));
        if writes_stdout && std::io::stdout().is_terminal() {
            bail!(
                "-o - would write binary data to the terminal: redirect it (> out.webm) or pipe it"
            );
        }
        let scratch = if reads_stdin || writes_stdout {
            Some(
                tempfile::Builder::new()
                    .prefix("vidmatte-")
                    .tempdir()
                    .context("making a scratch folder")?,
            )
        } else {
            None
        };
        let input = match &scratch {
            Some(dir) if reads_stdin => {
                let path = dir.path().join("stdin");
                let mut file = std::fs::File::create(&path)?;
                let copied = std::io::copy(&mut std::io::stdin().lock(), &mut file)
                    .context("reading stdin")?;
                if copied == 0 {
                    bail!("stdin was empty: pipe a video or picture into it");
                }
                path
            }
            _ if !input.exists() => bail!("{}: no such file", input.display()),
            _ => input.to_path_buf(),
        };
        Ok(Self {
            input,
            reads_stdin,
            writes_stdout,
            output: output.to_path_buf(),
            scratch,
        })
    }

    /// The file to process (stdin's copy for `-`).
    pub fn input(&self) -> &Path {
        &self.input
    }

    pub fn reads_stdin(&self) -> bool {
        self.reads_stdin
    }

    /// Where the pipeline writes: the output itself, or a scratch file
    /// that `deliver` copies to stdout.
    pub fn output_for(&self, format: OutputFormat) -> anyhow::Result<PathBuf> {
        match &self.scratch {
            Some(dir) if self.writes_stdout => {
                Ok(dir.path().join(format!("out.{}", format.extension())))
            }
            _ => Ok(self.output.clone()),
        }
    }

    /// Copies the finished scratch output to stdout (a closed pipe is not
    /// an error: the reader had enough).
    pub fn deliver(&self, written: &Path) -> anyhow::Result<()> {
        if !self.writes_stdout {
            return Ok(());
        }
        let mut file = std::fs::File::open(written)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(e).context("writing to stdout")
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_and_the_flag_must_agree() {
        let f = |out: &str, flag| format_for(Path::new(out), flag, false);
        assert_eq!(f("a.webm", None).unwrap(), OutputFormat::Webm);
        assert_eq!(
            f("a.mp4", Some(OutputFormat::Mp4)).unwrap(),
            OutputFormat::Mp4
        );
        let err = f("out.mp4", Some(OutputFormat::Webm))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--format webm") && err.contains("out.mp4"),
            "{err}"
        );
        assert!(f("out.bin", Some(OutputFormat::Webm)).is_err());
        assert!(f("-", None).unwrap_err().to_string().contains("--format"));
        assert_eq!(f("-", Some(OutputFormat::Mov)).unwrap(), OutputFormat::Mov);
        assert!(f("a.png", None).unwrap_err().to_string().contains(".zip"));
        let still = |out: &str| format_for(Path::new(out), None, true);
        assert_eq!(still("cut.png").unwrap(), OutputFormat::PngSequence);
        assert!(still("cut.webm").unwrap_err().to_string().contains(".png"));
    }
}
