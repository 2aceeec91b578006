//! The server under test: `commons serve` as a child process, and its resident memory, read
//! from /proc so the table can say what each scenario cost the server in memory.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;

/// The secret the server signs access tokens with. The benchmark knows it so the SQL baselines
/// can read the user and session out of a token, as the server does on every request.
pub(crate) const JWT_SECRET: &str = "a benchmark secret that is long enough to sign with";

/// A running `commons serve`, killed when dropped.
pub(crate) struct Server(Child);

impl Server {
    pub(crate) fn start(binary: &str, database_url: &str, listen: &str) -> anyhow::Result<Server> {
        let child = Command::new(binary)
            .args([
                "--database-url",
                database_url,
                "serve",
                "--listen",
                listen,
                // The benchmark logs its users in far faster than any person would.
                "--auth-rate-limit",
                "0",
            ])
            .env("COMMONS_JWT_SECRET", JWT_SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {binary}"))?;
        Ok(Server(child))
    }

    pub(crate) fn pid(&self) -> u32 {
        self.0.id()
    }

    pub(crate) fn rss_kib(&self) -> u64 {
        rss_kib(self.pid())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Resident memory of a process, from /proc (Linux); 0 where that is not available.
pub(crate) fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// Samples a process's RSS every 100 ms and keeps the peak.
pub(crate) struct RssSampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<u64>,
}

impl RssSampler {
    pub(crate) fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            peak
        });
        RssSampler { stop, task }
    }

    /// The peak in KiB.
    pub(crate) async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or(0)
    }
}
