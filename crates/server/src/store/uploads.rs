//! Uploaded input videos.

use async_trait::async_trait;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UploadRow {
    pub id: String,
    pub key_id: i64,
    pub filename: String,
    pub path: String,
    pub size: i64,
    pub duration_seconds: Option<f64>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[async_trait]
pub trait Uploads {
    async fn insert_upload(&self, upload: &UploadRow) -> sqlx::Result<()>;

    /// The upload if it belongs to `key_id`.
    async fn upload(&self, id: &str, key_id: i64) -> sqlx::Result<Option<UploadRow>>;

    /// Removes upload rows past their expiry that no unfinished job still
    /// reads; returns their file paths for deletion.
    async fn take_expired_uploads(&self, now: i64) -> sqlx::Result<Vec<String>>;
}

macro_rules! impl_uploads {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Uploads for $repo {
            async fn insert_upload(&self, upload: &$crate::store::UploadRow) -> sqlx::Result<()> {
                sqlx::query(
                    "INSERT INTO uploads (id, key_id, filename, path, size, duration_seconds, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&upload.id)
                .bind(upload.key_id)
                .bind(&upload.filename)
                .bind(&upload.path)
                .bind(upload.size)
                .bind(upload.duration_seconds)
                .bind(upload.created_at)
                .bind(upload.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn upload(
                &self,
                id: &str,
                key_id: i64,
            ) -> sqlx::Result<Option<$crate::store::UploadRow>> {
                sqlx::query_as("SELECT * FROM uploads WHERE id = $1 AND key_id = $2")
                    .bind(id)
                    .bind(key_id)
                    .fetch_optional(&self.pool)
                    .await
            }

            async fn take_expired_uploads(&self, now: i64) -> sqlx::Result<Vec<String>> {
                sqlx::query_scalar(
                    "DELETE FROM uploads WHERE expires_at < $1 AND NOT EXISTS (
                         SELECT 1 FROM jobs WHERE jobs.video_url = 'upload://' || uploads.id
                         AND jobs.status IN ('created', 'processing'))
                     RETURNING path",
                )
                .bind(now)
                .fetch_all(&self.pool)
                .await
            }
        }
    };
}
