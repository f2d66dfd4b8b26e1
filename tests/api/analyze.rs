//! `riverchief analyze …` on the command line: pure analysis, no database. `analyze trend`: a series file
//! in, the trend report as JSON out; `analyze forecast`: the forecast and its breach.

use backend::cli::Cli;
use backend::cli::args::{AnalyzeCommand, Command};
use chrono::{Days, NaiveDate};
use clap::Parser;
use serde_json::Value;

/// NH3-N rising 0.005 mg/L a day from 0.3 over 120 days, with a small deterministic wobble: the last value
/// is about 0.9, and 1.0 mg/L (class III) comes twenty days later, on 2025-07-18.
fn rising_ammonia_csv() -> String {
    let start = NaiveDate::from_ymd_opt(2025, 3, 1).expect("a date");
    let mut csv = String::from("time,value\n");
    for t in 0..120u64 {
        let wobble = 0.03 * ((t * 7919 % 13) as f64 / 6.0 - 1.0);
        csv.push_str(&format!("{},{:.3}\n", start + Days::new(t), 0.305 + 0.005 * t as f64 + wobble));
    }
    csv
}

fn forecast(args: &[&str]) -> anyhow::Result<Value> {
    let mut argv = vec!["riverchief", "analyze", "forecast"];
    argv.extend_from_slice(args);
    let Command::Analyze { action } = Cli::parse_from(argv).command else { unreachable!("an analyze command") };
    let mut out = Vec::new();
    backend::cli::analyze_forecast(&action, &mut out)?;
    Ok(serde_json::from_slice(&out)?)
}

#[tokio::test]
async fn analyze_forecast_prints_the_forecast_and_the_expected_breach_of_the_target_class() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("象湖-nh3n.csv");
    std::fs::write(&file, rising_ammonia_csv()).expect("write");
    let path = file.display().to_string();

    let json = forecast(&["--parameter", "nh3n", "--target", "III", "--horizon", "30d", &path]).expect("a forecast");
    assert_eq!(json["model"], "linear_harmonic", "{json}");
    let skill = &json["skill"];
    assert!(skill["mae"].as_f64().expect("mae") < skill["persistence_mae"].as_f64().expect("persistence_mae"));
    assert_eq!(skill["seasonal_naive_mae"], Value::Null, "less than a year of history");
    let steps = json["forecast"].as_array().expect("forecast");
    assert_eq!(steps.len(), 30);
    assert_eq!(steps[0]["time"], "2025-06-29");
    for step in steps {
        let (low, value, high) = (step["low"].as_f64(), step["value"].as_f64(), step["high"].as_f64());
        assert!(low <= value && value <= high, "{step}");
    }
    let breach = json["breach"]["time"].as_str().expect("a breach");
    let breach = NaiveDate::parse_from_str(breach, "%Y-%m-%d").expect("a date");
    let expected = NaiveDate::from_ymd_opt(2025, 7, 18).expect("a date");
    assert!((breach - expected).num_days().abs() <= 5, "breach on {breach}");
    assert!(json["breach"]["probability"].as_f64().expect("probability") >= 0.5);

    // Class IV allows 1.5 mg/L: nothing within the month.
    let json = forecast(&["--parameter", "nh3n", "--target", "IV", &path]).expect("a forecast");
    assert_eq!(json["breach"], Value::Null);

    // Errors name what is wrong and fail the command.
    let err = backend::cli::run(Cli::parse_from([
        "riverchief",
        "analyze",
        "forecast",
        "--parameter",
        "nh3n",
        "--target",
        "VII",
        &path,
    ]))
    .await
    .expect_err("no class VII");
    assert!(err.to_string().contains("--target VII"), "{err}");
    std::fs::write(&file, "time,value\n2025-03-01,0.5\n2025-03-02,lots\n").expect("write");
    let err = forecast(&["--parameter", "nh3n", "--target", "III", &path]).expect_err("a bad value");
    assert!(err.to_string().contains("line 3, column 2 (value): 'lots'"), "{err}");
}

/// Parses `argv` as the binary would and runs `analyze trend`, returning what it printed.
fn analyze_trend(argv: &[&str]) -> anyhow::Result<Value> {
    let mut full = vec!["riverchief", "analyze", "trend"];
    full.extend_from_slice(argv);
    let Command::Analyze { action: AnalyzeCommand::Trend(args) } = Cli::parse_from(full).command else {
        panic!("parsed as another command");
    };
    let mut out = Vec::new();
    backend::cli::analyze_trend(&args, &mut out)?;
    Ok(serde_json::from_slice(&out)?)
}

fn close(json: &Value, expected: f64) -> bool {
    json.as_f64().is_some_and(|v| (v - expected).abs() <= 1e-12 * expected.abs().max(1.0))
}

/// Ten values 0.1 year (36 d 12 h 36 min) apart from 2020-01-01 00:00 Beijing time, the first below a
/// detection limit of 0.5: v = <0.5, 1, 1, 3, 2, 4, 4, 6, 5, 7. Worked by hand:
///
/// - Mann–Kendall. Later greater minus later smaller, per value: 0.5: 9; 1: 7 (one tie); 1: 7; 3: 5 − 1 = 4;
///   2: 5; 4: 3 (one tie); 4: 3; 6: 1 − 1 = 0; 5: 1. S = 39. Ties: {1, 1} and {4, 4}, each
///   t(t − 1)(2t + 5) = 18: Var(S) = (10·9·25 − 36)/18 = 123. Z = (39 − 1)/√123 = 3.4263446;
///   p = erfc(Z/√2) = 6.1176368e-4 (Python's math.erfc); tau = 39/45.
/// - Theil–Sen: slopes per step by lag, lag 1: 0.5 0 2 −1 2 0 2 −1 2; lag 2: ¼ 1 ½ ½ 1 1 ½ ½; lag 3:
///   ⅚ ⅓ 1 ⅓ 4⁄3 ⅓ 1; lag 4: ⅜ ¾ ¾ ¾ ¾ ¾; lag 5: 0.7 0.6 1 0.4 1; lag 6: 7⁄12 ⅚ ⅔ ⅔; lag 7: 5.5⁄7 4⁄7
///   6⁄7; lag 8: 4.5⁄8 ¾; lag 9: 6.5⁄9. Of the 45, 22 are ≤ 0.7 and the next is 6.5/9: the median
///   slope is 6.5/9 a step, 65/9 = 7.2222 a year.
/// - Seasonal Kendall: every value falls in a month of its own (Jan, Feb, Mar, Apr, May, Jul, Aug, Sep,
///   Oct, Nov), so no pair shares a season: S = 0, Var = 0, Z = 0, p = 1, no slope, and one calendar year
///   is too short for a verdict.
/// - Spearman: value ranks in time order 1, 2.5, 2.5, 5, 4, 6.5, 6.5, 9, 8, 10; with ties rs is the
///   correlation of the ranks: Sxy = 79.5, Sxx = 82.5, Syy = 81.5, rs = 79.5/√(82.5·81.5) = 0.96953;
///   the table's Wp for N = 10 is 0.564: a significant rise.
const SERIES: &str = "time,value
2020-01-01,<0.5
2020-02-06T04:36:00Z,1
2020-03-13T17:12:00Z,1
2020-04-19T13:48:00+08:00,3
2020-05-25T18:24:00Z,2
2020-07-01 15:00,4
2020-08-06T19:36:00Z,4
2020-09-12T08:12:00Z,6
2020-10-18T20:48:00Z,5
2020-11-24T09:24:00Z,7
";

#[test]
fn analyze_trend_prints_the_hand_worked_statistics_of_a_small_series_as_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("nh3n.csv");
    std::fs::write(&file, SERIES).expect("write");
    let path = file.to_str().expect("utf-8 path");

    let json = analyze_trend(&[path]).expect("a good series");
    assert_eq!(json["n"], 10);
    let mk = &json["mann_kendall"];
    assert_eq!(
        (&mk["s"], &mk["var_s"], &mk["trend"]),
        (&Value::from(39), &Value::from(123.0), &Value::from("increasing"))
    );
    assert!(close(&mk["z"], 38.0 / 123f64.sqrt()) && close(&mk["z"], 3.426_344_611_736_242), "{mk}");
    assert!((mk["p"].as_f64().expect("p") - 6.117_636_822_975e-4).abs() < 1e-15, "{mk}");
    assert!(close(&mk["tau"], 39.0 / 45.0), "{mk}");
    assert!(close(&mk["slope_per_year"], 65.0 / 9.0), "{mk}");
    let sk = &json["seasonal_kendall"];
    assert_eq!(
        (&sk["s"], &sk["var_s"], &sk["z"], &sk["p"]),
        (&Value::from(0), &Value::from(0.0), &Value::from(0.0), &Value::from(1.0))
    );
    assert_eq!((&sk["slope_per_year"], &sk["trend"]), (&Value::Null, &Value::from("insufficient data")));
    let sp = &json["spearman"];
    assert!(close(&sp["rs"], 79.5 / (82.5f64 * 81.5).sqrt()) && close(&sp["rs"], 0.969_530_218_977_375_7), "{sp}");
    assert_eq!((&sp["critical"], &sp["significant"]), (&Value::from(0.564), &Value::from(true)));
    assert_eq!(json["guards"]["below_detection"], 1);
    assert_eq!(json["guards"]["censoring_level"], 0.5);

    // One method: one key.
    let json = analyze_trend(&["--method", "spearman", path]).expect("a good series");
    assert!(json.get("spearman").is_some() && json.get("mann_kendall").is_none());
    assert!(json.get("seasonal_kendall").is_none());
    // A stricter alpha than p = 6.1e-4 withholds the verdict.
    let json = analyze_trend(&["--method", "mann-kendall", "--alpha", "0.0005", path]).expect("a good series");
    assert_eq!(json["mann_kendall"]["trend"], "no trend");

    let err = analyze_trend(&["--alpha", "0", path]).expect_err("alpha 0").to_string();
    assert_eq!(err, "--alpha 0: the significance level must lie strictly between 0 and 1");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "time,value\n2020-01-01,1\n2020-02-01,1.2.3\n").expect("write");
    let err = analyze_trend(&[bad.to_str().expect("utf-8 path")]).expect_err("bad value").to_string();
    assert!(
        err.ends_with(
            "bad.csv: line 3, column 2 (value): '1.2.3' is not a number (write a value below detection as <0.01)"
        ),
        "{err}"
    );
}
