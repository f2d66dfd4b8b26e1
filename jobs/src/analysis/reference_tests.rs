//! Agreement with independent implementations: scipy and pymannkendall values written by
//! `jobs/scripts/trend_reference.py` into `jobs/data/trend_reference.json` (see the script for where
//! their definitions differ from ours and how the fixtures are chosen so that they coincide).

use chrono::DateTime;
use serde_json::Value;

use super::*;

const FIXTURE: &str = include_str!("../../data/trend_reference.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

fn cases<'a>(fixture: &'a Value, key: &str) -> &'a [Value] {
    let cases = fixture[key].as_array().unwrap();
    assert!(!cases.is_empty(), "no {key} cases");
    cases
}

fn numbers(case: &Value, key: &str) -> Vec<f64> {
    case[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

fn times(case: &Value) -> Vec<i64> {
    case["times"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()
}

fn observations(case: &Value) -> Vec<Observation> {
    times(case)
        .into_iter()
        .zip(numbers(case, "values"))
        .map(|(t, v)| Observation::new(DateTime::from_timestamp(t, 0).unwrap(), v))
        .collect()
}

/// |a − b| ≤ tol · max(1, |b|): relative for large values, absolute near zero.
fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol * b.abs().max(1.0), "{what}: {a} vs reference {b}");
}

/// Relative agreement, for values that may be tiny (p-values).
fn close_relative(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol * b.abs(), "{what}: {a} vs reference {b}");
}

fn trend(case: &Value, path: &[&str]) -> Trend {
    let mut v = case;
    for key in path {
        v = &v[*key];
    }
    match v.as_str().unwrap() {
        "increasing" => Trend::Increasing,
        "decreasing" => Trend::Decreasing,
        "no trend" => Trend::NoTrend,
        other => panic!("unknown trend {other}"),
    }
}

#[test]
fn mann_kendall_agrees_with_pymannkendall_and_scipy() {
    let fixture = fixture();
    for case in cases(&fixture, "mann_kendall") {
        let name = case["name"].as_str().unwrap();
        let report =
            analyze(&observations(case), Methods { mann_kendall: true, ..Methods::default() }, Alpha::default());
        let mk = report.mann_kendall.unwrap();
        let pymk = &case["pymannkendall"];
        assert_eq!(mk.s, pymk["s"].as_i64().unwrap(), "{name}: S");
        assert_eq!(mk.s as f64, case["scipy"]["s_from_tau_b"].as_f64().unwrap().round(), "{name}: S from scipy tau-b");
        close(mk.var_s, pymk["var_s"].as_f64().unwrap(), 1e-12, &format!("{name}: Var(S)"));
        close(mk.z, pymk["z"].as_f64().unwrap(), 1e-12, &format!("{name}: Z"));
        close(mk.tau.unwrap(), pymk["tau"].as_f64().unwrap(), 1e-12, &format!("{name}: tau"));
        // pymannkendall's 2(1 − Φ) is only good to absolute 1e-16; scipy's norm.sf is good relatively.
        close(mk.p, pymk["p"].as_f64().unwrap(), 1e-9, &format!("{name}: p"));
        close_relative(mk.p, case["scipy"]["p_two_sided"].as_f64().unwrap(), 1e-9, &format!("{name}: p"));
        assert_eq!(mk.trend, trend(case, &["pymannkendall", "trend"]), "{name}: trend");
        let slope = mk.slope_per_year.unwrap();
        close(slope, case["scipy"]["theilslopes_per_year"].as_f64().unwrap(), 1e-9, &format!("{name}: slope"));
        if let Some(per_step) = pymk["sens_slope_per_year"].as_f64() {
            close(slope, per_step, 1e-9, &format!("{name}: slope vs pymannkendall"));
        }
        assert_eq!(report.n, numbers(case, "values").len());
    }
}

#[test]
fn seasonal_kendall_agrees_with_pymannkendall() {
    let fixture = fixture();
    for case in cases(&fixture, "seasonal_kendall") {
        let name = case["name"].as_str().unwrap();
        let report =
            analyze(&observations(case), Methods { seasonal_kendall: true, ..Methods::default() }, Alpha::default());
        let sk = report.seasonal_kendall.unwrap();
        let pymk = &case["pymannkendall"];
        assert_eq!(sk.s, pymk["s"].as_i64().unwrap(), "{name}: S");
        close(sk.var_s, pymk["var_s"].as_f64().unwrap(), 1e-12, &format!("{name}: Var(S)"));
        close(sk.z, pymk["z"].as_f64().unwrap(), 1e-12, &format!("{name}: Z"));
        close(sk.p, pymk["p"].as_f64().unwrap(), 1e-9, &format!("{name}: p"));
        close_relative(sk.p, case["scipy"]["p_two_sided"].as_f64().unwrap(), 1e-9, &format!("{name}: p"));
        assert_eq!(sk.trend, trend(case, &["pymannkendall", "trend"]), "{name}: trend");
        let slope = sk.slope_per_year.unwrap();
        close(slope, pymk["seasonal_sens_slope_per_year"].as_f64().unwrap(), 1e-9, &format!("{name}: slope"));
    }
}

#[test]
fn theil_sen_on_real_time_agrees_with_scipy() {
    let fixture = fixture();
    for case in cases(&fixture, "theil_sen") {
        let name = case["name"].as_str().unwrap();
        let points: Vec<(i64, f64)> = times(case).into_iter().zip(numbers(case, "values")).collect();
        let slope = theil_sen(&points).unwrap();
        close(slope, case["scipy_theilslopes_per_year"].as_f64().unwrap(), 1e-9, name);
    }
}

#[test]
fn spearman_agrees_with_scipy_and_the_table() {
    let fixture = fixture();
    for case in cases(&fixture, "spearman") {
        let name = case["name"].as_str().unwrap();
        let sp = spearman(&numbers(case, "values"));
        close(sp.rs.unwrap(), case["scipy_rs"].as_f64().unwrap(), 1e-12, &format!("{name}: rs"));
        close(sp.critical.unwrap(), case["critical"].as_f64().unwrap(), 1e-12, &format!("{name}: Wp"));
        assert_eq!(sp.significant, case["significant"].as_bool().unwrap(), "{name}");
        assert_eq!(sp.trend, trend(case, &["trend"]), "{name}: trend");
    }
}
