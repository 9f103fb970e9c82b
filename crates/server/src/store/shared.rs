//! What the nodes of one installation share besides jobs: leadership
//! leases (a role such as the retention sweeper, held by one node at a time
//! and taken over when its holder stops renewing it) and secrets every node
//! must agree on (the key that signs download links).

use async_trait::async_trait;

#[async_trait]
pub trait Shared {
    /// Takes or renews `role` for `holder` for `ttl_ms`; true while this
    /// holder has it.
    async fn lead(&self, role: &str, holder: &str, ttl_ms: i64) -> sqlx::Result<bool>;

    /// The secret stored under `name`, storing `candidate` first if there
    /// is none yet (the first node to ask decides).
    async fn shared_secret(&self, name: &str, candidate: &[u8]) -> sqlx::Result<Vec<u8>>;
}

macro_rules! impl_shared {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Shared for $repo {
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

            async fn shared_secret(&self, name: &str, candidate: &[u8]) -> sqlx::Result<Vec<u8>> {
                sqlx::query(
                    "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(candidate)
                .execute(&self.pool)
                .await?;
                sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
                    .bind(name)
                    .fetch_one(&self.pool)
                    .await
            }
        }
    };
}
