//! `riverchief bench trend`: Mann–Kendall (S, Var(S), Z, p) and the exact Theil–Sen slope on long station
//! series, timed, and compared in the same run and on the same CSV files with pymannkendall's
//! `original_test` and scipy's `kendalltau` and `theilslopes`. Not a test: figures depend on the machine;
//! run it on a release build.
//!
//! The series are 10-minute values from 2005 on (a million points reach 2024) with a weak rise (0.02 a
//! year against noise of sd 0.4 and a small annual cycle), written with two decimals so that every value
//! is tied with thousands of others. pymannkendall and `theilslopes` are quadratic in time (and
//! `theilslopes` in memory: about 10 GB at 20,000 points), so they run only up to `--quadratic-max` points.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Normal;

use jobs::analysis::kendall::{kendall_score, two_sided_p, z_score};
use jobs::analysis::sen::SECONDS_PER_YEAR;
use jobs::analysis::{Alpha, Methods, Series, analyze, theil_sen};

/// 2005-01-01 00:00 Beijing time.
const START: i64 = 1_104_508_800;
const STEP_SECONDS: i64 = 600;
const SEED: u64 = 20_261_211;

/// The Python side: reads each CSV file as `analyze trend` does (RFC 3339 times), runs the references and
/// prints one JSON object per file. Times are of the library calls alone, the median of `runs`.
const PYTHON: &str = r#"
import json, math, statistics, sys, time
from datetime import datetime
import numpy as np
import scipy, scipy.stats
import pymannkendall

def timed(f, runs):
    out, times = None, []
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times)

quadratic_max = int(sys.argv[1])
for path in sys.argv[2:]:
    ts, vs = [], []
    with open(path) as f:
        next(f)
        for line in f:
            t, v = line.rstrip("\n").split(",")
            ts.append(datetime.fromisoformat(t).timestamp())
            vs.append(float(v))
    t, v = np.array(ts), np.array(vs)
    n = len(v)
    out = {"n": n, "versions": {"scipy": scipy.__version__, "numpy": np.__version__,
                                "pymannkendall": getattr(pymannkendall, "__version__", "?")}}
    res, secs = timed(lambda: scipy.stats.kendalltau(np.arange(n), v), 3)
    # tau_b = S / sqrt(n0 (n0 - n2)) with n0 = n(n-1)/2 and n2 the tied pairs of values (times are distinct).
    counts = np.unique(v, return_counts=True)[1].astype(object)
    n0 = n * (n - 1) // 2
    n2 = int(sum(c * (c - 1) // 2 for c in counts))
    out["kendalltau"] = {"tau": float(res.statistic), "p": float(res.pvalue), "seconds": secs,
                         "s": round(float(res.statistic) * math.sqrt(n0 * (n0 - n2)))}
    if n <= quadratic_max:
        r, secs = timed(lambda: pymannkendall.original_test(v), 1)
        step = float(np.median(np.diff(t)))
        out["pymannkendall"] = {"s": float(r.s), "var_s": float(r.var_s), "z": float(r.z), "p": float(r.p),
                                "tau": float(r.Tau), "slope_per_year": float(r.slope) * 31557600.0 / step,
                                "seconds": secs}
        r, secs = timed(lambda: scipy.stats.theilslopes(v, t), 1)
        out["theilslopes"] = {"slope_per_year": float(r.slope) * 31557600.0, "seconds": secs}
    print(json.dumps(out), flush=True)
"#;

/// A series of `n` 10-minute values: (seconds since 1970, value with two decimals).
fn series(n: usize, seed: u64) -> Vec<(i64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 0.4).unwrap_or_else(|_| unreachable!("a valid sd"));
    (0..n)
        .map(|k| {
            let t = START + k as i64 * STEP_SECONDS;
            let years = (t - START) as f64 / SECONDS_PER_YEAR;
            let v = 2.0 + 0.02 * years + 0.1 * (std::f64::consts::TAU * years).sin() + rng.sample(noise);
            (t, ((v * 100.0).round() / 100.0).max(0.01))
        })
        .collect()
}

fn write_csv(path: &Path, points: &[(i64, f64)]) -> anyhow::Result<()> {
    let beijing = FixedOffset::east_opt(8 * 3600).context("UTC+8")?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).with_context(|| path.display().to_string())?);
    writeln!(out, "time,value")?;
    for &(t, v) in points {
        let time = DateTime::from_timestamp(t, 0).context("a time")?.with_timezone(&beijing);
        writeln!(out, "{},{v:.2}", time.format("%Y-%m-%dT%H:%M:%S%:z"))?;
    }
    out.flush()?;
    Ok(())
}

/// Our figures for one series, and what they cost.
struct Ours {
    n: usize,
    s: i64,
    var_s: f64,
    z: f64,
    p: f64,
    /// Two-sided p of S/√Var(S) without the continuity correction, as scipy's `kendalltau` computes it.
    p_uncorrected: f64,
    tau: f64,
    /// S / √(n0 (n0 − n2)), n0 = n(n − 1)/2 and n2 the pairs of equal values (the times are all distinct).
    tau_b: f64,
    slope_per_year: f64,
    read_seconds: f64,
    mk_seconds: f64,
    sen_seconds: f64,
    analyze_seconds: f64,
}

fn median_seconds<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, f64) {
    let mut times = Vec::with_capacity(runs);
    let mut out = None;
    for _ in 0..runs {
        let started = Instant::now();
        out = Some(f());
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (out.unwrap_or_else(|| unreachable!("at least one run")), times[times.len() / 2])
}

fn ours(path: &Path) -> anyhow::Result<Ours> {
    let started = Instant::now();
    let file = std::fs::File::open(path).with_context(|| path.display().to_string())?;
    let observations = crate::analyze_series::observations(std::io::BufReader::new(file), None)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let read_seconds = started.elapsed().as_secs_f64();
    let series = Series::prepare(&observations);
    let values = series.values();
    let timed = series.timed_values();
    let n = values.len();
    let (score, mk_seconds) = median_seconds(3, || {
        let score = kendall_score(&values);
        let z = z_score(score.s, score.var_s);
        (score, z, two_sided_p(z))
    });
    let (score, z, p) = score;
    let (slope, sen_seconds) = median_seconds(3, || theil_sen(&timed));
    let (_, analyze_seconds) = median_seconds(1, || analyze(&observations, Methods::all(), Alpha::default()));
    let mut sorted = values.clone();
    sorted.sort_unstable_by(f64::total_cmp);
    let tied: u64 = sorted.chunk_by(|a, b| a == b).map(|g| (g.len() as u64) * (g.len() as u64 - 1) / 2).sum();
    let pairs = (n as u64) * (n as u64).saturating_sub(1) / 2;
    Ok(Ours {
        n,
        s: score.s,
        var_s: score.var_s,
        z,
        p,
        p_uncorrected: two_sided_p(score.s as f64 / score.var_s.sqrt()),
        tau: score.s as f64 / pairs as f64,
        tau_b: score.s as f64 / ((pairs as f64) * ((pairs - tied) as f64)).sqrt(),
        slope_per_year: slope.context("a slope")?,
        read_seconds,
        mk_seconds,
        sen_seconds,
        analyze_seconds,
    })
}

/// Why the comparison cannot run with `python`, if it cannot.
fn python_missing(python: &Path) -> Option<String> {
    match Command::new(python).args(["-c", "import numpy, scipy, pymannkendall"]).output() {
        Err(e) => Some(format!("cannot run {}: {e}", python.display())),
        Ok(out) if !out.status.success() => {
            let err = String::from_utf8_lossy(&out.stderr);
            Some(format!("{}: {}", python.display(), err.lines().last().unwrap_or("import failed")))
        }
        Ok(_) => None,
    }
}

fn python_results(
    python: &Path,
    dir: &Path,
    files: &[PathBuf],
    quadratic_max: usize,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let script = dir.join("trend_reference.py");
    std::fs::write(&script, PYTHON)?;
    let mut command = Command::new(python);
    command.arg(&script).arg(quadratic_max.to_string()).args(files);
    let out = command.output().with_context(|| format!("running {}", python.display()))?;
    if !out.status.success() {
        anyhow::bail!("{} failed: {}", python.display(), String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).context("the Python side's JSON"))
        .collect()
}

/// One figure of ours against a reference: absolute and relative difference.
fn agreement(table: &mut String, n: usize, what: &str, ours: f64, reference: &str, theirs: Option<f64>) {
    let Some(theirs) = theirs else { return };
    let abs = (ours - theirs).abs();
    let rel = if theirs == 0.0 { abs } else { abs / theirs.abs() };
    let _ = writeln!(table, "| {n} | {what} | {ours:.12e} | {reference} | {theirs:.12e} | {abs:.1e} | {rel:.1e} |");
}

/// `riverchief bench trend`.
pub fn run(sizes: &[usize], python: &Path, quadratic_max: usize, out: Option<&Path>) -> anyhow::Result<()> {
    let temp = tempfile::tempdir().context("a temporary directory")?;
    let dir = match out {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
            dir.to_path_buf()
        }
        None => temp.path().to_path_buf(),
    };
    let mut files = Vec::new();
    for (k, &n) in sizes.iter().enumerate() {
        let path = dir.join(format!("trend_{n}.csv"));
        write_csv(&path, &series(n, SEED + k as u64))?;
        files.push(path);
    }
    let ours: Vec<Ours> = files.iter().map(|f| ours(f)).collect::<anyhow::Result<_>>()?;

    println!("riverchief bench trend: 10-minute series with ties and a weak trend, in {}", dir.display());
    println!("| n | read the CSV | Mann–Kendall S, Var(S), Z, p | exact Theil–Sen slope | all of `analyze trend` |");
    println!("|---:|---:|---:|---:|---:|");
    for o in &ours {
        println!(
            "| {} | {:.3} s | {:.4} s | {:.4} s | {:.3} s |",
            o.n, o.read_seconds, o.mk_seconds, o.sen_seconds, o.analyze_seconds
        );
    }
    println!();
    println!("| n | S | Var(S) | Z | p | tau | slope per year |\n|---:|---:|---:|---:|---:|---:|---:|");
    for o in &ours {
        println!(
            "| {} | {} | {:.6e} | {:.6} | {:.6e} | {:.6e} | {:.9e} |",
            o.n, o.s, o.var_s, o.z, o.p, o.tau, o.slope_per_year
        );
    }

    if let Some(why) = python_missing(python) {
        println!(
            "\nskipping the comparison with pymannkendall and scipy: {why}\n(install them with `python3 -m venv \
             /tmp/trendvenv && /tmp/trendvenv/bin/pip install numpy scipy pymannkendall` and pass --python \
             /tmp/trendvenv/bin/python)"
        );
        return Ok(());
    }
    let theirs = python_results(python, &dir, &files, quadratic_max)?;
    let version = |name: &str| theirs.first().and_then(|t| t["versions"][name].as_str()).unwrap_or("?").to_string();
    println!(
        "\nagreement on the same files (scipy {}, numpy {}, pymannkendall {}):",
        version("scipy"),
        version("numpy"),
        version("pymannkendall")
    );
    let mut table = String::from(
        "| n | figure | riverchief | reference | reference's value | abs. difference | rel. difference |\n|---:|---|---:|---|---:|---:|---:|\n",
    );
    let mut times =
        String::from("| n | work | riverchief | reference | ratio (ours ÷ theirs) |\n|---:|---|---:|---:|---:|\n");
    for (o, t) in ours.iter().zip(&theirs) {
        let n = o.n;
        if t["n"].as_u64() != Some(n as u64) {
            anyhow::bail!("the Python side read {} points of {n}", t["n"]);
        }
        let kt = &t["kendalltau"];
        agreement(&mut table, n, "S", o.s as f64, "kendalltau (from tau_b)", kt["s"].as_f64());
        agreement(&mut table, n, "tau_b", o.tau_b, "kendalltau", kt["tau"].as_f64());
        agreement(&mut table, n, "p (no continuity correction)", o.p_uncorrected, "kendalltau", kt["p"].as_f64());
        agreement(&mut table, n, "p (ours corrected, theirs not)", o.p, "kendalltau", kt["p"].as_f64());
        let secs = kt["seconds"].as_f64().unwrap_or(f64::NAN);
        let _ = writeln!(
            times,
            "| {n} | Kendall S (+ Var, Z, p) vs scipy kendalltau | {:.4} s | {secs:.4} s | {:.2} |",
            o.mk_seconds,
            o.mk_seconds / secs
        );
        let pmk = &t["pymannkendall"];
        if pmk.is_object() {
            for (what, ours) in [("S", o.s as f64), ("Var(S)", o.var_s), ("Z", o.z), ("p", o.p), ("tau", o.tau)] {
                let key = match what {
                    "S" => "s",
                    "Var(S)" => "var_s",
                    other => &other.to_ascii_lowercase(),
                };
                agreement(&mut table, n, what, ours, "pymannkendall", pmk[key].as_f64());
            }
            agreement(
                &mut table,
                n,
                "slope per year",
                o.slope_per_year,
                "pymannkendall (per step)",
                pmk["slope_per_year"].as_f64(),
            );
            let secs = pmk["seconds"].as_f64().unwrap_or(f64::NAN);
            let ours_both = o.mk_seconds + o.sen_seconds;
            let _ = writeln!(
                times,
                "| {n} | Mann–Kendall + Sen vs pymannkendall original_test | {ours_both:.4} s | {secs:.2} s | {:.5} |",
                ours_both / secs
            );
        }
        let ts = &t["theilslopes"];
        if ts.is_object() {
            agreement(&mut table, n, "slope per year", o.slope_per_year, "theilslopes", ts["slope_per_year"].as_f64());
            let secs = ts["seconds"].as_f64().unwrap_or(f64::NAN);
            let _ = writeln!(
                times,
                "| {n} | exact Theil–Sen slope vs scipy theilslopes | {:.4} s | {secs:.2} s | {:.5} |",
                o.sen_seconds,
                o.sen_seconds / secs
            );
        }
    }
    print!("{table}\n{times}");
    Ok(())
}
