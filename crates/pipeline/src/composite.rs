//! Composites a frame and its matte into what the encoder takes.

use vidmatte_media::Background;
use vidmatte_ml::Matte;

/// Writes the output pixels for one frame into `out`.
///
/// - `bytes_per_pixel == 4`, transparent: RGBA with the matte as alpha; the
///   colour comes from the model's unmixed foreground when it has one, and
///   fully transparent pixels are cleared to 0 (smaller files, no stale colour).
/// - a colour background: the frame blended over it (`fg·α + bg·(1−α)`),
///   opaque; RGBA with α = 255 or RGB depending on `bytes_per_pixel`.
pub fn composite(
    rgb: &[u8],
    matte: &Matte,
    background: Background,
    bytes_per_pixel: usize,
    out: &mut Vec<u8>,
) {
    let pixels = matte.alpha.len();
    debug_assert_eq!(rgb.len(), pixels * 3);
    let fg = matte.foreground.as_deref().unwrap_or(rgb);
    out.clear();
    out.reserve(pixels * bytes_per_pixel);
    match (background.color(), bytes_per_pixel) {
        (None, 4) => {
            for (px, &a) in fg.chunks_exact(3).zip(&matte.alpha) {
                if a == 0 {
                    out.extend_from_slice(&[0, 0, 0, 0]);
                } else {
                    out.extend_from_slice(&[px[0], px[1], px[2], a]);
                }
            }
        }
        (color, bpp) => {
            let bg = color.unwrap_or([0, 0, 0]).map(u32::from);
            for (px, &a) in fg.chunks_exact(3).zip(&matte.alpha) {
                let a = u32::from(a);
                let blend = |c: u8, b: u32| ((u32::from(c) * a + b * (255 - a) + 127) / 255) as u8;
                out.extend_from_slice(&[
                    blend(px[0], bg[0]),
                    blend(px[1], bg[1]),
                    blend(px[2], bg[2]),
                ]);
                if bpp == 4 {
                    out.push(255);
                }
            }
        }
    }
}

/// What a run writes besides the usual composite (RVM's `--output-alpha`
/// and `--output-foreground`, rembg's `--only-mask`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Render {
    /// The foreground over the background (or transparency).
    #[default]
    Composite,
    /// The matte alone, as an opaque greyscale picture (white = kept).
    Matte,
    /// The foreground's colours everywhere, opaque, without the matte: the
    /// model's unmixed foreground where it has one, else the frame.
    Foreground,
}

/// Opaque pixels for `Render::Matte` or `Render::Foreground`: RGB, or RGBA
/// with α = 255 when `bytes_per_pixel` is 4.
pub fn render(rgb: &[u8], matte: &Matte, what: Render, bytes_per_pixel: usize, out: &mut Vec<u8>) {
    let fg = matte.foreground.as_deref().unwrap_or(rgb);
    out.clear();
    out.reserve(matte.alpha.len() * bytes_per_pixel);
    for (px, &a) in fg.chunks_exact(3).zip(&matte.alpha) {
        match what {
            Render::Matte => out.extend_from_slice(&[a, a, a]),
            _ => out.extend_from_slice(px),
        }
        if bytes_per_pixel == 4 {
            out.push(255);
        }
    }
}

/// RGBA for a scene ffmpeg composes: the matte as alpha over colours kept
/// everywhere (the model's foreground where it has one and α > 0, the frame
/// elsewhere), so a blurred backdrop can be made from the same pixels.
pub fn straight(rgb: &[u8], matte: &Matte, out: &mut Vec<u8>) {
    let pixels = matte.alpha.len();
    debug_assert_eq!(rgb.len(), pixels * 3);
    let fg = matte.foreground.as_deref().unwrap_or(rgb);
    out.clear();
    out.reserve(pixels * 4);
    for ((src, px), &a) in rgb
        .chunks_exact(3)
        .zip(fg.chunks_exact(3))
        .zip(&matte.alpha)
    {
        let px = if a == 0 { src } else { px };
        out.extend_from_slice(&[px[0], px[1], px[2], a]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matte(alpha: Vec<u8>) -> Matte {
        Matte {
            width: alpha.len() as u32,
            height: 1,
            alpha,
            foreground: None,
        }
    }

    #[test]
    fn transparent_clears_colour_where_alpha_is_zero() {
        let rgb = [10, 20, 30, 40, 50, 60];
        let mut out = Vec::new();
        composite(
            &rgb,
            &matte(vec![0, 200]),
            Background::Transparent,
            4,
            &mut out,
        );
        assert_eq!(out, vec![0, 0, 0, 0, 40, 50, 60, 200]);
    }

    #[test]
    fn colour_background_blends_and_is_opaque() {
        let rgb = [200, 200, 200, 200, 200, 200, 100, 0, 0];
        let mut out = Vec::new();
        composite(
            &rgb,
            &matte(vec![0, 255, 128]),
            Background::GREEN,
            3,
            &mut out,
        );
        assert_eq!(out, vec![0, 255, 0, 200, 200, 200, 50, 127, 0]);
        composite(
            &rgb,
            &matte(vec![0, 255, 128]),
            Background::BLUE,
            4,
            &mut out,
        );
        assert_eq!(&out[..8], &[0, 0, 255, 255, 200, 200, 200, 255]);
    }

    #[test]
    fn straight_keeps_the_frame_where_alpha_is_zero() {
        let rgb = [10, 20, 30, 40, 50, 60];
        let mut m = matte(vec![0, 200]);
        m.foreground = Some(vec![1, 2, 3, 4, 5, 6]);
        let mut out = Vec::new();
        straight(&rgb, &m, &mut out);
        assert_eq!(out, vec![10, 20, 30, 0, 4, 5, 6, 200]);
    }

    #[test]
    fn model_foreground_is_preferred() {
        let rgb = [0, 0, 0];
        let mut m = matte(vec![255]);
        m.foreground = Some(vec![9, 8, 7]);
        let mut out = Vec::new();
        composite(&rgb, &m, Background::Transparent, 4, &mut out);
        assert_eq!(out, vec![9, 8, 7, 255]);
    }
}
