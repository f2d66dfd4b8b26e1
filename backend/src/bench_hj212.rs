//! `riverchief bench hj212`: the HJ 212-2017 receiver measured. First how fast one core cuts and decodes
//! hourly frames (and turns them into validated readings); then a fleet of stations, each uploading an
//! hourly frame every second over loopback to a real [`Server`] storing into a fresh database, every 9014
//! timed from the write that asked for it. The stations run in the same process as the receiver and share
//! its cores, so the end-to-end figures are a lower bound.

use std::collections::VecDeque;
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use chrono::{NaiveDateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Asia::Shanghai;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until};

use models::domain::hj212::{Cp, DataFlag, Flag, FrameScanner, Item, Packet, cn, data_ack_frame, encode, st};
use models::domain::reading::{DataKind, QualityFlag, ReadingInput};
use models::readings::DEFAULT_LIVE_WINDOW;

use crate::bench::{reset_peak, status_mb};
use crate::hj212::{DatabaseSink, FrameSink, Hj212Config, Outcome, Received, Server, SinkError};

/// The nine items of a surface-water automatic station's hourly upload, with typical values (class II
/// water; water temperature, conductivity and turbidity are reported, not evaluated).
const ITEMS: [(&str, f64); 9] = [
    ("w01001", 7.42),  // pH
    ("w01009", 7.9),   // dissolved oxygen, mg/L
    ("w01010", 18.6),  // water temperature, °C
    ("w01014", 412.0), // conductivity, µS/cm
    ("w01003", 11.8),  // turbidity, NTU
    ("w01019", 3.1),   // permanganate index, mg/L
    ("w21003", 0.32),  // ammonia nitrogen, mg/L
    ("w21011", 0.071), // total phosphorus, mg/L
    ("w21001", 0.94),  // total nitrogen, mg/L
];

/// One station in this many reports ammonia nitrogen worse than its target, so the alert path (open once,
/// then update) carries a share of the load as it does in a real network.
const OVER_TARGET_EVERY: usize = 50;
/// Ammonia nitrogen of those stations: class V.
const OVER_TARGET_NH3N: f64 = 1.7;

/// How long each decoding loop runs.
const DECODE_FOR: Duration = Duration::from_secs(2);
/// How long a station waits for its last acknowledgements after its last frame.
const DRAIN: Duration = Duration::from_secs(10);
/// File descriptors the process needs besides the connections (database pool, runtime, stdio).
const SPARE_FDS: u64 = 100;

/// Runs both measurements and prints their tables.
pub async fn run(stations: usize, seconds: u32, into: Option<&str>) -> anyhow::Result<()> {
    if stations == 0 || seconds == 0 {
        anyhow::bail!("--stations and --seconds must be at least 1");
    }
    check_open_files(stations)?;
    let decoding = tokio::task::spawn_blocking(decode_rates).await.context("the decoding loop panicked")??;
    let run = end_to_end(stations, seconds, into).await?;

    let frame_len = decoding.first().map_or(0, |r| r.frame_len);
    println!(
        "riverchief bench hj212: a 2061 hourly frame of {} items ({frame_len} bytes), on one thread for ≥ {} s each",
        ITEMS.len(),
        DECODE_FOR.as_secs()
    );
    println!("| step | frames/s | MB/s |\n|---|---:|---:|");
    for r in &decoding {
        println!("| {} | {:.0} | {:.1} |", r.what, r.frames_per_second(), r.megabytes_per_second());
    }
    println!();
    run.print();
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Frames

/// A station's MN: 14 digits, as the registry's examples are.
fn mn(station: usize) -> String {
    format!("9901{station:010}")
}

/// Station `station`'s hourly upload (CN 2061) for the hour beginning at `data_time` (Beijing time), its
/// `number`th frame, asking for an acknowledgement (Flag=5).
fn hourly_packet(station: usize, number: u32, data_time: NaiveDateTime, qn: String) -> Packet {
    // Values move a little from hour to hour, so the quality rules see a live series.
    let wobble = 1.0 + 0.01 * ((station + number as usize) % 5) as f64;
    let items = ITEMS
        .iter()
        .map(|&(code, typical)| {
            let value = if code == "w21003" && station % OVER_TARGET_EVERY == OVER_TARGET_EVERY - 1 {
                OVER_TARGET_NH3N
            } else {
                typical * wobble
            };
            Item {
                code: code.to_string(),
                avg: Some((value * 1000.0).round() / 1000.0),
                flag: Some(DataFlag::Known(QualityFlag::Normal)),
                ..Item::default()
            }
        })
        .collect();
    Packet {
        qn: Some(qn),
        st: st::SURFACE_WATER.to_string(),
        cn: cn::HOURLY.to_string(),
        pw: Some("123456".to_string()),
        mn: mn(station),
        flag: Some(Flag::new(Flag::VERSION_2017, false, true)),
        cp: Cp { data_time: Some(data_time), items, fields: Vec::new() },
        ..Packet::default()
    }
}

/// A request id (`QN`): the Beijing time now, to the millisecond.
fn qn_now() -> String {
    Utc::now().with_timezone(&Shanghai).format("%Y%m%d%H%M%S%3f").to_string()
}

/// The readings an hourly packet becomes, as the receiver's store builds them.
fn reading_inputs(packet: &Packet, section: &str) -> Vec<ReadingInput> {
    let Some(at) = packet.cp.data_time_utc() else { return Vec::new() };
    models::stations::readings_of(packet, DataKind::Hour, at, section, &Default::default()).0
}

// ---------------------------------------------------------------------------------------------------
// Decoding on one core

struct DecodeRate {
    what: &'static str,
    frame_len: usize,
    frames: u64,
    seconds: f64,
}

impl DecodeRate {
    fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.seconds
    }

    fn megabytes_per_second(&self) -> f64 {
        self.frames_per_second() * self.frame_len as f64 / 1e6
    }
}

/// Pushes `frame` into one scanner over and over for [`DECODE_FOR`], handing each packet to `then`.
fn decode_loop(frame: &[u8], mut then: impl FnMut(Packet) -> anyhow::Result<()>) -> anyhow::Result<(u64, f64)> {
    let mut scanner = FrameScanner::new();
    let started = std::time::Instant::now();
    let mut frames = 0u64;
    loop {
        for _ in 0..512 {
            scanner.push(black_box(frame));
            for result in scanner.by_ref() {
                then(result.context("the bench frame did not decode")?)?;
                frames += 1;
            }
        }
        let elapsed = started.elapsed();
        if elapsed >= DECODE_FOR {
            return Ok((frames, elapsed.as_secs_f64()));
        }
    }
}

fn decode_rates() -> anyhow::Result<Vec<DecodeRate>> {
    let hour = Utc::now().with_timezone(&Shanghai).naive_local() - TimeDelta::hours(2);
    let frame = encode(&hourly_packet(0, 0, floor_hour(hour), qn_now()))?;
    let frame = frame.as_bytes();
    let now = Utc::now();
    let mut rates = Vec::new();
    let mut rate = |what, (frames, seconds)| rates.push(DecodeRate { what, frame_len: frame.len(), frames, seconds });

    rate(
        "FrameScanner: push the frame, take its packet (length, CRC, fields, CP)",
        decode_loop(frame, |packet| {
            black_box(packet);
            Ok(())
        })?,
    );
    rate(
        "… then its 9 readings built and checked (ReadingInput::validate)",
        decode_loop(frame, |packet| {
            for input in reading_inputs(&packet, "S00000") {
                black_box(input.validate(now).map_err(|p| anyhow::anyhow!("invalid reading: {p:?}"))?);
            }
            Ok(())
        })?,
    );
    rate(
        "… then its 9014 written (data_ack_frame)",
        decode_loop(frame, |packet| {
            for input in reading_inputs(&packet, "S00000") {
                black_box(input.validate(now).map_err(|p| anyhow::anyhow!("invalid reading: {p:?}"))?);
            }
            black_box(data_ack_frame(&packet)?);
            Ok(())
        })?,
    );
    Ok(rates)
}

fn floor_hour(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_minute(0)).unwrap_or(t)
}

// ---------------------------------------------------------------------------------------------------
// End to end

/// Each connection costs two descriptors here, since the stations' ends are in this process too.
fn check_open_files(stations: usize) -> anyhow::Result<()> {
    let Some(limit) = std::fs::read_to_string("/proc/self/limits").ok().as_deref().and_then(max_open_files) else {
        return Ok(());
    };
    let needed = 2 * stations as u64 + SPARE_FDS;
    if limit < needed {
        anyhow::bail!(
            "{stations} stations need {needed} open files (each connection's two ends are in this process, plus \
             {SPARE_FDS}), but the limit is {limit}: run `ulimit -n {needed}` in this shell first, or give fewer \
             --stations"
        );
    }
    Ok(())
}

/// The soft limit in `/proc/self/limits`; `None` if unlimited or unreadable.
fn max_open_files(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The process's CPU time so far (user + system), from `/proc/self/stat` in USER_HZ (100 per second).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// `TcpExt: ListenOverflows` of `/proc/net/netstat`: connections the kernel dropped because a listener's
/// accept queue was full (for the whole network namespace; the client retries its SYN a second later).
fn listen_overflows() -> Option<u64> {
    netstat_field(&std::fs::read_to_string("/proc/net/netstat").ok()?, "TcpExt:", "ListenOverflows")
}

/// A field of `/proc/net/netstat`, where each group is a line of names followed by a line of values.
fn netstat_field(netstat: &str, group: &str, name: &str) -> Option<u64> {
    let mut lines = netstat.lines().filter(|l| l.starts_with(group));
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        if let Some(at) = names.split_whitespace().position(|n| n == name) {
            return values.split_whitespace().nth(at)?.parse().ok();
        }
    }
    None
}

/// Whether the connections to PostgreSQL negotiated TLS (`sslmode=prefer`, sqlx's default, does when the
/// server offers it); `None` on SQLite. Printed because it changes the commit time by an order of magnitude.
async fn postgres_tls(db: &sea_orm::DatabaseConnection) -> Option<bool> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.ok()??;
    row.try_get_by_index(0).ok()
}

/// One commit as the sink saw it.
#[derive(Debug, Clone, Copy)]
struct Commit {
    size: usize,
    /// From the oldest message's last byte read to the start of its commit.
    waited: Duration,
    /// In `store_group`: lookup, the readings' writer, the devices' counters and the commit.
    took: Duration,
    refused: usize,
    failed: bool,
}

/// The database sink, with each commit's size and time noted.
struct Timed {
    inner: DatabaseSink,
    commits: Mutex<Vec<Commit>>,
}

impl FrameSink for Timed {
    async fn store(&self, group: Vec<Received>) -> Result<Vec<Outcome>, SinkError> {
        let size = group.len();
        let oldest = group.iter().map(|r| r.received_at).min();
        let waited = oldest.and_then(|o| (Utc::now() - o).to_std().ok()).unwrap_or_default();
        let started = Instant::now();
        let result = self.inner.store(group).await;
        let took = started.elapsed();
        let (refused, failed) = match &result {
            Ok(outcomes) => (outcomes.iter().filter(|o| **o != Outcome::Stored).count(), false),
            Err(_) => (0, true),
        };
        self.commits.lock().unwrap_or_else(PoisonError::into_inner).push(Commit {
            size,
            waited,
            took,
            refused,
            failed,
        });
        result
    }
}

/// What is shared by every station of a run.
struct Plan {
    stations: usize,
    frames: u32,
    /// When the first station sends its first frame; the others follow, spread over the first second.
    start: Instant,
    /// The DataTime of every station's first frame; each next frame is an hour later.
    first_hour: NaiveDateTime,
}

/// What one station saw.
#[derive(Debug, Default)]
struct Station {
    sent: u64,
    acked: u64,
    latencies: Vec<Duration>,
    last_ack: Option<Instant>,
    /// Why it stopped early, if it did.
    error: Option<String>,
}

/// One station: a frame a second, on its own schedule, and every 9014 matched to its frame by QN.
async fn station(index: usize, mut stream: TcpStream, plan: Arc<Plan>) -> Station {
    let mut seen = Station::default();
    let offset = Duration::from_secs(1).mul_f64(index as f64 / plan.stations as f64);
    let first = plan.start + offset;
    let give_up = first + Duration::from_secs(u64::from(plan.frames.saturating_sub(1))) + DRAIN;
    let mut pending: VecDeque<(String, Instant)> = VecDeque::new();
    let mut scanner = FrameScanner::new();
    let mut buf = [0u8; 1024];
    let mut number = 0u32;
    while number < plan.frames || !pending.is_empty() {
        let next = first + Duration::from_secs(u64::from(number));
        tokio::select! {
            biased;
            read = stream.read(&mut buf) => match read {
                Ok(0) => {
                    seen.error = Some("closed by the receiver".into());
                    break;
                }
                Ok(n) => {
                    let at = Instant::now();
                    scanner.push(&buf[..n]);
                    for reply in scanner.by_ref() {
                        let Ok(reply) = reply else { continue };
                        let found = pending.iter().position(|(qn, _)| Some(qn) == reply.qn.as_ref());
                        if let (cn::DATA_ACK, Some(i)) = (reply.cn.as_str(), found) {
                            // Frames before it that were never acknowledged stay missing.
                            if let Some((_, sent)) = pending.drain(..=i).next_back() {
                                seen.latencies.push(at - sent);
                                seen.acked += 1;
                                seen.last_ack = Some(at);
                            }
                        }
                    }
                }
                Err(e) => {
                    seen.error = Some(format!("read: {e}"));
                    break;
                }
            },
            () = sleep_until(next), if number < plan.frames => {
                let data_time = plan.first_hour + TimeDelta::hours(i64::from(number));
                let qn = qn_now();
                let frame = match encode(&hourly_packet(index, number, data_time, qn.clone())) {
                    Ok(frame) => frame,
                    Err(e) => {
                        seen.error = Some(format!("encode: {e}"));
                        break;
                    }
                };
                let sent = Instant::now();
                if let Err(e) = stream.write_all(frame.as_bytes()).await {
                    seen.error = Some(format!("write: {e}"));
                    break;
                }
                pending.push_back((qn, sent));
                seen.sent += 1;
                number += 1;
            }
            () = sleep_until(give_up), if number >= plan.frames => break,
        }
    }
    seen
}

/// Everything measured end to end.
struct EndToEnd {
    stations: usize,
    seconds: u32,
    backend: String,
    registry_seconds: f64,
    connect_seconds: f64,
    /// Connections dropped meanwhile for a full accept queue.
    connect_overflows: Option<u64>,
    sent: u64,
    acked: u64,
    rows: u64,
    /// From the first frame sent to the last acknowledgement read.
    load_seconds: f64,
    /// From the first frame sent until the receiver had stopped, its last commit done.
    served_seconds: f64,
    latencies: Vec<Duration>,
    commits: Vec<Commit>,
    errors: Vec<String>,
    cpu_seconds: Option<f64>,
    peak_mb: Option<f64>,
}

async fn end_to_end(stations: usize, seconds: u32, into: Option<&str>) -> anyhow::Result<EndToEnd> {
    let dir = tempfile::tempdir().context("a temporary directory")?;
    let db = crate::bench::empty_database(into, dir.path()).await?;
    models::rollups::ensure_built(&db, Utc::now()).await?;
    let backend = match postgres_tls(&db).await {
        Some(true) => "Postgres, over TLS".to_string(),
        Some(false) => "Postgres, without TLS".to_string(),
        None => format!("{:?}", sea_orm::ConnectionTrait::get_database_backend(&db)),
    };

    // The registry: `stations` sections, each with its automatic station's MN.
    let started = Instant::now();
    let today = Utc::now().with_timezone(&Shanghai).date_naive();
    let mut dataset = seed::national::dataset(stations, 0, today, 20_261_201);
    for (i, section) in dataset.registry.sections.iter_mut().enumerate() {
        section.station_mn = Some(mn(i));
    }
    models::demo::load(&db, &dataset, Utc::now()).await.context("storing the registry")?;
    drop(dataset);
    let registry_seconds = started.elapsed().as_secs_f64();

    let sink =
        Arc::new(Timed { inner: DatabaseSink::new(db.clone(), DEFAULT_LIVE_WINDOW), commits: Mutex::new(Vec::new()) });
    let config = Hj212Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        // Every station connects from 127.0.0.1.
        max_connections: stations + 16,
        max_per_address: stations + 16,
        ..Hj212Config::default()
    };
    let server = Server::bind(config, sink.clone()).await.context("binding the HJ 212 receiver on loopback")?;
    let addr = server.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));

    reset_peak();
    let cpu_before = cpu_seconds();
    let overflows_before = listen_overflows();
    let started = Instant::now();
    let streams = futures::future::try_join_all((0..stations).map(|_| async move {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok::<_, std::io::Error>(stream)
    }))
    .await
    .with_context(|| format!("opening {stations} connections to {addr}"))?;
    let connect_seconds = started.elapsed().as_secs_f64();
    let connect_overflows = overflows_before.zip(listen_overflows()).map(|(before, after)| after - before);

    // Every reading new and within the live window: the last frame's hour has just ended.
    let now = Utc::now().with_timezone(&Shanghai).naive_local();
    let first_hour = floor_hour(now) - TimeDelta::hours(i64::from(seconds));
    let start = Instant::now() + Duration::from_millis(200);
    let plan = Arc::new(Plan { stations, frames: seconds, start, first_hour });
    let tasks: Vec<_> =
        streams.into_iter().enumerate().map(|(i, stream)| tokio::spawn(station(i, stream, plan.clone()))).collect();
    let mut seen = Vec::with_capacity(stations);
    for task in tasks {
        seen.push(task.await.context("a station's task panicked")?);
    }
    let cpu_seconds = cpu_before.zip(cpu_seconds()).map(|(before, after)| after - before);
    let peak_mb = status_mb("VmHWM:");
    let _ = stop.send(());
    serving.await.context("the receiver panicked")?;
    let served_seconds = start.elapsed().as_secs_f64();

    let last_ack = seen.iter().filter_map(|s| s.last_ack).max().unwrap_or(start);
    let rows = models::readings::count(&db).await?;
    let commits = std::mem::take(&mut *sink.commits.lock().unwrap_or_else(PoisonError::into_inner));
    let mut latencies: Vec<Duration> = seen.iter().flat_map(|s| s.latencies.iter().copied()).collect();
    latencies.sort_unstable();
    let mut errors: Vec<String> = seen.iter().filter_map(|s| s.error.clone()).collect();
    errors.sort();
    errors.dedup();
    Ok(EndToEnd {
        stations,
        seconds,
        backend,
        registry_seconds,
        connect_seconds,
        connect_overflows,
        sent: seen.iter().map(|s| s.sent).sum(),
        acked: seen.iter().map(|s| s.acked).sum(),
        rows,
        load_seconds: last_ack.saturating_duration_since(start).as_secs_f64(),
        served_seconds,
        latencies,
        commits,
        errors,
        cpu_seconds,
        peak_mb,
    })
}

impl EndToEnd {
    fn print(&self) {
        let (n, items) = (self.stations, ITEMS.len() as u64);
        println!(
            "riverchief bench hj212: {n} stations over loopback, each a 2061 frame of {items} items (Flag=5) every \
             second for {} s (the stations spread evenly over the second), into {}; the stations run in the \
             receiver's process and share its cores, so these figures are a lower bound",
            self.seconds, self.backend
        );
        println!("| measure | value |\n|---|---:|");
        println!("| registry: {n} sections with station MNs, stored | {:.2} s |", self.registry_seconds);
        let dropped = match self.connect_overflows {
            Some(0) | None => String::new(),
            Some(k) => format!(" ({k} SYNs dropped, accept queue full, retried after 1 s)"),
        };
        println!("| connections opened at once | {n} in {:.2} s{dropped} |", self.connect_seconds);
        println!("| frames sent | {} |", self.sent);
        println!("| frames acknowledged (9014 read back) | {} |", self.acked);
        println!("| acknowledgements missing | {} |", self.sent - self.acked.min(self.sent));
        let expected = self.acked * items;
        let check = match self.rows.cmp(&expected) {
            std::cmp::Ordering::Equal => "equal",
            std::cmp::Ordering::Greater => "fewer: frames stored after their station stopped waiting for the 9014",
            std::cmp::Ordering::Less => "MORE THAN STORED: acknowledged readings are missing",
        };
        println!("| readings in the database (rows counted) | {} |", self.rows);
        println!("| frames acknowledged × {items} | {expected} ({check}) |");
        println!(
            "| readings stored per second (rows / {:.1} s from the first frame to the last 9014) | {:.0} |",
            self.load_seconds,
            self.rows as f64 / self.load_seconds.max(f64::EPSILON)
        );
        let ms = |p: f64| percentile(&self.latencies, p).map_or("–".to_string(), |d| format!("{:.1}", millis(d)));
        println!(
            "| 9014 latency from write, p50 / p90 / p99 / max (ms) | {} / {} / {} / {} |",
            ms(50.0),
            ms(90.0),
            ms(99.0),
            ms(100.0)
        );
        let groups = self.commits.len();
        let messages: usize = self.commits.iter().map(|c| c.size).sum();
        let max_group = self.commits.iter().map(|c| c.size).max().unwrap_or(0);
        println!(
            "| group commits: count, mean / max messages | {groups}, {:.1} / {max_group} |",
            messages as f64 / groups.max(1) as f64
        );
        let mut took: Vec<Duration> = self.commits.iter().map(|c| c.took).collect();
        took.sort_unstable();
        let mut waited: Vec<Duration> = self.commits.iter().map(|c| c.waited).collect();
        waited.sort_unstable();
        let pct = |v: &[Duration], p: f64| percentile(v, p).map_or("–".to_string(), |d| format!("{:.1}", millis(d)));
        println!(
            "| time in store_group per commit, p50 / p99 / max (ms) | {} / {} / {} |",
            pct(&took, 50.0),
            pct(&took, 99.0),
            pct(&took, 100.0)
        );
        println!(
            "| oldest message's wait for its commit to start, p50 / p99 / max (ms) | {} / {} / {} |",
            pct(&waited, 50.0),
            pct(&waited, 99.0),
            pct(&waited, 100.0)
        );
        let busy: f64 = took.iter().map(Duration::as_secs_f64).sum();
        println!(
            "| committer busy in store_group | {:.0} % of the {:.1} s until the last commit |",
            100.0 * busy / self.served_seconds.max(f64::EPSILON),
            self.served_seconds
        );
        let refused: usize = self.commits.iter().map(|c| c.refused).sum();
        let failed = self.commits.iter().filter(|c| c.failed).count();
        println!("| messages refused by the sink / commits failed | {refused} / {failed} |");
        if let Some(cpu) = self.cpu_seconds {
            println!(
                "| this process's CPU (receiver and stations) | {cpu:.1} s, {:.2} cores |",
                cpu / self.load_seconds.max(f64::EPSILON)
            );
        }
        println!("| peak memory (MB) | {} |", self.peak_mb.map_or("–".to_string(), |m| format!("{m:.0}")));
        for e in &self.errors {
            println!("\nA station stopped early: {e}");
        }
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The nearest-rank percentile of sorted values: the smallest with at least `p` % of them at or below it
/// (`p` = 100 is the maximum). `None` for no values.
fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::domain::hj212::decode_frame;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), Some(50));
        assert_eq!(percentile(&values, 99.0), Some(99));
        assert_eq!(percentile(&values, 99.5), Some(100));
        assert_eq!(percentile(&values, 100.0), Some(100));
        assert_eq!(percentile(&values, 0.0), Some(1));
        assert_eq!(percentile(&[7], 90.0), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 50.0), Some(2));
        assert_eq!(percentile::<u32>(&[], 50.0), None);
    }

    #[test]
    fn the_hourly_frame_has_nine_normal_averages_and_becomes_nine_valid_readings() {
        let hour = NaiveDateTime::parse_from_str("2026-05-12 08:00:00", "%Y-%m-%d %H:%M:%S").expect("a time");
        let frame = encode(&hourly_packet(3, 1, hour, "20260512090000123".into())).expect("encodes");
        assert!((330..=400).contains(&frame.len()), "{} bytes: {frame}", frame.len());
        let packet = decode_frame(frame.as_bytes()).expect("decodes");
        assert_eq!((packet.cn.as_str(), packet.mn.as_str()), ("2061", "99010000000003"));
        assert!(models::domain::hj212::wants_ack(&packet));
        assert_eq!(packet.cp.items.len(), 9);
        assert!(packet.cp.items.iter().all(|i| i.avg.is_some() && i.is_valid_for_evaluation()));
        let now = Utc::now();
        let readings: Vec<_> = reading_inputs(&packet, "S00003").iter().map(|r| r.validate(now)).collect();
        assert_eq!(readings.len(), 9);
        assert!(readings.iter().all(Result::is_ok), "{readings:?}");
    }

    #[test]
    fn the_open_files_limit_is_read_from_proc_limits() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             127651               127651               processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(max_open_files(limits), Some(1024));
        assert_eq!(max_open_files("Max open files            unlimited            unlimited            files"), None);
    }

    #[test]
    fn a_netstat_field_is_found_by_its_name_on_the_line_above() {
        let netstat = "TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 374 380\n\
                       IpExt: InNoRoutes ListenOverflows\nIpExt: 9 9\n";
        assert_eq!(netstat_field(netstat, "TcpExt:", "ListenOverflows"), Some(374));
        assert_eq!(netstat_field(netstat, "TcpExt:", "ListenDrops"), Some(380));
        assert_eq!(netstat_field(netstat, "TcpExt:", "Missing"), None);
    }
}
