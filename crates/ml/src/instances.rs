//! Matting one detected instance at a time, with the model that does it
//! best: people from RobustVideoMatting's matte (run only while people are
//! in the shot, so its recurrence follows them), other objects by ISNet on
//! the instance's own crop, so a small object fills ISNet's input. Each
//! instance is cut out with a feathered box ([`SoftBox`]), never a grid.

use crate::{BoxF, CocoClass, FrameRef, Isnet, Matte, MlError, Rvm, Segmenter, SoftBox, Track};

/// The region a person's matte is taken from.
pub(crate) fn person_region(bbox: &BoxF) -> SoftBox {
    SoftBox::around(bbox, 0.08, 0.12)
}

/// The region an object's crop matte is taken from; its crop is the
/// region's outer edge, so the weight reaches 0 inside the crop.
pub(crate) fn object_region(bbox: &BoxF) -> SoftBox {
    SoftBox {
        core: bbox.grown(0.02),
        feather: bbox.width().min(bbox.height()) * 0.15 + 4.0,
    }
}

/// Share of a person's box that RVM must still cover to keep its track.
const FOLLOW_COVER: f32 = 0.15;

/// RobustVideoMatting for the people in a shot.
pub(crate) struct People {
    pub rvm: Rvm,
    pub matte: Matte,
    running: bool,
}

impl People {
    pub fn new(rvm: Rvm) -> Self {
        Self {
            rvm,
            matte: Matte::default(),
            running: false,
        }
    }

    /// Mattes `frame` when people are `present`; otherwise lets RVM's state
    /// go, so it starts afresh when someone walks in.
    pub fn update(&mut self, frame: &FrameRef<'_>, present: bool) -> Result<(), MlError> {
        if present {
            self.rvm.segment(frame, &mut self.matte)?;
            self.running = true;
        } else if self.running {
            self.rvm.reset();
            self.running = false;
        }
        Ok(())
    }

    pub fn running(&self) -> bool {
        self.running
    }

    /// Keeps each person's track alive while RVM still sees someone in its
    /// region, and refits the box to RVM's matte there: between the
    /// detector's sightings (it misses people cut by the frame edge or seen
    /// from behind), RVM's recurrence follows them.
    pub fn follow(&self, tracks: &mut [Track], width: u32, height: u32) {
        if !self.running {
            return;
        }
        let w = width as usize;
        for track in tracks
            .iter_mut()
            .filter(|t| t.class == CocoClass::PERSON && t.missed > 0)
        {
            let (x0, y0, x1, y1) = track.bbox.grown(0.2).pixels(width, height);
            let (mut count, mut fit) = (0u64, (u32::MAX, u32::MAX, 0u32, 0u32));
            for y in y0..y1 {
                for x in x0..x1 {
                    if self.matte.alpha[y as usize * w + x as usize] > 127 {
                        count += 1;
                        fit = (
                            fit.0.min(x),
                            fit.1.min(y),
                            fit.2.max(x + 1),
                            fit.3.max(y + 1),
                        );
                    }
                }
            }
            if count as f32 >= FOLLOW_COVER * track.bbox.area() {
                let seen = BoxF {
                    x1: fit.0 as f32,
                    y1: fit.1 as f32,
                    x2: fit.2 as f32,
                    y2: fit.3 as f32,
                };
                track.bbox = track.bbox.lerp(&seen, 0.5);
                track.missed = 0;
            }
        }
    }

    pub fn reset(&mut self) {
        self.rvm.reset();
        self.running = false;
    }

    /// `out = max(out, RVM's alpha inside the person's region)`; the
    /// feathered rim stops at the boxes of `others` (their people are not
    /// this one).
    pub fn keep(&self, track: &Track, others: &[BoxF], out: &mut [u8], width: u32, height: u32) {
        if !self.running {
            return;
        }
        let region = person_region(&track.bbox);
        region.keep_max(out, width, height, |i, x, y| {
            let other =
                !region.core.contains_pixel(x, y) && others.iter().any(|b| b.contains_pixel(x, y));
            (self.matte.alpha[i], if other { 0 } else { 256 })
        });
    }

    /// RVM's alpha inside `people`, for taking people out of an object in
    /// front of which they stand; `None` while RVM is not running.
    pub fn occluders<'a>(&'a self, people: &'a [BoxF]) -> Option<Occluders<'a>> {
        (self.running && !people.is_empty()).then_some(Occluders {
            alpha: &self.matte.alpha,
            boxes: people,
        })
    }
}

/// People standing in front of an object: their matte and boxes.
pub(crate) struct Occluders<'a> {
    alpha: &'a [u8],
    boxes: &'a [BoxF],
}

impl Occluders<'_> {
    /// 0..=256: how much of pixel `i` at (x, y) is not a person.
    fn clear(&self, i: usize, x: u32, y: u32) -> u32 {
        if self.boxes.iter().any(|b| b.contains_pixel(x, y)) {
            256 - u32::from(self.alpha[i])
        } else {
            256
        }
    }
}

/// ISNet on instance crops.
#[derive(Default)]
pub(crate) struct Objects {
    crop: Vec<u8>,
    matte: Matte,
}

impl Objects {
    /// `out = max(out, ISNet's alpha of the instance)`, feathered, less any
    /// person standing in front of it. The alpha comes from `full_frame`
    /// (ISNet's matte of the whole frame) when given, else from ISNet run
    /// on the instance's own crop.
    pub fn keep(
        &mut self,
        isnet: &mut Isnet,
        frame: &FrameRef<'_>,
        bbox: &BoxF,
        full_frame: Option<&[u8]>,
        occluders: Option<&Occluders<'_>>,
        out: &mut [u8],
    ) -> Result<(), MlError> {
        let region = object_region(bbox);
        let (x0, y0, x1, y1) = region.outer().pixels(frame.width, frame.height);
        let (cw, ch) = (x1 - x0, y1 - y0);
        if cw < 8 || ch < 8 {
            return Ok(());
        }
        let w = frame.width as usize;
        if full_frame.is_none() {
            self.crop.clear();
            for y in y0..y1 {
                let row = (y as usize * w + x0 as usize) * 3;
                self.crop
                    .extend_from_slice(&frame.rgb[row..row + cw as usize * 3]);
            }
            if let Some(people) = occluders {
                // Grey out the people in front, so ISNet's most salient
                // thing in the crop is the object rather than them.
                let mut k = 0;
                for y in y0..y1 {
                    for x in x0..x1 {
                        let i = y as usize * w + x as usize;
                        if people.clear(i, x, y) < 128 {
                            self.crop[k..k + 3].copy_from_slice(&[128, 128, 128]);
                        }
                        k += 3;
                    }
                }
            }
            let crop = FrameRef {
                width: cw,
                height: ch,
                rgb: &self.crop,
            };
            isnet.segment(&crop, &mut self.matte)?;
        }
        let crop = &self.matte.alpha;
        region.keep_max(out, frame.width, frame.height, |i, x, y| {
            let alpha = match full_frame {
                Some(alpha) => alpha[i],
                None => crop[((y - y0) * cw + (x - x0)) as usize],
            };
            (alpha, occluders.map_or(256, |people| people.clear(i, x, y)))
        });
        Ok(())
    }
}
