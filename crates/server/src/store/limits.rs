//! Rate-limit buckets that every API node shares (on PostgreSQL): one
//! generic cell rate (GCRA) state per key — its theoretical arrival time —
//! taken and advanced in one statement on the database's clock, so nodes
//! with skewed clocks still agree. governor, which the single-node limiter
//! uses, keeps its state in memory only, hence this.

use async_trait::async_trait;

/// One request's turn at a key's bucket.
#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub allowed: bool,
    /// How far the bucket's arrival time is ahead of now, in µs (how long
    /// until the bucket is full again).
    pub ahead_us: i64,
}

#[async_trait]
pub trait RateBuckets: Send + Sync {
    /// Takes one token from the key's bucket (a token per `interval_us`,
    /// `burst` at once).
    async fn take_token(&self, key_id: i64, interval_us: i64, burst: i64) -> sqlx::Result<Token>;
}
