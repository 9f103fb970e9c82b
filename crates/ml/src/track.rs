//! Instances over time: detections associated frame to frame into tracks
//! with stable ids (greedy, by overlap, else by centre distance), boxes
//! smoothed, and a track kept for a few frames when the detector misses it,
//! moving on at its last velocity meanwhile.
//! The caller resets the tracker at scene cuts.

use serde::Serialize;

use crate::{BoxF, CocoClass, Detection};

/// A new track needs a detection this sure of itself.
const START_SCORE: f32 = 0.4;
/// Frames a track survives without a matching detection.
const MAX_MISSED: u32 = 8;
/// Overlap that counts as the same instance.
const MIN_IOU: f32 = 0.2;
/// Centre distance (in the track's box size) that still counts.
const MAX_CENTRE_SHIFT: f32 = 0.5;
/// How far a track's box moves to its new detection each frame.
const FOLLOW: f32 = 0.7;
/// How much of its velocity a missed track keeps per update.
const COAST_DECAY: f32 = 0.8;

/// One instance followed across frames.
#[derive(Clone, Debug, Serialize)]
pub struct Track {
    pub id: u64,
    pub class: CocoClass,
    pub bbox: BoxF,
    /// The best score seen.
    pub score: f32,
    /// Frames with a matching detection.
    pub hits: u32,
    /// Frames since the last matching detection (0: seen in this frame).
    pub missed: u32,
    /// Centre motion per update (pixels), smoothed.
    pub velocity: (f32, f32),
}

#[derive(Debug, Default)]
pub struct Tracker {
    tracks: Vec<Track>,
    next_id: u64,
}

impl Tracker {
    /// Forgets every track (a scene cut); ids keep counting up.
    pub fn reset(&mut self) {
        self.tracks.clear();
    }

    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// For confirming or refitting tracks from another source (RVM).
    pub fn tracks_mut(&mut self) -> &mut [Track] {
        &mut self.tracks
    }

    /// Takes one frame's detections; returns the live tracks.
    pub fn update(&mut self, detections: &[Detection]) -> &[Track] {
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (t, track) in self.tracks.iter().enumerate() {
            for (d, det) in detections.iter().enumerate() {
                if det.class != track.class {
                    continue;
                }
                let iou = track.bbox.iou(&det.bbox);
                let (tx, ty) = track.bbox.centre();
                let (dx, dy) = det.bbox.centre();
                let size = track.bbox.width().max(track.bbox.height()).max(1.0);
                let shift = ((tx - dx).powi(2) + (ty - dy).powi(2)).sqrt() / size;
                if iou >= MIN_IOU || shift <= MAX_CENTRE_SHIFT {
                    // Overlap first; a shift-only match ranks below any overlap.
                    let affinity = if iou >= MIN_IOU {
                        1.0 + iou
                    } else {
                        1.0 - shift
                    };
                    pairs.push((affinity, t, d));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut track_taken = vec![false; self.tracks.len()];
        let mut det_taken = vec![false; detections.len()];
        for (_, t, d) in pairs {
            if track_taken[t] || det_taken[d] {
                continue;
            }
            track_taken[t] = true;
            det_taken[d] = true;
            let track = &mut self.tracks[t];
            let det = &detections[d];
            let before = track.bbox.centre();
            track.bbox = track.bbox.lerp(&det.bbox, FOLLOW);
            let after = track.bbox.centre();
            track.velocity = (
                (track.velocity.0 + after.0 - before.0) / 2.0,
                (track.velocity.1 + after.1 - before.1) / 2.0,
            );
            track.score = track.score.max(det.score);
            track.hits += 1;
            track.missed = 0;
        }
        for (track, taken) in self.tracks.iter_mut().zip(&track_taken) {
            if !taken {
                track.missed += 1;
                let (vx, vy) = track.velocity;
                track.bbox = BoxF {
                    x1: track.bbox.x1 + vx,
                    y1: track.bbox.y1 + vy,
                    x2: track.bbox.x2 + vx,
                    y2: track.bbox.y2 + vy,
                };
                track.velocity = (vx * COAST_DECAY, vy * COAST_DECAY);
            }
        }
        self.tracks.retain(|t| t.missed <= MAX_MISSED);
        for (det, taken) in detections.iter().zip(det_taken) {
            if !taken && det.score >= START_SCORE {
                self.next_id += 1;
                self.tracks.push(Track {
                    id: self.next_id,
                    class: det.class,
                    bbox: det.bbox,
                    score: det.score,
                    hits: 1,
                    missed: 0,
                    velocity: (0.0, 0.0),
                });
            }
        }
        &self.tracks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(class: u8, x: f32, score: f32) -> Detection {
        Detection {
            class: CocoClass(class),
            score,
            bbox: BoxF {
                x1: x,
                y1: 10.0,
                x2: x + 40.0,
                y2: 90.0,
            },
        }
    }

    #[test]
    fn ids_stay_with_moving_instances() {
        let mut tracker = Tracker::default();
        let first: Vec<u64> = tracker
            .update(&[det(0, 0.0, 0.8), det(0, 100.0, 0.8)])
            .iter()
            .map(|t| t.id)
            .collect();
        // Both walk right by 10 px a frame, listed in the other order.
        for step in 1..10 {
            let x = step as f32 * 10.0;
            tracker.update(&[det(0, 100.0 + x, 0.6), det(0, x, 0.6)]);
        }
        let tracks = tracker.tracks();
        assert_eq!(tracks.len(), 2);
        let left = tracks.iter().min_by(|a, b| a.bbox.x1.total_cmp(&b.bbox.x1));
        assert_eq!(left.map(|t| t.id), Some(first[0]));
    }

    #[test]
    fn a_missed_frame_keeps_the_track_and_weak_newcomers_wait() {
        let mut tracker = Tracker::default();
        tracker.update(&[det(2, 0.0, 0.9)]);
        let id = tracker.tracks()[0].id;
        tracker.update(&[]);
        assert_eq!(tracker.tracks()[0].missed, 1);
        tracker.update(&[det(2, 5.0, 0.35), det(16, 200.0, 0.35)]);
        assert_eq!(tracker.tracks().len(), 1, "a weak new dog does not start");
        assert_eq!(tracker.tracks()[0].id, id);
        for _ in 0..=MAX_MISSED {
            tracker.update(&[]);
        }
        assert!(tracker.tracks().is_empty());
    }

    #[test]
    fn a_missed_track_moves_on_at_its_velocity() {
        let mut tracker = Tracker::default();
        for step in 0..6 {
            tracker.update(&[det(0, step as f32 * 10.0, 0.9)]);
        }
        let seen = tracker.tracks()[0].bbox.x1;
        tracker.update(&[]);
        let coasted = tracker.tracks()[0].bbox.x1;
        assert!(coasted > seen + 4.0, "{seen} -> {coasted}");
    }

    #[test]
    fn classes_never_swap_ids() {
        let mut tracker = Tracker::default();
        tracker.update(&[det(0, 0.0, 0.9)]);
        tracker.update(&[det(2, 0.0, 0.9)]);
        let classes: Vec<u8> = tracker.tracks().iter().map(|t| t.class.0).collect();
        assert_eq!(classes, vec![0, 2]);
    }
}
