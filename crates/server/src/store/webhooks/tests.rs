//! The outbox's claim keeps a job's events in order, on SQLite and (with
//! `VIDMATTE_TEST_POSTGRES=postgres://user@host:port`) on PostgreSQL.

use sqlx::migrate::MigrateDatabase;

use crate::store::{Delivery, JobStatus, NewJob, Store};

const LEASE_MS: i64 = 60_000;

/// A fresh store per backend under test, with the database to drop after.
async fn stores(dir: &std::path::Path) -> Vec<(Store, Option<String>)> {
    let mut stores = Vec::new();
    let sqlite = crate::Config {
        data_dir: dir.join("sqlite"),
        ..crate::Config::default()
    };
    stores.push((crate::open_store(&sqlite).await.unwrap(), None));
    if let Ok(base) = std::env::var("VIDMATTE_TEST_POSTGRES") {
        let url = format!(
            "{}/vmu_webhook_order_{}",
            base.trim_end_matches('/'),
            std::process::id()
        );
        let _ = sqlx::Postgres::force_drop_database(&url).await;
        sqlx::Postgres::create_database(&url).await.unwrap();
        let postgres = crate::Config {
            data_dir: dir.join("postgres"),
            database_url: Some(url.clone()),
            ..crate::Config::default()
        };
        stores.push((crate::open_store(&postgres).await.unwrap(), Some(url)));
    }
    stores
}

/// A job that a worker started (queuing `job.started`) and that then
/// failed at once (queuing `job.failed`), as a fast failure does.
async fn started_then_failed(store: &Store, key_id: i64, id: &str) {
    let job = NewJob {
        id: id.into(),
        key_id,
        request_id: "req_test".into(),
        start: true,
        model: "light".into(),
        text_prompt: None,
        output_format: "webm".into(),
        bg_type: "transparent".into(),
        bg_color: None,
        video_url: "https://example.com/a.mp4".into(),
        webhook_url: Some("https://example.com/hook".into()),
        metadata: "{}".into(),
        warnings: "[]".into(),
        duration_seconds: None,
        render: "{}".into(),
    };
    store.insert_job(&job, None).await.unwrap().unwrap();
    let claimed = store.claim("worker", LEASE_MS, 10).await.unwrap().unwrap();
    assert_eq!(claimed.id, id);
    let failed = store
        .finish_unsuccessfully(
            id,
            "worker",
            JobStatus::Failed,
            "source_unreachable",
            "gone",
        )
        .await
        .unwrap();
    assert!(failed);
}

fn events(claimed: &[Delivery]) -> Vec<(&str, &str)> {
    let mut events: Vec<(&str, &str)> = claimed
        .iter()
        .map(|d| (d.job_id.as_str(), d.event.as_str()))
        .collect();
    events.sort();
    events
}

#[tokio::test]
async fn a_jobs_end_waits_for_its_start_to_be_delivered_or_given_up() {
    let dir = tempfile::tempdir().unwrap();
    for (store, database) in stores(dir.path()).await {
        let key = store
            .create_key(&crate::keys::generate(), "order", None, None)
            .await
            .unwrap();
        started_then_failed(&store, key.id, "job_a").await;
        started_then_failed(&store, key.id, "job_b").await;

        // Both are due; only each job's job.started is handed out.
        let first = store.claim_deliveries(10, LEASE_MS).await.unwrap();
        assert_eq!(
            events(&first),
            [("job_a", "job.started"), ("job_b", "job.started")]
        );
        // While those are leased, the ends wait.
        assert!(store
            .claim_deliveries(10, LEASE_MS)
            .await
            .unwrap()
            .is_empty());

        // job_a's start is refused and due again later: its end still waits.
        // job_b's start is delivered: its end goes out.
        let later = crate::clock::now_ms() + 3_600_000;
        let (a, b) = match first[0].job_id.as_str() {
            "job_a" => (&first[0], &first[1]),
            _ => (&first[1], &first[0]),
        };
        store
            .record_attempt(a, false, Some(500), Some("HTTP 500"), Some(later))
            .await
            .unwrap();
        store
            .record_attempt(b, true, Some(200), None, None)
            .await
            .unwrap();
        let next = store.claim_deliveries(10, LEASE_MS).await.unwrap();
        assert_eq!(events(&next), [("job_b", "job.failed")]);

        // job_a's start is given up: its end is no longer held back.
        let retry = Delivery {
            attempts: 2,
            ..a.clone()
        };
        store
            .record_attempt(&retry, false, None, Some("refused"), None)
            .await
            .unwrap();
        let last = store.claim_deliveries(10, LEASE_MS).await.unwrap();
        assert_eq!(events(&last), [("job_a", "job.failed")]);
        drop(store);
        if let Some(url) = database {
            let _ = sqlx::Postgres::force_drop_database(&url).await;
        }
    }
}
