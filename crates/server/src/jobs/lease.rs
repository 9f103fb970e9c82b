//! A claimed job's lease, kept alive by heartbeats for as long as this
//! process holds the job — while it downloads the source, waits for a free
//! worker and runs the pipeline alike — and the reason to stop, when one
//! comes: a cancel request, a lost lease or shutdown.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use vidmatte_media::Cancel;

use crate::AppState;

const HEARTBEAT_EVERY: Duration = Duration::from_millis(500);

/// Why a held job has to stop before it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    CanceledByUser,
    LeaseLost,
    Shutdown,
}

pub struct Lease {
    stop: watch::Receiver<Option<Stop>>,
    cancel: Cancel,
    heartbeat: JoinHandle<()>,
}

impl Lease {
    /// Starts heartbeating `job_id` as `owner`.
    pub fn hold(app: &AppState, job_id: &str, owner: &str) -> Lease {
        let (tx, stop) = watch::channel(None);
        let cancel = Cancel::new();
        let heartbeat = tokio::spawn(beat(
            app.clone(),
            job_id.to_string(),
            owner.to_string(),
            tx,
            cancel.clone(),
        ));
        Lease {
            stop,
            cancel,
            heartbeat,
        }
    }

    /// Set as soon as there is a reason to stop: hand it to the pipeline.
    pub fn cancel(&self) -> &Cancel {
        &self.cancel
    }

    /// Resolves with the reason once there is one.
    pub async fn stopped(&self) -> Stop {
        let mut stop = self.stop.clone();
        loop {
            if let Some(reason) = *stop.borrow_and_update() {
                return reason;
            }
            if stop.changed().await.is_err() {
                // The heartbeat task ended without a reason: treat as lost.
                return Stop::LeaseLost;
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

async fn beat(
    app: AppState,
    id: String,
    owner: String,
    tx: watch::Sender<Option<Stop>>,
    cancel: Cancel,
) {
    let lease_ms = app.config.lease_seconds * 1000;
    let mut shutdown = app.shutdown.clone();
    let mut ticker = tokio::time::interval(HEARTBEAT_EVERY);
    let set = |reason: Stop| {
        if tx.borrow().is_none() {
            cancel.cancel();
            let _ = tx.send(Some(reason));
        }
    };
    let mut shutting_down = false;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = crate::stopped(&mut shutdown), if !shutting_down => {
                tracing::info!("shutting down: stopping the job to requeue it");
                shutting_down = true;
                set(Stop::Shutdown);
                continue;
            }
        }
        // Every tick extends the lease and sees a cancel request within half
        // a second; after a stop the lease is kept until the outcome is written.
        match app.store.heartbeat(&id, &owner, lease_ms).await {
            Ok(Some(true)) => {
                if tx.borrow().is_none() {
                    tracing::info!("cancel requested");
                }
                set(Stop::CanceledByUser);
            }
            Ok(Some(false)) => {}
            Ok(None) => {
                tracing::warn!("lease lost: abandoning the job");
                set(Stop::LeaseLost);
                return;
            }
            Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
        }
    }
}
