//! Where a job's video comes from: an upload of the same key, or (not yet
//! in this build) an external URL.

use std::path::PathBuf;

use crate::store::JobRow;
use crate::AppState;

/// A reason the input cannot be had, as (error_code, message).
pub type InputError = (&'static str, String);

pub async fn resolve(app: &AppState, job: &JobRow) -> Result<PathBuf, InputError> {
    if let Some(id) = job.video_url.strip_prefix("upload://") {
        let upload = app
            .store
            .upload(id, job.key_id)
            .await
            .map_err(|e| {
                (
                    "processing_failed",
                    format!("reading the upload record: {e}"),
                )
            })?
            .ok_or((
                "source_unreachable",
                format!("upload {id} no longer exists"),
            ))?;
        let path = PathBuf::from(upload.path);
        if !path.is_file() {
            return Err((
                "source_unreachable",
                format!("upload {id} no longer exists"),
            ));
        }
        return Ok(path);
    }
    Err((
        "source_unreachable",
        "fetching external video_url is not available in this build yet; upload the file with POST /v1/uploads".into(),
    ))
}
