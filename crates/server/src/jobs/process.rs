//! The pipeline for a held job: probe, reserve credits once the duration is
//! known (external URLs), run on a blocking thread while publishing
//! progress, stop when the lease says so or when the decoded video runs past
//! what was reserved, and price the result by what was decoded — never by
//! what the container's header claims.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vidmatte_media::probe;
use vidmatte_ml::Segmenter;
use vidmatte_pipeline::{
    process_with, PipelineError, ProcessRequest, Progress, Report, StoredMatte,
};

use super::lease::Lease;
use super::worker::Ending;
use crate::billing::{self, Charge};
use crate::store::{BillingStatus, JobRow, Stage};
use crate::AppState;

const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// What a limited key has reserved for the job (unlimited keys: none).
#[derive(Clone, Copy, Debug)]
struct Budget {
    credits: i64,
}

impl Budget {
    fn covered_seconds(self, model: &str) -> f64 {
        billing::covered_seconds(model, self.credits)
    }
}

fn past_budget(job: &JobRow, budget: Budget, seconds: f64, probed: f64) -> Ending {
    Ending::Failed(
        "unprocessable_video",
        format!(
            "the video runs past its header's duration ({probed:.1} s): {seconds:.1} s decoded, \
             while the {} credits reserved for it cover {:.1} s; nothing is charged",
            budget.credits,
            budget.covered_seconds(&job.model)
        ),
    )
}

pub(super) async fn run(
    app: &AppState,
    owner: &str,
    job: &JobRow,
    lease: &Lease,
    request: ProcessRequest,
    replay: Option<PathBuf>,
) -> Ending {
    let reencode = replay.is_some();
    let _ = app
        .store
        .set_progress(&job.id, owner, Stage::Probing, 2)
        .await;
    let limited = matches!(app.store.balance(job.key_id).await, Ok(Some(_)));
    let mut budget = match (limited, job.billing_status, job.credits_estimated) {
        (true, BillingStatus::Reserved, Some(credits)) => Some(Budget { credits }),
        _ => None,
    };
    let cancel = lease.cancel().clone();
    let latest: Arc<Mutex<Option<Progress>>> = Arc::default();
    let models = app.models.clone();
    let (probe_tx, mut probe_rx) = tokio::sync::mpsc::unbounded_channel();
    let preview = request.preview_seconds;
    let task = {
        let (cancel, latest) = (cancel.clone(), Arc::clone(&latest));
        tokio::task::spawn_blocking(move || -> Result<Report, PipelineError> {
            request.validate()?;
            let info = probe(&request.input, &request.limits, &cancel)?;
            let _ = probe_tx.send(info.clone());
            let mut segmenter: Box<dyn Segmenter> = match replay {
                Some(path) => Box::new(StoredMatte::new(
                    &path,
                    request.model,
                    request.timeout,
                    &cancel,
                )?),
                None => models.load(request.model, &request.segmenter_options())?,
            };
            process_with(&request, &info, segmenter.as_mut(), &cancel, &mut |p| {
                *latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(p.clone());
            })
        })
    };
    tokio::pin!(task);
    let mut ticker = tokio::time::interval(PROGRESS_EVERY);
    let mut stopping: Option<Ending> = None;
    let mut probed = job.duration_seconds.unwrap_or(0.0);
    let result = loop {
        tokio::select! {
            result = &mut task => break result,
            Some(info) = probe_rx.recv() => {
                probed = info.duration_seconds;
                let _ = app.store.set_media(&job.id, owner, &info).await;
                // External URLs: the cost is known only now.
                if job.billing_status == BillingStatus::None && stopping.is_none() && !reencode {
                    let seconds = billing::billed_length(info.duration_seconds, preview);
                    let cost = billing::cost(&job.model, seconds);
                    match app.store.reserve(job.key_id, &job.id, &job.model, info.duration_seconds, cost).await {
                        Ok(Ok(())) => budget = limited.then_some(Budget { credits: cost }),
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
            reason = lease.stopped(), if stopping.is_none() => {
                stopping = Some(Ending::Stopped(reason));
            }
            _ = ticker.tick() => {
                let snapshot = latest.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some(p) = snapshot {
                    let (stage, percent) = stage_of(&p);
                    let _ = app.store.set_progress(&job.id, owner, stage, percent).await;
                    metrics::gauge!("vidmatte_job_fps", "model" => job.model.clone()).set(p.fps);
                    // A header that understates the length is caught while
                    // decoding, not after the whole video has been processed.
                    if let (Some(b), None) = (budget, &stopping) {
                        if p.seconds_decoded > b.covered_seconds(&job.model) + billing::SLACK_SECONDS {
                            tracing::warn!(seconds = p.seconds_decoded, probed, "decoded past the reservation");
                            cancel.cancel();
                            stopping = Some(past_budget(job, b, p.seconds_decoded, probed));
                        }
                    }
                }
            }
        }
    };
    let result =
        result.unwrap_or_else(|_| Err(PipelineError::Stage("the pipeline thread panicked".into())));
    match (result, stopping) {
        (_, Some(ending)) => ending,
        (Ok(report), None) => finish(app, owner, job, report, budget, reencode).await,
        (Err(e), None) => {
            tracing::warn!(code = e.code(), error = %e, "job failed");
            Ending::Failed(e.code(), e.to_string())
        }
    }
}

/// Prices the run by what was decoded and moves the output into place.
async fn finish(
    app: &AppState,
    owner: &str,
    job: &JobRow,
    mut report: Report,
    budget: Option<Budget>,
    reencode: bool,
) -> Ending {
    let probed = report.info.duration_seconds;
    let seconds = billing::billed_seconds(probed, report.decoded_seconds);
    // A re-encode with a kept matte runs no model: nothing to charge.
    let charge = Charge {
        seconds,
        frames: report.frames,
        credits: if reencode {
            0
        } else {
            billing::cost(&job.model, seconds)
        },
    };
    if let Some(b) = budget.filter(|b| charge.credits > b.credits) {
        return past_budget(job, b, report.decoded_seconds, probed);
    }
    let _ = app
        .store
        .set_progress(&job.id, owner, Stage::Storing, 99)
        .await;
    let extension = report
        .output
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let key = format!("outputs/{}.{extension}", job.id);
    let (mime, filename) = match job.output_format.parse::<vidmatte_media::OutputFormat>() {
        Ok(format) => (
            format.mime_type(),
            format!("{}.{}", job.id, format.extension()),
        ),
        Err(_) => (
            "application/octet-stream",
            format!("{}.{extension}", job.id),
        ),
    };
    let matte = report.output.with_file_name("matte.mkv");
    if let Err(e) = app
        .blobs
        .put_file(
            &super::matte_key(&job.id),
            &matte,
            "video/x-matroska",
            "matte.mkv",
        )
        .await
    {
        tracing::warn!(error = %e, "keeping the matte (other formats will need the model again)");
    }
    match app
        .blobs
        .put_file(&key, &report.output, mime, &filename)
        .await
    {
        Ok(()) => {
            report.output = key.into();
            Ending::Done(Box::new(report), charge)
        }
        Err(e) => Ending::Failed("processing_failed", format!("storing the output: {e:#}")),
    }
}

/// The contract's stage and a monotonic 0..100 from frame progress.
fn stage_of(p: &Progress) -> (Stage, i64) {
    let percent = 5 + (p.percent() * 0.9) as i64;
    if p.frames_total > 0 && p.frames_done >= p.frames_total {
        (Stage::Encoding, 96)
    } else {
        (Stage::Segmenting, percent.min(95))
    }
}
