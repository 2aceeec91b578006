//! The Commons benchmark. It starts `commons serve` as a child process on a database of its
//! choosing, drives it over loopback, and prints one table: scenario, requests per second,
//! p50, p99, errors, server memory. Every figure that has a natural ceiling is printed next
//! to that ceiling, measured in the same run on the same machine: login next to the raw
//! argon2 hash rate, the feed and placing an order next to their own SQL run directly on the
//! database.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use commons_identity::password::{hash_with, verify_with};
use serde_json::json;

mod api;
mod fanout;
mod feed;
mod load;
mod orders;
mod payments;
mod race;
mod reactions;
mod server;

use api::{PASSWORD, gql};
use load::{print_header, print_row, run_scenario};
use server::{RssSampler, Server};

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
    /// Table sizes (published resources) to run the feed at, comma-separated, smallest first;
    /// each tops the database up with `commons seed --scale`. Empty (`--scales ""`) skips the
    /// feed.
    #[arg(long, default_value = "10000,100000,1000000", value_parser = parse_scales)]
    scales: Scales,
    /// WebSocket subscribers of one resource in the fan-out scenario; 0 skips it. Each holds
    /// a socket open in the benchmark and in the server, so a thousand need an open-files
    /// limit above 2,000 (`bench/run` raises it).
    #[arg(long, default_value_t = 1000)]
    fanout_subscribers: usize,
    /// Comments written at once after the quiet feed at the smallest scale, before the same
    /// feed runs again (the notifier still catching up); 0 skips it.
    #[arg(long, default_value_t = 5000)]
    write_burst: usize,
    /// Race a peer over the same database instead of running the scenarios: the anonymous
    /// feed and one resource at each of `--race-clients`, in interleaved rounds, and pgbench
    /// running the SQL of one feed; at the largest of `--scales`. `bench/run` installs the
    /// peer (PostGraphile 5, from bench/postgraphile's lockfile).
    #[arg(long, value_enum)]
    peer: Option<PeerKind>,
    #[arg(long, value_delimiter = ',', default_value = "4,16,64")]
    race_clients: Vec<usize>,
    #[arg(long, default_value_t = 3)]
    race_rounds: usize,
    /// Where the peer is installed.
    #[arg(long, default_value = "bench/postgraphile")]
    peer_dir: String,
    #[arg(long, default_value_t = 18090)]
    peer_port: u16,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PeerKind {
    /// PostGraphile 5 (Node).
    Postgraphile,
}

/// The feed's table sizes. A type of its own so that an empty value means none (clap would
/// read `--scales ""` as one empty number).
#[derive(Clone)]
struct Scales(Vec<u64>);

fn parse_scales(text: &str) -> Result<Scales, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|e| format!("{s:?} is not a table size: {e}")))
        .collect::<Result<_, _>>()
        .map(Scales)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let clients = args.clients.unwrap_or(cores * 2);
    let duration = Duration::from_secs(args.seconds);

    let server = Server::start(&args.server, &args.database_url, &args.listen)?;
    let base = format!("http://{}", args.listen);
    let http = reqwest::Client::new();
    api::wait_ready(&http, &base).await?;
    if args.peer.is_some() {
        return race(&args, &server, &base, duration).await;
    }

    // One account per client, and one that writes what the scenarios act on.
    let users: Vec<String> = (0..clients).map(|i| format!("bench{i}")).collect();
    for username in users.iter().chain(std::iter::once(&AUTHOR.to_owned())) {
        api::register(&http, &base, username).await?;
    }
    let author = api::sign_in(&http, &base, AUTHOR).await?;
    let sessions = api::sign_in_all(&http, &base, &users).await?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis()
        .to_string();
    let stage = reactions::Stage::seed(&http, &base, &author, &sessions, &stamp).await?;
    let live =
        api::publish_blogpost(&http, &base, &author, &format!("Benchmark live {stamp}"), "Live.").await?;
    let products = orders::Products::seed(&http, &base, &author, clients, &stamp).await?;
    // Idle means a while after the last request: the password hashers keep their buffers
    // through a burst of sign-ins, and the allocator returns freed memory seconds later.
    tokio::time::sleep(IDLE_AFTER).await;
    let idle_rss = server.rss_kib();

    // Login against its ceiling, argon2id with the server's parameters (one verification per
    // core at a time), in interleaved rounds: this machine's speed drifts between runs by
    // more than the gap measured, and a round pair sees the same machine.
    let sign_in = |i: usize| {
        let (http, base, email) = (http.clone(), base.clone(), api::email(&users[i % users.len()]));
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
    };
    let round = duration / LOGIN_ROUNDS;
    let sampler = RssSampler::start(server.pid());
    let (mut hash_rates, mut logins) = (Vec::new(), Vec::new());
    for _ in 0..LOGIN_ROUNDS {
        hash_rates.push(argon2_rate(cores, round)?);
        logins.push(run_scenario(clients, round, &sign_in).await);
    }
    let login_rss = sampler.stop().await;
    let login_ratio = load::median(
        logins
            .iter()
            .zip(&hash_rates)
            .map(|(login, hashes)| login.rate() / hashes)
            .collect(),
    );
    let hash_rate = hash_rates.iter().sum::<f64>() / hash_rates.len() as f64;
    let login = load::Outcome::merged(logins);

    println!();
    println!(
        "Commons benchmark · {cores} cores · {clients} clients · {} s per scenario · {}",
        args.seconds,
        redact(&args.database_url)
    );
    print_header();
    print_row(
        &format!("idle ({} s after start + seed)", IDLE_AFTER.as_secs()),
        "0.0",
        "-",
        "-",
        0,
        Some(idle_rss),
    );
    print_row(
        "argon2id verify (raw)",
        &format!("{hash_rate:.1}"),
        "-",
        "-",
        0,
        None,
    );
    login.print("login", Some(login_rss));
    let mut peak_rss = login_rss;

    // Access tokens last 15 minutes: each scenario signs in afresh, so long runs stay valid.
    let sessions = api::sign_in_all(&http, &base, &users).await?;
    let sampler = RssSampler::start(server.pid());
    let toggled = reactions::toggle_reaction(&base, &sessions, &stage, duration).await;
    let rss = sampler.stop().await;
    toggled.print("toggle reaction", Some(rss));
    peak_rss = peak_rss.max(rss);

    let sessions = api::sign_in_all(&http, &base, &users).await?;
    let sampler = RssSampler::start(server.pid());
    let commented = reactions::add_comment(&base, &sessions, &stage, duration).await;
    let rss = sampler.stop().await;
    commented.print("add comment", Some(rss));
    peak_rss = peak_rss.max(rss);

    let sessions = api::sign_in_all(&http, &base, &users).await?;
    let sampler = RssSampler::start(server.pid());
    let page = reactions::resource_page(&base, &sessions, &stage, duration).await;
    let rss = sampler.stop().await;
    page.print(
        &format!("resource page ({} comments)", reactions::THREAD_COMMENTS),
        Some(rss),
    );
    peak_rss = peak_rss.max(rss);

    let sql = feed::connect(&args.database_url).await?;
    let sessions = api::sign_in_all(&http, &base, &users).await?;
    let sampler = RssSampler::start(server.pid());
    let ordered = orders::over_http(&base, &sessions, &products, duration).await;
    let rss = sampler.stop().await;
    let ordered_directly = orders::direct_sql(&sql, &sessions, &products, duration).await;
    ordered.print("place order (create + place)", Some(rss));
    ordered_directly.print("place order SQL only", None);
    peak_rss = peak_rss.max(rss);

    let sessions = api::sign_in_all(&http, &base, &users).await?;
    let sampler = RssSampler::start(server.pid());
    let paid = payments::over_http(&base, &sessions, &products, duration).await;
    let rss = sampler.stop().await;
    let paid_directly = payments::direct_sql(&sql, &sessions, &products, duration).await;
    paid.print("pay order (create + place + pay)", Some(rss));
    paid_directly.print("pay order SQL only", None);
    peak_rss = peak_rss.max(rss);

    let mut fanout_note = None;
    if args.fanout_subscribers > 0 {
        let author = api::sign_in(&http, &base, AUTHOR).await?;
        let sampler = RssSampler::start(server.pid());
        let fanned = fanout::run(&base, &author, &live, args.fanout_subscribers).await?;
        let rss = sampler.stop().await;
        fanned.outcome.print_as(
            &format!("subscription fan-out ({} subscribers)", args.fanout_subscribers),
            &format!("{} rounds", fanned.outcome.successes()),
            Some(rss),
        );
        peak_rss = peak_rss.max(rss);
        fanout_note = Some(fanned);
    }

    let mut feed_ratios = Vec::new();
    let mut after_burst = None;
    for (n, scale) in args.scales.0.iter().enumerate() {
        feed::seed(&args.server, &args.database_url, *scale)?;
        let sessions = api::sign_in_all(&http, &base, &users).await?;
        let sampler = RssSampler::start(server.pid());
        let over_http = feed::over_http(&base, &sessions, duration).await;
        let rss = sampler.stop().await;
        let direct = feed::direct_sql(&sql, &sessions, duration).await;
        over_http.print(&format!("feed @ {scale}"), Some(rss));
        direct.print(&format!("feed SQL only @ {scale}"), None);
        peak_rss = peak_rss.max(rss);
        feed_ratios.push((*scale, over_http.rate(), direct.rate(), over_http.percentile(0.5)));
        if n == 0 && args.write_burst > 0 {
            // The same feed right after a burst of writes, while the server still notifies
            // and delivers what they set off: what readers see after a busy minute.
            let written = reactions::comment_burst(&base, &sessions, &stage, args.write_burst).await;
            let sampler = RssSampler::start(server.pid());
            let busy = feed::over_http(&base, &sessions, duration).await;
            let rss = sampler.stop().await;
            busy.print(&format!("feed @ {scale} after {written} writes"), Some(rss));
            peak_rss = peak_rss.max(rss);
            after_burst = Some((*scale, written, busy.rate() / over_http.rate()));
        }
    }
    println!();
    println!(
        "login / raw argon2 = {:.1}%, the median of {LOGIN_ROUNDS} interleaved rounds (logins \
         cannot beat hashing; the target is at least 90%)",
        100.0 * login_ratio
    );
    println!(
        "place order: {:.1}% of its SQL run directly (one order = createOrder + placeOrder)",
        100.0 * ordered.rate() / ordered_directly.rate()
    );
    println!(
        "pay order: {:.1}% of its SQL run directly (one checkout = createOrder + placeOrder + payOrder)",
        100.0 * paid.rate() / paid_directly.rate()
    );
    if let Some(fanned) = &fanout_note {
        println!(
            "fan-out: p50/p99 over {} rounds (one comment each, one at a time) of the time from \
             addComment's HTTP response to its receipt by the last of {} subscribers; errors are \
             subscribers that failed or dropped and rounds that missed someone",
            fanned.outcome.successes(),
            fanned.subscribers
        );
    }
    for (scale, http, direct, p50) in &feed_ratios {
        println!(
            "feed @ {scale}: {:.1}% of its SQL run directly; p50 {:.2}× the smallest table's",
            100.0 * http / direct,
            p50 / feed_ratios[0].3
        );
    }
    if let Some((scale, written, ratio)) = after_burst {
        println!(
            "feed @ {scale} right after {written} writes: {:.1}% of the quiet feed's req/s \
             (the target is at least 85%)",
            100.0 * ratio
        );
    }
    println!(
        "server RSS: idle {} MiB, peak under load {} MiB",
        idle_rss / 1024,
        peak_rss / 1024
    );
    Ok(())
}

/// `--peer`: seeds the feed's tables, starts the peer on them and runs the race.
async fn race(args: &Args, server: &Server, base: &str, duration: Duration) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.database_url.starts_with("postgres"),
        "the race runs on PostgreSQL: the peer serves PostgreSQL only"
    );
    let mut scale = 0;
    for &size in &args.scales.0 {
        feed::seed(&args.server, &args.database_url, size)?;
        scale = size;
    }
    anyhow::ensure!(scale > 0, "the race reads the feed: give --scales a table size");
    let peer = race::Peer::postgraphile(&args.peer_dir, &args.database_url, args.peer_port).await?;
    let sql = feed::connect(&args.database_url).await?;
    let idle = (server.rss_kib(), server::rss_kib(peer.pid()));
    race::Race {
        clients: args.race_clients.clone(),
        rounds: args.race_rounds,
        duration,
    }
    .run(base, &peer, &sql, &args.database_url, scale)
    .await?;
    println!(
        "server RSS: Commons {} MiB idle, {} MiB after the race; PostGraphile {} MiB idle, {} MiB after",
        idle.0 / 1024,
        server.rss_kib() / 1024,
        idle.1 / 1024,
        server::rss_kib(peer.pid()) / 1024
    );
    Ok(())
}

/// Rounds of raw argon2 and of login, taking turns within the login scenario's time.
const LOGIN_ROUNDS: u32 = 3;

/// How long the server is left alone before its idle memory is read.
const IDLE_AFTER: Duration = Duration::from_secs(10);

/// The account that publishes the resources the scenarios act on, and comments in fan-out.
const AUTHOR: &str = "benchauthor";

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

fn redact(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}
