//! `original`, the general default: ISNet's salient objects (per frame, at
//! 640 px) fused with RobustVideoMatting's people wherever the detector
//! sees a person, so footage with people keeps every person, not only the
//! most salient thing. RVM runs only while the shot has people in it.

use crate::instances::People;
use crate::{
    CocoClass, Detector, FrameRef, Interrupt, Isnet, Matte, MlError, ModelKind, ModelStore, Rvm,
    Segmenter, SegmenterOptions, Tracker,
};

pub struct General {
    isnet: Isnet,
    detector: Detector,
    tracker: Tracker,
    people: People,
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
    }

    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError> {
        let detections = self.detector.detect(frame)?;
        let tracks = self.tracker.update(&detections);
        let present = tracks.iter().any(|t| t.class == CocoClass::PERSON);
        self.people.update(frame, present)?;
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
