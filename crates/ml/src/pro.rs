//! `pro`: keeps what the text prompt names. The detector finds COCO
//! instances, the tracker follows them through the shot, and each kept
//! instance is matted by the model that does it best ([`crate::instances`]):
//! people by RobustVideoMatting, objects by ISNet on their own crop (at up
//! to 1024 px). Nouns no class covers fall back to ISNet's salient object at
//! 1024 px. A placement ("the car on the left", "largest") picks one
//! instance and stays with it until it leaves the shot.

use crate::components::keep_placement;
use crate::instances::{person_region, Objects, People};
use crate::{
    BoxF, CocoClass, Detector, FrameRef, Interrupt, Isnet, IsnetOptions, Matte, MlError, ModelKind,
    ModelStore, Placement, Precision, Prompt, Rvm, Segmenter, SegmenterOptions, Subject, Track,
    Tracker,
};

/// More object instances than this in one frame are matted from one
/// full-frame ISNet pass instead of one pass per crop.
const MAX_CROPS: usize = 3;

/// How far a target got over the whole video (for its warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Found {
    Nothing,
    ClassOnly,
    Kept,
}

pub struct Pro {
    isnet: Isnet,
    detector: Detector,
    tracker: Tracker,
    people: People,
    objects: Objects,
    prompt: Prompt,
    salient: Matte,
    part: Vec<u8>,
    /// Per target: the instance its placement chose in this shot.
    locks: Vec<Option<u64>>,
    found: Vec<Found>,
    /// Frames segmented (nothing is "not found" before the first).
    frames: u64,
    /// The prompt came from the user (the default's parts are not warned
    /// about when absent).
    asked: bool,
}

impl Pro {
    pub fn load(store: &ModelStore, options: &SegmenterOptions) -> Result<Self, MlError> {
        let prompt = Prompt::parse(options.prompt.as_deref().unwrap_or("person, object"));
        let isnet = IsnetOptions {
            long_side: 1024,
            keep_aspect: true,
            // ISNet alone on object crops drifts further from float than
            // `original`'s fused matte (docs/benchmarks.md), so `auto` keeps
            // pro in float; only an explicit int8 request uses the copy.
            precision: match options.isnet.precision {
                Precision::Int8 => Precision::Int8,
                _ => Precision::Float,
            },
            uint8_io: options.isnet.uint8_io,
        };
        let isnet = Isnet::load(store, options.threads, isnet)?;
        let mut rvm = Rvm::load(store, options.threads, options.rvm.clone())?;
        let mut detector = Detector::load(store, options.threads)?;
        rvm.interrupt = isnet.interrupt.clone();
        detector.interrupt = isnet.interrupt.clone();
        let n = prompt.targets.len();
        Ok(Self {
            isnet,
            detector,
            tracker: Tracker::default(),
            people: People::new(rvm),
            objects: Objects::default(),
            prompt,
            salient: Matte::default(),
            part: Vec::new(),
            locks: vec![None; n],
            found: vec![Found::Nothing; n],
            frames: 0,
            asked: options.prompt.is_some(),
        })
    }

    pub fn prompt(&self) -> &Prompt {
        &self.prompt
    }

    /// The instances each target keeps in this frame (track indices).
    fn choose(&mut self, frame: &FrameRef<'_>, tracks: &[Track]) -> Vec<Vec<usize>> {
        let mut chosen = Vec::with_capacity(self.prompt.targets.len());
        for (t, target) in self.prompt.targets.iter().enumerate() {
            let of_class: Vec<usize> = match &target.subject {
                Subject::Classes(classes) => (0..tracks.len())
                    .filter(|&i| classes.contains(&tracks[i].class))
                    .collect(),
                Subject::Any if target.placement != Placement::All || target.colour.is_some() => {
                    (0..tracks.len()).collect()
                }
                _ => Vec::new(),
            };
            if !of_class.is_empty() {
                self.found[t] = self.found[t].max(Found::ClassOnly);
            }
            let candidates: Vec<usize> = match target.colour {
                Some(colour) => of_class
                    .into_iter()
                    .filter(|&i| {
                        colour.matches(frame.rgb, frame.width, frame.height, &tracks[i].bbox)
                    })
                    .collect(),
                None => of_class,
            };
            if !candidates.is_empty() {
                self.found[t] = Found::Kept;
            }
            chosen.push(select(
                target.placement,
                &candidates,
                tracks,
                &mut self.locks[t],
                (frame.width, frame.height),
            ));
        }
        chosen
    }
}

/// One instance by placement, staying with the one chosen before while it
/// is still a candidate; all of them for [`Placement::All`].
fn select(
    placement: Placement,
    candidates: &[usize],
    tracks: &[Track],
    lock: &mut Option<u64>,
    (width, height): (u32, u32),
) -> Vec<usize> {
    if placement == Placement::All {
        return candidates.to_vec();
    }
    if let Some(&held) = candidates.iter().find(|&&i| Some(tracks[i].id) == *lock) {
        return vec![held];
    }
    let key = |i: &usize| -> f32 {
        let b = &tracks[*i].bbox;
        let (cx, cy) = b.centre();
        match placement {
            Placement::Left => cx,
            Placement::Right => -cx,
            Placement::Centre => {
                (cx - width as f32 / 2.0).powi(2) + (cy - height as f32 / 2.0).powi(2)
            }
            Placement::Largest | Placement::All => -b.area(),
        }
    };
    let best = candidates
        .iter()
        .copied()
        .min_by(|a, b| key(a).total_cmp(&key(b)));
    *lock = best.map(|i| tracks[i].id);
    best.into_iter().collect()
}

impl Segmenter for Pro {
    fn interrupt(&self) -> Interrupt {
        self.isnet.interrupt.clone()
    }

    fn kind(&self) -> ModelKind {
        ModelKind::Pro
    }

    /// Only-people prompts are RVM's matte, recurrent; anything with ISNet
    /// in it is per frame and gets the pipeline's temporal smoothing.
    fn is_temporal(&self) -> bool {
        self.prompt.only_people()
    }

    fn reset(&mut self) {
        self.tracker.reset();
        self.people.reset();
        self.locks.iter_mut().for_each(|l| *l = None);
    }

    fn warnings(&self) -> Vec<String> {
        let mut warnings = self.prompt.warnings.clone();
        if self.frames == 0 || !self.asked {
            return warnings;
        }
        for (target, found) in self.prompt.targets.iter().zip(&self.found) {
            let Subject::Classes(classes) = &target.subject else {
                continue;
            };
            let names = classes
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(" or ");
            match (found, target.colour) {
                (Found::Nothing, _) => warnings.push(format!(
                    "\"{}\": no {names} found in the video; nothing was kept for it",
                    target.text
                )),
                (Found::ClassOnly, Some(colour)) => warnings.push(format!(
                    "\"{}\": found {names}, but none {}; nothing was kept for it",
                    target.text,
                    colour.name()
                )),
                _ => {}
            }
        }
        warnings
    }

    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError> {
        let (w, h) = (frame.width, frame.height);
        let n = w as usize * h as usize;
        self.frames += 1;
        let detections = self.detector.detect(frame)?;
        let tracks = self.tracker.update(&detections).to_vec();
        let chosen = self.choose(frame, &tracks);
        let person = |i: &usize| tracks[*i].class == CocoClass::PERSON;
        let all_people = |t: &crate::prompt::Target| {
            t.placement == Placement::All
                && t.colour.is_none()
                && matches!(&t.subject, Subject::Classes(c) if c.contains(&CocoClass::PERSON))
        };
        let any_all = |t: &crate::prompt::Target| {
            t.subject == Subject::Any && t.placement == Placement::All && t.colour.is_none()
        };
        let targets = &self.prompt.targets;
        let mut objects: Vec<u64> = chosen
            .iter()
            .flatten()
            .filter(|i| !person(i))
            .map(|&i| tracks[i].id)
            .collect();
        objects.sort_unstable();
        objects.dedup();
        let fallback = targets.iter().zip(&chosen).any(|(t, c)| {
            t.subject == Subject::Salient
                || any_all(t)
                || (t.subject == Subject::Any && c.is_empty())
        });
        let full_frame = fallback || objects.len() > MAX_CROPS;
        let fused_people = targets
            .iter()
            .zip(&chosen)
            .any(|(t, c)| t.subject == Subject::Any && c.is_empty())
            && tracks.iter().any(|t| t.class == CocoClass::PERSON);
        let person_boxes: Vec<BoxF> = tracks
            .iter()
            .filter(|t| t.class == CocoClass::PERSON)
            .map(|t| t.bbox)
            .collect();
        // People in front of a kept object are taken out with RVM's matte.
        let occluded = !objects.is_empty() && !person_boxes.is_empty();
        let people_needed = chosen.iter().flatten().any(person)
            || targets.iter().any(all_people)
            || fused_people
            || occluded;
        self.people.update(frame, people_needed)?;
        self.people
            .follow(self.tracker.tracks_mut(), frame.width, frame.height);
        // An all-people target counts as found once RVM keeps 0.1 % of a frame.
        let unfound = |t: usize| all_people(&targets[t]) && self.found[t] != Found::Kept;
        if self.people.running()
            && (0..targets.len()).any(unfound)
            && self.people.matte.alpha.iter().filter(|&&a| a > 127).count() * 1000 >= n
        {
            for (t, target) in targets.iter().enumerate() {
                if all_people(target) {
                    self.found[t] = Found::Kept;
                }
            }
        }
        if full_frame {
            self.isnet.segment(frame, &mut self.salient)?;
        }
        matte.width = w;
        matte.height = h;
        matte.alpha.clear();
        matte.alpha.resize(n, 0);
        for (target, picks) in targets.iter().zip(&chosen) {
            self.part.clear();
            self.part.resize(n, 0);
            if all_people(target) && self.people.running() {
                // Every person: RVM's whole matte (it also sees people the
                // detector misses).
                self.part.copy_from_slice(&self.people.matte.alpha);
            }
            // People not kept by this target bound the rims of those kept.
            let others: Vec<BoxF> = (0..tracks.len())
                .filter(|i| person(i) && !picks.contains(i))
                .map(|i| tracks[i].bbox)
                .collect();
            let occluders = self.people.occluders(&person_boxes);
            for &i in picks {
                let track = &tracks[i];
                if person(&i) {
                    self.people.keep(track, &others, &mut self.part, w, h);
                } else {
                    let full = full_frame.then_some(&self.salient.alpha[..]);
                    self.objects.keep(
                        &mut self.isnet,
                        frame,
                        &track.bbox,
                        full,
                        occluders.as_ref(),
                        &mut self.part,
                    )?;
                }
            }
            match target.subject {
                Subject::Salient => {
                    salient_outside_people(&self.salient.alpha, &tracks, &mut self.part, w, h);
                    keep_placement(&mut self.part, w, h, target.placement);
                }
                Subject::Any if picks.is_empty() => {
                    for (p, &s) in self.part.iter_mut().zip(&self.salient.alpha) {
                        *p = (*p).max(s);
                    }
                    for track in tracks.iter().filter(|t| t.class == CocoClass::PERSON) {
                        self.people.keep(track, &[], &mut self.part, w, h);
                    }
                    keep_placement(&mut self.part, w, h, target.placement);
                }
                _ => {}
            }
            for (out, &v) in matte.alpha.iter_mut().zip(&self.part) {
                *out = (*out).max(v);
            }
        }
        matte.foreground = if self.prompt.only_people() && self.people.running() {
            self.people.matte.foreground.clone()
        } else {
            None
        };
        Ok(())
    }
}

/// `out = max(out, salient × (1 − person coverage))`: the salient object,
/// faded out (feathered) over the people.
fn salient_outside_people(salient: &[u8], tracks: &[Track], out: &mut [u8], w: u32, h: u32) {
    let mut cover = vec![0u8; salient.len()];
    for track in tracks.iter().filter(|t| t.class == CocoClass::PERSON) {
        person_region(&track.bbox).coverage(&mut cover, w, h);
    }
    for ((o, &s), &c) in out.iter_mut().zip(salient).zip(&cover) {
        let v = (u32::from(s) * (255 - u32::from(c)) + 127) / 255;
        *o = (*o).max(v as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BoxF;

    fn track(id: u64, x: f32, side: f32) -> Track {
        Track {
            id,
            class: CocoClass::PERSON,
            bbox: BoxF {
                x1: x,
                y1: 0.0,
                x2: x + side,
                y2: side,
            },
            score: 0.9,
            hits: 1,
            missed: 0,
            velocity: (0.0, 0.0),
        }
    }

    #[test]
    fn a_placement_stays_with_its_instance_for_the_shot() {
        let mut lock = None;
        let size = (640, 480);
        let first = [track(1, 0.0, 100.0), track(2, 300.0, 90.0)];
        assert_eq!(
            select(Placement::Largest, &[0, 1], &first, &mut lock, size),
            vec![0]
        );
        // The other one grows past it: still the same subject.
        let later = [track(1, 0.0, 100.0), track(2, 300.0, 120.0)];
        assert_eq!(
            select(Placement::Largest, &[0, 1], &later, &mut lock, size),
            vec![0]
        );
        // Once it has left, the next largest is chosen and held.
        assert_eq!(
            select(Placement::Largest, &[1], &later, &mut lock, size),
            vec![1]
        );
        assert_eq!(lock, Some(2));
        let mut lock = None;
        assert_eq!(
            select(Placement::Right, &[0, 1], &first, &mut lock, size),
            vec![1]
        );
        assert_eq!(
            select(Placement::All, &[0, 1], &first, &mut lock, size),
            vec![0, 1]
        );
    }
}
