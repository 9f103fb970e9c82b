//! Boxes in frame pixels and the soft masks drawn from them: weights that
//! are 1 inside a box and fall off linearly with the distance outside it,
//! so anything cut by a box has a feathered edge, never a straight seam.

use serde::Serialize;

/// An axis-aligned box, x1 ≤ x2 and y1 ≤ y2, in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BoxF {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
}

impl BoxF {
    pub fn width(&self) -> f32 {
        (self.x2 - self.x1).max(0.0)
    }

    pub fn height(&self) -> f32 {
        (self.y2 - self.y1).max(0.0)
    }

    pub fn area(&self) -> f32 {
        self.width() * self.height()
    }

    pub fn centre(&self) -> (f32, f32) {
        ((self.x1 + self.x2) / 2.0, (self.y1 + self.y2) / 2.0)
    }

    pub fn iou(&self, other: &BoxF) -> f32 {
        let w = (self.x2.min(other.x2) - self.x1.max(other.x1)).max(0.0);
        let h = (self.y2.min(other.y2) - self.y1.max(other.y1)).max(0.0);
        let inter = w * h;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }

    /// Grown by `fraction` of its own size on every side.
    pub fn grown(&self, fraction: f32) -> BoxF {
        let (dx, dy) = (self.width() * fraction, self.height() * fraction);
        BoxF {
            x1: self.x1 - dx,
            y1: self.y1 - dy,
            x2: self.x2 + dx,
            y2: self.y2 + dy,
        }
    }

    /// Clamped to a `width × height` frame.
    pub fn clamped(&self, width: u32, height: u32) -> BoxF {
        let (w, h) = (width as f32, height as f32);
        BoxF {
            x1: self.x1.clamp(0.0, w),
            y1: self.y1.clamp(0.0, h),
            x2: self.x2.clamp(0.0, w),
            y2: self.y2.clamp(0.0, h),
        }
    }

    /// `self` moved `t` (0..1) of the way towards `other`.
    pub fn lerp(&self, other: &BoxF, t: f32) -> BoxF {
        let m = |a: f32, b: f32| a + (b - a) * t;
        BoxF {
            x1: m(self.x1, other.x1),
            y1: m(self.y1, other.y1),
            x2: m(self.x2, other.x2),
            y2: m(self.y2, other.y2),
        }
    }

    /// Whether pixel (x, y)'s centre is inside the box.
    pub fn contains_pixel(&self, x: u32, y: u32) -> bool {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        px >= self.x1 && px < self.x2 && py >= self.y1 && py < self.y2
    }

    /// Whole pixels covering the box within a `width × height` frame:
    /// (x0, y0, x1, y1), exclusive ends; empty boxes give x0 == x1.
    pub fn pixels(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let c = self.clamped(width, height);
        let x0 = c.x1.floor() as u32;
        let y0 = c.y1.floor() as u32;
        let x1 = (c.x2.ceil() as u32).max(x0);
        let y1 = (c.y2.ceil() as u32).max(y0);
        (x0, y0, x1, y1)
    }
}

/// A box with a feathered edge: weight 1 inside `core`, falling linearly to
/// 0 at `feather` pixels outside it.
#[derive(Clone, Copy, Debug)]
pub struct SoftBox {
    pub core: BoxF,
    pub feather: f32,
}

impl SoftBox {
    /// A detection's region: the box grown by `grow` of its size, feathered
    /// over `feather` of its longer side.
    pub fn around(bbox: &BoxF, grow: f32, feather: f32) -> SoftBox {
        SoftBox {
            core: bbox.grown(grow),
            feather: (bbox.width().max(bbox.height()) * feather).max(2.0),
        }
    }

    /// The region where the weight is above 0.
    pub fn outer(&self) -> BoxF {
        BoxF {
            x1: self.core.x1 - self.feather,
            y1: self.core.y1 - self.feather,
            x2: self.core.x2 + self.feather,
            y2: self.core.y2 + self.feather,
        }
    }

    /// The weight (0..=256) at pixel centre (x, y).
    pub fn weight(&self, x: u32, y: u32) -> u32 {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        let dx = (self.core.x1 - px).max(px - self.core.x2).max(0.0);
        let dy = (self.core.y1 - py).max(py - self.core.y2).max(0.0);
        let d = (dx * dx + dy * dy).sqrt();
        if d >= self.feather {
            0
        } else {
            (256.0 * (1.0 - d / self.feather)).round() as u32
        }
    }

    /// `out = max(out, alpha × weight × factor)` over the box's reach:
    /// `pixel(i, x, y)` gives frame pixel `i`'s alpha and a factor
    /// (0..=256, 256 = keep) by which the weighted alpha is scaled.
    pub fn keep_max(
        &self,
        out: &mut [u8],
        width: u32,
        height: u32,
        mut pixel: impl FnMut(usize, u32, u32) -> (u8, u32),
    ) {
        let (x0, y0, x1, y1) = self.outer().pixels(width, height);
        let w = width as usize;
        for y in y0..y1 {
            for x in x0..x1 {
                let i = y as usize * w + x as usize;
                let (alpha, factor) = pixel(i, x, y);
                let v = (u32::from(alpha) * self.weight(x, y) + 128) >> 8;
                let v = (v * factor + 128) >> 8;
                out[i] = out[i].max(v as u8);
            }
        }
    }

    /// `out = max(out, weight)` (0..=255): where the box reaches.
    pub fn coverage(&self, out: &mut [u8], width: u32, height: u32) {
        let (x0, y0, x1, y1) = self.outer().pixels(width, height);
        let w = width as usize;
        for y in y0..y1 {
            for x in x0..x1 {
                let i = y as usize * w + x as usize;
                let v = self.weight(x, y).min(255) as u8;
                out[i] = out[i].max(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x1: f32, y1: f32, x2: f32, y2: f32) -> BoxF {
        BoxF { x1, y1, x2, y2 }
    }

    #[test]
    fn iou_of_same_disjoint_and_half() {
        let a = b(0.0, 0.0, 10.0, 10.0);
        assert_eq!(a.iou(&a), 1.0);
        assert_eq!(a.iou(&b(20.0, 0.0, 30.0, 10.0)), 0.0);
        assert!((a.iou(&b(5.0, 0.0, 15.0, 10.0)) - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn soft_box_is_one_inside_and_fades_outside() {
        let s = SoftBox {
            core: b(10.0, 10.0, 20.0, 20.0),
            feather: 10.0,
        };
        assert_eq!(s.weight(15, 15), 256);
        let near = s.weight(21, 15);
        let far = s.weight(27, 15);
        assert!(near > far && far > 0, "{near} {far}");
        assert_eq!(s.weight(35, 15), 0);
    }

    #[test]
    fn keep_max_feathers_without_a_straight_cut() {
        let (w, h) = (40u32, 40u32);
        let alpha = vec![255u8; 1600];
        let mut out = vec![0u8; 1600];
        SoftBox {
            core: b(10.0, 10.0, 20.0, 20.0),
            feather: 8.0,
        }
        .keep_max(&mut out, w, h, |i, _, _| (alpha[i], 256));
        let row: Vec<u8> = (18..32).map(|x| out[15 * 40 + x]).collect();
        assert!(row.windows(2).all(|p| p[0] >= p[1]), "{row:?}");
        assert!(row.windows(2).all(|p| p[0] - p[1] < 40), "{row:?}");
    }
}
