//! Retention: removes outputs and uploads past their retention period (on
//! one node at a time, the holder of the `sweeper` lease) and, on every
//! node, its own work folders of jobs it no longer runs.

use std::time::Duration;

use crate::clock::now_ms;
use crate::AppState;

const EVERY: Duration = Duration::from_secs(600);

pub async fn run(app: AppState) {
    let mut shutdown = app.shutdown.clone();
    loop {
        sweep(&app).await;
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = crate::stopped(&mut shutdown) => return,
        }
    }
}

pub async fn sweep(app: &AppState) {
    let holder = super::node::owner_of_process();
    let ttl = 3 * EVERY.as_millis() as i64;
    match app.store.lead("sweeper", holder, ttl).await {
        Ok(true) => sweep_expired(app).await,
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "taking the sweeper lease"),
    }
    sweep_work_dirs(app).await;
}

async fn sweep_expired(app: &AppState) {
    let cutoff = now_ms() - app.config.retention_seconds * 1000;
    match app.store.take_expired_outputs(cutoff).await {
        Ok(keys) => {
            // A job's kept matte goes with its output.
            let mattes = keys.iter().filter_map(|k| matte_of_output(k)).collect();
            remove(app, keys, "output").await;
            remove(app, mattes, "matte").await;
        }
        Err(e) => tracing::warn!(error = %e, "sweeping outputs"),
    }
    match app.store.take_expired_uploads(now_ms()).await {
        Ok(keys) => remove(app, keys, "upload").await,
        Err(e) => tracing::warn!(error = %e, "sweeping uploads"),
    }
}

/// Work folders of jobs no worker is running (crashed attempts of jobs
/// that later ended elsewhere).
async fn sweep_work_dirs(app: &AppState) {
    let Ok(mut entries) = tokio::fs::read_dir(app.config.work_dir()).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        let running = matches!(app.store.job_by_id(&name).await, Ok(Some(job)) if job.status == crate::store::JobStatus::Processing);
        if !running {
            let _ = tokio::fs::remove_dir_all(entry.path()).await;
        }
    }
}

/// `mattes/ID.mkv` for an output stored as `outputs/ID.EXT`.
fn matte_of_output(output: &str) -> Option<String> {
    let name = output.strip_prefix("outputs/")?;
    let id = name.split('.').next()?;
    Some(super::matte_key(id))
}

async fn remove(app: &AppState, keys: Vec<String>, what: &str) {
    for key in keys {
        match app.blobs.delete(&key).await {
            Ok(()) => tracing::info!(%key, "removed expired {what}"),
            Err(e) => tracing::warn!(%key, error = %e, "removing expired {what}"),
        }
    }
}
