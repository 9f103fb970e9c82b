//! Leadership leases: a named role (the retention sweeper) held by one node
//! at a time, taken over when its holder stops renewing it.

use async_trait::async_trait;

#[async_trait]
pub trait Lead {
    /// Takes or renews `role` for `holder` for `ttl_ms`; true while this
    /// holder has it.
    async fn lead(&self, role: &str, holder: &str, ttl_ms: i64) -> sqlx::Result<bool>;
}

macro_rules! impl_lead {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Lead for $repo {
            async fn lead(&self, role: &str, holder: &str, ttl_ms: i64) -> sqlx::Result<bool> {
                let now = $crate::clock::now_ms();
                let held: Option<String> = sqlx::query_scalar(
                    "INSERT INTO leaders (role, holder, held_until) VALUES ($1, $2, $3)
                     ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
                     WHERE leaders.holder = excluded.holder OR leaders.held_until < $4
                     RETURNING holder",
                )
                .bind(role)
                .bind(holder)
                .bind(now + ttl_ms)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(held.is_some())
            }
        }
    };
}
