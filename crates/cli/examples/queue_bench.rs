//! Queue overhead per job, with no pipeline: N started jobs (over 10 keys)
//! drained by W worker processes that each claim a job, heartbeat it once
//! and record its completion — what a real worker does around the
//! pipeline. Prints per-job overhead and throughput; then checks that every
//! job completed exactly once (one attempt, one charge, no job twice).
//!
//!   queue_bench --database postgres://…/db --jobs 10000 --workers 4
//!   (sqlite://…/bench.db works too; the database should be empty)
//!   scripts/bench_queue.sh runs it for 1, 2 and 4 workers on both.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use vidmatte_server::billing::Charge;
use vidmatte_server::store::{BillingStatus, JobStatus, NewJob, Store};
use vidmatte_server::Config;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database: String,
    #[arg(long, default_value_t = 10_000)]
    jobs: usize,
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Run as one of the worker processes.
    #[arg(long)]
    worker: bool,
}

async fn open(database: &str) -> anyhow::Result<Store> {
    let data = std::env::temp_dir().join(format!("vidmatte-queue-bench-{}", std::process::id()));
    let config = Config {
        database_url: Some(database.to_string()),
        data_dir: data,
        ..Config::default()
    };
    vidmatte_server::open_store(&config).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let store = open(&args.database).await?;
    if args.worker {
        return drain(&store).await;
    }
    let mut keys = Vec::new();
    for i in 0..10 {
        let key = vidmatte_server::keys::generate();
        keys.push(
            store
                .create_key(&key, &format!("bench{i}"), None, None)
                .await?
                .id,
        );
    }
    let queued = Instant::now();
    for i in 0..args.jobs {
        let job = NewJob {
            id: format!("job_bench_{}_{i:06}", std::process::id()),
            key_id: keys[i % keys.len()],
            request_id: "bench".into(),
            start: true,
            model: "light".into(),
            text_prompt: None,
            output_format: "webm".into(),
            bg_type: "transparent".into(),
            bg_color: None,
            video_url: "upload://vid_bench".into(),
            webhook_url: None,
            metadata: "{}".into(),
            warnings: "[]".into(),
            duration_seconds: Some(1.0),
            render: "{}".into(),
        };
        store
            .insert_job(&job, Some(1))
            .await?
            .map_err(|_| anyhow::anyhow!("unlimited keys never fall short"))?;
    }
    println!(
        "queued {} jobs in {:.1} s",
        args.jobs,
        queued.elapsed().as_secs_f64()
    );
    if args.database.starts_with("postgres") {
        // Fresh statistics, as autovacuum's analyze gives within a minute of
        // a bulk insert: planned on the empty table's, a claim walks the
        // whole queue (~45 ms at 10,000 queued) instead of its index.
        let pool = sqlx::PgPool::connect(&args.database).await?;
        sqlx::query("ANALYZE jobs").execute(&pool).await?;
        println!("ANALYZE jobs");
    }
    let started = Instant::now();
    let exe = std::env::current_exe()?;
    let children = (0..args.workers)
        .map(|_| {
            Command::new(&exe)
                .args(["--worker", "--database", &args.database])
                .stdout(Stdio::piped())
                .spawn()
                .context("starting a worker process")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (mut done, mut busy_us) = (0u64, 0u64);
    for child in children {
        let out = child.wait_with_output()?;
        anyhow::ensure!(out.status.success(), "a worker failed");
        let text = String::from_utf8(out.stdout)?;
        let mut fields = text.split_whitespace().map(str::parse::<u64>);
        done += fields.next().context("jobs done")??;
        busy_us += fields.next().context("busy time")??;
    }
    let wall = started.elapsed().as_secs_f64();

    let mut completed_once = 0usize;
    let mut wrong = Vec::new();
    for key in &keys {
        let (rows, _) = store.list_jobs(*key, None, 1_000_000, 0).await?;
        for job in rows {
            if job.status == JobStatus::Completed
                && job.attempts == 1
                && job.billing_status == BillingStatus::Charged
                && job.credits_charged == 1
            {
                completed_once += 1;
            } else {
                wrong.push(job.id);
            }
        }
    }
    println!(
        "{} worker process(es) on {}: {done} jobs in {wall:.1} s = {:.0} jobs/s; \
         claim + heartbeat + complete {:.2} ms per job in a worker; \
         {completed_once} completed exactly once, {} lost or repeated",
        args.workers,
        store.backend().as_str(),
        done as f64 / wall,
        busy_us as f64 / 1000.0 / done.max(1) as f64,
        args.jobs - completed_once,
    );
    anyhow::ensure!(
        wrong.is_empty() && done as usize == args.jobs,
        "{} jobs not completed exactly once (e.g. {:?})",
        wrong.len(),
        wrong.first()
    );
    Ok(())
}

/// One worker process: claim, heartbeat, complete until the queue is empty.
async fn drain(store: &Store) -> anyhow::Result<()> {
    let owner = format!("bench/{}", std::process::id());
    let charge = Charge {
        seconds: 1.0,
        frames: 25,
        credits: 1,
    };
    let (mut done, mut busy) = (0u64, Duration::ZERO);
    loop {
        let started = Instant::now();
        let Some(job) = store.claim(&owner, 30_000, i64::MAX).await? else {
            if store.queue_depth().await? == 0 {
                break;
            }
            continue;
        };
        store.heartbeat(&job.id, &owner, 30_000).await?;
        let recorded = store
            .complete(&job.id, &owner, "outputs/bench.webm", "[]", &charge)
            .await?;
        anyhow::ensure!(recorded, "lost the lease of {}", job.id);
        busy += started.elapsed();
        done += 1;
    }
    println!("{done} {}", busy.as_micros());
    Ok(())
}
