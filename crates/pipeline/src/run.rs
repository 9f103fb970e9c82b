//! The streaming run: a decode thread, the segmenter on the calling thread,
//! and a composite+encode thread, joined by bounded channels. Frame and
//! matte buffers are recycled, so a run allocates a handful of frames in all.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel};
use std::time::{Duration, Instant};

use vidmatte_media::{
    probe, Cancel, DecodeOptions, EncodeSpec, FrameDecoder, FrameEncoder, MatteWriter, MediaError,
    MediaInfo,
};
use vidmatte_ml::{FrameRef, Matte, ModelStore, Segmenter};

use crate::composite::{render, straight};
use crate::{
    composite, PipelineError, ProcessRequest, Progress, Render, SceneCuts, StageStats,
    TemporalSmoother,
};

/// Frames queued between two stages.
const QUEUE: usize = 3;

/// What a finished run did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub output: PathBuf,
    pub info: MediaInfo,
    pub frames: u64,
    #[serde(
        rename = "elapsed_seconds",
        serialize_with = "crate::progress::seconds"
    )]
    pub elapsed: Duration,
    pub stages: StageStats,
    pub scene_cuts: u64,
    /// Seconds of video actually decoded (frames ÷ the constant output
    /// rate), whatever the container's header claims: what billing uses.
    pub decoded_seconds: f64,
    /// Parts of the request the model could not act on (pro prompts).
    pub warnings: Vec<String>,
    /// Segments encoded in parallel and joined (0: one encoder stream).
    pub segments: usize,
}

impl Report {
    pub fn fps(&self) -> f64 {
        self.frames as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Probes the input, loads the model and runs the whole pipeline.
pub fn process(
    request: &ProcessRequest,
    store: &ModelStore,
    cancel: &Cancel,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Report, PipelineError> {
    request.validate()?;
    let info = probe(&request.input, &request.limits, cancel)?;
    let mut segmenter = store.load(request.model, &request.segmenter_options())?;
    process_with(request, &info, segmenter.as_mut(), cancel, on_progress)
}

/// Runs the pipeline with an already loaded segmenter on a probed input.
pub fn process_with(
    request: &ProcessRequest,
    info: &MediaInfo,
    segmenter: &mut dyn Segmenter,
    cancel: &Cancel,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Report, PipelineError> {
    request.validate()?;
    let started = Instant::now();
    // `stop` halts every stage: set by the caller's cancel or by any stage's error.
    let stop = Cancel::new();
    let finished = AtomicBool::new(false);
    let decode_options = DecodeOptions {
        max_pixels: request.limits.max_pixels,
        timeout: request.timeout,
        max_seconds: request.preview_seconds,
        gpu: vidmatte_ml::on_gpu(),
    };
    let info = &previewed(info, request.preview_seconds);
    let mut decoder = FrameDecoder::open(&request.input, info, &decode_options, &stop)?;
    let spec = EncodeSpec {
        format: request.format,
        width: info.width,
        height: info.height,
        fps: info.fps,
        audio_source: info.audio.as_ref().map(|_| request.input.clone()),
        audio_codec: info.audio.as_ref().map(|a| a.codec.clone()),
        duration_seconds: info.duration_seconds,
        scene: request.scene.clone(),
        max_pixels: request.limits.max_pixels,
        timeout: request.timeout,
        encoders: request.encoders,
        segment_frames: request.segment_frames,
    };
    let mut encoder = FrameEncoder::create(spec, &request.output, &stop)?;
    let mut kept_matte = match &request.keep_matte {
        Some(path) => Some(MatteWriter::create(
            path,
            decoder.frame_size(),
            info.fps,
            request.timeout,
            &stop,
        )?),
        None => None,
    };
    segmenter.reset();
    // A cancel (or a failed stage) also ends the inference run in progress.
    let interrupt = segmenter.interrupt();
    interrupt.resume();
    let fps = info.fps.as_f64().max(1e-9);
    let max_frames = frames_allowed(request.limits.max_duration_seconds, fps);
    let smoothing = request.smoothing && !segmenter.is_temporal();
    let (width, height) = decoder.frame_size();
    let frame_len = decoder.frame_len();
    let bytes_per_pixel = encoder.spec().bytes_per_pixel();
    let background = request.scene.plain_background();
    let encoded = AtomicU64::new(0);
    let decoded_count = AtomicU64::new(0);
    let decoded = &decoded_count;
    let expected_frames = info.frame_count;

    let (frames_tx, frames_rx) = sync_channel::<Vec<u8>>(QUEUE);
    let (mattes_tx, mattes_rx) = sync_channel::<(Vec<u8>, Matte)>(QUEUE);
    let (free_frames_tx, free_frames_rx) = channel::<Vec<u8>>();
    let (free_mattes_tx, free_mattes_rx) = channel::<Matte>();

    let fail = |e: PipelineError| {
        stop.cancel();
        e
    };

    let (decode_result, segmented, written) = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !finished.load(Ordering::SeqCst) {
                if cancel.is_cancelled() || stop.is_cancelled() {
                    stop.cancel();
                    interrupt.stop();
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });

        let decode = scope.spawn(move || -> Result<Duration, PipelineError> {
            let mut busy = Duration::ZERO;
            let mut frames = 0u64;
            loop {
                let mut frame = free_frames_rx
                    .try_recv()
                    .unwrap_or_else(|_| vec![0; frame_len]);
                let t = Instant::now();
                let more = decoder.read_frame(&mut frame).map_err(|e| fail(e.into()))?;
                busy += t.elapsed();
                if !more {
                    break;
                }
                frames += 1;
                decoded.store(frames, Ordering::SeqCst);
                if frames > max_frames {
                    // The header understated the length: limits (and
                    // billing) follow what is decoded.
                    return Err(fail(
                        MediaError::OutsideLimits(format!(
                            "the video runs longer than the {} s allowed (its header claims {:.1} s)",
                            request.limits.max_duration_seconds, info.duration_seconds
                        ))
                        .into(),
                    ));
                }
                if frames_tx.send(frame).is_err() {
                    return Ok(busy);
                }
            }
            // Judge the stream before closing the queue: the encoder only
            // publishes its output once the decoder has ended cleanly.
            let t = Instant::now();
            decoder.finish().map_err(|e| fail(e.into()))?;
            if is_truncated(frames, expected_frames) {
                return Err(fail(
                    MediaError::Truncated {
                        got: frames,
                        expected: expected_frames,
                    }
                    .into(),
                ));
            }
            drop(frames_tx);
            Ok(busy + t.elapsed())
        });

        let encode = scope.spawn(
            || -> Result<(Duration, Duration, PathBuf, usize), PipelineError> {
                let (mut composing, mut encoding) = (Duration::ZERO, Duration::ZERO);
                let mut pixels =
                    Vec::with_capacity(width as usize * height as usize * bytes_per_pixel);
                for (frame, matte) in mattes_rx {
                    let t = Instant::now();
                    match (request.render, background) {
                        (Render::Matte | Render::Foreground, _) => {
                            render(&frame, &matte, request.render, bytes_per_pixel, &mut pixels)
                        }
                        (Render::Composite, Some(bg)) => {
                            composite(&frame, &matte, bg, bytes_per_pixel, &mut pixels)
                        }
                        (Render::Composite, None) => straight(&frame, &matte, &mut pixels),
                    }
                    composing += t.elapsed();
                    let t = Instant::now();
                    if let Some(kept) = &mut kept_matte {
                        kept.write(&matte.alpha).map_err(|e| fail(e.into()))?;
                    }
                    encoding += t.elapsed();
                    let _ = free_frames_tx.send(frame);
                    let _ = free_mattes_tx.send(matte);
                    let t = Instant::now();
                    encoder.write_frame(&pixels).map_err(|e| fail(e.into()))?;
                    encoding += t.elapsed();
                    encoded.fetch_add(1, Ordering::SeqCst);
                }
                if stop.is_cancelled() {
                    return Err(MediaError::Canceled.into());
                }
                let t = Instant::now();
                let segments = encoder.segments();
                let output = encoder.finish().map_err(|e| fail(e.into()))?;
                if let Some(kept) = kept_matte {
                    kept.finish().map_err(|e| fail(e.into()))?;
                }
                Ok((composing, encoding + t.elapsed(), output, segments))
            },
        );

        let segment = (|| -> Result<(Duration, u64), PipelineError> {
            let mut busy = Duration::ZERO;
            let mut smoother = TemporalSmoother::default();
            let mut cuts = SceneCuts::default();
            let mut scene_cuts = 0;
            let mut done = 0u64;
            for frame in frames_rx {
                if stop.is_cancelled() {
                    break;
                }
                let t = Instant::now();
                if cuts.is_cut(&frame, width, height) {
                    scene_cuts += 1;
                    segmenter.reset();
                    smoother.reset();
                }
                let mut matte = free_mattes_rx.try_recv().unwrap_or_default();
                segmenter
                    .segment(
                        &FrameRef {
                            width,
                            height,
                            rgb: &frame,
                        },
                        &mut matte,
                    )
                    .map_err(|e| fail(e.into()))?;
                if smoothing {
                    smoother.apply(&frame, &mut matte.alpha);
                }
                busy += t.elapsed();
                if mattes_tx.send((frame, matte)).is_err() {
                    break;
                }
                done += 1;
                let frames_done = encoded.load(Ordering::SeqCst);
                on_progress(&Progress::new(
                    frames_done,
                    info.frame_count.max(done),
                    started.elapsed(),
                    decoded.load(Ordering::SeqCst) as f64 / fps,
                ));
            }
            drop(mattes_tx);
            Ok((busy, scene_cuts))
        })();
        let results = (decode.join(), segment, encode.join());
        finished.store(true, Ordering::SeqCst);
        results
    });

    interrupt.resume();
    if cancel.is_cancelled() {
        return Err(MediaError::Canceled.into());
    }
    let mut errors = Vec::new();
    let decode_busy = joined(decode_result).map_err(|e| errors.push(e)).ok();
    let segmented = segmented.map_err(|e| errors.push(e)).ok();
    let written = joined(written).map_err(|e| errors.push(e)).ok();
    // The first real cause wins over the cancellations it set off.
    if let Some(first) = errors
        .iter()
        .position(|e| !e.is_canceled())
        .or((!errors.is_empty()).then_some(0))
    {
        return Err(errors.swap_remove(first));
    }
    let (
        Some(decode_busy),
        Some((segment_busy, scene_cuts)),
        Some((composite_busy, encode_busy, output, segments)),
    ) = (decode_busy, segmented, written)
    else {
        return Err(PipelineError::Stage(
            "a stage ended without a result".into(),
        ));
    };
    let frames = encoded.load(Ordering::SeqCst);
    let decoded_seconds = decoded.load(Ordering::SeqCst) as f64 / fps;
    on_progress(&Progress::new(
        frames,
        frames,
        started.elapsed(),
        decoded_seconds,
    ));
    Ok(Report {
        output,
        info: info.clone(),
        frames,
        elapsed: started.elapsed(),
        stages: StageStats {
            decode: decode_busy,
            segment: segment_busy,
            composite: composite_busy,
            encode: encode_busy,
        },
        scene_cuts,
        segments,
        decoded_seconds,
        warnings: segmenter.warnings(),
    })
}

/// What a preview of the first `seconds` will deliver: the probe's
/// duration and frame count cut to it.
fn previewed(info: &MediaInfo, seconds: Option<f64>) -> MediaInfo {
    let mut info = info.clone();
    if let Some(seconds) = seconds.filter(|s| *s < info.duration_seconds) {
        info.duration_seconds = seconds;
        let frames = (seconds * info.fps.as_f64()).round() as u64;
        info.frame_count = info.frame_count.min(frames);
    }
    info
}

fn joined<T>(result: std::thread::Result<Result<T, PipelineError>>) -> Result<T, PipelineError> {
    result.unwrap_or_else(|_| Err(PipelineError::Stage("a stage panicked".into())))
}

/// Frames past which a video is longer than `max_seconds` allows; a
/// little slack (half a second, at least two frames) absorbs the constant
/// rate's rounding at the ends.
fn frames_allowed(max_seconds: f64, fps: f64) -> u64 {
    if !max_seconds.is_finite() {
        return u64::MAX;
    }
    ((max_seconds + 0.5) * fps).ceil() as u64 + 2
}

/// Fewer than 90 % of the frames the container declares (and more than a
/// couple missing): the file was cut short or is damaged.
fn is_truncated(decoded: u64, expected: u64) -> bool {
    decoded * 10 < expected * 9 && expected - decoded > 2
}
