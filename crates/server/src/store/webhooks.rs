//! The webhook outbox: a delivery row is written in the same transaction as
//! the job transition it announces (so a crash loses nothing and a re-claimed
//! job announces `job.started` once), with its body fixed then. Senders on
//! any node claim due rows with a short lease (skipping rows another node
//! has locked); each row ends `sent` or, after the retry window, `failed`,
//! and the job's `webhook_events` mirrors that state.
//!
//! A job's events go out in the order they happened: a job has at most one
//! `job.started` and one terminal event, and the terminal one is claimed
//! only once no `job.started` of the same job is still pending (delivered,
//! or given up). The order is the job's lifecycle, not the rows'
//! timestamps, which two nodes' clocks may write out of order.

use async_trait::async_trait;

/// The events a job announces. A cancel is `job.failed` with
/// `error_code: canceled` (the vendor's SDKs know no other end); rows from
/// before that rule may still carry `job.canceled`.
pub const WEBHOOK_EVENTS: [&str; 3] = ["job.started", "job.completed", "job.failed"];

/// The event every other event of a job comes after.
pub const FIRST_EVENT: &str = WEBHOOK_EVENTS[0];

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

#[cfg(test)]
mod tests;

/// SQLite's JSON path to an event's state in `webhook_events`.
pub(super) fn state_path(event: &str) -> String {
    format!("$.\"{event}\"")
}

#[async_trait]
pub trait Webhooks {
    /// Leases up to `limit` deliveries that are due (or whose sender died),
    /// none while an earlier event of the same job is still pending.
    async fn claim_deliveries(&self, limit: i64, lease_ms: i64) -> sqlx::Result<Vec<Delivery>>;

    /// When the next pending delivery is due, if any.
    async fn next_delivery_at(&self) -> sqlx::Result<Option<i64>>;

    async fn webhook_secret(&self, key_id: i64) -> sqlx::Result<Option<String>>;

    /// Records the outcome of one attempt: `Some(at)` schedules a retry,
    /// `None` ends the delivery as `sent` (ok) or `failed`.
    async fn record_attempt(
        &self,
        delivery: &Delivery,
        ok: bool,
        status: Option<u16>,
        error: Option<&str>,
        retry_at: Option<i64>,
    ) -> sqlx::Result<()>;
}

/// Sets one event's state in the job's `webhook_events` JSON.
macro_rules! set_event_state_sql {
    ($d:ident) => {
        pick!($d;
            sqlite = "UPDATE jobs SET webhook_events = json_set(webhook_events, $1, $2) WHERE id = $3",
            postgres = "UPDATE jobs SET webhook_events = jsonb_set(webhook_events::jsonb, ARRAY[$1], to_jsonb($2::text))::text
                        WHERE id = $3",
        )
    };
}

/// The event's key in that statement: a JSON path (SQLite) or a name (Postgres).
macro_rules! event_key {
    ($d:ident, $event:expr) => {
        pick!($d; sqlite = $crate::store::webhooks::state_path($event), postgres = $event.to_string())
    };
}

/// `enqueue_in`: queues `event` for the job if it has a `webhook_url`
/// (once per job and event), inside the transition's transaction.
macro_rules! webhooks_in {
    ($db:ty, $d:ident) => {
        async fn enqueue_in(
            tx: &mut sqlx::Transaction<'_, $db>,
            view: &$crate::view::JobView,
            job_id: &str,
            event: &str,
        ) -> sqlx::Result<()> {
            let job: Option<$crate::store::JobRow> = sqlx::query_as("SELECT * FROM jobs WHERE id = $1")
                .bind(job_id)
                .fetch_optional(&mut **tx)
                .await?;
            let Some(job) = job else { return Ok(()) };
            let Some(url) = job.webhook_url.clone() else {
                return Ok(());
            };
            let now = $crate::clock::now_ms();
            let event_id = format!("evt_{}", ulid::Ulid::new());
            let mut data = view.job(&job);
            if let Some(object) = data.as_object_mut() {
                object.remove("success");
            }
            let body = serde_json::json!({
                "id": event_id, "event": event, "created_at": $crate::clock::rfc3339(now), "data": data
            });
            let inserted = sqlx::query(
                "INSERT INTO webhook_deliveries (id, event_id, job_id, key_id, event, url, body, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (job_id, event) DO NOTHING",
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
                sqlx::query(set_event_state_sql!($d))
                    .bind(event_key!($d, event))
                    .bind("pending")
                    .bind(job_id)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }
    };
}

macro_rules! impl_webhooks {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Webhooks for $repo {
            async fn claim_deliveries(
                &self,
                limit: i64,
                lease_ms: i64,
            ) -> sqlx::Result<Vec<$crate::store::Delivery>> {
                let now = $crate::clock::now_ms();
                sqlx::query_as(pick!($d;
                    // `$4` is the first event: the others of a job wait
                    // while it is pending (leased or due for a retry).
                    sqlite = "UPDATE webhook_deliveries SET lease_until = $1, attempts = attempts + 1
                              WHERE id IN (SELECT id FROM webhook_deliveries d
                                           WHERE state = 'pending' AND next_attempt_at <= $2
                                           AND (lease_until IS NULL OR lease_until < $2)
                                           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries started
                                                           WHERE started.job_id = d.job_id AND started.event = $4
                                                           AND d.event <> $4 AND started.state = 'pending')
                                           ORDER BY next_attempt_at LIMIT $3)
                              RETURNING id, event_id, job_id, key_id, event, url, body, attempts, created_at",
                    postgres = "UPDATE webhook_deliveries SET lease_until = $1, attempts = attempts + 1
                                WHERE id IN (SELECT id FROM webhook_deliveries d
                                             WHERE state = 'pending' AND next_attempt_at <= $2
                                             AND (lease_until IS NULL OR lease_until < $2)
                                             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries started
                                                             WHERE started.job_id = d.job_id AND started.event = $4
                                                             AND d.event <> $4 AND started.state = 'pending')
                                             ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                                RETURNING id, event_id, job_id, key_id, event, url, body, attempts, created_at",
                ))
                .bind(now + lease_ms)
                .bind(now)
                .bind(limit)
                .bind($crate::store::webhooks::FIRST_EVENT)
                .fetch_all(&self.pool)
                .await
            }

            async fn next_delivery_at(&self) -> sqlx::Result<Option<i64>> {
                sqlx::query_scalar(
                    "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'",
                )
                .fetch_one(&self.pool)
                .await
            }

            async fn webhook_secret(&self, key_id: i64) -> sqlx::Result<Option<String>> {
                sqlx::query_scalar("SELECT webhook_secret FROM api_keys WHERE id = $1")
                    .bind(key_id)
                    .fetch_optional(&self.pool)
                    .await
            }

            async fn record_attempt(
                &self,
                delivery: &$crate::store::Delivery,
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
                    "UPDATE webhook_deliveries SET state = $1, lease_until = NULL, last_status = $2, last_error = $3,
                         next_attempt_at = COALESCE($4, next_attempt_at), delivered_at = CASE WHEN $5 THEN $6 END
                     WHERE id = $7 AND state = 'pending'",
                )
                .bind(state)
                .bind(status.map(i64::from))
                .bind(error)
                .bind(retry_at)
                .bind(ok)
                .bind($crate::clock::now_ms())
                .bind(&delivery.id)
                .execute(&mut *tx)
                .await?;
                if state != "pending" {
                    sqlx::query(set_event_state_sql!($d))
                        .bind(event_key!($d, &delivery.event))
                        .bind(state)
                        .bind(&delivery.job_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
        }
    };
}
