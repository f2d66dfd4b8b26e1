#!/usr/bin/env python3
"""Reference values for jobs/src/analysis from independent implementations.

Writes jobs/data/trend_reference.json: fixed input series and what scipy and pymannkendall say about
them. The Rust tests (jobs/src/analysis/reference_tests.rs) read the file and must agree to 1e-9.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scipy pymannkendall numpy
    /tmp/venv/bin/python jobs/scripts/trend_reference.py

Where the definitions differ:
- pymannkendall's Sen slopes use index spacing, (x_j - x_i)/(j - i). The series given to it are evenly
  spaced by exactly 1/12 of a year of 365.25 days (2 629 800 s), so its slope per step times 12 is the
  real-time slope per year that riverchief computes; its seasonal slope (seasons as columns, one row a
  year) is already per year.
- pymannkendall's seasonal test takes season = position modulo 12. The series start on 15 January
  00:00 China Standard Time, so every point falls in the calendar month (CST) of its position; the script
  checks that. Missing months are NaN for pymannkendall and simply absent for riverchief.
- pymannkendall's p is 2(1 - Phi(|z|)), which loses digits for small p; scipy's 2*norm.sf(|z|) is
  given beside it for a relative comparison.
- scipy's kendalltau is tau-b with its own variance (no continuity correction), so only its tau is
  used: with ties in the values alone, S = tau_b * sqrt(n0 (n0 - n2)), n0 = n(n-1)/2, n2 the tied pairs.
- scipy's theilslopes works on real x (years = seconds / 31 557 600) and skips pairs with equal x, like
  riverchief; it is the reference for uneven times.
- scipy's spearmanr is the Pearson correlation of average ranks, which is what riverchief uses with
  ties (and equals 1 - 6 sum d^2/(N^3 - N) without). Critical values: the national table for N <= 30,
  norm.ppf(0.95)/sqrt(N - 1) above.
"""

import csv
import datetime as dt
import json
import math
import pathlib

import numpy as np
import pymannkendall as mk
import scipy
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[1]
SECONDS_PER_YEAR = 31_557_600
STEP = SECONDS_PER_YEAR // 12  # 2 629 800 s = 30.4375 days
CST = dt.timezone(dt.timedelta(hours=8))
START = int(dt.datetime(2015, 1, 15, tzinfo=CST).timestamp())


def monthly_times(n):
    times = [START + k * STEP for k in range(n)]
    for k, t in enumerate(times):
        month = dt.datetime.fromtimestamp(t, CST).month
        assert month == k % 12 + 1, (k, month)
    return times


def trend_word(trend):
    return {"increasing": "increasing", "decreasing": "decreasing", "no trend": "no trend"}[trend]


def tied_pairs(values):
    _, counts = np.unique(values, return_counts=True)
    return int(sum(c * (c - 1) // 2 for c in counts))


def mann_kendall_case(name, times, values, evenly_spaced):
    x = np.asarray(values, dtype=float)
    r = mk.original_test(x, alpha=0.05)
    n = len(values)
    tau_b = stats.kendalltau(times, values).statistic
    n0 = n * (n - 1) // 2
    years = np.asarray(times, dtype=float) / SECONDS_PER_YEAR
    case = {
        "name": name,
        "times": times,
        "values": values,
        "pymannkendall": {
            "s": int(r.s),
            "var_s": float(r.var_s),
            "z": float(r.z),
            "p": float(r.p),
            "tau": float(r.Tau),
            "trend": trend_word(r.trend),
        },
        "scipy": {
            "p_two_sided": float(2 * stats.norm.sf(abs(r.z))),
            "s_from_tau_b": float(tau_b * math.sqrt(n0 * (n0 - tied_pairs(values)))),
            "theilslopes_per_year": float(stats.theilslopes(values, years).slope),
        },
    }
    if evenly_spaced:
        case["pymannkendall"]["sens_slope_per_year"] = float(mk.sens_slope(x).slope * 12)
    return case


def seasonal_case(name, n, values_by_position):
    """values_by_position: list with None for a missing month."""
    times_all = monthly_times(n)
    x = np.asarray([math.nan if v is None else v for v in values_by_position], dtype=float)
    r = mk.seasonal_test(x, period=12, alpha=0.05)
    slope = mk.seasonal_sens_slope(x, period=12).slope
    times = [t for t, v in zip(times_all, values_by_position) if v is not None]
    values = [v for v in values_by_position if v is not None]
    return {
        "name": name,
        "times": times,
        "values": values,
        "pymannkendall": {
            "s": int(r.s),
            "var_s": float(r.var_s),
            "z": float(r.z),
            "p": float(r.p),
            "trend": trend_word(r.trend),
            "seasonal_sens_slope_per_year": float(slope),
        },
        "scipy": {"p_two_sided": float(2 * stats.norm.sf(abs(r.z)))},
    }


def critical(n):
    if n < 4:
        return None
    if n <= 30:
        with open(ROOT / "data" / "spearman_critical_values.csv") as f:
            for row in csv.DictReader(f):
                if int(row["N"]) == n:
                    return float(row["exact_one_sided_alpha0.05"])
    return float(stats.norm.ppf(0.95) / math.sqrt(n - 1))


def spearman_case(name, values):
    rs = float(stats.spearmanr(np.arange(len(values)), values).statistic)
    w = critical(len(values))
    significant = w is not None and abs(rs) >= w
    trend = "no trend" if not significant else ("increasing" if rs > 0 else "decreasing")
    return {"name": name, "values": values, "scipy_rs": rs, "critical": w, "significant": significant,
            "trend": trend}


def main():
    rng = np.random.default_rng(20260518)
    mann_kendall = []

    # Six years of monthly NH3-N-like values, slow rise, one decimal (many ties).
    n = 72
    values = [round(float(0.8 + 0.004 * k + rng.normal(0, 0.12)), 1) for k in range(n)]
    mann_kendall.append(mann_kendall_case("monthly_rise_with_ties", monthly_times(n), values, True))

    # Same length, no trend, integer values: S near zero, heavy ties.
    values = [float(rng.integers(3, 8)) for _ in range(n)]
    mann_kendall.append(mann_kendall_case("monthly_flat_integers", monthly_times(n), values, True))

    # A falling series of 2000 values on 21 levels.
    n = 2000
    values = [float(max(0, min(20, round(14 - 0.003 * k + rng.normal(0, 3))))) for k in range(n)]
    mann_kendall.append(mann_kendall_case("long_fall_21_levels", monthly_times(n), values, True))

    # Uneven times (gaps from hours to months), values with two decimals.
    n = 150
    t, times = 1_600_000_000, []
    for _ in range(n):
        t += int(rng.choice([3_600 * 4, 86_400, 86_400 * 7, 86_400 * 40]) + rng.integers(0, 3_600))
        times.append(t)
    values = [round(float(2.0 - 0.05 * (tt - times[0]) / SECONDS_PER_YEAR * 10 + rng.normal(0, 0.3)), 2)
              for tt in times]
    mann_kendall.append(mann_kendall_case("uneven_times_two_decimals", times, values, False))

    seasonal = []
    n = 120
    values = [round(float(1.5 + 0.6 * math.cos(2 * math.pi * (k % 12) / 12) - 0.02 * (k / 12)
                          + rng.normal(0, 0.08)), 1) for k in range(n)]
    seasonal.append(seasonal_case("ten_years_seasonal_fall", n, values))
    missing = set(int(i) for i in rng.choice(n, size=9, replace=False))
    with_gaps = [None if k in missing else v for k, v in enumerate(values)]
    seasonal.append(seasonal_case("ten_years_nine_months_missing", n, with_gaps))
    values = [round(float(7 + 2 * math.sin(2 * math.pi * (k % 12) / 12) + rng.normal(0, 0.5)), 0) for k in range(60)]
    seasonal.append(seasonal_case("five_years_no_trend", 60, values))

    theil_sen = []
    for name, n, dup in [("irregular_200", 200, False), ("irregular_with_equal_times", 90, True)]:
        t, times = 1_500_000_000, []
        for _ in range(n):
            t += 0 if dup and rng.random() < 0.15 else int(rng.integers(1, 86_400 * 30))
            times.append(t)
        values = [round(float(5 + 0.3 * (tt - times[0]) / SECONDS_PER_YEAR + rng.normal(0, 1)), 1) for tt in times]
        years = np.asarray(times, dtype=float) / SECONDS_PER_YEAR
        theil_sen.append({"name": name, "times": times, "values": values,
                          "scipy_theilslopes_per_year": float(stats.theilslopes(values, years).slope)})

    spearman = [
        spearman_case("eight_annual_means_falling", [1.32, 1.25, 1.27, 1.1, 0.98, 1.02, 0.87, 0.85]),
        spearman_case("twelve_years_with_ties", [0.4, 0.5, 0.5, 0.45, 0.6, 0.5, 0.62, 0.7, 0.7, 0.66, 0.71, 0.9]),
        spearman_case("six_years_no_trend", [3.1, 2.9, 3.3, 3.0, 3.2, 2.95]),
        spearman_case("forty_periods", [round(float(10 + 0.05 * k + rng.normal(0, 0.6)), 1) for k in range(40)]),
    ]

    out = {
        "generated_by": "jobs/scripts/trend_reference.py",
        "versions": {"scipy": scipy.__version__, "numpy": np.__version__,
                     "pymannkendall": getattr(mk, "__version__", "unknown")},
        "seconds_per_year": SECONDS_PER_YEAR,
        "mann_kendall": mann_kendall,
        "seasonal_kendall": seasonal,
        "theil_sen": theil_sen,
        "spearman": spearman,
    }
    path = ROOT / "data" / "trend_reference.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
