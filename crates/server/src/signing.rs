//! Signed, expiring download URLs: HMAC-SHA256 over the job id and expiry,
//! with a secret every node shares through the database (seeded, on an
//! install from before that, by the key file in its data directory, so its
//! links keep working).

use std::path::Path;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The secret's name in the store's shared secrets.
pub const SECRET_NAME: &str = "url_signing";

#[derive(Default)]
pub struct Signer {
    secret: OnceLock<Vec<u8>>,
}

impl Signer {
    /// What this node proposes if the database has no secret yet: the
    /// data directory's old key file, else 32 random bytes.
    pub fn candidate(data_dir: &Path) -> Vec<u8> {
        match std::fs::read(data_dir.join("url-signing.key")) {
            Ok(secret) if secret.len() >= 32 => secret,
            _ => rand::random::<[u8; 32]>().to_vec(),
        }
    }

    /// Sets the secret (once, after the store is open).
    pub fn set(&self, secret: Vec<u8>) {
        let _ = self.secret.set(secret);
    }

    fn secret(&self) -> &[u8] {
        self.secret
            .get()
            .expect("the signing secret is set when the store opens")
    }

    pub fn sign(&self, job_id: &str, expires: i64) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.secret()).expect("HMAC takes any key length");
        mac.update(format!("{job_id}:{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn verify(&self, job_id: &str, expires: i64, signature: &str) -> bool {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.secret()).expect("HMAC takes any key length");
        mac.update(format!("{job_id}:{expires}").as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}

/// `X-Webhook-Signature`: `sha256=` and the hex HMAC-SHA256, under the key's
/// webhook secret, of `"{timestamp}.{raw body}"`.
pub fn webhook_signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn webhook_signature_matches_an_independent_hmac() {
        // Reference value: python3 -c "import hmac,hashlib;print(hmac.new(b'whsec_test',
        //   b'2026-01-01T00:00:00Z.{\"a\":1}', hashlib.sha256).hexdigest())"
        assert_eq!(
            super::webhook_signature("whsec_test", "2026-01-01T00:00:00Z", "{\"a\":1}"),
            format!("sha256={}", REFERENCE)
        );
    }
    const REFERENCE: &str = "f6163ccf4947a34d1a11b47fc45355649ec9bbe4f85b9eebf5996422f6f617bf";
}
