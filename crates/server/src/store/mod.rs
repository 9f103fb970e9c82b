//! Persistence behind one trait, [`Repo`], with a module per backend:
//! [`sqlite`] (the embedded default, a file in the data directory) and
//! [`postgres`] (for several API nodes and workers sharing one database),
//! each with its own migrations under `migrations/<backend>/`.
//!
//! HTTP handlers and workers hold a [`Store`] (`Arc<dyn Repo>`) and never
//! see a pool. The queries live once, in the area modules (`jobs`, `work`,
//! `billing`, …): each defines its part of the trait and a macro that
//! implements it for a backend. Where the two dialects differ, [`pick!`]
//! holds both statements side by side, so a change to one is made to its
//! twin.

/// Chooses the statement (or value) of the backend being implemented:
/// `pick!(sqlite; sqlite = A, postgres = B)` is `A`.
macro_rules! pick {
    (sqlite; sqlite = $s:expr, postgres = $p:expr $(,)?) => {
        $s
    };
    (postgres; sqlite = $s:expr, postgres = $p:expr $(,)?) => {
        $p
    };
}

#[macro_use]
mod billing;
#[macro_use]
pub mod idempotency;
#[macro_use]
mod jobs;
#[macro_use]
mod keys;
#[macro_use]
mod uploads;
#[macro_use]
mod webhooks;
#[macro_use]
mod work;
#[macro_use]
mod shared;

mod limits;
pub mod migrate;
pub mod postgres;
pub mod sqlite;
mod status;

pub use billing::{Billing, Insufficient, UsageEvent};
pub use idempotency::Idempotency;
pub use jobs::{JobRow, Jobs, NewJob, StartOverrides};
pub use keys::{KeyRow, Keys};
pub use limits::{RateBuckets, Token};
pub use shared::Shared;
pub use status::{BillingStatus, JobStatus, Stage, UnknownState};
pub use uploads::{UploadRow, Uploads};
pub use webhooks::{Delivery, Webhooks, WEBHOOK_EVENTS};
pub use work::{Work, MAX_ATTEMPTS};

use std::sync::Arc;

use crate::view::JobView;
use crate::Config;

/// Every stored thing a node reads or writes, on whichever backend.
#[async_trait::async_trait]
pub trait Repo:
    Keys + Jobs + Work + Billing + Uploads + Idempotency + Webhooks + Shared + Send + Sync
{
    fn backend(&self) -> Backend;

    /// Rate-limit buckets shared with the other nodes, where the backend
    /// has them (None: each node limits on its own, in memory).
    fn rate_buckets(&self) -> Option<&dyn RateBuckets> {
        None
    }

    /// Renders job objects for webhook bodies inside the event's transaction.
    fn view(&self) -> &Arc<JobView>;

    async fn ping(&self) -> bool;

    /// Calls `wake` whenever another process queues a job, until the
    /// process ends. A backend that cannot tell (SQLite: one machine, where
    /// the queuing handler wakes its own workers and others poll) returns
    /// at once.
    async fn announce_queued_jobs(&self, wake: Box<dyn Fn() + Send + Sync>);
}

pub type Store = Arc<dyn Repo>;

/// Which backend a database URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Opens (and migrates) the configured database.
pub async fn open(config: &Config, view: Arc<JobView>) -> anyhow::Result<Store> {
    let url = config.database_url();
    Ok(match Backend::of_url(&url) {
        Some(Backend::Sqlite) => Arc::new(sqlite::SqliteRepo::open(&url, view).await?),
        Some(Backend::Postgres) => Arc::new(postgres::PostgresRepo::open(&url, view).await?),
        None => anyhow::bail!("database URL {url:?}: use sqlite://… or postgres://…"),
    })
}
