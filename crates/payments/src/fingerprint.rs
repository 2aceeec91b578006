//! What tells a replay from a reused idempotency key: a SHA-256 of the operation and its
//! input, each part length-prefixed so that no two inputs run together alike.

use sha2::{Digest, Sha256};

pub(crate) fn of(operation: &str, parts: &[&str]) -> String {
    let mut digest = Sha256::new();
    for part in std::iter::once(operation).chain(parts.iter().copied()) {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part.as_bytes());
    }
    hex::encode(digest.finalize())
}
