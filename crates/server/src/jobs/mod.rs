//! The job lifecycle outside HTTP: workers that claim queued jobs with a
//! lease, run the pipeline and record the outcome exactly once, and the
//! webhook sender, and the retention sweeper.

mod fetch;
mod input;
mod sweeper;
mod webhooks;
mod worker;

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::AppState;

/// Starts `config.workers` workers, the webhook sender and the sweeper.
pub fn start(app: AppState) -> Vec<JoinHandle<()>> {
    let mut handles: Vec<JoinHandle<()>> = (0..app.config.workers)
        .map(|index| tokio::spawn(worker::run(Arc::clone(&app), index)))
        .collect();
    handles.push(tokio::spawn(webhooks::run(Arc::clone(&app))));
    handles.push(tokio::spawn(sweeper::run(app)));
    handles
}
