//! Access tokens (short-lived JWTs, HS256 pinned; exp, iss and aud checked) and refresh tokens
//! (opaque random strings; only their SHA-256 is stored).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use commons_core::Timestamp;

pub const ISSUER: &str = "commons";
pub const AUDIENCE: &str = "commons-api";
/// Refresh tokens carry this prefix, so a bearer credential's kind is known without a lookup.
pub const REFRESH_PREFIX: &str = "crt_";
/// API keys carry this prefix, so the gateway tells them from JWTs without a database hit.
pub const API_KEY_PREFIX: &str = "cak_";
/// Shorter secrets make HS256 guessable offline.
pub const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    /// The session the token was issued in: revoking the session stops the token.
    pub sid: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the JWT secret must be at least {MIN_SECRET_LEN} bytes")]
    TooShort,
}

impl TokenKeys {
    pub fn from_secret(secret: &[u8]) -> Result<TokenKeys, KeyError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError::TooShort);
        }
        // Only HS256 is accepted: a token naming another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the injectable clock in `verify`, not the system clock.
        validation.validate_exp = false;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }

    /// A fresh random secret, for development when none is configured.
    pub fn random_secret() -> Vec<u8> {
        let mut secret = vec![0u8; 64];
        rand::rng().fill_bytes(&mut secret);
        secret
    }

    /// A signed access token. Signing does not fail with a valid key, but if it ever does the
    /// caller must refuse the sign-in rather than hand out an empty token.
    pub fn issue(
        &self,
        user: Uuid,
        session: Uuid,
        now: Timestamp,
        ttl: chrono::Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = AccessClaims {
            sub: user,
            sid: session,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The claims of a well-formed, correctly signed, unexpired token; `None` for anything else.
    pub fn verify(&self, token: &str, now: Timestamp) -> Option<AccessClaims> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation).ok()?;
        (data.claims.exp > now.timestamp()).then_some(data.claims)
    }
}

/// A new opaque refresh token and the hash to store for it.
pub fn new_refresh_token() -> (String, String) {
    new_secret(REFRESH_PREFIX)
}

/// 256 random bits after `prefix`, and the hash to store for them.
pub fn new_secret(prefix: &str) -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

/// SHA-256 is enough here: the token has 256 random bits, so there is nothing to brute-force.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    fn keys() -> TokenKeys {
        TokenKeys::from_secret(&[7u8; 32]).unwrap()
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let now = Utc::now();
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let token = keys()
            .issue(user, session, now, Duration::minutes(15))
            .expect("signed");
        let claims = keys().verify(&token, now).unwrap();
        assert_eq!((claims.sub, claims.sid), (user, session));
        assert!(keys().verify(&token, now + Duration::minutes(16)).is_none());
    }

    #[test]
    fn foreign_unsigned_and_malformed_tokens_are_refused() {
        let now = Utc::now();
        let token = keys()
            .issue(Uuid::now_v7(), Uuid::now_v7(), now, Duration::minutes(15))
            .expect("signed");
        let other = TokenKeys::from_secret(&[8u8; 32]).unwrap();
        assert!(other.verify(&token, now).is_none());
        // The same claims with `alg: none` and no signature.
        let payload = token.split('.').nth(1).unwrap();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys().verify(&format!("{header}.{payload}."), now).is_none());
        assert!(keys().verify("not.a.token", now).is_none());
        assert!(keys().verify("", now).is_none());
        assert!(TokenKeys::from_secret(b"short").is_err());
    }

    #[test]
    fn refresh_tokens_are_prefixed_and_stored_hashed() {
        let (token, hash) = new_refresh_token();
        assert!(token.starts_with(REFRESH_PREFIX));
        assert_eq!(hash, hash_token(&token));
        assert_eq!(hash.len(), 64);
        assert_ne!(new_refresh_token().0, token);
    }
}
