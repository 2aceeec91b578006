//! Password hashing (argon2id with the OWASP parameters: 19 MiB, 2 passes, 1 lane) and the
//! password policy.
//!
//! Hashing is deliberately slow and memory-hungry, so it runs on blocking threads and at most
//! `concurrency` hashes run at once: a burst of sign-ins waits in line instead of taking
//! 19 MiB each and starving the async workers.

use std::sync::Arc;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::Error;

pub const MIN_LENGTH: usize = 10;
/// Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
pub const MAX_LENGTH: usize = 128;

/// A few of the most common passwords that pass the length rule; refusing them stops the
/// first guesses of every credential-stuffing list.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "0123456789",
    "1q2w3e4r5t",
    "qwertyuiop",
    "password12",
    "password123",
    "password1234",
    "iloveyou123",
    "qwerty1234",
    "qwerty12345",
    "1qaz2wsx3edc",
    "abcdefghij",
    "letmein123",
    "welcome123",
    "administrator",
    "passw0rd123",
    "football123",
    "monkey12345",
    "zaq12wsxcde",
    "asdfghjkl1",
    "1111111111",
    "superman123",
    "trustno1234",
];

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A hash of nothing in particular, verified when the email is unknown so that an unknown
    /// email takes as long as a wrong password.
    dummy_hash: Arc<OnceCell<String>>,
}

impl Passwords {
    pub fn new(concurrency: usize) -> Passwords {
        Passwords {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(OnceCell::new()),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, Error> {
        let password = password.to_owned();
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| Error::Hashing(e.to_string()))
        })
        .await
    }

    /// Checks `password` against `hash`; with no hash (unknown account) it verifies against
    /// a dummy hash and answers false, taking the same time.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, Error> {
        let (hash, known) = match hash {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash().await?, false),
        };
        let password = password.to_owned();
        let matches = self
            .run(move || {
                Ok(Argon2::default()
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok())
            })
            .await?;
        Ok(known && matches)
    }

    async fn dummy_hash(&self) -> Result<String, Error> {
        self.dummy_hash
            .get_or_try_init(|| self.hash("commons-dummy-password-for-timing"))
            .await
            .cloned()
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Error::Hashing(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::Hashing(e.to_string()))?
    }
}

/// The password policy (ID2): 10 to 128 characters, not one repeated character, not a
/// well-known password, and not containing the username or the email's local part.
pub fn check_policy(password: &str, username: &str, email: &str) -> Result<(), Error> {
    let length = password.chars().count();
    let refuse = |message: String| Err(Error::invalid("password", message));
    if length < MIN_LENGTH {
        return refuse(format!(
            "the password must be at least {MIN_LENGTH} characters long"
        ));
    }
    if length > MAX_LENGTH {
        return refuse(format!(
            "the password must be at most {MAX_LENGTH} characters long"
        ));
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return refuse("the password must not be one character repeated".into());
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return refuse("this password is too common; choose another".into());
    }
    let local_part = email.split('@').next().unwrap_or_default();
    for (name, part) in [("username", username), ("email address", local_part)] {
        if part.chars().count() >= 4 && lower.contains(&part.to_lowercase()) {
            return refuse(format!("the password must not contain your {name}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(password: &str) -> String {
        match check_policy(password, "alice", "alice.smith@example.org") {
            Err(Error::Invalid {
                field: "password",
                message,
            }) => message,
            other => panic!("expected a password error, got {other:?}"),
        }
    }

    #[test]
    fn policy_explains_each_refusal() {
        assert!(refused("short").contains("at least 10"));
        assert!(refused(&"ab".repeat(65)).contains("at most 128"));
        assert!(refused("aaaaaaaaaaaa").contains("repeated"));
        assert!(refused("Password123").contains("too common"));
        assert!(refused("my-alice-pass").contains("username"));
        assert!(refused("alice.smith-2024").contains("email"));
        assert!(check_policy("correct horse battery", "alice", "alice@example.org").is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let passwords = Passwords::new(2);
        let hash = passwords.hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            passwords
                .verify("correct horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("wrong horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("commons-dummy-password-for-timing", None)
                .await
                .unwrap()
        );
    }
}
