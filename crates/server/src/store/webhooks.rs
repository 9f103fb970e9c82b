//! The webhook outbox: a delivery row is written in the same transaction as
//! the job transition it announces (so a crash loses nothing and a re-claimed
//! job announces `job.started` once), with its body fixed then. Senders claim
//! due rows with a short lease; each row ends `sent` or, after the retry
//! window, `failed`, and the job's `webhook_events` mirrors that state.

use serde_json::json;
use sqlx::{Sqlite, Transaction};

use super::{JobRow, Store};
use crate::clock::{now_ms, rfc3339};
use crate::view::JobView;

pub const WEBHOOK_EVENTS: [&str; 4] =
    ["job.started", "job.completed", "job.failed", "job.canceled"];

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Delivery {
    pub id: String,
    pub event_id: String,
    pub job_id: String,
    pub key_id: i64,
    pub event: String,
    pub url: String,
    pub body: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// The webhook event a terminal status announces.
pub fn event_for(status: &str) -> &'static str {
    match status {
        "completed" => "job.completed",
        "canceled" => "job.canceled",
        _ => "job.failed",
    }
}

fn state_path(event: &str) -> String {
    format!("$.\"{event}\"")
}

/// Queues `event` for the job if it has a `webhook_url` (once per job and event).
pub(super) async fn enqueue_in(
    tx: &mut Transaction<'_, Sqlite>,
    view: &JobView,
    job_id: &str,
    event: &str,
) -> sqlx::Result<()> {
    let job: Option<JobRow> = sqlx::query_as("SELECT * FROM jobs WHERE id = ?")
        .bind(job_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(job) = job else { return Ok(()) };
    let Some(url) = job.webhook_url.clone() else {
        return Ok(());
    };
    let now = now_ms();
    let event_id = format!("evt_{}", ulid::Ulid::new());
    let mut data = view.job(&job);
    if let Some(object) = data.as_object_mut() {
        object.remove("success");
    }
    let body = json!({"id": event_id, "event": event, "created_at": rfc3339(now), "data": data});
    let inserted = sqlx::query(
        "INSERT INTO webhook_deliveries (id, event_id, job_id, key_id, event, url, body, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, event) DO NOTHING",
    )
    .bind(format!("dlv_{}", ulid::Ulid::new()))
    .bind(&event_id)
    .bind(job_id)
    .bind(job.key_id)
    .bind(event)
    .bind(&url)
    .bind(body.to_string())
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 1 {
        sqlx::query(
            "UPDATE jobs SET webhook_events = json_set(webhook_events, ?, 'pending') WHERE id = ?",
        )
        .bind(state_path(event))
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Leases up to `limit` deliveries that are due (or whose sender died).
    pub async fn claim_deliveries(&self, limit: i64, lease_ms: i64) -> sqlx::Result<Vec<Delivery>> {
        let now = now_ms();
        sqlx::query_as(
            "UPDATE webhook_deliveries SET lease_until = ?1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM webhook_deliveries
                          WHERE state = 'pending' AND next_attempt_at <= ?2
                          AND (lease_until IS NULL OR lease_until < ?2)
                          ORDER BY next_attempt_at LIMIT ?3)
             RETURNING id, event_id, job_id, key_id, event, url, body, attempts, created_at",
        )
        .bind(now + lease_ms)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// When the next pending delivery is due, if any.
    pub async fn next_delivery_at(&self) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'",
        )
        .fetch_one(&self.pool)
        .await
    }

    pub async fn webhook_secret(&self, key_id: i64) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar("SELECT webhook_secret FROM api_keys WHERE id = ?")
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Records the outcome of one attempt: `Some(at)` schedules a retry,
    /// `None` ends the delivery as `sent` (ok) or `failed`.
    pub async fn record_attempt(
        &self,
        delivery: &Delivery,
        ok: bool,
        status: Option<u16>,
        error: Option<&str>,
        retry_at: Option<i64>,
    ) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        let state = match (ok, retry_at) {
            (true, _) => "sent",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET state = ?, lease_until = NULL, last_status = ?, last_error = ?,
                 next_attempt_at = COALESCE(?, next_attempt_at), delivered_at = CASE WHEN ? THEN ? END
             WHERE id = ? AND state = 'pending'",
        )
        .bind(state)
        .bind(status.map(i64::from))
        .bind(error)
        .bind(retry_at)
        .bind(ok)
        .bind(now_ms())
        .bind(&delivery.id)
        .execute(&mut *tx)
        .await?;
        if state != "pending" {
            sqlx::query(
                "UPDATE jobs SET webhook_events = json_set(webhook_events, ?, ?) WHERE id = ?",
            )
            .bind(state_path(&delivery.event))
            .bind(state)
            .bind(&delivery.job_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }
}
