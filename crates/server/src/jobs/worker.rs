//! Workers: one dispatcher claims jobs with a lease and runs each in its
//! own task — a `video_url` download in a fetch slot (holding no worker, so
//! a slow source cannot keep other jobs waiting), the pipeline on a blocking
//! thread in a worker slot — then records the outcome once. The lease is
//! heartbeated all along ([`Lease`]); a lost lease abandons the work without
//! writing anything; shutdown requeues it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tracing::Instrument;
use vidmatte_media::{Backdrop, Background, OutputFormat, Scene};
use vidmatte_ml::ModelKind;
use vidmatte_pipeline::{ProcessRequest, Report};

use crate::http::scene::Render;

use super::input;
use super::lease::{Lease, Stop};
use crate::billing::Charge;
use crate::store::{JobRow, JobStatus, Stage};
use crate::AppState;

/// This process's slots: `workers` to run the pipeline, `fetch_slots` to
/// download sources, and at most both together held at once.
struct Slots {
    held: Arc<Semaphore>,
    workers: Arc<Semaphore>,
    fetches: Arc<Semaphore>,
}

pub async fn run(app: AppState) {
    let owner = super::node::owner();
    super::node::release_dead_leases(&app).await;
    let slots = Arc::new(Slots {
        held: Arc::new(Semaphore::new(app.config.workers + app.config.fetch_slots)),
        workers: Arc::new(Semaphore::new(app.config.workers)),
        fetches: Arc::new(Semaphore::new(app.config.fetch_slots)),
    });
    let mut shutdown = app.shutdown.clone();
    let mut running = JoinSet::new();
    loop {
        let permits = async {
            let held = Arc::clone(&slots.held).acquire_owned().await.ok()?;
            let worker = Arc::clone(&slots.workers).acquire_owned().await.ok()?;
            Some((held, worker))
        };
        let (held, worker) = tokio::select! {
            biased;
            _ = crate::stopped(&mut shutdown) => break,
            Some(p) = permits => p,
        };
        while running.try_join_next().is_some() {}
        super::node::end_abandoned(&app).await;
        match app
            .store
            .claim(
                &owner,
                app.config.lease_seconds * 1000,
                app.config.max_running_per_key,
            )
            .await
        {
            Ok(Some(job)) => {
                let span = tracing::info_span!("job", job_id = %job.id, request_id = job.request_id.as_deref().unwrap_or(""));
                let (app, owner, slots) = (app.clone(), owner.clone(), Arc::clone(&slots));
                running.spawn(
                    async move {
                        run_job(&app, &owner, job, &slots, worker).await;
                        drop(held);
                    }
                    .instrument(span),
                );
            }
            Ok(None) => {
                drop((held, worker));
                tokio::select! {
                    _ = app.queued.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = crate::stopped(&mut shutdown) => break,
                }
            }
            Err(e) => {
                drop((held, worker));
                tracing::error!(error = %e, "claiming a job");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    // Jobs in flight see the shutdown through their lease and requeue.
    while running.join_next().await.is_some() {}
}

/// How a run ended, as far as the worker is concerned.
pub(super) enum Ending {
    Done(Box<Report>, Charge),
    Failed(&'static str, String),
    Stopped(Stop),
}

impl Ending {
    fn outcome(&self) -> &'static str {
        match self {
            Ending::Done(..) => "completed",
            Ending::Failed(..) => "failed",
            Ending::Stopped(Stop::CanceledByUser) => "canceled",
            Ending::Stopped(Stop::Shutdown) => "requeued",
            Ending::Stopped(Stop::LeaseLost) => "lease_lost",
        }
    }
}

pub(super) fn work_dir(app: &AppState, job_id: &str) -> PathBuf {
    app.config.work_dir().join(job_id)
}

async fn run_job(
    app: &AppState,
    owner: &str,
    job: JobRow,
    slots: &Slots,
    worker: OwnedSemaphorePermit,
) {
    tracing::info!(attempt = job.attempts, model = %job.model, format = %job.output_format, "job claimed");
    let started = Instant::now();
    let lease = Lease::hold(app, &job.id, owner);
    let ending = work(app, owner, &job, &lease, slots, worker).await;
    let _ = tokio::fs::remove_dir_all(work_dir(app, &job.id)).await;
    let store = &app.store;
    // A failed write (a busy database) is retried before the job is left to
    // lease expiry and re-claim.
    let recorded = super::with_retries("the job outcome", || async {
        match &ending {
            Ending::Done(report, charge) => {
                let warnings = all_warnings(&job.warnings, &report.warnings);
                let path = report.output.to_string_lossy();
                store
                    .complete(&job.id, owner, &path, &warnings, charge)
                    .await
            }
            Ending::Failed(code, message) => {
                store
                    .finish_unsuccessfully(&job.id, owner, JobStatus::Failed, code, message)
                    .await
            }
            Ending::Stopped(Stop::CanceledByUser) => {
                store
                    .finish_unsuccessfully(
                        &job.id,
                        owner,
                        JobStatus::Canceled,
                        "canceled",
                        "canceled by request",
                    )
                    .await
            }
            Ending::Stopped(Stop::Shutdown) => store.requeue(&job.id, owner).await.map(|()| true),
            Ending::Stopped(Stop::LeaseLost) => Ok(false),
        }
    })
    .await;
    drop(lease);
    let outcome = ending.outcome();
    metrics::counter!("vidmatte_jobs_finished_total", "model" => job.model.clone(), "outcome" => outcome).increment(1);
    metrics::histogram!("vidmatte_job_duration_seconds", "model" => job.model.clone(), "format" => job.output_format.clone(), "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
    if let (Ending::Done(report, charge), Ok(true)) = (&ending, &recorded) {
        metrics::counter!("vidmatte_credits_charged_total", "model" => job.model.clone())
            .increment(charge.credits.max(0) as u64);
        metrics::counter!("vidmatte_frames_processed_total", "model" => job.model.clone())
            .increment(report.frames);
    }
    match recorded {
        Ok(true) => tracing::info!(
            outcome,
            seconds = started.elapsed().as_secs_f64(),
            "job finished"
        ),
        Ok(false) => tracing::warn!(
            outcome,
            "job outcome not recorded: this worker no longer holds the lease"
        ),
        Err(ref e) => tracing::error!(outcome, error = %e, "recording the job outcome"),
    }
    if let (Ending::Done(report, _), Ok(false) | Err(_)) = (&ending, &recorded) {
        let _ = tokio::fs::remove_file(&report.output).await;
    }
}

/// The colour (or transparency) of a job's `bg_type`/`bg_color`; `None`
/// for a picture, clip or blur.
fn fill_of(job: &JobRow) -> Result<Background, String> {
    if matches!(job.bg_type.as_str(), "image" | "video" | "blur") {
        return Ok(Background::Transparent);
    }
    let color = job
        .bg_color
        .as_deref()
        .map(serde_json::from_str::<[u8; 3]>)
        .transpose()
        .map_err(|e| e.to_string())?;
    Background::from_type(&job.bg_type, color).map_err(|e| e.to_string())
}

fn request_for(
    app: &AppState,
    job: &JobRow,
    render: &Render,
    input: PathBuf,
    backdrop: Backdrop,
) -> Result<ProcessRequest, String> {
    let model: ModelKind = job.model.parse()?;
    let format: OutputFormat = job
        .output_format
        .parse()
        .map_err(|e: vidmatte_media::ParseError| e.to_string())?;
    let output = work_dir(app, &job.id).join(format!("output.{}", format.extension()));
    let mut request = ProcessRequest::new(input, output, model, format);
    request.limits = app.config.probe_limits();
    request.scene = Scene {
        backdrop,
        composition: render.composition,
    };
    request.preview_seconds = render.preview_duration;
    // Only pro reads a prompt (the pipeline refuses one for other models);
    // the job already warns that it is ignored.
    request.prompt = job.text_prompt.clone().filter(|_| model == ModelKind::Pro);
    request.threads = app.config.threads;
    request.precision = app.config.precision;
    Ok(request)
}

/// The completed job's `warnings`: those it had before it ran (stored at
/// create or start) followed by the pipeline's, each once.
fn all_warnings(before: &str, pipeline: &[String]) -> String {
    let mut warnings: Vec<String> = serde_json::from_str(before).unwrap_or_default();
    for warning in pipeline {
        if !warnings.contains(warning) {
            warnings.push(warning.clone());
        }
    }
    serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into())
}

/// Waits for `acquire` unless the lease says stop first.
async fn unless_stopped<T>(
    lease: &Lease,
    acquire: impl std::future::Future<Output = T>,
) -> Result<T, Ending> {
    tokio::select! {
        value = acquire => Ok(value),
        reason = lease.stopped() => Err(Ending::Stopped(reason)),
    }
}

/// The job's input on local disk: an upload as it is, a `video_url`
/// downloaded in a fetch slot with the worker slot handed back meanwhile.
async fn input_of(
    app: &AppState,
    owner: &str,
    job: &JobRow,
    render: &Render,
    lease: &Lease,
    slots: &Slots,
    worker: OwnedSemaphorePermit,
) -> Result<(PathBuf, Backdrop, OwnedSemaphorePermit), Ending> {
    let work = work_dir(app, &job.id);
    let fill = fill_of(job).map_err(|m| Ending::Failed("invalid_request", m))?;
    let failed = |(code, message)| Ending::Failed(code, message);
    if !input::needs_fetch(job, render) {
        let path = input::resolve(app, job, &work).await.map_err(failed)?;
        let backdrop = input::backdrop(app, job, render, &work, fill)
            .await
            .map_err(failed)?;
        return Ok((path, backdrop, worker));
    }
    drop(worker);
    let fetch = unless_stopped(lease, Arc::clone(&slots.fetches).acquire_owned()).await?;
    let _ = app
        .store
        .set_progress(&job.id, owner, Stage::Fetching, 1)
        .await;
    let path = unless_stopped(lease, input::resolve(app, job, &work))
        .await?
        .map_err(failed)?;
    let backdrop = unless_stopped(lease, input::backdrop(app, job, render, &work, fill))
        .await?
        .map_err(failed)?;
    drop(fetch);
    let _ = app
        .store
        .set_progress(&job.id, owner, Stage::Queued, 2)
        .await;
    let worker = unless_stopped(lease, Arc::clone(&slots.workers).acquire_owned()).await?;
    let worker = worker.map_err(|_| Ending::Stopped(Stop::Shutdown))?;
    Ok((path, backdrop, worker))
}

async fn work(
    app: &AppState,
    owner: &str,
    job: &JobRow,
    lease: &Lease,
    slots: &Slots,
    worker: OwnedSemaphorePermit,
) -> Ending {
    // A crashed earlier attempt may have left partial files here.
    let work = work_dir(app, &job.id);
    let _ = tokio::fs::remove_dir_all(&work).await;
    if let Err(e) = tokio::fs::create_dir_all(&work).await {
        return Ending::Failed(
            "processing_failed",
            format!("creating the work folder: {e}"),
        );
    }
    let render = Render::parse(&job.render);
    let (input, backdrop, _worker) =
        match input_of(app, owner, job, &render, lease, slots, worker).await {
            Ok(got) => got,
            Err(ending) => return ending,
        };
    let mut request = match request_for(app, job, &render, input, backdrop) {
        Ok(r) => r,
        Err(message) => return Ending::Failed("invalid_request", message),
    };
    request.keep_matte = Some(work.join("matte.mkv"));
    let replay = match &render.matte_of {
        Some(source) => {
            let kept = work.join("kept-matte.mkv");
            if let Err(e) = app.blobs.fetch_to(&super::matte_key(source), &kept).await {
                return Ending::Failed(
                    "processing_failed",
                    format!("the matte of {source} is no longer kept: {e:#}"),
                );
            }
            tracing::info!(%source, "re-encoding with the kept matte of {source}; no model runs");
            Some(kept)
        }
        None => None,
    };
    super::process::run(app, owner, job, lease, request, replay).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_from_before_the_run_are_kept_ahead_of_the_pipelines() {
        let before = r#"["text_prompt is only used by model pro; ignored for model human"]"#;
        let pipeline = ["odd frame rate".to_string()];
        let merged: Vec<String> = serde_json::from_str(&all_warnings(before, &pipeline)).unwrap();
        assert_eq!(
            merged,
            [
                "text_prompt is only used by model pro; ignored for model human",
                "odd frame rate"
            ]
        );
        assert_eq!(all_warnings("[]", &[]), "[]");
        let twice: Vec<String> =
            serde_json::from_str(&all_warnings(r#"["a"]"#, &["a".into()])).unwrap();
        assert_eq!(twice, ["a"]);
    }
}
