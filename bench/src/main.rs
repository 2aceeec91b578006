//! The Commons benchmark. It starts `commons serve` as a child process on a database of its
//! choosing, drives it over loopback, and prints one table: scenario, requests per second,
//! p50, p99, errors, server memory. Every figure that has a natural ceiling is printed next
//! to that ceiling, measured in the same run on the same machine: login next to the raw
//! argon2 hash rate, the feed next to its own SQL run directly on the database.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use commons_identity::password::{hash_with, verify_with};
use serde_json::{Value, json};

mod feed;

#[derive(Parser)]
struct Args {
    /// The `commons` binary to benchmark (a release build).
    #[arg(long)]
    server: String,
    #[arg(long)]
    database_url: String,
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients; by default twice the cores.
    #[arg(long)]
    clients: Option<usize>,
    #[arg(long, default_value = "127.0.0.1:18080")]
    listen: String,
    /// Table sizes (published resources) to run the feed at, smallest first; each tops the
    /// database up with `commons seed --scale`. Empty to skip the feed.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    scales: Vec<u64>,
}

const PASSWORD: &str = "benchmark password 2026";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let clients = args.clients.unwrap_or(cores * 2);
    let duration = Duration::from_secs(args.seconds);

    let server = Server::start(&args)?;
    let base = format!("http://{}", args.listen);
    let http = reqwest::Client::new();
    wait_ready(&http, &base).await?;

    let users: Vec<String> = (0..clients).map(|i| format!("bench{i}@example.org")).collect();
    for (i, email) in users.iter().enumerate() {
        let reply = gql(
            &http,
            &base,
            "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
            json!({ "i": { "email": email, "username": format!("bench{i}"), "password": PASSWORD } }),
        )
        .await?;
        if reply["errors"].is_array() && !reply["errors"][0]["extensions"]["code"].eq("CONFLICT") {
            bail!("seeding failed: {reply}");
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = server.rss_kib();

    // The ceiling: argon2id with the server's parameters, one verification per core at a time.
    let hash_rate = argon2_rate(cores, duration)?;

    let sampler = RssSampler::start(server.pid());
    let login = run_scenario(clients, duration, |i| {
        let (http, base, email) = (http.clone(), base.clone(), users[i % users.len()].clone());
        async move {
            let reply = gql(
                &http,
                &base,
                "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                json!({ "i": { "email": email, "password": PASSWORD } }),
            )
            .await?;
            Ok(reply["data"]["login"]["accessToken"].is_string())
        }
    })
    .await;
    let peak_rss = sampler.stop().await;

    println!();
    println!(
        "Commons benchmark · {cores} cores · {clients} clients · {} s per scenario · {}",
        args.seconds,
        redact(&args.database_url)
    );
    println!(
        "{:<28} {:>10} {:>9} {:>9} {:>7} {:>12}",
        "scenario", "req/s", "p50 ms", "p99 ms", "errors", "server RSS"
    );
    println!(
        "{:<28} {:>10.1} {:>9} {:>9} {:>7} {:>9} MiB",
        "idle (after start + seed)",
        0.0,
        "-",
        "-",
        0,
        idle_rss / 1024
    );
    println!(
        "{:<28} {:>10.1} {:>9} {:>9} {:>7} {:>12}",
        "argon2id verify (raw)", hash_rate, "-", "-", 0, "-"
    );
    login.print("login", Some(peak_rss));

    let sql = feed::connect(&args.database_url).await?;
    let mut feed_ratios = Vec::new();
    for scale in &args.scales {
        feed::seed(&args.server, &args.database_url, *scale)?;
        let sampler = RssSampler::start(server.pid());
        let over_http = feed::over_http(&base, clients, duration).await;
        let rss = sampler.stop().await;
        let direct = feed::direct_sql(&sql, clients, duration).await;
        over_http.print(&format!("feed @ {scale}"), Some(rss));
        direct.print(&format!("feed SQL only @ {scale}"), None);
        feed_ratios.push((*scale, over_http.rate(), direct.rate(), over_http.percentile(0.5)));
    }
    println!();
    println!(
        "login / raw argon2 = {:.1}% (logins cannot beat hashing; the target is at least 90%)",
        100.0 * login.rate() / hash_rate
    );
    for (scale, http, direct, p50) in &feed_ratios {
        println!(
            "feed @ {scale}: {:.1}% of its SQL run directly; p50 {:.2}× the smallest table's",
            100.0 * http / direct,
            p50 / feed_ratios[0].3
        );
    }
    println!(
        "server RSS: idle {} MiB, peak under login load {} MiB",
        idle_rss / 1024,
        peak_rss / 1024
    );
    Ok(())
}

/// Verifications per second of the server's argon2id hash on `threads` threads, each reusing
/// its memory as the server's hashing threads do: the fastest this machine can check passwords.
fn argon2_rate(threads: usize, duration: Duration) -> anyhow::Result<f64> {
    let hash = hash_with(PASSWORD.as_bytes(), &mut Vec::new())?;
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (done, hash) = (done.clone(), hash.clone());
            scope.spawn(move || {
                let mut memory = Vec::new();
                while started.elapsed() < duration {
                    if verify_with(PASSWORD.as_bytes(), &hash, &mut memory).unwrap_or(false) {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

struct Outcome {
    latencies: Vec<Duration>,
    errors: u64,
    elapsed: Duration,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    /// One row of the table; `rss_kib` is the server's, `None` where no server ran.
    fn print(&self, name: &str, rss_kib: Option<u64>) {
        let rss = rss_kib.map_or("-".to_owned(), |kib| format!("{} MiB", kib / 1024));
        println!(
            "{:<28} {:>10.1} {:>9.1} {:>9.1} {:>7} {:>12}",
            name,
            self.rate(),
            self.percentile(0.5),
            self.percentile(0.99),
            self.errors,
            rss
        );
    }
}

/// `clients` loops calling `request` until `duration` is over; successes are timed.
async fn run_scenario<F, Fut>(clients: usize, duration: Duration, request: F) -> Outcome
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>> + Send + 'static,
{
    let started = Instant::now();
    let request = Arc::new(request);
    let mut tasks = Vec::new();
    for client in 0..clients {
        let mut calls = Vec::new();
        // Each client's calls run one after another.
        let deadline = started + duration;
        let request = request.clone();
        tasks.push(async move {
            let mut errors = 0;
            while Instant::now() < deadline {
                let begun = Instant::now();
                match request(client).await {
                    Ok(true) => calls.push(begun.elapsed()),
                    _ => errors += 1,
                }
            }
            (calls, errors)
        });
    }
    let results = futures::future::join_all(tasks).await;
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().flat_map(|(c, _)| c.iter().copied()).collect();
    latencies.sort();
    Outcome {
        latencies,
        errors: results.iter().map(|(_, e)| e).sum(),
        elapsed,
    }
}

async fn gql(http: &reqwest::Client, base: &str, query: &str, variables: Value) -> anyhow::Result<Value> {
    let response = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?;
    Ok(response.json().await?)
}

async fn wait_ready(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/ready")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not become ready in 30 s")
}

struct Server(Child);

impl Server {
    fn start(args: &Args) -> anyhow::Result<Server> {
        let child = Command::new(&args.server)
            .args([
                "--database-url",
                &args.database_url,
                "serve",
                "--listen",
                &args.listen,
                "--auth-rate-limit",
                "0",
            ])
            .env(
                "COMMONS_JWT_SECRET",
                "a benchmark secret that is long enough to sign with",
            )
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", args.server))?;
        Ok(Server(child))
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn rss_kib(&self) -> u64 {
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
fn rss_kib(pid: u32) -> u64 {
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
struct RssSampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<u64>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
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

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or(0)
    }
}

fn redact(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}
