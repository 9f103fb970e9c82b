//! PNG sequences: the frames ffmpeg wrote, stored (already compressed) in
//! one zip, in frame order.

use std::io::Write;
use std::path::Path;

use crate::MediaError;

/// Stores each PNG (already compressed) in a zip, in frame order.
pub(crate) fn zip_frames(dir: &Path, file: &mut std::fs::File) -> Result<(), MediaError> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| MediaError::io("listing PNG frames", e))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for name in names {
        let name = name.to_string_lossy().into_owned();
        zip.start_file(name.as_str(), options)?;
        let mut png = std::fs::File::open(dir.join(&name))
            .map_err(|e| MediaError::io("reading a PNG frame", e))?;
        std::io::copy(&mut png, &mut zip).map_err(|e| MediaError::io("writing the zip", e))?;
    }
    zip.finish()?
        .flush()
        .map_err(|e| MediaError::io("writing the zip", e))?;
    Ok(())
}
