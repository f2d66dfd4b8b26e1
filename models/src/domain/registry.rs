//! The registry's rules, as pure checks: region codes (统计用区划代码 / adcode) and how they nest, the codes
//! and names a bureau types, coordinates, targets and terms. Each check names its field.

use chrono::NaiveDate;

use super::gb3838::WaterClass;
use super::{Problem, RegionLevel, quote};

/// Longest code of a water body, reach, section or chief.
pub const MAX_CODE_LEN: usize = 32;
/// Longest name.
pub const MAX_NAME_LEN: usize = 64;
/// Longest description or note.
pub const MAX_TEXT_LEN: usize = 2000;
/// HJ 212-2017 device ids (MN) are at most 24 characters.
pub const MAX_MN_LEN: usize = 24;
/// China's extent in WGS-84 degrees, with a margin: a point outside is a typo or swapped coordinates.
pub const LONGITUDE: (f64, f64) = (73.0, 136.0);
pub const LATITUDE: (f64, f64) = (3.0, 54.0);

/// How many leading digits of a 12-digit code are significant at a level: province 2, city 4, district 6,
/// street or town 9, village 12.
pub fn significant_digits(level: RegionLevel) -> usize {
    match level {
        RegionLevel::Province => 2,
        RegionLevel::City => 4,
        RegionLevel::District => 6,
        RegionLevel::Street | RegionLevel::Town => 9,
        RegionLevel::Village => 12,
    }
}

/// The code as 12 digits (a 6-digit adcode padded with zeros).
fn twelve(code: &str) -> String {
    if code.len() == 6 { format!("{code}000000") } else { code.to_string() }
}

/// A region's code: 12 digits (统计用区划代码), or 6 (adcode) for a province, city or district, with
/// nothing after the digits its level makes significant (a district `360104000000`, not `360104001000`).
pub fn region_code(code: &str, level: RegionLevel) -> Option<Problem> {
    let digits = code.chars().all(|c| c.is_ascii_digit());
    let six_ok = code.len() == 6 && significant_digits(level) <= 6;
    if !digits || !(code.len() == 12 || six_ok) {
        return Some(Problem::new(
            "code",
            "invalid_region_code",
            format!("区划代码“{}”须为 12 位统计用区划代码（省、市、区县也可用 6 位行政区划代码）", quote(code)),
            format!(
                "region code '{}' must be a 12-digit statistical division code (or a 6-digit adcode for a province, \
                 city or district)",
                quote(code)
            ),
        ));
    }
    let full = twelve(code);
    let sig = significant_digits(level);
    if full[sig..].chars().any(|c| c != '0') || full[..sig].ends_with("00") && sig > 2 && sig <= 6 {
        return Some(Problem::new(
            "code",
            "code_level_mismatch",
            format!("区划代码“{code}”与级别不符：{sig} 位之后应全为 0，且本级代码不能为 00"),
            format!(
                "region code '{code}' does not fit its level: digits after the first {sig} must be 0, and its own digits not 00"
            ),
        ));
    }
    None
}

/// A child region lies inside its parent: the parent's level is above the child's and the child's code
/// begins with the parent's significant digits.
pub fn region_parent(code: &str, level: RegionLevel, parent_code: &str, parent_level: RegionLevel) -> Option<Problem> {
    if significant_digits(parent_level) >= significant_digits(level) {
        return Some(Problem::new(
            "parent",
            "parent_level",
            format!("上级区划“{parent_code}”的级别须高于本级"),
            format!("parent region '{parent_code}' must be of a higher level than the region"),
        ));
    }
    let sig = significant_digits(parent_level);
    if twelve(code)[..sig] != twelve(parent_code)[..sig] {
        return Some(Problem::new(
            "parent",
            "not_inside_parent",
            format!("区划代码“{code}”不在上级“{parent_code}”之内（前 {sig} 位应相同）"),
            format!(
                "region code '{code}' is not inside its parent '{parent_code}' (the first {sig} digits must agree)"
            ),
        ));
    }
    None
}

/// A code a bureau assigns: 1–32 letters, digits, `-`, `_` or `.`.
pub fn entity_code(code: &str) -> Option<Problem> {
    let ok = !code.is_empty()
        && code.chars().count() <= MAX_CODE_LEN
        && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    (!ok).then(|| {
        Problem::new(
            "code",
            "invalid_code",
            format!("编码“{}”须为 1–{MAX_CODE_LEN} 个字母、数字或 - _ .", quote(code)),
            format!("code '{}' must be 1–{MAX_CODE_LEN} letters, digits, - _ or .", quote(code)),
        )
    })
}

pub fn name(field: &'static str, name: &str) -> Option<Problem> {
    let n = name.chars().count();
    let ok = n > 0 && n <= MAX_NAME_LEN && !name.chars().any(char::is_control) && name.trim() == name;
    (!ok).then(|| {
        Problem::new(
            field,
            "invalid_name",
            format!("名称须为 1–{MAX_NAME_LEN} 个字符，不含控制字符"),
            format!("a name must be 1–{MAX_NAME_LEN} characters without control characters"),
        )
    })
}

pub fn text(field: &'static str, text: &str) -> Option<Problem> {
    (text.chars().count() > MAX_TEXT_LEN).then(|| {
        Problem::new(
            field,
            "text_too_long",
            format!("最多 {MAX_TEXT_LEN} 个字符"),
            format!("at most {MAX_TEXT_LEN} characters"),
        )
    })
}

/// Coordinates: both or neither, WGS-84 degrees inside China's extent.
pub fn coordinates(longitude: Option<f64>, latitude: Option<f64>) -> Vec<Problem> {
    let mut problems = Vec::new();
    match (longitude, latitude) {
        (None, None) => {}
        (Some(_), None) | (None, Some(_)) => problems.push(Problem::new(
            if longitude.is_none() { "longitude" } else { "latitude" },
            "incomplete_coordinates",
            "经度和纬度须同时给出",
            "give both longitude and latitude, or neither",
        )),
        (Some(lon), Some(lat)) => {
            for (field, value, (low, high), zh) in
                [("longitude", lon, LONGITUDE, "经度"), ("latitude", lat, LATITUDE, "纬度")]
            {
                if !(value.is_finite() && (low..=high).contains(&value)) {
                    problems.push(Problem::new(
                        field,
                        "out_of_range",
                        format!("{zh} {value} 不在中国境内（WGS-84 坐标，{low}–{high}）"),
                        format!("{field} {value} is outside China (WGS-84 degrees, {low} to {high})"),
                    ));
                }
            }
        }
    }
    problems
}

/// A target is one of classes I–V; 劣V is a class a section may fall to, never one it aims at.
pub fn target(field: &'static str, class: WaterClass) -> Option<Problem> {
    (class == WaterClass::WorseThanV)
        .then(|| Problem::new(field, "invalid_target", "水质目标须为 I–V 类", "a target class must be one of I to V"))
}

pub fn year(year: i32) -> Option<Problem> {
    (!(1980..=2100).contains(&year)).then(|| {
        Problem::new(
            "year",
            "invalid_year",
            format!("年份 {year} 须在 1980–2100 之间"),
            format!("year {year} must be 1980 to 2100"),
        )
    })
}

pub fn station_mn(mn: &str) -> Option<Problem> {
    let ok = !mn.is_empty() && mn.len() <= MAX_MN_LEN && mn.chars().all(|c| c.is_ascii_alphanumeric());
    (!ok).then(|| {
        Problem::new(
            "station_mn",
            "invalid_mn",
            format!("自动站 MN“{}”须为 1–{MAX_MN_LEN} 个字母或数字", quote(mn)),
            format!("station MN '{}' must be 1–{MAX_MN_LEN} letters or digits", quote(mn)),
        )
    })
}

pub fn phone(phone: &str) -> Option<Problem> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let ok = (5..=20).contains(&digits) && phone.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c));
    (!ok).then(|| {
        Problem::new(
            "phone",
            "invalid_phone",
            format!("电话“{}”须为 5–20 位数字（可含空格、- + ( )）", quote(phone)),
            format!("phone '{}' must be 5–20 digits (spaces, - + ( ) allowed)", quote(phone)),
        )
    })
}

pub fn email(email: &str) -> Option<Problem> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.contains('@')
        });
    (!ok).then(|| {
        Problem::new(
            "email",
            "invalid_email",
            format!("邮箱“{}”格式不对", quote(email)),
            format!("'{}' is not an email address", quote(email)),
        )
    })
}

/// The days a registry date may name: the spreadsheet reader's range (the People's Republic's river
/// network to the end of the century), so that a JSON row cannot store what a sheet refuses.
pub const DAYS: (i32, i32) = (1949, 2100);

/// A date inside [`DAYS`].
pub fn day(field: &'static str, date: Option<NaiveDate>) -> Option<Problem> {
    use chrono::Datelike;
    let date = date?;
    (!(DAYS.0..=DAYS.1).contains(&date.year())).then(|| {
        Problem::new(
            field,
            "invalid_date",
            format!("日期 {date} 须在 {}–{} 年之间", DAYS.0, DAYS.1),
            format!("{field} {date} must be in the years {} to {}", DAYS.0, DAYS.1),
        )
    })
}

/// A span of days: the end (if any) not before the start.
pub fn term(
    start_field: &'static str,
    start: Option<NaiveDate>,
    end_field: &'static str,
    end: Option<NaiveDate>,
) -> Option<Problem> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Some(Problem::new(
            end_field,
            "ends_before_start",
            format!("结束日期 {e} 早于开始日期 {s}"),
            format!("{end_field} {e} is before {start_field} {s}"),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_are_twelve_digits_or_an_adcode_and_fit_their_level() {
        assert_eq!(region_code("360104", RegionLevel::District), None, "青云谱区 adcode");
        assert_eq!(region_code("360104000000", RegionLevel::District), None);
        assert_eq!(region_code("360104001000", RegionLevel::Street), None);
        assert_eq!(region_code("360104001001", RegionLevel::Village), None);
        assert_eq!(region_code("360104", RegionLevel::Street).map(|p| p.code), Some("invalid_region_code"));
        assert_eq!(region_code("36010400100", RegionLevel::Street).map(|p| p.code), Some("invalid_region_code"));
        assert_eq!(region_code("36O104001000", RegionLevel::Street).map(|p| p.code), Some("invalid_region_code"));
        assert_eq!(region_code("360104001000", RegionLevel::District).map(|p| p.code), Some("code_level_mismatch"));
        assert_eq!(region_code("360100", RegionLevel::District).map(|p| p.code), Some("code_level_mismatch"));
        assert_eq!(region_code("360000", RegionLevel::Province), None);
    }

    #[test]
    fn a_child_region_lies_inside_its_parent() {
        assert_eq!(region_parent("360104001000", RegionLevel::Street, "360104", RegionLevel::District), None);
        let p = region_parent("360105001000", RegionLevel::Street, "360104", RegionLevel::District).expect("outside");
        assert_eq!(p.code, "not_inside_parent");
        let p =
            region_parent("360104", RegionLevel::District, "360104001000", RegionLevel::Street).expect("upside down");
        assert_eq!(p.code, "parent_level");
    }

    #[test]
    fn coordinates_come_in_pairs_inside_china() {
        assert!(coordinates(Some(115.9), Some(28.6)).is_empty());
        assert!(coordinates(None, None).is_empty());
        assert_eq!(coordinates(Some(115.9), None)[0].code, "incomplete_coordinates");
        let swapped = coordinates(Some(28.6), Some(115.9));
        assert_eq!(swapped.iter().map(|p| p.field).collect::<Vec<_>>(), ["longitude", "latitude"]);
        assert_eq!(coordinates(Some(f64::NAN), Some(28.0))[0].field, "longitude");
    }

    #[test]
    fn codes_names_phones_emails_targets_and_terms() {
        assert_eq!(entity_code("QYP-03"), None);
        assert!(entity_code("").is_some() && entity_code("断面1").is_some() && entity_code(&"a".repeat(33)).is_some());
        assert!(name("name", " 象湖").is_some() && name("name", "象湖").is_none());
        assert!(phone("0791-8888 0000").is_none() && phone("12").is_some() && phone("call me").is_some());
        assert!(email("chief@demo.riverchief.invalid").is_none() && email("chief@").is_some());
        assert!(email("a b@x.cn").is_some() && email("a@b@x.cn").is_some());
        assert!(target("target", WaterClass::III).is_none() && target("target", WaterClass::WorseThanV).is_some());
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert!(term("starts_on", d("2026-01-01"), "ends_on", d("2025-12-31")).is_some());
        assert!(term("starts_on", d("2026-01-01"), "ends_on", d("2026-01-01")).is_none());
        assert!(year(1979).is_some() && year(2026).is_none());
        assert!(day("starts_on", d("1900-01-01")).is_some() && day("starts_on", d("2026-01-01")).is_none());
        assert!(station_mn("88888880000001").is_none() && station_mn("MN 1").is_some());
    }
}
