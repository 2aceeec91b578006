//! Password hashing (argon2id with the OWASP parameters: 19 MiB, 2 passes, 1 lane) and the
//! password policy.
//!
//! Hashing is deliberately slow and memory-hungry, so it runs on a small pool of dedicated
//! threads, one per core, each reusing one memory buffer. A burst of sign-ins waits in line
//! instead of allocating 19 MiB per attempt: the server's memory stays flat under load, and
//! no time goes to allocating and faulting in fresh pages for every hash. A thread with
//! nothing to hash for half a second gives its buffer back, so an idle server holds none.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use flume::RecvTimeoutError;
use rand::RngCore;
use subtle::ConstantTimeEq;
use tokio::sync::{OnceCell, oneshot};

use crate::error::Error;

pub const MIN_LENGTH: usize = 10;
/// Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
pub const MAX_LENGTH: usize = 128;
const SALT_LEN: usize = 16;

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

/// Work for a hashing thread; it gets the thread's reusable memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// How long a hashing thread keeps its memory with nothing to hash: a burst of sign-ins
/// reuses it, and a quiet server gives the 19 MiB per thread back to the system.
const KEEP_MEMORY: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct Passwords {
    jobs: flume::Sender<Job>,
    /// A hash of nothing in particular, verified when the email is unknown so that an unknown
    /// email takes as long as a wrong password.
    dummy_hash: Arc<OnceCell<String>>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passwords")
    }
}

impl Passwords {
    /// Starts `threads` hashing threads; they stop when the last clone is dropped.
    pub fn new(threads: usize) -> Passwords {
        let (jobs, queue) = flume::bounded::<Job>(1024);
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        let job = if memory.is_empty() {
                            queue.recv().ok()
                        } else {
                            match queue.recv_timeout(KEEP_MEMORY) {
                                Ok(job) => Some(job),
                                Err(RecvTimeoutError::Timeout) => {
                                    memory = Vec::new();
                                    continue;
                                }
                                Err(RecvTimeoutError::Disconnected) => None,
                            }
                        };
                        let Some(job) = job else { break };
                        // A panicking job must not take the thread (and its queue slot) with it.
                        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut memory))).is_err() {
                            memory = Vec::new();
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Passwords {
            jobs,
            dummy_hash: Arc::new(OnceCell::new()),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, Error> {
        let password = password.to_owned();
        self.run(move |memory| hash_with(password.as_bytes(), memory))
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
            .run(move |memory| verify_with(password.as_bytes(), &hash, memory))
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
        work: impl FnOnce(&mut Vec<Block>) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            done.send(work(memory)).ok();
        });
        let stopped = || Error::Hashing("the password hashing threads stopped".into());
        self.jobs.send_async(job).await.map_err(|_| stopped())?;
        result.await.map_err(|_| stopped())?
    }
}

fn hashing_error(e: impl std::fmt::Display) -> Error {
    Error::Hashing(e.to_string())
}

/// `memory` with at least `blocks` blocks.
fn blocks(memory: &mut Vec<Block>, blocks: usize) -> &mut [Block] {
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    &mut memory[..blocks]
}

/// A new PHC-format argon2id hash with the OWASP parameters and a random salt.
pub fn hash_with(password: &[u8], memory: &mut Vec<Block>) -> Result<String, Error> {
    let params = Params::default();
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, &salt, &mut out, blocks(memory, params.block_count()))
        .map_err(hashing_error)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hashing_error)?,
        salt: Some(Salt::new(&salt).map_err(hashing_error)?),
        hash: Some(Output::new(&out).map_err(hashing_error)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC-format `hash`, recomputed with the hash's own
/// parameters (so hashes made with older parameters keep working).
pub fn verify_with(password: &[u8], hash: &str, memory: &mut Vec<Block>) -> Result<bool, Error> {
    let parsed = PasswordHash::new(hash).map_err(hashing_error)?;
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(hashing_error)?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(hashing_error)?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(hashing_error)?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(Error::Hashing("the stored hash has no salt or output".into()));
    };
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(
            password,
            salt.as_ref(),
            &mut out,
            blocks(memory, params.block_count()),
        )
        .map_err(hashing_error)?;
    Ok(out.ct_eq(expected.as_bytes()).into())
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
        match check_policy(password, "wonderland", "alice.smith@example.org") {
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
        assert!(refused("my-wonderland-pass").contains("username"));
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
        // An unknown email is checked against a hash with the same cost parameters as a
        // stored one, so it takes as long as a wrong password.
        let dummy = passwords.dummy_hash().await.unwrap();
        let params = |h: &str| h.rsplitn(3, '$').nth(2).map(str::to_owned);
        assert_eq!(params(&dummy), params(&hash));
    }
}
