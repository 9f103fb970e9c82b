//! Credits: a job's cost is reserved when it starts, charged when it
//! completes and released when it fails or is canceled — each at most once
//! (the job's `billing_status` moves only forward, in the same transaction as
//! the balance and the usage event, and events are unique per job and type).

use async_trait::async_trait;

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

#[async_trait]
pub trait Billing {
    /// Reserves a running job's cost once its duration is known (external URLs).
    async fn reserve(
        &self,
        key_id: i64,
        job_id: &str,
        model: &str,
        seconds: f64,
        cost: i64,
    ) -> sqlx::Result<Result<(), Insufficient>>;

    /// The balance a limited key could still spend (None: unlimited).
    async fn balance(&self, key_id: i64) -> sqlx::Result<Option<i64>>;

    /// (charged, currently reserved) credits of a key.
    async fn credit_totals(&self, key_id: i64) -> sqlx::Result<(i64, i64)>;

    async fn usage_events(&self, key_id: i64, limit: i64) -> sqlx::Result<Vec<UsageEvent>>;
}

/// The in-transaction steps other writes share: `reserve_in` and
/// `settle_in`, generated for a backend's transaction type.
macro_rules! billing_in {
    ($db:ty, $d:ident) => {
        async fn usage_event_in(
            tx: &mut sqlx::Transaction<'_, $db>,
            key_id: i64,
            job_id: &str,
            kind: &str,
            model: &str,
            seconds: f64,
            credits: i64,
        ) -> sqlx::Result<()> {
            sqlx::query(
                "INSERT INTO usage_events (id, key_id, job_id, type, model, seconds, credits, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (job_id, type) DO NOTHING",
            )
            .bind(format!("use_{}", ulid::Ulid::new()))
            .bind(key_id)
            .bind(job_id)
            .bind(kind)
            .bind(model)
            .bind(seconds)
            .bind(credits)
            .bind($crate::clock::now_ms())
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// Reserves `cost` for a job whose billing has not started.
        async fn reserve_in(
            tx: &mut sqlx::Transaction<'_, $db>,
            key_id: i64,
            job_id: &str,
            model: &str,
            seconds: f64,
            cost: i64,
        ) -> sqlx::Result<Result<(), $crate::store::Insufficient>> {
            let marked = sqlx::query(
                "UPDATE jobs SET billing_status = 'reserved', credits_estimated = $1,
                     duration_seconds = COALESCE(duration_seconds, $2)
                 WHERE id = $3 AND billing_status = 'none'",
            )
            .bind(cost)
            .bind(seconds)
            .bind(job_id)
            .execute(&mut **tx)
            .await?;
            if marked.rows_affected() == 0 {
                return Ok(Ok(())); // already reserved (a retry)
            }
            // Locks the key's row (Postgres) so concurrent reservations
            // cannot both spend the same balance. NO KEY: the job row just
            // inserted holds a KEY SHARE lock on it (its foreign key), and a
            // plain FOR UPDATE from two such transactions deadlocks.
            let balance: Option<i64> = sqlx::query_scalar(pick!($d;
                sqlite = "SELECT credits FROM api_keys WHERE id = $1",
                postgres = "SELECT credits FROM api_keys WHERE id = $1 FOR NO KEY UPDATE",
            ))
            .bind(key_id)
            .fetch_one(&mut **tx)
            .await?;
            if let Some(balance) = balance {
                if balance < cost {
                    return Ok(Err($crate::store::Insufficient {
                        needed: cost,
                        balance,
                    }));
                }
                sqlx::query("UPDATE api_keys SET credits = credits - $1 WHERE id = $2")
                    .bind(cost)
                    .bind(key_id)
                    .execute(&mut **tx)
                    .await?;
            }
            usage_event_in(tx, key_id, job_id, "reserve", model, seconds, cost).await?;
            Ok(Ok(()))
        }

        /// Charges what a completed job really cost (`charge`, its decoded
        /// length), giving back what the reservation held beyond that, or
        /// releases the whole reservation (failed, canceled).
        async fn settle_in(
            tx: &mut sqlx::Transaction<'_, $db>,
            job_id: &str,
            charge: Option<&$crate::billing::Charge>,
        ) -> sqlx::Result<()> {
            let settled: Option<(i64, String, f64, i64)> = sqlx::query_as(
                "UPDATE jobs SET billing_status = $1, credits_charged = $2
                 WHERE id = $3 AND billing_status = 'reserved'
                 RETURNING key_id, model, CAST(COALESCE(duration_seconds, 0) AS DOUBLE PRECISION),
                     COALESCE(credits_estimated, 0)",
            )
            .bind(if charge.is_some() {
                $crate::store::BillingStatus::Charged
            } else {
                $crate::store::BillingStatus::Released
            })
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
                    "UPDATE api_keys SET credits = credits + $1 WHERE id = $2 AND credits IS NOT NULL",
                )
                .bind(refund)
                .bind(key_id)
                .execute(&mut **tx)
                .await?;
            }
            usage_event_in(tx, key_id, job_id, kind, &model, seconds, credits).await
        }
    };
}

macro_rules! impl_billing {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Billing for $repo {
            async fn reserve(
                &self,
                key_id: i64,
                job_id: &str,
                model: &str,
                seconds: f64,
                cost: i64,
            ) -> sqlx::Result<Result<(), $crate::store::Insufficient>> {
                let mut tx = self.pool.begin().await?;
                let outcome = reserve_in(&mut tx, key_id, job_id, model, seconds, cost).await?;
                if outcome.is_ok() {
                    tx.commit().await?;
                }
                Ok(outcome)
            }

            async fn balance(&self, key_id: i64) -> sqlx::Result<Option<i64>> {
                sqlx::query_scalar("SELECT credits FROM api_keys WHERE id = $1")
                    .bind(key_id)
                    .fetch_one(&self.pool)
                    .await
            }

            async fn credit_totals(&self, key_id: i64) -> sqlx::Result<(i64, i64)> {
                sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN billing_status = 'charged' THEN credits_charged END), 0) AS BIGINT),
                            CAST(COALESCE(SUM(CASE WHEN billing_status = 'reserved' THEN credits_estimated END), 0) AS BIGINT)
                     FROM jobs WHERE key_id = $1",
                )
                .bind(key_id)
                .fetch_one(&self.pool)
                .await
            }

            async fn usage_events(
                &self,
                key_id: i64,
                limit: i64,
            ) -> sqlx::Result<Vec<$crate::store::UsageEvent>> {
                sqlx::query_as(pick!($d;
                    sqlite = "SELECT id, job_id, type, model, seconds, credits, created_at FROM usage_events
                              WHERE key_id = $1 ORDER BY created_at DESC, rowid DESC LIMIT $2",
                    postgres = "SELECT id, job_id, type, model, seconds, credits, created_at FROM usage_events
                                WHERE key_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2",
                ))
                .bind(key_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
            }
        }
    };
}
