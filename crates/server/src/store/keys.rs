//! API keys: their rows, lookups by hash, enabling, limits and balances.

use async_trait::async_trait;

use crate::keys::NewKey;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeyRow {
    pub id: i64,
    pub fingerprint: String,
    pub client_id: String,
    pub note: Option<String>,
    pub webhook_secret: String,
    pub credits: Option<i64>,
    pub disabled: bool,
    pub created_at: i64,
    /// Overrides of the rate limit and the running-jobs cap (None: default).
    pub rate_per_second: Option<f64>,
    pub rate_burst: Option<i64>,
    pub max_running: Option<i64>,
}

pub(super) const KEY_COLUMNS: &str =
    "id, fingerprint, client_id, note, webhook_secret, credits, disabled, created_at, rate_per_second, rate_burst, max_running";

#[async_trait]
pub trait Keys {
    async fn create_key(
        &self,
        key: &NewKey,
        client_id: &str,
        note: Option<&str>,
        credits: Option<i64>,
    ) -> sqlx::Result<KeyRow>;

    /// The enabled key with this hash.
    async fn key_by_hash(&self, hash: &str) -> sqlx::Result<Option<KeyRow>>;

    async fn list_keys(&self) -> sqlx::Result<Vec<KeyRow>>;

    async fn count_keys(&self) -> sqlx::Result<i64>;

    /// Returns false when no key has this fingerprint.
    async fn set_key_disabled(&self, fingerprint: &str, disabled: bool) -> sqlx::Result<bool>;

    /// Sets (or, with None, clears) a key's limits; None when no key has this fingerprint.
    async fn set_key_limits(
        &self,
        fingerprint: &str,
        rate_per_second: Option<f64>,
        rate_burst: Option<i64>,
        max_running: Option<i64>,
    ) -> sqlx::Result<Option<KeyRow>>;

    /// Adds credits to a limited key if the new balance stays within
    /// `0..=max_balance` (a key already below zero may still be topped up);
    /// an unlimited key (NULL credits) stays unlimited. None: no such key;
    /// `Ok(balance)`: the new balance (None: unlimited); `Err(balance)`:
    /// refused, the balance unchanged.
    async fn add_credits(
        &self,
        fingerprint: &str,
        amount: i64,
        max_balance: i64,
    ) -> sqlx::Result<Option<Result<Option<i64>, i64>>>;

    /// Whether the key exists and is enabled.
    async fn key_enabled(&self, key_id: i64) -> sqlx::Result<bool>;
}

macro_rules! impl_keys {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Keys for $repo {
            async fn create_key(
                &self,
                key: &$crate::keys::NewKey,
                client_id: &str,
                note: Option<&str>,
                credits: Option<i64>,
            ) -> sqlx::Result<$crate::store::KeyRow> {
                sqlx::query_as(&format!(
                    "INSERT INTO api_keys (fingerprint, key_hash, client_id, note, webhook_secret, credits, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {}",
                    $crate::store::keys::KEY_COLUMNS
                ))
                .bind(&key.fingerprint)
                .bind(&key.hash)
                .bind(client_id)
                .bind(note)
                .bind(&key.webhook_secret)
                .bind(credits)
                .bind($crate::clock::now_ms())
                .fetch_one(&self.pool)
                .await
            }

            async fn key_by_hash(&self, hash: &str) -> sqlx::Result<Option<$crate::store::KeyRow>> {
                sqlx::query_as(&format!(
                    "SELECT {} FROM api_keys WHERE key_hash = $1 AND disabled = FALSE",
                    $crate::store::keys::KEY_COLUMNS
                ))
                .bind(hash)
                .fetch_optional(&self.pool)
                .await
            }

            async fn list_keys(&self) -> sqlx::Result<Vec<$crate::store::KeyRow>> {
                sqlx::query_as(&format!(
                    "SELECT {} FROM api_keys ORDER BY id",
                    $crate::store::keys::KEY_COLUMNS
                ))
                .fetch_all(&self.pool)
                .await
            }

            async fn count_keys(&self) -> sqlx::Result<i64> {
                sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
                    .fetch_one(&self.pool)
                    .await
            }

            async fn set_key_disabled(&self, fingerprint: &str, disabled: bool) -> sqlx::Result<bool> {
                let done = sqlx::query("UPDATE api_keys SET disabled = $1 WHERE fingerprint = $2")
                    .bind(disabled)
                    .bind(fingerprint)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_key_limits(
                &self,
                fingerprint: &str,
                rate_per_second: Option<f64>,
                rate_burst: Option<i64>,
                max_running: Option<i64>,
            ) -> sqlx::Result<Option<$crate::store::KeyRow>> {
                let mut tx = self.pool.begin().await?;
                let row: Option<$crate::store::KeyRow> = sqlx::query_as(&format!(
                    "UPDATE api_keys SET rate_per_second = $1, rate_burst = $2, max_running = $3
                     WHERE fingerprint = $4 RETURNING {}",
                    $crate::store::keys::KEY_COLUMNS
                ))
                .bind(rate_per_second)
                .bind(rate_burst)
                .bind(max_running)
                .bind(fingerprint)
                .fetch_optional(&mut *tx)
                .await?;
                // A new shape starts with a full bucket (as the in-memory
                // limiter does); only Postgres keeps buckets in a table.
                let refill: Option<&str> = pick!($d;
                    sqlite = None,
                    postgres = Some("DELETE FROM rate_buckets WHERE key_id = $1"),
                );
                if let (Some(refill), Some(row)) = (refill, &row) {
                    sqlx::query(refill).bind(row.id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(row)
            }

            async fn add_credits(
                &self,
                fingerprint: &str,
                amount: i64,
                max_balance: i64,
            ) -> sqlx::Result<Option<Result<Option<i64>, i64>>> {
                let added: Option<Option<i64>> = sqlx::query_scalar(
                    "UPDATE api_keys SET credits = credits + $1
                     WHERE fingerprint = $2 AND (credits IS NULL
                         OR (credits + $1 <= $3 AND (credits + $1 >= 0 OR $1 >= 0)))
                     RETURNING credits",
                )
                .bind(amount)
                .bind(fingerprint)
                .bind(max_balance)
                .fetch_optional(&self.pool)
                .await?;
                if let Some(balance) = added {
                    return Ok(Some(Ok(balance)));
                }
                let balance: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT credits FROM api_keys WHERE fingerprint = $1")
                        .bind(fingerprint)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(balance.map(|balance| Err(balance.unwrap_or(0))))
            }

            async fn key_enabled(&self, key_id: i64) -> sqlx::Result<bool> {
                let enabled: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM api_keys WHERE id = $1 AND disabled = FALSE")
                        .bind(key_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(enabled.is_some())
            }
        }
    };
}
