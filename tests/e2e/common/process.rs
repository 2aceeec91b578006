//! The real `commons` binary as a child process, as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_commons");

/// A `commons serve` process on 127.0.0.1:0; killed when dropped.
pub struct ServerProcess {
    pub address: String,
    child: Child,
    /// Every line the server has logged so far (JSON, one event a line).
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `commons` over `database_url` with `env` set, and waits until it logs its
    /// address.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        let mut child = Command::new(BIN)
            .args(["--database-url", database_url])
            .env("COMMONS_LISTEN", "127.0.0.1:0")
            .env("COMMONS_LOG_FORMAT", "json")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("commons starts");
        let stdout = child.stdout.take().expect("stdout");
        let (found, address) = tokio::sync::oneshot::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            let mut found = Some(found);
            // Keep reading to the end, so the server never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                kept.lock().expect("the log").push(line.clone());
                if let Some(at) = line.find("GraphiQL at http://") {
                    let rest = &line[at + "GraphiQL at http://".len()..];
                    let address: String = rest.chars().take_while(|c| *c != '/' && *c != ' ').collect();
                    if let Some(found) = found.take() {
                        found.send(address).ok();
                    }
                }
            }
        });
        let address = tokio::time::timeout(Duration::from_secs(60), address)
            .await
            .expect("the server logs its address")
            .expect("an address");
        ServerProcess { address, child, log }
    }

    /// The lines logged so far that contain `needle`.
    pub fn logged(&self, needle: &str) -> Vec<String> {
        let log = self.log.lock().expect("the log");
        log.iter().filter(|line| line.contains(needle)).cloned().collect()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
