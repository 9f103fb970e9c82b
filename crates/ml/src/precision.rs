//! Which arithmetic a model runs in: its float weights, or a static int8
//! (QDQ) copy that `scripts/setup.sh` calibrates on real frames.
//!
//! Int8 pays only where the CPU has 8-bit dot-product instructions (x86
//! VNNI, Arm dotprod); elsewhere ONNX Runtime's int8 kernels are no faster
//! than float, so `auto` picks int8 only where they are there.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The `--precision` / `VIDMATTE_PRECISION` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Int8 for `original`'s ISNet where the CPU has the instructions for
    /// it and setup made the copy; float otherwise (and always for `pro`).
    #[default]
    Auto,
    /// The float weights as shipped (ISNet's are fp16, run as float).
    #[serde(rename = "fp32")]
    Float,
    /// The int8 copy, wherever the model has one (ISNet in original and pro).
    Int8,
}

impl Precision {
    pub const ALL: [Precision; 3] = [Self::Auto, Self::Float, Self::Int8];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Float => "fp32",
            Self::Int8 => "int8",
        }
    }

    /// Whether a model that has an int8 copy should use it.
    pub fn wants_int8(self) -> bool {
        match self {
            Self::Auto => cpu_has_int8_dot_product(),
            Self::Float => false,
            Self::Int8 => true,
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("precision must be one of auto, fp32, int8, not {s:?}"))
    }
}

/// 8-bit dot products in hardware: AVX-512 VNNI or AVX-VNNI on x86-64,
/// dotprod on AArch64.
pub fn cpu_has_int8_dot_product() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512vnni")
            || std::arch::is_x86_feature_detected!("avxvnni")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("dotprod")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_explicit_choices_ignore_the_cpu() {
        for p in Precision::ALL {
            assert_eq!(p.as_str().parse::<Precision>(), Ok(p));
        }
        assert!("fp16".parse::<Precision>().is_err());
        assert!(Precision::Int8.wants_int8());
        assert!(!Precision::Float.wants_int8());
        assert_eq!(Precision::Auto.wants_int8(), cpu_has_int8_dot_product());
    }
}
