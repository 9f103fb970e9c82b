//! `vidmatte migrate-store`: copies a one-box SQLite store into an empty
//! PostgreSQL one — keys with their hashes (so no key is re-issued),
//! credits and limits, uploads, jobs, usage events, idempotency records,
//! the webhook outbox and the download-signing secret — in one transaction,
//! keeping every id and the order rows were written in.

use std::sync::Arc;

use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteRow;
use sqlx::{Arguments, Row};

use super::postgres::PostgresRepo;
use super::sqlite::SqliteRepo;
use super::Backend;
use crate::signing::Signer;
use crate::view::JobView;
use crate::Config;

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Real,
    Text,
    Bool,
    Bytes,
}
use Kind::*;

type Table = (&'static str, &'static [(&'static str, Kind)]);

/// What is copied, parents first. Leadership leases and rate buckets are
/// left behind: they are a running cluster's, not the install's.
const TABLES: &[Table] = &[
    (
        "api_keys",
        &[
            ("id", Int),
            ("fingerprint", Text),
            ("key_hash", Text),
            ("client_id", Text),
            ("note", Text),
            ("webhook_secret", Text),
            ("credits", Int),
            ("disabled", Bool),
            ("created_at", Int),
            ("rate_per_second", Real),
            ("rate_burst", Int),
            ("max_running", Int),
        ],
    ),
    (
        "uploads",
        &[
            ("id", Text),
            ("key_id", Int),
            ("filename", Text),
            ("path", Text),
            ("size", Int),
            ("duration_seconds", Real),
            ("created_at", Int),
            ("expires_at", Int),
        ],
    ),
    (
        "jobs",
        &[
            ("id", Text),
            ("key_id", Int),
            ("request_id", Text),
            ("status", Text),
            ("stage", Text),
            ("progress", Int),
            ("model", Text),
            ("text_prompt", Text),
            ("output_format", Text),
            ("bg_type", Text),
            ("bg_color", Text),
            ("video_url", Text),
            ("webhook_url", Text),
            ("metadata", Text),
            ("output_path", Text),
            ("error", Text),
            ("error_code", Text),
            ("warnings", Text),
            ("duration_seconds", Real),
            ("width", Int),
            ("height", Int),
            ("fps", Real),
            ("frames", Int),
            ("credits_estimated", Int),
            ("credits_charged", Int),
            ("billing_status", Text),
            ("cancel_requested", Bool),
            ("lease_owner", Text),
            ("lease_expires_at", Int),
            ("attempts", Int),
            ("created_at", Int),
            ("queued_at", Int),
            ("started_at", Int),
            ("completed_at", Int),
            ("webhook_events", Text),
            ("render", Text),
        ],
    ),
    (
        "usage_events",
        &[
            ("id", Text),
            ("key_id", Int),
            ("job_id", Text),
            ("type", Text),
            ("model", Text),
            ("seconds", Real),
            ("credits", Int),
            ("created_at", Int),
        ],
    ),
    (
        "idempotency",
        &[
            ("scope", Text),
            ("key", Text),
            ("request_hash", Text),
            ("status", Int),
            ("response", Bytes),
            ("created_at", Int),
        ],
    ),
    (
        "webhook_deliveries",
        &[
            ("id", Text),
            ("event_id", Text),
            ("job_id", Text),
            ("key_id", Int),
            ("event", Text),
            ("url", Text),
            ("body", Text),
            ("state", Text),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("lease_until", Int),
            ("last_status", Int),
            ("last_error", Text),
            ("created_at", Int),
            ("delivered_at", Int),
        ],
    ),
    ("secrets", &[("name", Text), ("value", Bytes)]),
];

/// Rows copied per table.
pub type Copied = Vec<(&'static str, u64)>;

fn bind(args: &mut PgArguments, row: &SqliteRow, column: &str, kind: Kind) -> anyhow::Result<()> {
    match kind {
        Int => args.add(row.try_get::<Option<i64>, _>(column)?),
        Real => args.add(row.try_get::<Option<f64>, _>(column)?),
        Text => args.add(row.try_get::<Option<String>, _>(column)?),
        Bool => args.add(row.try_get::<Option<bool>, _>(column)?),
        Bytes => args.add(row.try_get::<Option<Vec<u8>>, _>(column)?),
    }
    .map_err(|e| anyhow::anyhow!("{column}: {e}"))
}

/// Copies everything from `from` into `to`, which must hold no keys yet.
pub async fn sqlite_to_postgres(from: &SqliteRepo, to: &PostgresRepo) -> anyhow::Result<Copied> {
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
        .fetch_one(to.pool())
        .await?;
    if keys > 0 {
        anyhow::bail!(
            "the destination already has {keys} API keys; migrate into an empty database"
        );
    }
    // The destination's own first start made a signing secret; the
    // source's replaces it, so its links keep working.
    let mut tx = to.pool().begin().await?;
    sqlx::query("DELETE FROM secrets").execute(&mut *tx).await?;
    let mut copied = Vec::new();
    for (table, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let list = names.join(", ");
        let rows = sqlx::query(&format!("SELECT {list} FROM {table} ORDER BY rowid"))
            .fetch_all(from.pool())
            .await?;
        let slots: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        let insert = format!("INSERT INTO {table} ({list}) VALUES ({})", slots.join(", "));
        for row in &rows {
            let mut args = PgArguments::default();
            for (name, kind) in *columns {
                bind(&mut args, row, name, *kind)?;
            }
            sqlx::query_with(&insert, args).execute(&mut *tx).await?;
        }
        copied.push((*table, rows.len() as u64));
    }
    // New keys continue after the copied ids.
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('api_keys', 'id'), GREATEST(COALESCE(MAX(id), 0), 1),
                       MAX(id) IS NOT NULL) FROM api_keys",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(copied)
}

/// Opens both stores (migrating each to this version's schema) and copies
/// `from` (a `sqlite://` URL) into `to` (a `postgres://` URL).
pub async fn run(from: &str, to: &str) -> anyhow::Result<Copied> {
    if Backend::of_url(from) != Some(Backend::Sqlite)
        || Backend::of_url(to) != Some(Backend::Postgres)
    {
        anyhow::bail!("migrate-store copies a sqlite:// store into a postgres:// one");
    }
    // Neither side renders webhook bodies here; the view is never used.
    let view = Arc::new(JobView::new(
        &Config::default(),
        Arc::new(Signer::default()),
    ));
    let source = SqliteRepo::open_existing(from, Arc::clone(&view))
        .await
        .map_err(|e| anyhow::anyhow!("opening {from}: {e}"))?;
    let destination = PostgresRepo::open(to, view).await?;
    sqlite_to_postgres(&source, &destination).await
}
