//! Signed, expiring download URLs: HMAC-SHA256 over the job id and expiry,
//! with a secret kept in the data directory (created on first start).

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use anyhow::Context;

pub struct Signer {
    secret: Vec<u8>,
}

impl Signer {
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("url-signing.key");
        let secret = match std::fs::read(&path) {
            Ok(secret) if secret.len() >= 32 => secret,
            _ => {
                let secret: [u8; 32] = rand::random();
                std::fs::write(&path, secret)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                secret.to_vec()
            }
        };
        Ok(Self { secret })
    }

    pub fn sign(&self, job_id: &str, expires: i64) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(format!("{job_id}:{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn verify(&self, job_id: &str, expires: i64, signature: &str) -> bool {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(format!("{job_id}:{expires}").as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}
