//! Image resizing shared by the models (SIMD, via fast_image_resize).

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::MlError;

pub(crate) use fast_image_resize::FilterType as Filter;

fn err(e: impl std::fmt::Display) -> MlError {
    MlError::Resize(e.to_string())
}

/// Resizes a packed image with `channels` u8 components per pixel into `dst`.
pub(crate) fn resize_u8(
    resizer: &mut Resizer,
    src: &[u8],
    (sw, sh): (u32, u32),
    dst: &mut Vec<u8>,
    (dw, dh): (u32, u32),
    channels: usize,
    filter: FilterType,
) -> Result<(), MlError> {
    let pixel = match channels {
        1 => PixelType::U8,
        3 => PixelType::U8x3,
        4 => PixelType::U8x4,
        _ => return Err(err(format!("{channels} channels"))),
    };
    dst.resize(dw as usize * dh as usize * channels, 0);
    if (sw, sh) == (dw, dh) {
        let n = dst.len();
        dst.copy_from_slice(&src[..n]);
        return Ok(());
    }
    let src = ImageRef::new(sw, sh, src, pixel).map_err(err)?;
    let mut out = Image::from_slice_u8(dw, dh, dst.as_mut_slice(), pixel).map_err(err)?;
    resizer
        .resize(
            &src,
            &mut out,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)),
        )
        .map_err(err)
}

/// Converts a model's 0..1 map to u8 (rounded, clamped).
pub(crate) fn unit_to_u8(values: &[f32], out: &mut Vec<u8>) {
    out.clear();
    out.extend(
        values
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8),
    );
}

/// Packed RGB24 → planar NCHW floats, each value mapped by `f(channel, value)`.
pub(crate) fn to_planes(rgb: &[u8], out: &mut Vec<f32>, f: impl Fn(usize, u8) -> f32) {
    let plane = rgb.len() / 3;
    out.resize(3 * plane, 0.0);
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        for (c, &v) in px.iter().enumerate() {
            out[c * plane + i] = f(c, v);
        }
    }
}

/// Rounds `value` to the nearest positive multiple of `step`.
pub(crate) fn round_to(value: f64, step: u32) -> u32 {
    ((value / f64::from(step)).round() as u32).max(1) * step
}

/// A model input of `long_side` (rounded to a multiple of 32) on the frame's
/// longer side, at the frame's aspect ratio, or a square when `keep_aspect`
/// is false.
pub(crate) fn model_input_size(
    long_side: u32,
    keep_aspect: bool,
    width: u32,
    height: u32,
) -> (u32, u32) {
    let long = round_to(f64::from(long_side), 32);
    if !keep_aspect {
        return (long, long);
    }
    let scale = f64::from(long) / f64::from(width.max(height));
    (
        round_to(f64::from(width) * scale, 32),
        round_to(f64::from(height) * scale, 32),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_sizes_are_multiples_of_32_at_the_frame_aspect() {
        assert_eq!(model_input_size(640, true, 1280, 720), (640, 352));
        assert_eq!(model_input_size(320, true, 720, 1280), (192, 320));
        assert_eq!(model_input_size(1024, false, 810, 1080), (1024, 1024));
        assert_eq!(model_input_size(320, true, 4000, 10), (320, 32));
    }
}
