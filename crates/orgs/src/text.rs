//! Organization-specific text rules: slugs and invite codes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::Error;

/// Addresses that would be confused with the platform's own pages.
const RESERVED_SLUGS: &[&str] = &[
    "admin", "api", "graphql", "new", "settings", "commons", "me", "org", "orgs",
];

/// 3 to 64 of a–z, 0–9 and `-`, not starting or ending with `-`; stored lower-cased.
pub fn normalize_slug(slug: &str) -> Result<String, Error> {
    let slug = slug.trim().to_lowercase();
    let bad = |message: &str| Err(Error::invalid("slug", message));
    if !(3..=64).contains(&slug.chars().count()) {
        return bad("the address must be 3 to 64 characters");
    }
    if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad("the address may contain only letters a–z, digits and -");
    }
    if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return bad("the address cannot start or end with -, or contain --");
    }
    if RESERVED_SLUGS.contains(&slug.as_str()) {
        return bad("this address is reserved");
    }
    Ok(slug)
}

/// 128 random bits, base64url: unguessable, short enough for a link or a QR code.
pub fn new_code() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_normalised_and_checked() {
        assert_eq!(
            normalize_slug(" Saratov-Team ").ok().as_deref(),
            Some("saratov-team")
        );
        for bad in ["ab", "-team", "team-", "a--b", "team!", "admin", "команда"] {
            assert!(normalize_slug(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn codes_are_long_and_distinct() {
        let code = new_code();
        assert_eq!(code.len(), 22);
        assert_ne!(code, new_code());
    }
}
