//! Picking one subject among several: connected components of a matte.

use std::collections::VecDeque;

use crate::Placement;

/// Grid cells per side on the matte's long side (labelling runs on a grid
/// this coarse, which also bridges hairline gaps inside one subject).
const GRID_LONG_SIDE: u32 = 160;

struct Component {
    cells: usize,
    cx: f64,
    cy: f64,
}

/// A coarse occupancy grid over a matte: which cells hold any alpha at or
/// above a threshold. Cheap to label or dilate, and it bridges hairline gaps.
pub(crate) struct CoarseGrid {
    cell: usize,
    width: usize,
    height: usize,
    pub gw: usize,
    pub gh: usize,
    pub solid: Vec<bool>,
}

impl CoarseGrid {
    pub fn of(
        alpha: &[u8],
        width: u32,
        height: u32,
        cells_on_long_side: u32,
        threshold: u8,
    ) -> Self {
        let cell = width.max(height).div_ceil(cells_on_long_side).max(1) as usize;
        let (w, h) = (width as usize, height as usize);
        let (gw, gh) = (w.div_ceil(cell), h.div_ceil(cell));
        let mut solid = vec![false; gw * gh];
        for y in 0..h {
            for x in 0..w {
                if alpha[y * w + x] >= threshold {
                    solid[(y / cell) * gw + x / cell] = true;
                }
            }
        }
        Self {
            cell,
            width: w,
            height: h,
            gw,
            gh,
            solid,
        }
    }

    /// `cells` and their eight neighbours.
    pub fn dilate(&self, cells: &[bool]) -> Vec<bool> {
        let mut out = vec![false; cells.len()];
        for gy in 0..self.gh {
            for gx in 0..self.gw {
                if cells[gy * self.gw + gx] {
                    for ny in gy.saturating_sub(1)..(gy + 2).min(self.gh) {
                        for nx in gx.saturating_sub(1)..(gx + 2).min(self.gw) {
                            out[ny * self.gw + nx] = true;
                        }
                    }
                }
            }
        }
        out
    }

    /// For each pixel (row-major), whether its cell is in `cells`.
    pub fn pixels<'a>(&'a self, cells: &'a [bool]) -> impl Iterator<Item = bool> + 'a {
        (0..self.height).flat_map(move |y| {
            (0..self.width).map(move |x| cells[(y / self.cell) * self.gw + x / self.cell])
        })
    }
}

/// Clears every subject in `alpha` except the one `placement` names.
pub(crate) fn keep_placement(alpha: &mut [u8], width: u32, height: u32, placement: Placement) {
    if placement == Placement::All {
        return;
    }
    let grid = CoarseGrid::of(alpha, width, height, GRID_LONG_SIDE, 128);
    let (gw, gh) = (grid.gw, grid.gh);
    let (labels, components) = label(&grid.solid, gw, gh);
    let Some(largest) = components.iter().map(|c| c.cells).max() else {
        return;
    };
    let candidates = components
        .iter()
        .enumerate()
        .filter(|(_, c)| c.cells * 10 >= largest && c.cells >= 4);
    let centre = (gw as f64 / 2.0, gh as f64 / 2.0);
    let chosen = match placement {
        Placement::Left => candidates.min_by(|a, b| a.1.cx.total_cmp(&b.1.cx)),
        Placement::Right => candidates.max_by(|a, b| a.1.cx.total_cmp(&b.1.cx)),
        Placement::Centre => candidates.min_by(|a, b| {
            let d = |c: &Component| (c.cx - centre.0).powi(2) + (c.cy - centre.1).powi(2);
            d(a.1).total_cmp(&d(b.1))
        }),
        Placement::Largest | Placement::All => candidates.max_by_key(|c| c.1.cells),
    };
    let Some((chosen, _)) = chosen else { return };
    let chosen = chosen as u32 + 1;
    // Keep the chosen component's cells and their neighbours (its soft edge).
    let cells: Vec<bool> = labels.iter().map(|&l| l == chosen).collect();
    let keep = grid.dilate(&cells);
    for (a, kept) in alpha.iter_mut().zip(grid.pixels(&keep)) {
        if !kept {
            *a = 0;
        }
    }
}

/// 8-connected labelling; label 0 is background, components are 1-based.
fn label(solid: &[bool], gw: usize, gh: usize) -> (Vec<u32>, Vec<Component>) {
    let mut labels = vec![0u32; gw * gh];
    let mut components = Vec::new();
    let mut queue = VecDeque::new();
    for start in 0..solid.len() {
        if !solid[start] || labels[start] != 0 {
            continue;
        }
        let id = components.len() as u32 + 1;
        let (mut cells, mut sx, mut sy) = (0usize, 0f64, 0f64);
        labels[start] = id;
        queue.push_back(start);
        while let Some(i) = queue.pop_front() {
            let (x, y) = (i % gw, i / gw);
            cells += 1;
            sx += x as f64;
            sy += y as f64;
            for ny in y.saturating_sub(1)..(y + 2).min(gh) {
                for nx in x.saturating_sub(1)..(x + 2).min(gw) {
                    let j = ny * gw + nx;
                    if solid[j] && labels[j] == 0 {
                        labels[j] = id;
                        queue.push_back(j);
                    }
                }
            }
        }
        components.push(Component {
            cells,
            cx: sx / cells as f64,
            cy: sy / cells as f64,
        });
    }
    (labels, components)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two blocks: a small one on the left, a large one on the right.
    fn two_subjects() -> (Vec<u8>, u32, u32) {
        let (w, h) = (200u32, 100u32);
        let mut alpha = vec![0u8; (w * h) as usize];
        for y in 30..60 {
            for x in 10..40 {
                alpha[y * w as usize + x] = 255;
            }
        }
        for y in 10..90 {
            for x in 120..190 {
                alpha[y * w as usize + x] = 255;
            }
        }
        (alpha, w, h)
    }

    fn kept_at(alpha: &[u8], w: u32, x: usize, y: usize) -> bool {
        alpha[y * w as usize + x] > 0
    }

    #[test]
    fn left_and_right_pick_by_position() {
        let (mut a, w, h) = two_subjects();
        keep_placement(&mut a, w, h, Placement::Left);
        assert!(kept_at(&a, w, 20, 40) && !kept_at(&a, w, 150, 50));
        let (mut a, w, h) = two_subjects();
        keep_placement(&mut a, w, h, Placement::Right);
        assert!(!kept_at(&a, w, 20, 40) && kept_at(&a, w, 150, 50));
    }

    #[test]
    fn largest_and_all() {
        let (mut a, w, h) = two_subjects();
        keep_placement(&mut a, w, h, Placement::Largest);
        assert!(!kept_at(&a, w, 20, 40) && kept_at(&a, w, 150, 50));
        let (mut a, w, h) = two_subjects();
        keep_placement(&mut a, w, h, Placement::All);
        assert!(kept_at(&a, w, 20, 40) && kept_at(&a, w, 150, 50));
    }
}
