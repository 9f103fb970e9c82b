//! Printing to stdout where a closed pipe (`vidmatte models --json | head
//! -1`) ends the output quietly instead of panicking like `println!`.

use std::io::Write;

/// Writes `text` and a newline to stdout; a reader that went away is fine.
pub fn line(text: impl std::fmt::Display) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
