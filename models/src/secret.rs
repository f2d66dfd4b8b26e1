//! Secrets people and machines present: random tokens, their stored digests, constant-time comparison.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A new random secret: `prefix` and 32 random bytes in hex. The prefix (`rc_`, `rcs_`, `rck_`) tells a
/// person (and a secret scanner) what a leaked string is.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// SHA-256 of a secret, hex. Secrets are stored only as digests and looked up by them.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The CSRF token of a web session: derived from the session's secret, so it needs no storage and only
/// the holder of the session cookie can know it.
pub fn csrf_token(session_token: &str) -> String {
    digest(&format!("riverchief-csrf:{session_token}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_stored_as_digests() {
        let (a, b) = (random_token("rc_"), random_token("rc_"));
        assert_ne!(a, b);
        assert!(a.starts_with("rc_") && a.len() == 3 + 64);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), digest(&b));
    }

    #[test]
    fn comparison_and_csrf() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert_eq!(csrf_token("s1"), csrf_token("s1"));
        assert_ne!(csrf_token("s1"), csrf_token("s2"));
    }
}
