//! `original`, the general default: ISNet's salient objects (per frame, at
//! 640 px) fused with RobustVideoMatting's people wherever the detector
//! sees a person, so footage with people keeps every person, not only the
//! most salient thing. RVM runs only while the shot has people in it. The
//! detector runs on every [`DETECT_EVERY`]th frame of a shot (tracks keep
//! their boxes in between, and a person's region has a wide feathered rim),
//! which keeps the default tier close to ISNet's own speed.

use crate::instances::People;
use crate::{
    CocoClass, Detector, FrameRef, Interrupt, Isnet, Matte, MlError, ModelKind, ModelStore, Rvm,
    Segmenter, SegmenterOptions, Tracker,
};

/// The detector's stride in frames.
pub const DETECT_EVERY: u64 = 3;

pub struct General {
    isnet: Isnet,
    detector: Detector,
    tracker: Tracker,
    people: People,
    /// Frames since the shot began.
    frame: u64,
}

impl General {
    pub fn load(store: &ModelStore, options: &SegmenterOptions) -> Result<Self, MlError> {
        let isnet = Isnet::load(store, options.threads, options.isnet.clone())?;
        let mut rvm = Rvm::load(store, options.threads, options.rvm.clone())?;
        let mut detector = Detector::load(store, options.threads)?;
        // One handle stops all three models.
        rvm.interrupt = isnet.interrupt.clone();
        detector.interrupt = isnet.interrupt.clone();
        Ok(Self {
            isnet,
            detector,
            tracker: Tracker::default(),
            people: People::new(rvm),
            frame: 0,
        })
    }
}

impl Segmenter for General {
    fn interrupt(&self) -> Interrupt {
        self.isnet.interrupt.clone()
    }

    fn kind(&self) -> ModelKind {
        ModelKind::Original
    }

    fn reset(&mut self) {
        self.tracker.reset();
        self.people.reset();
        self.frame = 0;
    }

    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError> {
        if self.frame.is_multiple_of(DETECT_EVERY) {
            let detections = self.detector.detect(frame)?;
            self.tracker.update(&detections);
        }
        self.frame += 1;
        let present = self
            .tracker
            .tracks()
            .iter()
            .any(|t| t.class == CocoClass::PERSON);
        self.people.update(frame, present)?;
        self.people
            .follow(self.tracker.tracks_mut(), frame.width, frame.height);
        self.isnet.segment(frame, matte)?;
        for track in self.tracker.tracks() {
            if track.class == CocoClass::PERSON {
                self.people
                    .keep(track, &[], &mut matte.alpha, frame.width, frame.height);
            }
        }
        Ok(())
    }
}
