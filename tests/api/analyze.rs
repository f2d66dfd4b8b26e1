//! `riverchief analyze …` on the command line: pure analysis, no database.

use backend::cli::Cli;
use backend::cli::args::Command;
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
    assert!(err.to_string().contains("line 3: value 'lots'"), "{err}");
}
