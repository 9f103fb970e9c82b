//! One worker: claim a job, run the pipeline on a blocking thread while
//! heartbeating its lease and publishing progress, then record the outcome.
//! A lost lease abandons the work without writing anything; shutdown
//! requeues it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::Instrument;
use vidmatte_media::{probe, Background, Cancel, OutputFormat};
use vidmatte_ml::{ModelKind, SegmenterOptions};
use vidmatte_pipeline::{process_with, PipelineError, ProcessRequest, Progress, Report};

use super::input;
use crate::store::JobRow;
use crate::AppState;

const PROGRESS_EVERY: Duration = Duration::from_millis(500);

pub async fn run(app: AppState, index: usize) {
    let owner = format!(
        "worker-{}-{index}-{}",
        std::process::id(),
        ulid::Ulid::new()
    );
    let lease_ms = app.config.lease_seconds * 1000;
    let mut shutdown = app.shutdown.clone();
    loop {
        if *shutdown.borrow() {
            return;
        }
        match app
            .store
            .claim(&owner, lease_ms, app.config.max_running_per_key)
            .await
        {
            Ok(Some(job)) => {
                let span = tracing::info_span!("job", job_id = %job.id, request_id = job.request_id.as_deref().unwrap_or(""));
                run_job(&app, &owner, job).instrument(span).await;
            }
            Ok(None) => {
                tokio::select! {
                    _ = app.queued.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "claiming a job");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// How a run ended, as far as the worker is concerned.
enum Ending {
    Done(Box<Report>),
    Failed(&'static str, String),
    CanceledByUser,
    Shutdown,
    LeaseLost,
}

fn work_dir(app: &AppState, job_id: &str) -> PathBuf {
    app.config.work_dir().join(job_id)
}

fn job_extension(report: &Report) -> String {
    report
        .output
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default()
}

async fn run_job(app: &AppState, owner: &str, job: JobRow) {
    tracing::info!(attempt = job.attempts, model = %job.model, format = %job.output_format, "job claimed");
    let started = Instant::now();
    let ending = work(app, owner, &job).await;
    let _ = tokio::fs::remove_dir_all(work_dir(app, &job.id)).await;
    let store = &app.store;
    // A failed write (a busy database) is retried before the job is left to
    // lease expiry and re-claim.
    let recorded = super::with_retries("the job outcome", || async {
        match &ending {
            Ending::Done(report) => {
                let warnings =
                    serde_json::to_string(&report.warnings).unwrap_or_else(|_| "[]".into());
                let path = report.output.to_string_lossy();
                store.complete(&job.id, owner, &path, &warnings).await
            }
            Ending::Failed(code, message) => {
                store
                    .finish_unsuccessfully(&job.id, owner, "failed", code, message)
                    .await
            }
            Ending::CanceledByUser => {
                store
                    .finish_unsuccessfully(
                        &job.id,
                        owner,
                        "canceled",
                        "canceled",
                        "canceled by request",
                    )
                    .await
            }
            Ending::Shutdown => store.requeue(&job.id, owner).await.map(|()| true),
            Ending::LeaseLost => Ok(false),
        }
    })
    .await;
    let outcome = match &ending {
        Ending::Done(_) => "completed",
        Ending::Failed(..) => "failed",
        Ending::CanceledByUser => "canceled",
        Ending::Shutdown => "requeued",
        Ending::LeaseLost => "lease_lost",
    };
    metrics::counter!("vidmatte_jobs_finished_total", "model" => job.model.clone(), "outcome" => outcome).increment(1);
    metrics::histogram!("vidmatte_job_duration_seconds", "model" => job.model.clone(), "format" => job.output_format.clone(), "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
    if matches!((&recorded, outcome), (Ok(true), "completed")) {
        if let Ok(Some(done)) = app.store.job_by_id(&job.id).await {
            metrics::counter!("vidmatte_credits_charged_total", "model" => job.model.clone())
                .increment(done.credits_charged.max(0) as u64);
            metrics::counter!("vidmatte_frames_processed_total", "model" => job.model.clone())
                .increment(done.frames.unwrap_or(0).max(0) as u64);
        }
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
    if let (Ending::Done(report), Ok(false) | Err(_)) = (&ending, &recorded) {
        let _ = tokio::fs::remove_file(&report.output).await;
    }
}

fn request_for(app: &AppState, job: &JobRow, input: PathBuf) -> Result<ProcessRequest, String> {
    let model: ModelKind = job.model.parse()?;
    let format: OutputFormat = job
        .output_format
        .parse()
        .map_err(|e: vidmatte_media::ParseError| e.to_string())?;
    let color = job
        .bg_color
        .as_deref()
        .map(serde_json::from_str::<[u8; 3]>)
        .transpose()
        .map_err(|e| e.to_string())?;
    let background = Background::from_type(&job.bg_type, color).map_err(|e| e.to_string())?;
    let output = work_dir(app, &job.id).join(format!("output.{}", format.extension()));
    let mut request = ProcessRequest::new(input, output, model, format);
    request.limits = app.config.probe_limits();
    request.background = background;
    request.prompt = job.text_prompt.clone();
    request.threads = app.config.threads;
    Ok(request)
}

async fn work(app: &AppState, owner: &str, job: &JobRow) -> Ending {
    // A crashed earlier attempt may have left partial files here.
    let work = work_dir(app, &job.id);
    let _ = tokio::fs::remove_dir_all(&work).await;
    if let Err(e) = tokio::fs::create_dir_all(&work).await {
        return Ending::Failed(
            "processing_failed",
            format!("creating the work folder: {e}"),
        );
    }
    let input = match input::resolve(app, job, &work).await {
        Ok(path) => path,
        Err((code, message)) => return Ending::Failed(code, message),
    };
    let request = match request_for(app, job, input) {
        Ok(r) => r,
        Err(message) => return Ending::Failed("invalid_request", message),
    };
    let _ = app.store.set_progress(&job.id, owner, "probing", 2).await;
    let cancel = Cancel::new();
    let latest: Arc<Mutex<Option<Progress>>> = Arc::default();
    let models = app.models.clone();
    let (probe_tx, mut probe_rx) = tokio::sync::mpsc::unbounded_channel();
    let task = {
        let (cancel, latest) = (cancel.clone(), Arc::clone(&latest));
        tokio::task::spawn_blocking(move || -> Result<Report, PipelineError> {
            request.validate()?;
            let info = probe(&request.input, &request.limits, &cancel)?;
            let _ = probe_tx.send(info.clone());
            let mut options = SegmenterOptions {
                prompt: request.prompt.clone(),
                ..SegmenterOptions::default()
            };
            if let Some(threads) = request.threads {
                options.threads = threads;
            }
            let mut segmenter = models.load(request.model, &options)?;
            process_with(&request, &info, segmenter.as_mut(), &cancel, &mut |p| {
                *latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(p.clone());
            })
        })
    };
    tokio::pin!(task);
    let lease_ms = app.config.lease_seconds * 1000;
    let mut ticker = tokio::time::interval(PROGRESS_EVERY);
    let mut shutdown = app.shutdown.clone();
    let mut stopping: Option<Ending> = None;
    let result = loop {
        tokio::select! {
            result = &mut task => break result,
            Some(info) = probe_rx.recv() => {
                let _ = app.store.set_media(&job.id, owner, &info).await;
                // External URLs: the cost is known only now.
                if job.billing_status == "none" && stopping.is_none() {
                    let cost = crate::billing::cost(&job.model, info.duration_seconds);
                    match app.store.reserve(job.key_id, &job.id, &job.model, info.duration_seconds, cost).await {
                        Ok(Ok(())) => {}
                        Ok(Err(short)) => {
                            cancel.cancel();
                            stopping = Some(Ending::Failed(
                                "insufficient_credits",
                                format!("this job costs {} credits and the key has {}", short.needed, short.balance),
                            ));
                        }
                        Err(e) => {
                            cancel.cancel();
                            stopping = Some(Ending::Failed("processing_failed", format!("reserving credits: {e}")));
                        }
                    }
                }
            }
            _ = crate::stopped(&mut shutdown), if stopping.is_none() => {
                tracing::info!("shutting down: stopping the job to requeue it");
                cancel.cancel();
                stopping = Some(Ending::Shutdown);
            }
            _ = ticker.tick() => {
                let snapshot = latest.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some(p) = snapshot {
                    let (stage, percent) = stage_of(&p);
                    let _ = app.store.set_progress(&job.id, owner, stage, percent).await;
                    metrics::gauge!("vidmatte_job_fps", "model" => job.model.clone()).set(p.fps);
                }
                // Every tick: extends the lease and sees a cancel request within half a second.
                {
                    match app.store.heartbeat(&job.id, owner, lease_ms).await {
                        Ok(Some(true)) if stopping.is_none() => {
                            tracing::info!("cancel requested");
                            cancel.cancel();
                            stopping = Some(Ending::CanceledByUser);
                        }
                        Ok(None) if stopping.is_none() => {
                            tracing::warn!("lease lost: abandoning the job");
                            cancel.cancel();
                            stopping = Some(Ending::LeaseLost);
                        }
                        Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
                        _ => {}
                    }
                }
            }
        }
    };
    let result =
        result.unwrap_or_else(|_| Err(PipelineError::Stage("the pipeline thread panicked".into())));
    match (result, stopping) {
        (_, Some(ending)) => ending,
        (Ok(mut report), None) => {
            let _ = app.store.set_progress(&job.id, owner, "storing", 99).await;
            let stored =
                app.config
                    .outputs_dir()
                    .join(format!("{}.{}", job.id, job_extension(&report)));
            let moved = async {
                tokio::fs::create_dir_all(app.config.outputs_dir()).await?;
                tokio::fs::rename(&report.output, &stored).await
            };
            match moved.await {
                Ok(()) => {
                    report.output = stored;
                    Ending::Done(Box::new(report))
                }
                Err(e) => Ending::Failed("processing_failed", format!("storing the output: {e}")),
            }
        }
        (Err(e), None) => {
            tracing::warn!(code = e.code(), error = %e, "job failed");
            Ending::Failed(e.code(), e.to_string())
        }
    }
}

/// The contract's stage and a monotonic 0..100 from frame progress.
fn stage_of(p: &Progress) -> (&'static str, i64) {
    let percent = 5 + (p.percent() * 0.9) as i64;
    if p.frames_total > 0 && p.frames_done >= p.frames_total {
        ("encoding", 96)
    } else {
        ("segmenting", percent.min(95))
    }
}
