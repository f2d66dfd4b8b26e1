//! `riverchief analyze forecast`: one item's series, given as CSV `time,value`, forecast against its target
//! class's limit (`jobs::analysis::forecast`).

use std::io::Read;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

use jobs::analysis::Observation;
use jobs::analysis::forecast::{Forecast, ForecastOptions, Limit, forecast};

use crate::analyze::ClassifyError;

fn at(line: u64, message: impl Into<String>) -> ClassifyError {
    ClassifyError::Line { line, message: message.into() }
}

/// A sample time: a date (`2025-03-01`, midnight China Standard Time), RFC 3339
/// (`2025-03-01T08:00:00+08:00`), or a local time in China Standard Time (`2025-03-01 08:00[:00]`).
fn sample_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(jobs::analysis::SampleTime::instant(date));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .and_then(|local| Shanghai.from_local_datetime(&local).single())
        .map(|t| t.with_timezone(&Utc))
}

/// The observations of `time,value` CSV (a header line, then one row per sample; `<0.01` below detection).
/// Blank rows are skipped; anything else malformed names its line.
pub fn observations(input: impl Read) -> Result<Vec<Observation>, ClassifyError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(input);
    let headers = reader.headers().map_err(|e| ClassifyError::Input(format!("cannot read the header line: {e}")))?;
    let names: Vec<String> = headers.iter().map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    if names != ["time", "value"] {
        let found = headers.iter().collect::<Vec<_>>().join(",");
        return Err(at(1, format!("the header must be `time,value`, found `{found}`")));
    }
    let mut observations = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| at(e.position().map_or(0, |p| p.line()), format!("unreadable row: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != 2 {
            return Err(at(line, format!("expected 2 fields (time,value), found {}", record.len())));
        }
        let time = sample_time(&record[0])
            .ok_or_else(|| at(line, format!("time '{}' is not a date (2025-03-01) or an RFC 3339 time", &record[0])))?;
        let text = &record[1];
        let (number, below) = match text.strip_prefix('<') {
            Some(rest) => (rest.trim(), true),
            None => (text, false),
        };
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| at(line, format!("value '{text}' is not a number (write below detection as <0.01)")))?;
        if value < 0.0 || (below && value == 0.0) {
            return Err(at(line, format!("value cannot be {text}")));
        }
        observations.push(if below { Observation::not_detected(time, value) } else { Observation::new(time, value) });
    }
    if observations.is_empty() {
        return Err(ClassifyError::Input("no values: give `time,value` rows".into()));
    }
    Ok(observations)
}

/// Reads `time,value` CSV and forecasts it against `limit`.
pub fn forecast_csv(input: impl Read, limit: Limit, options: ForecastOptions) -> Result<Forecast, ClassifyError> {
    forecast(&observations(input)?, limit, options).map_err(|e| ClassifyError::Input(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_non_detects_are_read() {
        let csv = "time,value\n2025-03-01,0.5\n\n2025-03-02T08:00:00+08:00,<0.02\n2025-03-03 08:00,0.7\n";
        let read = observations(csv.as_bytes()).unwrap();
        assert_eq!(read.len(), 3);
        assert_eq!(read[0].time.to_rfc3339(), "2025-02-28T16:00:00+00:00");
        assert!(read[1].below_detection && read[1].detection_limit == Some(0.02));
        assert_eq!(read[1].time, read[2].time - chrono::Duration::days(1));
    }

    #[test]
    fn bad_rows_name_their_line() {
        let err = |csv: &str| observations(csv.as_bytes()).unwrap_err().to_string();
        assert!(err("date,value\n").starts_with("line 1: the header must be `time,value`"));
        assert!(err("time,value\n2025-03-01,0.5\n2025-13-01,0.5\n").starts_with("line 3: time '2025-13-01'"));
        assert!(err("time,value\n2025-03-01,abc\n").starts_with("line 2: value 'abc' is not a number"));
        assert!(err("time,value\n2025-03-01,-999\n").starts_with("line 2: value cannot be -999"));
        assert!(err("time,value\n2025-03-01,1,2\n").starts_with("line 2: expected 2 fields"));
        assert_eq!(err("time,value\n"), "no values: give `time,value` rows");
    }
}
