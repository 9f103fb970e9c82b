//! API keys: `vm_live_<32 base62>`, shown once; only a SHA-256 is stored and
//! the fingerprint is its first 12 hex characters.

use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};

pub struct NewKey {
    pub api_key: String,
    pub hash: String,
    pub fingerprint: String,
    pub webhook_secret: String,
}

pub fn generate() -> NewKey {
    let mut rng = rand::thread_rng();
    let api_key = format!("vm_live_{}", Alphanumeric.sample_string(&mut rng, 32));
    let hash = hash(&api_key);
    NewKey {
        fingerprint: hash[..12].to_string(),
        hash,
        api_key,
        webhook_secret: format!("whsec_{}", Alphanumeric.sample_string(&mut rng, 32)),
    }
}

pub fn hash(api_key: &str) -> String {
    hex::encode(Sha256::digest(api_key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_the_contract_shape() {
        let key = generate();
        assert!(key.api_key.starts_with("vm_live_") && key.api_key.len() == 40);
        assert!(key.api_key[8..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(key.hash, hash(&key.api_key));
        assert_eq!(key.fingerprint, &key.hash[..12]);
    }
}
