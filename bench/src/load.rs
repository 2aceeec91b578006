//! The load loop every request/response scenario shares, and the table it prints into: one
//! row per scenario, so figures measured the same way line up.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// Width of the scenario column: the longest name, `subscription fan-out (1000 subscribers)`.
const NAME_WIDTH: usize = 40;

/// What one scenario measured: the latency of each success, the failures, and the wall time.
pub(crate) struct Outcome {
    latencies: Vec<Duration>,
    errors: u64,
    elapsed: Duration,
}

impl Outcome {
    pub(crate) fn new(mut latencies: Vec<Duration>, errors: u64, elapsed: Duration) -> Outcome {
        latencies.sort();
        Outcome {
            latencies,
            errors,
            elapsed,
        }
    }

    /// Several runs of one scenario as one: their successes over their summed wall time.
    pub(crate) fn merged(runs: Vec<Outcome>) -> Outcome {
        let errors = runs.iter().map(|run| run.errors).sum();
        let elapsed = runs.iter().map(|run| run.elapsed).sum();
        let latencies = runs.into_iter().flat_map(|run| run.latencies).collect();
        Outcome::new(latencies, errors, elapsed)
    }

    /// Successes per second of wall time.
    pub(crate) fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub(crate) fn successes(&self) -> usize {
        self.latencies.len()
    }

    /// The `p` quantile (0.5 for the median) of the successes' latencies, in milliseconds.
    pub(crate) fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    /// One row of the table; `rss_kib` is the server's, `None` where no server ran.
    pub(crate) fn print(&self, name: &str, rss_kib: Option<u64>) {
        self.print_as(name, &format!("{:.1}", self.rate()), rss_kib);
    }

    /// One row whose req/s column says something else (how many rounds ran, say).
    pub(crate) fn print_as(&self, name: &str, rate: &str, rss_kib: Option<u64>) {
        print_row(
            name,
            rate,
            &format!("{:.1}", self.percentile(0.5)),
            &format!("{:.1}", self.percentile(0.99)),
            self.errors,
            rss_kib,
        );
    }
}

/// The middle of `values` (the upper of the two middles for an even count); NaN for none.
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

pub(crate) fn print_header() {
    println!(
        "{:<NAME_WIDTH$} {:>10} {:>9} {:>9} {:>7} {:>12}",
        "scenario", "req/s", "p50 ms", "p99 ms", "errors", "server RSS"
    );
}

pub(crate) fn print_row(name: &str, rate: &str, p50: &str, p99: &str, errors: u64, rss_kib: Option<u64>) {
    let rss = rss_kib.map_or("-".to_owned(), |kib| format!("{} MiB", kib / 1024));
    println!("{name:<NAME_WIDTH$} {rate:>10} {p50:>9} {p99:>9} {errors:>7} {rss:>12}");
}

/// `clients` loops calling `request` until `duration` is over; successes are timed. Each
/// client's calls run one after another, so the figure is what `clients` users see, not an
/// open-loop arrival rate. `request` gets the client's index and answers whether the reply
/// was the one expected.
pub(crate) async fn run_scenario<F, Fut>(clients: usize, duration: Duration, request: F) -> Outcome
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>> + Send + 'static,
{
    let started = Instant::now();
    let deadline = started + duration;
    let request = Arc::new(request);
    let mut tasks = Vec::new();
    for client in 0..clients {
        let request = request.clone();
        tasks.push(async move {
            let mut calls = Vec::new();
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
    let latencies = results.iter().flat_map(|(c, _)| c.iter().copied()).collect();
    Outcome::new(latencies, results.iter().map(|(_, e)| e).sum(), elapsed)
}
