//! Idempotency records (Stripe's semantics): the first request with a key
//! runs; repeats replay its response; a different body with the same key,
//! or a repeat while the first is still running, is a conflict. The first
//! insert of a (scope, key) wins on every backend, so the same key sent to
//! two API nodes at once runs once.

use async_trait::async_trait;

/// Records older than this are forgotten.
pub const RETENTION_MS: i64 = 24 * 3600 * 1000;

pub enum Begin {
    /// This request owns the key: run it, then `finish_idempotent`.
    Fresh,
    Replay {
        status: u16,
        body: Vec<u8>,
    },
    Conflict,
    InProgress,
}

#[async_trait]
pub trait Idempotency {
    async fn begin_idempotent(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
    ) -> sqlx::Result<Begin>;

    async fn finish_idempotent(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> sqlx::Result<()>;

    /// Forgets a key whose request failed on our side, so a retry can run.
    async fn abandon_idempotent(&self, scope: &str, key: &str) -> sqlx::Result<()>;
}

macro_rules! impl_idempotency {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Idempotency for $repo {
            async fn begin_idempotent(
                &self,
                scope: &str,
                key: &str,
                request_hash: &str,
            ) -> sqlx::Result<$crate::store::idempotency::Begin> {
                let now = $crate::clock::now_ms();
                sqlx::query("DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND created_at < $3")
                    .bind(scope)
                    .bind(key)
                    .bind(now - $crate::store::idempotency::RETENTION_MS)
                    .execute(&self.pool)
                    .await?;
                let inserted = sqlx::query(
                    "INSERT INTO idempotency (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (scope, key) DO NOTHING",
                )
                .bind(scope)
                .bind(key)
                .bind(request_hash)
                .bind(now)
                .execute(&self.pool)
                .await?;
                if inserted.rows_affected() == 1 {
                    return Ok($crate::store::idempotency::Begin::Fresh);
                }
                let existing: Option<(String, Option<i64>, Option<Vec<u8>>)> = sqlx::query_as(
                    "SELECT request_hash, status, response FROM idempotency WHERE scope = $1 AND key = $2",
                )
                .bind(scope)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match existing {
                    // Expired and removed between the two statements: treat as in flight; the client retries.
                    None => $crate::store::idempotency::Begin::InProgress,
                    Some((hash, _, _)) if hash != request_hash => $crate::store::idempotency::Begin::Conflict,
                    Some((_, None, _)) => $crate::store::idempotency::Begin::InProgress,
                    Some((_, Some(status), body)) => $crate::store::idempotency::Begin::Replay {
                        status: status as u16,
                        body: body.unwrap_or_default(),
                    },
                })
            }

            async fn finish_idempotent(
                &self,
                scope: &str,
                key: &str,
                status: u16,
                body: &[u8],
            ) -> sqlx::Result<()> {
                sqlx::query("UPDATE idempotency SET status = $1, response = $2 WHERE scope = $3 AND key = $4")
                    .bind(i64::from(status))
                    .bind(body)
                    .bind(scope)
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn abandon_idempotent(&self, scope: &str, key: &str) -> sqlx::Result<()> {
                sqlx::query("DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND status IS NULL")
                    .bind(scope)
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}
