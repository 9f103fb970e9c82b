//! uint8 frame in, uint8 matte out: sessions of the graphs that
//! `scripts/u8_io.py` prefixes (normalisation and layout change inside the
//! graph), run through an I/O binding. On the GPU only the frame's bytes go
//! up (a quarter of the floats), the matte comes down as bytes, and state
//! fed back from one frame to the next (RVM's recurrent tensors) stays on
//! the device. On the CPU the same code runs with host memory throughout.

use ort::memory::{AllocationDevice, AllocatorType, MemoryInfo, MemoryType};
use ort::session::{IoBinding, Session, SessionOutputs};
use ort::value::{DynValue, Tensor};

use crate::{Interrupt, MlError};

pub(crate) struct BoundSession {
    session: Session,
    binding: IoBinding,
    host: MemoryInfo<'static>,
    device: MemoryInfo<'static>,
}

impl BoundSession {
    pub(crate) fn new(session: Session) -> Result<Self, MlError> {
        let binding = session.create_binding()?;
        let host = MemoryInfo::default();
        let device = if crate::on_gpu() {
            MemoryInfo::new(
                AllocationDevice::CUDA,
                0,
                AllocatorType::Device,
                MemoryType::Default,
            )?
        } else {
            MemoryInfo::default()
        };
        Ok(Self {
            session,
            binding,
            host,
            device,
        })
    }

    /// Binds packed RGB24 (`width × height × 3` bytes) as a [1, H, W, 3] input.
    pub(crate) fn frame(
        &mut self,
        name: &str,
        rgb: &[u8],
        (width, height): (u32, u32),
    ) -> Result<(), MlError> {
        let tensor =
            Tensor::from_array(([1usize, height as usize, width as usize, 3], rgb.to_vec()))?;
        self.binding.bind_input(name, &tensor)?;
        Ok(())
    }

    pub(crate) fn input(&mut self, name: &str, value: &DynValue) -> Result<(), MlError> {
        self.binding.bind_input(name, value)?;
        Ok(())
    }

    /// The output comes back to host memory on every run.
    pub(crate) fn output_to_host(&mut self, name: &str) -> Result<(), MlError> {
        self.binding.bind_output_to_device(name, &self.host)?;
        Ok(())
    }

    /// The output stays where the model runs (to be bound as an input again).
    pub(crate) fn on_device(&mut self, name: &str) -> Result<(), MlError> {
        self.binding.bind_output_to_device(name, &self.device)?;
        Ok(())
    }

    pub(crate) fn run(&mut self, interrupt: &Interrupt) -> Result<SessionOutputs<'_>, MlError> {
        self.session
            .run_binding_with_options(&self.binding, interrupt.options())
            .map_err(|e| interrupt.error(e))
    }
}

/// Copies a uint8 output out, checking it holds `len` values.
pub(crate) fn take_u8(
    outputs: &SessionOutputs<'_>,
    name: &str,
    len: usize,
    model: &'static str,
    out: &mut Vec<u8>,
) -> Result<(), MlError> {
    let value = outputs.get(name).ok_or_else(|| MlError::Output {
        model,
        detail: format!("no {name}"),
    })?;
    let (shape, values) = value.try_extract_tensor::<u8>()?;
    if values.len() != len {
        return Err(MlError::Output {
            model,
            detail: format!("{name} has shape {shape:?}, expected {len} values"),
        });
    }
    out.clear();
    out.extend_from_slice(values);
    Ok(())
}
