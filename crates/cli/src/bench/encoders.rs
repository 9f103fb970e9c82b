//! Encode fps against the number of segment encoders running at once:
//! what parallel, keyframe-aligned segments buy on this machine's cores
//! (webm and mov, the two slow encoders; real frames, a soft elliptical
//! alpha so the alpha plane costs what a subject's would).

use std::path::Path;

use vidmatte_media::{segment_frames, OutputFormat};
use vidmatte_ml::{Matte, ModelStore};

use super::stages::{encode_fps, num_cores, read_frames};
use super::{footage, BenchArgs, FrameSize};

/// 1, 2, 4, … up to the cores.
fn counts(cores: usize) -> Vec<usize> {
    std::iter::successors(Some(1usize), |n| Some(n * 2))
        .take_while(|&n| n <= cores.max(1))
        .collect()
}

/// An ellipse filling the middle of the frame, feathered over 8 % of it.
fn ellipse(size: FrameSize) -> Matte {
    let (w, h) = (size.width as f32, size.height as f32);
    let alpha = (0..size.height)
        .flat_map(|y| (0..size.width).map(move |x| (x, y)))
        .map(|(x, y)| {
            let dx = (x as f32 - w / 2.0) / (w * 0.3);
            let dy = (y as f32 - h / 2.0) / (h * 0.4);
            let r = (dx * dx + dy * dy).sqrt();
            ((1.08 - r) / 0.08 * 255.0).clamp(0.0, 255.0) as u8
        })
        .collect();
    Matte {
        width: size.width,
        height: size.height,
        alpha,
        foreground: None,
    }
}

pub(super) fn report(
    args: &BenchArgs,
    store: &ModelStore,
    work: &Path,
    size: FrameSize,
) -> anyhow::Result<()> {
    let input = footage(store, work, size, args.seconds)?;
    let (frames, _) = read_frames(&input, args.encode_frames)?;
    let matte = ellipse(size);
    let mattes = vec![matte; frames.len()];
    let cores = num_cores();
    let per_segment = |n| segment_frames(size.width as usize * size.height as usize * 4, n, 25.0);
    println!(
        "\n== encode fps by segment encoders at once, {size}, {} frames, {cores} cores ==",
        frames.len()
    );
    for format in [OutputFormat::Webm, OutputFormat::Mov] {
        let figures: Vec<String> = counts(cores)
            .into_iter()
            .map(|n| {
                let fps = encode_fps(work, format, &frames, &mattes, size, n)?;
                let segments = if n == 1 {
                    "one stream".to_string()
                } else {
                    format!("{} frames a segment", per_segment(n))
                };
                Ok(format!("{n}: {fps:.1} fps ({segments})"))
            })
            .collect::<anyhow::Result<_>>()?;
        println!("{format}: {}", figures.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoder_counts_double_up_to_the_cores() {
        assert_eq!(counts(1), [1]);
        assert_eq!(counts(2), [1, 2]);
        assert_eq!(counts(16), [1, 2, 4, 8, 16]);
        assert_eq!(counts(12), [1, 2, 4, 8]);
    }
}
