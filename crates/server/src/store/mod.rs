//! Persistence: the SQLite database (migrated on open) behind typed queries.
//! Jobs, uploads and keys live here; files live under the data directory.

mod billing;
pub mod idempotency;
mod jobs;
mod keys;
mod uploads;

pub use billing::{Insufficient, UsageEvent};
pub use jobs::{JobRow, NewJob, StartOverrides};
pub use keys::KeyRow;
pub use uploads::UploadRow;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::Config;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
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
        Ok(Self { pool })
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}
