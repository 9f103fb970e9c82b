//! The job lifecycle outside HTTP: workers that claim queued jobs with a
//! lease, run the pipeline and record the outcome exactly once, and the
//! webhook sender, and the retention sweeper.

mod fetch;
mod input;
mod lease;
mod node;
mod process;
mod sweeper;
mod webhooks;
mod worker;

pub use fetch::{fetch, FetchLimits};

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::AppState;

/// Starts the workers (`config.workers` of them; none on an API-only
/// node), the webhook sender and the sweeper.
pub fn start(app: AppState) -> Vec<JoinHandle<()>> {
    let mut handles = Vec::new();
    if app.config.workers > 0 {
        handles.push(tokio::spawn(worker::run(Arc::clone(&app))));
        handles.push(tokio::spawn(wake_on_queued_jobs(Arc::clone(&app))));
    }
    handles.push(tokio::spawn(webhooks::run(Arc::clone(&app))));
    handles.push(tokio::spawn(sweeper::run(app)));
    handles
}

/// Wakes this process's dispatcher when another process queues a job
/// (Postgres `LISTEN`); the dispatcher's 1 s poll is only the fallback.
async fn wake_on_queued_jobs(app: AppState) {
    let mut shutdown = app.shutdown.clone();
    let waker = Arc::clone(&app);
    let wake = Box::new(move || waker.queued.notify_one());
    tokio::select! {
        _ = app.store.announce_queued_jobs(wake) => {}
        _ = crate::stopped(&mut shutdown) => {}
    }
}

/// Retries a store write a few times (250 ms, doubling) before giving up;
/// `what` names it in the log. Used for outcomes that must not be lost to a
/// momentarily busy database.
pub(crate) async fn with_retries<T, F, Fut>(what: &str, mut write: F) -> sqlx::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = sqlx::Result<T>>,
{
    let mut delay = std::time::Duration::from_millis(250);
    let mut attempt = 1;
    loop {
        match write().await {
            Err(e) if attempt < 4 => {
                tracing::warn!(error = %e, attempt, "recording {what} failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// Where a completed job's matte is kept (lossless greyscale), for other
/// formats of its result without running the model again.
pub fn matte_key(job_id: &str) -> String {
    format!("mattes/{job_id}.mkv")
}
