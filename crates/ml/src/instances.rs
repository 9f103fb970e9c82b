//! Matting one detected instance at a time, with the model that does it
//! best: people from RobustVideoMatting's matte (run only while people are
//! in the shot, so its recurrence follows them), other objects by ISNet on
//! the instance's own crop, so a small object fills ISNet's input. Each
//! instance is cut out with a feathered box ([`SoftBox`]), never a grid.

use crate::{BoxF, FrameRef, Isnet, Matte, MlError, Rvm, Segmenter, SoftBox, Track};

/// The region a person's matte is taken from.
pub(crate) fn person_region(bbox: &BoxF) -> SoftBox {
    SoftBox::around(bbox, 0.08, 0.12)
}

/// The region an object's crop matte is taken from; its crop is the
/// region's outer edge, so the weight reaches 0 inside the crop.
pub(crate) fn object_region(bbox: &BoxF) -> SoftBox {
    SoftBox {
        core: bbox.grown(0.05),
        feather: (bbox.width().min(bbox.height()) * 0.1).max(2.0),
    }
}

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

    pub fn reset(&mut self) {
        self.rvm.reset();
        self.running = false;
    }

    /// `out = max(out, RVM's alpha inside the person's region)`.
    pub fn keep(&self, track: &Track, out: &mut [u8], width: u32, height: u32) {
        if self.running {
            person_region(&track.bbox).keep_max(&self.matte.alpha, out, width, height);
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
    /// `out = max(out, ISNet's alpha of the instance's crop)`, feathered.
    pub fn keep(
        &mut self,
        isnet: &mut Isnet,
        frame: &FrameRef<'_>,
        bbox: &BoxF,
        out: &mut [u8],
    ) -> Result<(), MlError> {
        let region = object_region(bbox);
        let (x0, y0, x1, y1) = region.outer().pixels(frame.width, frame.height);
        let (cw, ch) = (x1 - x0, y1 - y0);
        if cw < 8 || ch < 8 {
            return Ok(());
        }
        let w = frame.width as usize;
        self.crop.clear();
        for y in y0..y1 {
            let row = (y as usize * w + x0 as usize) * 3;
            self.crop
                .extend_from_slice(&frame.rgb[row..row + cw as usize * 3]);
        }
        let crop = FrameRef {
            width: cw,
            height: ch,
            rgb: &self.crop,
        };
        isnet.segment(&crop, &mut self.matte)?;
        for y in y0..y1 {
            for x in x0..x1 {
                let a = self.matte.alpha[((y - y0) * cw + (x - x0)) as usize];
                let v = ((u32::from(a) * region.weight(x, y) + 128) >> 8) as u8;
                let i = y as usize * w + x as usize;
                out[i] = out[i].max(v);
            }
        }
        Ok(())
    }
}
