//! Times as spreadsheets hold them: RFC 3339, `2026-11-20 08:00`, `2026/11/20 8:00`, `2026年11月20日 8时`,
//! `20261120080000`, and Excel serial dates. Without an offset a time is Beijing time (Asia/Shanghai).

use chrono::{DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

use super::error::{Snippet, ValueError};
use super::forms::fold_width;

/// The earliest year taken: no bureau's records of interest are older, and typing `26` for `2026` or a
/// stray serial number lands far before it.
pub const EARLIEST_YEAR: i32 = 1980;

/// The latest year taken: next year in Beijing, so a slip of a decade is caught.
pub fn latest_year() -> i32 {
    Utc::now().with_timezone(&Shanghai).year() + 1
}

/// Reads a time written as text; see the module documentation for the forms.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, ValueError> {
    parse_time_until(text, latest_year())
}

/// [`parse_time`] with the latest year given.
pub fn parse_time_until(text: &str, latest: i32) -> Result<DateTime<Utc>, ValueError> {
    let folded = fold_width(text);
    let t = folded.trim();
    if t.is_empty() {
        return Err(ValueError::Empty);
    }
    let quoted = || Snippet::new(text.trim());
    let (local, offset) = Parser { s: t.as_bytes(), at: 0 }.read().map_err(|problem| match problem {
        Problem::Form => ValueError::NotATime(quoted()),
        Problem::NoSuchTime => ValueError::NoSuchTime(quoted()),
        Problem::LeapSecond => ValueError::LeapSecond(quoted()),
    })?;
    to_utc(local, offset, latest, quoted)
}

/// An Excel serial date in the 1900 date system: days since 1899-12-31 counting the 29 February 1900 that
/// never was (Lotus 1-2-3's bug, kept by Excel), the fraction the time of day. Beijing time.
/// Rounded to the millisecond, as Excel keeps it.
pub fn excel_serial_time(serial: f64) -> Result<DateTime<Utc>, ValueError> {
    excel_serial_time_until(serial, latest_year())
}

/// [`excel_serial_time`] with the latest year given.
pub fn excel_serial_time_until(serial: f64, latest: i32) -> Result<DateTime<Utc>, ValueError> {
    let quoted = || Snippet::new(&serial.to_string());
    let local = excel_serial_local(serial).map_err(|problem| match problem {
        SerialProblem::NoDate => ValueError::NoDate(quoted()),
        SerialProblem::NoSuchDay => ValueError::NoSuchTime(quoted()),
    })?;
    to_utc(local, None, latest, quoted)
}

#[derive(Debug, PartialEq)]
pub(crate) enum SerialProblem {
    /// Less than one day: a time of day alone.
    NoDate,
    /// 1900-02-29, negative, or beyond chrono's range.
    NoSuchDay,
}

/// The wall-clock time of a 1900-system serial.
pub(crate) fn excel_serial_local(serial: f64) -> Result<NaiveDateTime, SerialProblem> {
    const MS_PER_DAY: i64 = 86_400_000;
    if !serial.is_finite() || !(0.0..1e8).contains(&serial) {
        return Err(SerialProblem::NoSuchDay);
    }
    let ms = (serial * MS_PER_DAY as f64).round() as i64;
    let (days, ms_of_day) = (ms / MS_PER_DAY, ms % MS_PER_DAY);
    // Serial 60 is 1900-02-29, which Excel counts and the calendar does not; from 61 on the count is one
    // ahead, which an epoch of 1899-12-30 absorbs.
    let epoch = match days {
        0 => return Err(SerialProblem::NoDate),
        1..=59 => NaiveDate::from_ymd_opt(1899, 12, 31),
        60 => return Err(SerialProblem::NoSuchDay),
        _ => NaiveDate::from_ymd_opt(1899, 12, 30),
    };
    let date =
        epoch.and_then(|e| e.checked_add_days(chrono::Days::new(days as u64))).ok_or(SerialProblem::NoSuchDay)?;
    let time =
        NaiveTime::from_num_seconds_from_midnight_opt((ms_of_day / 1000) as u32, (ms_of_day % 1000) as u32 * 1_000_000)
            .ok_or(SerialProblem::NoSuchDay)?;
    Ok(date.and_time(time))
}

fn to_utc(
    local: NaiveDateTime,
    offset: Option<FixedOffset>,
    latest: i32,
    quoted: impl Fn() -> Snippet,
) -> Result<DateTime<Utc>, ValueError> {
    let year = local.year();
    if !(EARLIEST_YEAR..=latest).contains(&year) {
        return Err(ValueError::YearOutOfRange { input: quoted(), year, latest });
    }
    let utc = match offset {
        Some(offset) => offset.from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc)),
        None => match Shanghai.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            // The autumn hour of 1986–1991 came twice; the first is as good a reading as any.
            LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
            LocalResult::None => return Err(ValueError::ClockGap(quoted())),
        },
    };
    utc.ok_or_else(|| ValueError::NoSuchTime(quoted()))
}

/// Hours, minutes, seconds.
type Hms = (u32, u32, u32);

enum Problem {
    Form,
    NoSuchTime,
    LeapSecond,
}

/// A hand-written reader over the folded text: chrono's format strings cannot say "one or two digits",
/// take `年月日时分秒`, or refuse a leap second.
struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn eat(&mut self, token: &str) -> bool {
        if self.s[self.at..].starts_with(token.as_bytes()) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    fn eat_any(&mut self, tokens: &[&str]) -> Option<usize> {
        tokens.iter().position(|t| self.eat(t))
    }

    fn digit_run(&self) -> usize {
        self.s[self.at..].iter().take_while(|b| b.is_ascii_digit()).count()
    }

    /// A number of `min..=max` digits, and no more digits after it.
    fn number(&mut self, min: usize, max: usize) -> Result<u32, Problem> {
        let run = self.digit_run();
        if !(min..=max).contains(&run) {
            return Err(Problem::Form);
        }
        let value = self.fixed(run);
        Ok(value)
    }

    /// The value of the next `n` digits (known to be there).
    fn fixed(&mut self, n: usize) -> u32 {
        let value = self.s[self.at..self.at + n].iter().fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
        self.at += n;
        value
    }

    fn spaces(&mut self) -> usize {
        let n = self.s[self.at..].iter().take_while(|&&b| b == b' ').count();
        self.at += n;
        n
    }

    fn done(&self) -> bool {
        self.at == self.s.len()
    }

    fn read(mut self) -> Result<(NaiveDateTime, Option<FixedOffset>), Problem> {
        let (date, ideographic, compact) = self.date()?;
        let time = if let Some((h, m, s)) = compact {
            (h, m, s, 0)
        } else if self.done() {
            (0, 0, 0, 0)
        } else if self.eat("T") || self.eat("t") || self.spaces() > 0 || ideographic {
            self.time()?
        } else {
            return Err(Problem::Form);
        };
        self.spaces();
        let offset = if self.done() { None } else { Some(self.offset()?) };
        if !self.done() {
            return Err(Problem::Form);
        }
        let (h, m, s, nanos) = time;
        if s == 60 && h <= 23 && m <= 59 {
            return Err(Problem::LeapSecond);
        }
        let time = NaiveTime::from_hms_nano_opt(h, m, s, nanos).ok_or(Problem::NoSuchTime)?;
        Ok((date.and_time(time), offset))
    }

    /// The date; whether it was written `年月日` (after which the time may follow without a space); and the
    /// time of a compact `202611200800` / `20261120080000`.
    fn date(&mut self) -> Result<(NaiveDate, bool, Option<Hms>), Problem> {
        let day = |y: u32, m: u32, d: u32| NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(Problem::NoSuchTime);
        match self.digit_run() {
            // 20261120, 202611200800, 20261120080000 (the form of HJ 212 data times).
            n @ (8 | 12 | 14) => {
                let date = day(self.fixed(4), self.fixed(2), self.fixed(2))?;
                let time = match n {
                    8 => None,
                    12 => Some((self.fixed(2), self.fixed(2), 0)),
                    _ => Some((self.fixed(2), self.fixed(2), self.fixed(2))),
                };
                Ok((date, false, time))
            }
            4 => {
                let y = self.fixed(4);
                let separator = self.eat_any(&["-", "/", ".", "年"]).ok_or(Problem::Form)?;
                let m = self.number(1, 2)?;
                let ideographic = separator == 3;
                let second = if ideographic { "月" } else { ["-", "/", "."][separator] };
                if !self.eat(second) {
                    return Err(Problem::Form);
                }
                let d = self.number(1, 2)?;
                if ideographic {
                    self.eat_any(&["日", "号"]).ok_or(Problem::Form)?;
                }
                Ok((day(y, m, d)?, ideographic, None))
            }
            _ => Err(Problem::Form),
        }
    }

    fn time(&mut self) -> Result<(u32, u32, u32, u32), Problem> {
        let h = self.number(1, 2)?;
        if self.eat(":") {
            let m = self.number(2, 2)?;
            let (mut s, mut nanos) = (0, 0);
            if self.eat(":") {
                s = self.number(2, 2)?;
                if self.eat(".") {
                    let run = self.digit_run();
                    if !(1..=9).contains(&run) {
                        return Err(Problem::Form);
                    }
                    nanos = self.fixed(run) * 10u32.pow(9 - run as u32);
                }
            }
            return Ok((h, m, s, nanos));
        }
        self.eat_any(&["时", "点"]).ok_or(Problem::Form)?;
        let (mut m, mut s) = (0, 0);
        if self.digit_run() > 0 {
            m = self.number(1, 2)?;
            if !self.eat("分") {
                return Err(Problem::Form);
            }
            if self.digit_run() > 0 {
                s = self.number(1, 2)?;
                if !self.eat("秒") {
                    return Err(Problem::Form);
                }
            }
        }
        Ok((h, m, s, 0))
    }

    /// `Z`, `+08:00`, `+0800`, `+08`.
    fn offset(&mut self) -> Result<FixedOffset, Problem> {
        if self.eat("Z") || self.eat("z") {
            return FixedOffset::east_opt(0).ok_or(Problem::Form);
        }
        let sign = match self.eat_any(&["+", "-"]) {
            Some(0) => 1,
            Some(_) => -1,
            None => return Err(Problem::Form),
        };
        let hours = self.number(2, 2).or_else(|_| {
            // `+0800`: four digits at once.
            if self.digit_run() == 4 { Ok(self.fixed(2)) } else { Err(Problem::Form) }
        })?;
        let minutes = if self.eat(":") || self.digit_run() == 2 { self.number(2, 2)? } else { 0 };
        if hours > 23 || minutes > 59 {
            return Err(Problem::NoSuchTime);
        }
        FixedOffset::east_opt(sign * (hours as i32 * 3600 + minutes as i32 * 60)).ok_or(Problem::NoSuchTime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATEST: i32 = 2027;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("a test time").with_timezone(&Utc)
    }

    fn read(text: &str) -> DateTime<Utc> {
        parse_time_until(text, LATEST).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_forms_spreadsheets_hold_are_beijing_time() {
        let eight = utc("2026-11-20T00:00:00Z");
        for text in [
            "2026-11-20 08:00",
            "2026-11-20 08:00:00",
            "2026-11-20T08:00:00",
            "2026/11/20 8:00",
            "2026.11.20 08:00",
            "2026年11月20日 8时",
            "2026年11月20日8时",
            "2026年11月20日 8点",
            "2026年11月20日8时0分0秒",
            "２０２６－１１－２０　０８：００",
            "202611200800",
            "20261120080000",
        ] {
            assert_eq!(read(text), eight, "{text}");
        }
        assert_eq!(read("2026/11/20"), utc("2026-11-19T16:00:00Z"));
        assert_eq!(read("20261120"), utc("2026-11-19T16:00:00Z"));
        assert_eq!(read("2026-1-5"), utc("2026-01-04T16:00:00Z"));
        assert_eq!(read("2026年11月20日 8时30分"), utc("2026-11-20T00:30:00Z"));
        assert_eq!(read("2026-11-20 08:00:01.250"), utc("2026-11-20T00:00:01.25Z"));
    }

    #[test]
    fn an_offset_is_taken_as_given() {
        assert_eq!(read("2026-11-20T08:00:00+08:00"), utc("2026-11-20T00:00:00Z"));
        assert_eq!(read("2026-11-20T00:00:00Z"), utc("2026-11-20T00:00:00Z"));
        assert_eq!(read("2026-11-20 09:00:00+0900"), utc("2026-11-20T00:00:00Z"));
        assert_eq!(read("2026-11-20T01:00-05"), utc("2026-11-20T06:00:00Z"));
    }

    #[test]
    fn leap_seconds_impossible_dates_and_other_forms_are_refused() {
        let refuse = |t: &str| parse_time_until(t, LATEST).expect_err(t);
        assert!(matches!(refuse("2026-12-31 23:59:60"), ValueError::LeapSecond(_)));
        assert!(matches!(refuse("2026-12-31T23:59:60Z"), ValueError::LeapSecond(_)));
        assert!(matches!(refuse("20261231235960"), ValueError::LeapSecond(_)));
        assert!(matches!(refuse("2026-02-30"), ValueError::NoSuchTime(_)));
        assert!(matches!(refuse("2026-11-20 24:00"), ValueError::NoSuchTime(_)));
        assert!(matches!(refuse("2026-11-20 08:61"), ValueError::NoSuchTime(_)));
        for t in ["11/20/2026", "2026-11", "2026-11-20 8", "2026-11/20", "26-11-20", "2026-11-20 08:00 CST", "today"] {
            assert!(matches!(refuse(t), ValueError::NotATime(_)), "{t}: {:?}", refuse(t));
        }
        assert_eq!(refuse(" "), ValueError::Empty);
    }

    #[test]
    fn years_before_1980_or_after_next_year_are_refused_with_the_range() {
        let e = parse_time_until("1979-12-31 23:59", LATEST).expect_err("too early");
        assert!(matches!(e, ValueError::YearOutOfRange { year: 1979, latest: 2027, .. }));
        assert_eq!(e.to_string(), "'1979-12-31 23:59': the year 1979 is outside 1980–2027");
        assert_eq!(e.zh(), "“1979-12-31 23:59”：年份 1979 不在 1980–2027 之间");
        assert!(parse_time_until("2028-01-01", LATEST).is_err());
        assert!(parse_time_until("2027-12-31", LATEST).is_ok());
        assert!(parse_time_until("1980-01-01", LATEST).is_ok());
        assert!(parse_time("1979-01-01").is_err());
    }

    #[test]
    fn excel_serials_count_the_1900_leap_day_that_never_was() {
        assert_eq!(excel_serial_local(1.0), Ok(NaiveDate::from_ymd_opt(1900, 1, 1).expect("date").into()));
        assert_eq!(excel_serial_local(59.0), Ok(NaiveDate::from_ymd_opt(1900, 2, 28).expect("date").into()));
        assert_eq!(excel_serial_local(60.0), Err(SerialProblem::NoSuchDay));
        assert_eq!(excel_serial_local(61.0), Ok(NaiveDate::from_ymd_opt(1900, 3, 1).expect("date").into()));
        assert_eq!(excel_serial_local(0.5), Err(SerialProblem::NoDate));
        assert_eq!(excel_serial_local(-1.0), Err(SerialProblem::NoSuchDay));
        assert_eq!(excel_serial_local(f64::NAN), Err(SerialProblem::NoSuchDay));
        // 2026-11-20 08:00 as Excel stores it: a third of a day, not exactly representable.
        assert_eq!(excel_serial_time_until(46346.0 + 1.0 / 3.0, LATEST), Ok(utc("2026-11-20T00:00:00Z")));
        assert_eq!(excel_serial_time_until(46346.333, LATEST), Ok(utc("2026-11-19T23:59:31.200Z")));
        assert!(matches!(excel_serial_time_until(29220.0, LATEST), Err(ValueError::YearOutOfRange { year: 1979, .. })));
        assert!(matches!(excel_serial_time_until(0.25, LATEST), Err(ValueError::NoDate(_))));
    }

    #[test]
    fn the_summer_time_gap_of_1986_to_1991_is_refused() {
        // Beijing clocks went from 02:00 to 03:00 on 4 May 1986.
        assert!(matches!(parse_time_until("1986-05-04 02:30", LATEST), Err(ValueError::ClockGap(_))));
        assert_eq!(read("1986-05-04 03:30"), utc("1986-05-03T18:30:00Z"));
    }
}
