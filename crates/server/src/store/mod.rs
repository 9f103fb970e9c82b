//! Persistence: the SQLite database (migrated on open) behind typed queries.
//! Jobs, uploads and keys live here; files live under the data directory.

mod billing;
pub mod idempotency;
mod jobs;
mod keys;
mod uploads;
mod webhooks;
mod work;

pub use billing::{Insufficient, UsageEvent};
pub use jobs::{JobRow, NewJob, StartOverrides};
pub use keys::KeyRow;
pub use uploads::UploadRow;
pub use webhooks::{Delivery, WEBHOOK_EVENTS};

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::view::JobView;
use crate::Config;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Renders job objects for webhook bodies inside the event's transaction.
    view: Arc<JobView>,
}

impl Store {
    pub async fn open(config: &Config, view: Arc<JobView>) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(&config.database_url())?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool, view })
    }

    pub fn view(&self) -> &Arc<JobView> {
        &self.view
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}
