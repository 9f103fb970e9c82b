//! Idempotency records (Stripe's semantics): the first request with a key
//! runs; repeats replay its response; a different body with the same key,
//! or a repeat while the first is still running, is a conflict.

use super::Store;
use crate::clock::now_ms;

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

impl Store {
    pub async fn begin_idempotent(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
    ) -> sqlx::Result<Begin> {
        let now = now_ms();
        sqlx::query("DELETE FROM idempotency WHERE scope = ? AND key = ? AND created_at < ?")
            .bind(scope)
            .bind(key)
            .bind(now - RETENTION_MS)
            .execute(&self.pool)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency (scope, key, request_hash, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (scope, key) DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Begin::Fresh);
        }
        let existing: Option<(String, Option<i64>, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT request_hash, status, response FROM idempotency WHERE scope = ? AND key = ?",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match existing {
            // Expired and removed between the two statements: treat as in flight; the client retries.
            None => Begin::InProgress,
            Some((hash, _, _)) if hash != request_hash => Begin::Conflict,
            Some((_, None, _)) => Begin::InProgress,
            Some((_, Some(status), body)) => Begin::Replay {
                status: status as u16,
                body: body.unwrap_or_default(),
            },
        })
    }

    pub async fn finish_idempotent(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> sqlx::Result<()> {
        sqlx::query("UPDATE idempotency SET status = ?, response = ? WHERE scope = ? AND key = ?")
            .bind(i64::from(status))
            .bind(body)
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets a key whose request failed on our side, so a retry can run.
    pub async fn abandon_idempotent(&self, scope: &str, key: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM idempotency WHERE scope = ? AND key = ? AND status IS NULL")
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
