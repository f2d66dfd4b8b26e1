//! `riverchief analyze trend|forecast`: one item's series, given as CSV `time,value`, through the trend
//! tests or the exceedance forecast of `jobs::analysis`.

use std::io::Read;

use jobs::analysis::forecast::{Forecast, ForecastOptions, Limit, forecast};
use jobs::analysis::{Alpha, Methods, Observation, TrendReport};

use crate::tabular::error::ValueError;
use crate::tabular::forms::{Measured, parse_measured};
use crate::tabular::time::{latest_year, parse_time_until};

/// What is wrong with a series file, and where: the 1-based line and column of the cell.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SeriesError {
    #[error("line {line}, column {column} ({name}): {message}")]
    Cell { line: u64, column: usize, name: &'static str, message: String },
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    #[error("{0}")]
    Input(String),
}

const TIME_COLUMN: (usize, &str) = (1, "time");
const VALUE_COLUMN: (usize, &str) = (2, "value");

fn cell(line: u64, (column, name): (usize, &'static str), message: impl Into<String>) -> SeriesError {
    SeriesError::Cell { line, column, name, message: message.into() }
}

/// A value cell: a plain number, or below detection as `<0.01`, `0.01L` or `ND`/`未检出` (the last with
/// `nd_limit` as its limit, since the file gives none).
fn observation_value(
    text: &str,
    time: chrono::DateTime<chrono::Utc>,
    nd_limit: Option<f64>,
) -> Result<Observation, String> {
    // The common case, a plain decimal number, without the spreadsheet forms' allocations.
    let plain = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E');
    if !text.is_empty()
        && text.bytes().all(plain)
        && let Ok(v) = text.parse::<f64>()
        && v.is_finite()
    {
        return Ok(Observation::new(time, v));
    }
    match parse_measured(text) {
        Ok(Measured::Value(v)) => Ok(Observation::new(time, v)),
        Ok(Measured::BelowDetection { limit: Some(limit) }) => Ok(Observation::not_detected(time, limit)),
        Ok(Measured::BelowDetection { limit: None }) => match nd_limit {
            Some(limit) => Ok(Observation::not_detected(time, limit)),
            None => Err(format!(
                "'{}' says below detection but not the limit: write it as <0.01 or 0.01L, or give --nd-limit",
                crate::tabular::error::Snippet::new(text)
            )),
        },
        Err(ValueError::Empty) => Err("the value is empty".into()),
        Err(e) => Err(format!("{e} (write a value below detection as <0.01)")),
    }
}

/// Reads CSV `time,value` (the header line optional; a time as a date `2024-01-15`, Beijing midnight, or
/// RFC 3339, or any form `import readings` takes; a value as a number or below detection as `<0.01`,
/// `0.01L`, or `ND` with `nd_limit`). Blank lines are skipped; anything else malformed is an error
/// naming its line and column.
pub fn observations(input: impl Read, nd_limit: Option<f64>) -> Result<Vec<Observation>, SeriesError> {
    if let Some(limit) = nd_limit
        && !(limit > 0.0 && limit.is_finite())
    {
        return Err(SeriesError::Input(format!("--nd-limit {limit}: a detection limit must be greater than 0")));
    }
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(input);
    let latest = latest_year();
    let mut observations = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            SeriesError::Line { line, message: format!("unreadable row: {e}") }
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != 2 {
            return Err(SeriesError::Line {
                line,
                message: format!("expected 2 fields (time,value), found {}", record.len()),
            });
        }
        let time_text = if first { record[0].trim_start_matches('\u{feff}') } else { &record[0] };
        let value_text = &record[1];
        let time = parse_time_until(time_text, latest);
        if first {
            first = false;
            // A first line whose time is no time and whose value is no value is a header (`time,value`,
            // `date,nh3n`, …); one that is half right is a mistake, named below.
            if time.is_err() && observation_value(value_text, chrono::Utc::now(), Some(1.0)).is_err() {
                continue;
            }
        }
        let time = time.map_err(|e| cell(line, TIME_COLUMN, e.to_string()))?;
        observations.push(observation_value(value_text, time, nd_limit).map_err(|m| cell(line, VALUE_COLUMN, m))?);
    }
    if observations.is_empty() {
        return Err(SeriesError::Input("no values: give at least one `time,value` row".into()));
    }
    Ok(observations)
}

/// Reads a series (see [`observations`]) and runs `methods` on it at `alpha`.
pub fn trend(
    input: impl Read,
    methods: Methods,
    alpha: Alpha,
    nd_limit: Option<f64>,
) -> Result<TrendReport, SeriesError> {
    let observations = observations(input, nd_limit)?;
    Ok(jobs::analysis::analyze(&observations, methods, alpha))
}

/// Reads a series (see [`observations`]) and forecasts it against `limit`.
pub fn forecast_csv(input: impl Read, limit: Limit, options: ForecastOptions) -> Result<Forecast, SeriesError> {
    forecast(&observations(input, None)?, limit, options).map_err(|e| SeriesError::Input(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(csv: &str) -> Result<Vec<Observation>, SeriesError> {
        observations(csv.as_bytes(), None)
    }

    #[test]
    fn dates_and_rfc_3339_times_with_or_without_a_header() {
        let with = read("time,value\n2024-01-15,1.5\n2024-02-15T08:00:00+08:00,<0.01\n").expect("valid");
        let without = read("2024-01-15,1.5\n2024-02-15T00:00:00Z,0.01L\n").expect("valid");
        assert_eq!(with, without);
        assert_eq!(with[0].time.to_rfc3339(), "2024-01-14T16:00:00+00:00");
        assert_eq!((with[0].value, with[0].below_detection), (1.5, false));
        assert_eq!((with[1].value, with[1].below_detection, with[1].detection_limit), (0.01, true, Some(0.01)));
        let bom = read("\u{feff}date,nh3n\n\n2024-01-15,2\n").expect("valid");
        assert_eq!(bom.len(), 1);
    }

    #[test]
    fn nd_needs_a_limit_from_the_command_line() {
        let err = read("time,value\n2024-01-15,ND\n").expect_err("no limit");
        assert!(err.to_string().starts_with("line 2, column 2 (value): 'ND' says below detection"), "{err}");
        let with = observations("2024-01-15,ND\n".as_bytes(), Some(0.02)).expect("valid");
        assert_eq!(with[0].detection_limit, Some(0.02));
        assert!(observations("2024-01-15,1\n".as_bytes(), Some(0.0)).is_err());
    }

    #[test]
    fn bad_cells_name_their_line_and_column() {
        let err = |csv: &str| read(csv).expect_err("bad").to_string();
        assert_eq!(
            err("time,value\n2024-01-15,1\n2024-13-01,2\n"),
            "line 3, column 1 (time): '2024-13-01' is not a valid date or time of day"
        );
        assert_eq!(
            err("time,value\n2024-01-15,high\n"),
            "line 2, column 2 (value): 'high' is not a number (write a value below detection as <0.01)"
        );
        assert_eq!(err("2024-01-15,1\nyesterday,2\n").split(':').next(), Some("line 2, column 1 (time)"));
        assert_eq!(err("time,value\n2024-01-15,<0\n").split(':').next(), Some("line 2, column 2 (value)"));
        assert_eq!(err("time,value\n2024-01-15,\n"), "line 2, column 2 (value): the value is empty");
        assert_eq!(err("time,value\n2024-01-15,1,2\n"), "line 2: expected 2 fields (time,value), found 3");
        // A first line with a good value but no time is not a header.
        assert!(err("soon,1.5\n").starts_with("line 1, column 1 (time)"));
        assert_eq!(err("time,value\n"), "no values: give at least one `time,value` row");
    }
}
