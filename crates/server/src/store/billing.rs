//! Credits: a job's cost is reserved when it starts, charged when it
//! completes and released when it fails or is canceled — each at most once
//! (the job's `billing_status` moves only forward, in the same transaction as
//! the balance and the usage event, and events are unique per job and type).

use sqlx::{Sqlite, Transaction};

use super::Store;
use crate::billing::Charge;
use crate::clock::now_ms;

/// Not enough credits for the job.
#[derive(Debug, Clone, Copy)]
pub struct Insufficient {
    pub needed: i64,
    pub balance: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct UsageEvent {
    pub id: String,
    pub job_id: String,
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    pub model: String,
    pub seconds: f64,
    pub credits: i64,
    pub created_at: i64,
}

async fn event(
    tx: &mut Transaction<'_, Sqlite>,
    key_id: i64,
    job_id: &str,
    kind: &str,
    model: &str,
    seconds: f64,
    credits: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO usage_events (id, key_id, job_id, type, model, seconds, credits, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, type) DO NOTHING",
    )
    .bind(format!("use_{}", ulid::Ulid::new()))
    .bind(key_id)
    .bind(job_id)
    .bind(kind)
    .bind(model)
    .bind(seconds)
    .bind(credits)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reserves `cost` for a job whose billing has not started.
pub(super) async fn reserve_in(
    tx: &mut Transaction<'_, Sqlite>,
    key_id: i64,
    job_id: &str,
    model: &str,
    seconds: f64,
    cost: i64,
) -> sqlx::Result<Result<(), Insufficient>> {
    let marked = sqlx::query(
        "UPDATE jobs SET billing_status = 'reserved', credits_estimated = ?, duration_seconds = COALESCE(duration_seconds, ?)
         WHERE id = ? AND billing_status = 'none'",
    )
    .bind(cost)
    .bind(seconds)
    .bind(job_id)
    .execute(&mut **tx)
    .await?;
    if marked.rows_affected() == 0 {
        return Ok(Ok(())); // already reserved (a retry)
    }
    let balance: Option<i64> = sqlx::query_scalar("SELECT credits FROM api_keys WHERE id = ?")
        .bind(key_id)
        .fetch_one(&mut **tx)
        .await?;
    if let Some(balance) = balance {
        if balance < cost {
            return Ok(Err(Insufficient {
                needed: cost,
                balance,
            }));
        }
        sqlx::query("UPDATE api_keys SET credits = credits - ? WHERE id = ?")
            .bind(cost)
            .bind(key_id)
            .execute(&mut **tx)
            .await?;
    }
    event(tx, key_id, job_id, "reserve", model, seconds, cost).await?;
    Ok(Ok(()))
}

/// Charges what a completed job really cost (`charge`, its decoded
/// length), giving back what the reservation held beyond that, or releases
/// the whole reservation (failed, canceled).
pub(super) async fn settle_in(
    tx: &mut Transaction<'_, Sqlite>,
    job_id: &str,
    charge: Option<&Charge>,
) -> sqlx::Result<()> {
    let settled: Option<(i64, String, f64, i64)> = sqlx::query_as(
        "UPDATE jobs SET billing_status = ?, credits_charged = ?
         WHERE id = ? AND billing_status = 'reserved'
         RETURNING key_id, model, CAST(COALESCE(duration_seconds, 0) AS REAL), COALESCE(credits_estimated, 0)",
    )
    .bind(if charge.is_some() { "charged" } else { "released" })
    .bind(charge.map_or(0, |c| c.credits))
    .bind(job_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((key_id, model, seconds, reserved)) = settled else {
        return Ok(());
    };
    let (kind, seconds, credits) = match charge {
        Some(c) => ("charge", c.seconds, c.credits),
        None => ("release", seconds, reserved),
    };
    let refund = reserved - charge.map_or(0, |c| c.credits);
    if refund != 0 {
        sqlx::query(
            "UPDATE api_keys SET credits = credits + ? WHERE id = ? AND credits IS NOT NULL",
        )
        .bind(refund)
        .bind(key_id)
        .execute(&mut **tx)
        .await?;
    }
    event(tx, key_id, job_id, kind, &model, seconds, credits).await
}

impl Store {
    /// Reserves a running job's cost once its duration is known (external URLs).
    pub async fn reserve(
        &self,
        key_id: i64,
        job_id: &str,
        model: &str,
        seconds: f64,
        cost: i64,
    ) -> sqlx::Result<Result<(), Insufficient>> {
        let mut tx = self.pool.begin().await?;
        let outcome = reserve_in(&mut tx, key_id, job_id, model, seconds, cost).await?;
        if outcome.is_ok() {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    /// The balance a limited key could still spend (None: unlimited).
    pub async fn balance(&self, key_id: i64) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar("SELECT credits FROM api_keys WHERE id = ?")
            .bind(key_id)
            .fetch_one(&self.pool)
            .await
    }

    /// (charged, currently reserved) credits of a key.
    pub async fn credit_totals(&self, key_id: i64) -> sqlx::Result<(i64, i64)> {
        sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN billing_status = 'charged' THEN credits_charged END), 0),
                    COALESCE(SUM(CASE WHEN billing_status = 'reserved' THEN credits_estimated END), 0)
             FROM jobs WHERE key_id = ?",
        )
        .bind(key_id)
        .fetch_one(&self.pool)
        .await
    }

    pub async fn usage_events(&self, key_id: i64, limit: i64) -> sqlx::Result<Vec<UsageEvent>> {
        sqlx::query_as(
            "SELECT id, job_id, type, model, seconds, credits, created_at FROM usage_events
             WHERE key_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
        )
        .bind(key_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }
}
