//! The CP area (指令参数区) between `CP=&&` and `&&`: the data time, per-pollutant values and flags,
//! and any other `name=value` fields.
//!
//! Pairs are `name=value`, separated by `,` within an item and `;` between items (the grouping carries
//! no meaning here: values are grouped by pollutant code whichever separator the device used).
//! A name `code-Rtd|Avg|Min|Max|Cou|Flag` becomes a field of that pollutant's [`Item`]; `DataTime`
//! becomes [`Cp::data_time`]; every other pair (`RtdInterval`, `PolId`, `w01018-SampleTime`, `i12001-Info`,
//! …) is kept verbatim in [`Cp::fields`], in the order received.
//!
//! A value that is present but not a number is an error naming the pair (`w21003-Rtd`): a frame we cannot
//! read is refused whole and not acknowledged, so the device sends it again and the log says why. An
//! *empty* value (`w21003-Rtd=`, what some analysers send while in fault) is read as absent.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Asia::Shanghai;

use super::error::FrameError;
use crate::domain::Code;
use crate::domain::reading::QualityFlag;

/// A parsed CP area.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cp {
    /// `DataTime`, Beijing time as sent; the start of the period for minute, hourly and daily data.
    pub data_time: Option<NaiveDateTime>,
    /// One entry per pollutant code, in the order each code was first seen.
    pub items: Vec<Item>,
    /// Every other pair, in the order received.
    pub fields: Vec<(String, String)>,
}

/// The values a device sent for one pollutant code.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Item {
    /// The code as the device wrote it (`w21003`); compare with [`eq_ignore_ascii_case`](str::eq_ignore_ascii_case).
    pub code: String,
    /// `-Rtd`: real-time value.
    pub rtd: Option<f64>,
    /// `-Avg`: average over the period.
    pub avg: Option<f64>,
    /// `-Min`: minimum over the period.
    pub min: Option<f64>,
    /// `-Max`: maximum over the period.
    pub max: Option<f64>,
    /// `-Cou`: cumulative amount over the period (in the code's load unit).
    pub cou: Option<f64>,
    /// `-Flag`: the data flag.
    pub flag: Option<DataFlag>,
}

/// An HJ 212 data flag: one of the standard's letters, or whatever else the device sent (kept, not fatal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataFlag {
    Known(QualityFlag),
    Unknown(String),
}

impl DataFlag {
    /// `None` for an empty value.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() {
            return None;
        }
        Some(QualityFlag::parse(s).map_or_else(|| Self::Unknown(s.to_string()), Self::Known))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(flag) => flag.code(),
            Self::Unknown(text) => text,
        }
    }

    /// Only `N` (normal) values count in evaluation.
    pub fn is_valid_for_evaluation(&self) -> bool {
        matches!(self, Self::Known(QualityFlag::Normal))
    }
}

impl Item {
    /// Whether the values may be used in evaluation: flag `N`, or no flag at all (read as `N`, as
    /// [`ReadingInput`](crate::domain::reading::ReadingInput) does).
    pub fn is_valid_for_evaluation(&self) -> bool {
        self.flag.as_ref().is_none_or(DataFlag::is_valid_for_evaluation)
    }

    fn is_empty(&self) -> bool {
        [self.rtd, self.avg, self.min, self.max, self.cou].iter().all(Option::is_none) && self.flag.is_none()
    }
}

/// The per-pollutant suffixes that make a pair part of an [`Item`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemField {
    Rtd,
    Avg,
    Min,
    Max,
    Cou,
    Flag,
}

impl ItemField {
    /// Order in which `encode` writes them.
    const ALL: [ItemField; 6] = [Self::Rtd, Self::Min, Self::Avg, Self::Max, Self::Cou, Self::Flag];

    fn suffix(self) -> &'static str {
        match self {
            Self::Rtd => "Rtd",
            Self::Avg => "Avg",
            Self::Min => "Min",
            Self::Max => "Max",
            Self::Cou => "Cou",
            Self::Flag => "Flag",
        }
    }

    fn parse(suffix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.suffix().eq_ignore_ascii_case(suffix))
    }

    /// The item's slot for this numeric field; `None` for `Flag`.
    fn number(self, item: &mut Item) -> Option<&mut Option<f64>> {
        match self {
            Self::Rtd => Some(&mut item.rtd),
            Self::Avg => Some(&mut item.avg),
            Self::Min => Some(&mut item.min),
            Self::Max => Some(&mut item.max),
            Self::Cou => Some(&mut item.cou),
            Self::Flag => None,
        }
    }

    fn value_of(self, item: &Item) -> Option<f64> {
        match self {
            Self::Rtd => item.rtd,
            Self::Avg => item.avg,
            Self::Min => item.min,
            Self::Max => item.max,
            Self::Cou => item.cou,
            Self::Flag => None,
        }
    }
}

/// What a pair's name makes it.
enum Name<'a> {
    DataTime,
    Item(&'a str, ItemField),
    Other,
}

fn classify(name: &str) -> Name<'_> {
    if name.eq_ignore_ascii_case("DataTime") {
        return Name::DataTime;
    }
    match name.rsplit_once('-') {
        Some((code, suffix)) if !code.is_empty() => {
            ItemField::parse(suffix).map_or(Name::Other, |f| Name::Item(code, f))
        }
        _ => Name::Other,
    }
}

impl Cp {
    /// Parses the text between `CP=&&` and the closing `&&`.
    pub fn parse(body: &str) -> Result<Cp, FrameError> {
        let mut cp = Cp::default();
        // Items are separated by `;` and values within one by `,`; both only separate pairs.
        for pair in body.split([';', ',']).filter(|p| !p.is_empty()) {
            // A pair without a name (`12,5` with a decimal comma leaves `5`) is reported as itself.
            let Some((name, value)) = pair.split_once('=').filter(|(name, _)| !name.is_empty()) else {
                return Err(FrameError::bad_field("CP", pair));
            };
            cp.take(name, value)?;
        }
        Ok(cp)
    }

    fn take(&mut self, name: &str, value: &str) -> Result<(), FrameError> {
        match classify(name) {
            Name::DataTime => {
                if self.data_time.is_some() {
                    return Err(FrameError::DuplicateField(name.to_string()));
                }
                self.data_time = Some(parse_data_time(value).ok_or_else(|| FrameError::bad_field(name, value))?);
            }
            Name::Item(code, field) => {
                let item = match self.items.iter().position(|i| i.code.eq_ignore_ascii_case(code)) {
                    Some(i) => &mut self.items[i],
                    None => {
                        self.items.push(Item { code: code.to_string(), ..Item::default() });
                        let last = self.items.len() - 1;
                        &mut self.items[last]
                    }
                };
                let duplicate = || FrameError::DuplicateField(name.to_string());
                match field.number(item) {
                    Some(slot) => {
                        if slot.is_some() {
                            return Err(duplicate());
                        }
                        *slot = parse_number(name, value)?;
                    }
                    None => {
                        if item.flag.is_some() {
                            return Err(duplicate());
                        }
                        item.flag = DataFlag::parse(value);
                    }
                }
            }
            Name::Other => self.fields.push((name.to_string(), value.to_string())),
        }
        Ok(())
    }

    /// The item for `code`, case-insensitive.
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code.eq_ignore_ascii_case(code))
    }

    /// The first field called `name`, case-insensitive.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// [`Cp::data_time`] as an instant.
    pub fn data_time_utc(&self) -> Option<DateTime<Utc>> {
        self.data_time.and_then(beijing_to_utc)
    }

    /// Writes the CP body (without the `&&`s): `DataTime`, then the other fields, then one `;`-group per
    /// item. Refuses text that would not read back as written: separators or CR/LF in names or values,
    /// empty or duplicate codes, field names that would read as `DataTime` or as an item's value.
    /// Sub-second parts of `data_time` are not written.
    pub fn encode_body(&self) -> Result<String, FrameError> {
        let mut groups: Vec<String> = Vec::new();
        if let Some(t) = self.data_time {
            groups.push(format!("DataTime={}", format_data_time(t)?));
        }
        for (name, value) in &self.fields {
            check_text(name, name, CP_NAME)?;
            check_text(name, value, CP_VALUE)?;
            if name.is_empty() || !matches!(classify(name), Name::Other) {
                return Err(FrameError::bad_field(name.as_str(), value.as_str()));
            }
            groups.push(format!("{name}={value}"));
        }
        for (i, item) in self.items.iter().enumerate() {
            let code = item.code.as_str();
            check_text(code, code, CP_NAME)?;
            if code.is_empty() {
                return Err(FrameError::bad_field("item code", ""));
            }
            if self.items[..i].iter().any(|earlier| earlier.code.eq_ignore_ascii_case(code)) {
                return Err(FrameError::DuplicateField(code.to_string()));
            }
            groups.push(encode_item(item)?);
        }
        Ok(groups.join(";"))
    }
}

fn encode_item(item: &Item) -> Result<String, FrameError> {
    let code = &item.code;
    if item.is_empty() {
        // Written so that it reads back as the same, empty, item.
        return Ok(format!("{code}-Rtd="));
    }
    let mut pairs = Vec::new();
    for field in ItemField::ALL {
        let name = format!("{code}-{}", field.suffix());
        let value = match field {
            ItemField::Flag => match &item.flag {
                Some(flag) => {
                    check_text(&name, flag.as_str(), CP_VALUE)?;
                    flag.as_str().to_string()
                }
                None => continue,
            },
            _ => match field.value_of(item) {
                // `Display` for f64 is the shortest text that parses back to the same number.
                Some(v) if v.is_finite() => v.to_string(),
                Some(v) => return Err(FrameError::bad_field(name, v.to_string())),
                None => continue,
            },
        };
        pairs.push(format!("{name}={value}"));
    }
    Ok(pairs.join(","))
}

/// What a header field's value may not contain: `;` ends it, and a frame is one line.
pub(crate) const HEADER_VALUE: &[char] = &[';', '\r', '\n'];
/// What a header key may not contain.
pub(crate) const HEADER_KEY: &[char] = &[';', '=', '\r', '\n'];
/// What a CP name may not contain.
const CP_NAME: &[char] = &[';', ',', '=', '&', '\r', '\n'];
/// What a CP value may not contain (`&&` could close the area early; `=` is harmless after the first).
const CP_VALUE: &[char] = &[';', ',', '&', '\r', '\n'];

/// Rejects `text` if it contains one of `forbidden`.
pub(crate) fn check_text(field: &str, text: &str, forbidden: &[char]) -> Result<(), FrameError> {
    if text.contains(forbidden) {
        return Err(FrameError::bad_field(field, text));
    }
    Ok(())
}

fn parse_number(name: &str, value: &str) -> Result<Option<f64>, FrameError> {
    let text = value.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(FrameError::bad_field(name, value)),
    }
}

/// `YYYYMMDDhhmmss`, exactly fourteen digits.
pub fn parse_data_time(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() != 14 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| b[range].iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    let year = i32::try_from(num(0..4)).ok()?;
    NaiveDate::from_ymd_opt(year, num(4..6), num(6..8))?.and_hms_opt(num(8..10), num(10..12), num(12..14))
}

fn format_data_time(t: NaiveDateTime) -> Result<String, FrameError> {
    if !(0..=9999).contains(&t.year()) {
        return Err(FrameError::bad_field("DataTime", t.to_string()));
    }
    Ok(format!("{:04}{:02}{:02}{:02}{:02}{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second()))
}

/// A Beijing (China Standard) wall-clock time, as devices send it, as an instant. `None` only for the
/// local times skipped by the daylight-saving clocks of 1986–1991; a repeated hour of those years reads
/// as its earlier instant.
pub fn beijing_to_utc(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    Shanghai.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).and_then(|d| d.and_hms_opt(h, mi, s)).expect("valid time")
    }

    #[test]
    fn values_and_flags_are_grouped_per_code_in_first_seen_order() {
        let cp = Cp::parse(
            "DataTime=20260512080000;w21003-Rtd=1.2,w21003-Flag=N;w01018-Avg=12.5,w01018-Flag=N;w21003-Max=1.5",
        )
        .expect("valid CP");
        assert_eq!(cp.data_time, Some(at(2026, 5, 12, 8, 0, 0)));
        let codes: Vec<_> = cp.items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["w21003", "w01018"]);
        assert_eq!(
            cp.items[0],
            Item {
                code: "w21003".into(),
                rtd: Some(1.2),
                max: Some(1.5),
                flag: Some(DataFlag::Known(QualityFlag::Normal)),
                ..Item::default()
            }
        );
        assert_eq!(cp.item("W01018").and_then(|i| i.avg), Some(12.5));
        assert!(cp.fields.is_empty());
    }

    #[test]
    fn every_standard_flag_letter_is_known_and_others_are_kept() {
        for (letter, flag) in [
            ("N", QualityFlag::Normal),
            ("F", QualityFlag::Stopped),
            ("M", QualityFlag::Maintenance),
            ("S", QualityFlag::ManualSet),
            ("D", QualityFlag::Fault),
            ("C", QualityFlag::Calibrating),
            ("T", QualityFlag::OverRange),
            ("B", QualityFlag::CommunicationFailure),
        ] {
            let cp = Cp::parse(&format!("w01001-Rtd=7.1,w01001-Flag={letter}")).expect("valid CP");
            assert_eq!(cp.items[0].flag, Some(DataFlag::Known(flag)), "{letter}");
            assert_eq!(cp.items[0].is_valid_for_evaluation(), letter == "N", "{letter}");
        }
        let cp = Cp::parse("w01001-Rtd=7.1,w01001-Flag=X").expect("unknown flag is not fatal");
        assert_eq!(cp.items[0].flag, Some(DataFlag::Unknown("X".into())));
        assert!(!cp.items[0].is_valid_for_evaluation());
    }

    #[test]
    fn a_value_that_is_not_a_number_is_an_error_naming_the_item_and_field() {
        assert_eq!(
            Cp::parse("w21003-Rtd=1.2;w01018-Avg=12,5").expect_err("decimal comma"),
            FrameError::BadField { field: "CP".into(), value: "5".into() }
        );
        assert_eq!(
            Cp::parse("w01018-Avg=abc").expect_err("bad number"),
            FrameError::BadField { field: "w01018-Avg".into(), value: "abc".into() }
        );
        assert_eq!(
            Cp::parse("w01018-Avg=NaN").expect_err("not finite"),
            FrameError::BadField { field: "w01018-Avg".into(), value: "NaN".into() }
        );
    }

    #[test]
    fn an_empty_value_reads_as_absent() {
        let cp = Cp::parse("w21003-Rtd=,w21003-Flag=D").expect("valid CP");
        assert_eq!(cp.items[0].rtd, None);
        assert_eq!(cp.items[0].flag, Some(DataFlag::Known(QualityFlag::Fault)));
    }

    #[test]
    fn other_pairs_are_kept_in_order_received() {
        let cp = Cp::parse("RtdInterval=30;w01018-SampleTime=20260512070000;PolId=w01018").expect("valid CP");
        assert_eq!(
            cp.fields,
            [
                ("RtdInterval".to_string(), "30".to_string()),
                ("w01018-SampleTime".to_string(), "20260512070000".to_string()),
                ("PolId".to_string(), "w01018".to_string()),
            ]
        );
        assert!(cp.items.is_empty());
        assert_eq!(cp.field("rtdinterval"), Some("30"));
    }

    #[test]
    fn a_repeated_value_is_ambiguous_and_refused() {
        assert_eq!(
            Cp::parse("w21003-Rtd=1.2,w21003-Rtd=1.3").expect_err("duplicate"),
            FrameError::DuplicateField("w21003-Rtd".into())
        );
        assert_eq!(
            Cp::parse("DataTime=20260512080000;DataTime=20260512090000").expect_err("duplicate"),
            FrameError::DuplicateField("DataTime".into())
        );
    }

    #[test]
    fn data_times_are_fourteen_digits_of_a_real_time() {
        assert_eq!(parse_data_time("20160801085857"), Some(at(2016, 8, 1, 8, 58, 57)));
        for bad in
            ["2016080108585", "201608010858570", "20161301085857", "20160230085857", "2016080108585x", "+2016080108585"]
        {
            assert_eq!(parse_data_time(bad), None, "{bad}");
        }
        assert_eq!(
            Cp::parse("DataTime=20160230000000").expect_err("no such day"),
            FrameError::BadField { field: "DataTime".into(), value: "20160230000000".into() }
        );
    }

    #[test]
    fn beijing_time_is_eight_hours_ahead_of_utc() {
        let utc = beijing_to_utc(at(2026, 5, 12, 8, 0, 0)).expect("exists");
        assert_eq!(utc, Utc.with_ymd_and_hms(2026, 5, 12, 0, 0, 0).single().expect("valid"));
        let cp = Cp::parse("DataTime=20260101003000").expect("valid CP");
        assert_eq!(cp.data_time_utc(), Utc.with_ymd_and_hms(2025, 12, 31, 16, 30, 0).single());
    }

    #[test]
    fn encoding_writes_data_time_fields_then_items() {
        let cp = Cp {
            data_time: Some(at(2026, 5, 12, 8, 0, 0)),
            items: vec![Item {
                code: "w21003".into(),
                avg: Some(0.52),
                min: Some(0.4),
                flag: Some(DataFlag::Known(QualityFlag::Normal)),
                ..Item::default()
            }],
            fields: vec![("RtdInterval".into(), "30".into())],
        };
        let body = cp.encode_body().expect("encodable");
        assert_eq!(body, "DataTime=20260512080000;RtdInterval=30;w21003-Min=0.4,w21003-Avg=0.52,w21003-Flag=N");
        assert_eq!(Cp::parse(&body).expect("reads back"), cp);
    }

    #[test]
    fn encoding_refuses_what_would_not_read_back() {
        let item = |code: &str| Item { code: code.into(), rtd: Some(1.0), ..Item::default() };
        let with_fields = |name: &str, value: &str| Cp { fields: vec![(name.into(), value.into())], ..Cp::default() };
        assert!(with_fields("a", "x;y").encode_body().is_err());
        assert!(with_fields("a,b", "x").encode_body().is_err());
        assert!(with_fields("DataTime", "20260512080000").encode_body().is_err());
        assert!(with_fields("w21003-Rtd", "1").encode_body().is_err());
        assert!(with_fields("", "1").encode_body().is_err());
        let twice = Cp { items: vec![item("w21003"), item("W21003")], ..Cp::default() };
        assert_eq!(twice.encode_body(), Err(FrameError::DuplicateField("W21003".into())));
        let infinite = Cp { items: vec![Item { rtd: Some(f64::INFINITY), ..item("w21003") }], ..Cp::default() };
        assert!(infinite.encode_body().is_err());
        let empty = Cp { items: vec![Item { code: "w21003".into(), ..Item::default() }], ..Cp::default() };
        assert_eq!(Cp::parse(&empty.encode_body().expect("encodable")).expect("reads back"), empty);
    }
}
