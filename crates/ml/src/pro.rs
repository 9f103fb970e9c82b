//! `pro`: the highest-quality path. ISNet at (up to 1024 px) full
//! resolution for salient objects, RobustVideoMatting for people; near
//! people RVM's finer matte decides, elsewhere ISNet's. The text prompt
//! chooses among them ([`Prompt`]).

use crate::components::{keep_placement, CoarseGrid};
use crate::{
    FrameRef, Interrupt, Isnet, IsnetOptions, Matte, MlError, ModelKind, ModelStore, Prompt, Rvm,
    Segmenter, SegmenterOptions, Subject,
};

/// Coarse grid for "near a person" (cells on the long side).
const NEAR_GRID: u32 = 96;

pub struct Pro {
    isnet: Isnet,
    rvm: Rvm,
    prompt: Prompt,
    people: Matte,
    salient: Matte,
    fused: Vec<u8>,
    part: Vec<u8>,
}

impl Pro {
    pub fn load(store: &ModelStore, options: &SegmenterOptions) -> Result<Self, MlError> {
        let prompt = Prompt::parse(options.prompt.as_deref().unwrap_or("person, object"));
        let isnet = IsnetOptions {
            long_side: 1024,
            keep_aspect: true,
        };
        let isnet = Isnet::load(store, options.threads, isnet)?;
        let mut rvm = Rvm::load(store, options.threads, options.rvm.clone())?;
        // One handle stops both models.
        rvm.interrupt = isnet.interrupt.clone();
        Ok(Self {
            isnet,
            rvm,
            prompt,
            people: Matte::default(),
            salient: Matte::default(),
            fused: Vec::new(),
            part: Vec::new(),
        })
    }

    pub fn prompt(&self) -> &Prompt {
        &self.prompt
    }
}

/// For each pixel, whether a person is within about one grid cell of it.
fn near_people(people: &[u8], width: u32, height: u32) -> Vec<bool> {
    let grid = CoarseGrid::of(people, width, height, NEAR_GRID, 64);
    let near = grid.dilate(&grid.solid);
    grid.pixels(&near).collect()
}

impl Segmenter for Pro {
    fn interrupt(&self) -> Interrupt {
        self.isnet.interrupt.clone()
    }

    fn kind(&self) -> ModelKind {
        ModelKind::Pro
    }

    fn is_temporal(&self) -> bool {
        true
    }

    fn reset(&mut self) {
        self.rvm.reset();
    }

    fn warnings(&self) -> Vec<String> {
        self.prompt.warnings.clone()
    }

    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError> {
        self.rvm.segment(frame, &mut self.people)?;
        let only_people = self
            .prompt
            .targets
            .iter()
            .all(|t| t.subject == Subject::People);
        if !only_people {
            self.isnet.segment(frame, &mut self.salient)?;
        }
        let (w, h) = (frame.width, frame.height);
        let n = w as usize * h as usize;
        let near = if only_people {
            Vec::new()
        } else {
            near_people(&self.people.alpha, w, h)
        };
        self.fused.clear();
        self.fused.resize(n, 0);
        for target in &self.prompt.targets {
            self.part.clear();
            match target.subject {
                Subject::People => self.part.extend_from_slice(&self.people.alpha),
                Subject::Object => {
                    self.part
                        .extend(
                            self.salient
                                .alpha
                                .iter()
                                .zip(&near)
                                .map(|(&s, &near)| if near { 0 } else { s }),
                        )
                }
                Subject::Any => self.part.extend(
                    self.people
                        .alpha
                        .iter()
                        .zip(&self.salient.alpha)
                        .zip(&near)
                        .map(|((&p, &s), &near)| if near { p } else { p.max(s) }),
                ),
            }
            keep_placement(&mut self.part, w, h, target.placement);
            for (out, &v) in self.fused.iter_mut().zip(&self.part) {
                *out = (*out).max(v);
            }
        }
        matte.width = w;
        matte.height = h;
        matte.alpha.clear();
        matte.alpha.extend_from_slice(&self.fused);
        matte.foreground = if only_people {
            self.people.foreground.clone()
        } else {
            None
        };
        Ok(())
    }
}
