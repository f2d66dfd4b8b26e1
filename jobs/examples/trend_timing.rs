//! How long Kendall's S and the exact Theil–Sen slopes take on a long series (a timing, not a test):
//! `cargo run --release -p jobs --example trend_timing -- 1000000 [regular]`; `regular` drops the jitter
//! of the sampling times, which makes many more slopes equal.

use std::time::Instant;

use jobs::analysis::{kendall_score, theil_sen, theil_sen_grouped};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let regular = std::env::args().nth(2).as_deref() == Some("regular");
    // Four-hourly automatic-station readings with jitter and gaps, a slow rise, noise, two decimals
    // (so many ties), and a tenth of them at a detection limit.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut t = 1_500_000_000i64;
    let points: Vec<(i64, f64)> = (0..n)
        .map(|_| {
            t += if regular { 14_400 } else { 14_400 + (uniform() * 600.0) as i64 - 300 }
                + if uniform() < 0.001 { 86_400 * 5 } else { 0 };
            let years = (t - 1_500_000_000) as f64 / 31_557_600.0;
            let value = if uniform() < 0.1 { 0.02 } else { (0.5 + 0.01 * years + 0.3 * uniform()).max(0.02) };
            (t, (value * 100.0).round() / 100.0)
        })
        .collect();
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();

    let started = Instant::now();
    let score = kendall_score(&values);
    let kendall = started.elapsed();
    let started = Instant::now();
    let slope = theil_sen(&points);
    let sen = started.elapsed();
    // Twelve seasons of about a month each, as the seasonal slope groups them.
    let seasonal: Vec<(u32, i64, f64)> = points.iter().map(|&(t, v)| (((t / 2_629_800) % 12) as u32, t, v)).collect();
    let started = Instant::now();
    let seasonal_slope = theil_sen_grouped(&seasonal);
    let seasonal_time = started.elapsed();
    println!("n = {n}{}:", if regular { ", regular times" } else { "" });
    println!("  Kendall S = {} (Var {:.6e}) in {kendall:.2?}", score.s, score.var_s);
    println!("  Theil–Sen slope {slope:?} per year in {sen:.2?}");
    println!("  seasonal Theil–Sen slope {seasonal_slope:?} per year in {seasonal_time:.2?}");
}
