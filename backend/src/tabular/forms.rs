//! Numbers and lab results as people type them into spreadsheets: `1,234.5`, full-width `１．６２`,
//! `<0.01`, `0.01L`, `ND`.

use super::error::{Snippet, ValueError};

/// Full-width ASCII forms (`１．６２`, `（）`, `：`, `＜`) and the ideographic space folded to ASCII,
/// and the minus sign U+2212 to `-`.
pub fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2212}' => '-',
            _ => c,
        })
        .collect()
}

/// A number: `1.62`, `-3`, `+0.5`, `1,234.5` (commas only in groups of three), `1.2e-3`, full-width digits.
/// Refuses `1.2.3`, `1,23`, `NaN`, `inf`, and numbers too large for an `f64`.
pub fn parse_number(text: &str) -> Result<f64, ValueError> {
    let folded = fold_width(text);
    let t = folded.trim();
    if t.is_empty() {
        return Err(ValueError::Empty);
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (integer, fraction) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let not_a_number = || ValueError::NotANumber(Snippet::new(text.trim()));
    if integer.is_empty() && fraction.is_none_or(str::is_empty) {
        return Err(not_a_number());
    }
    if !fraction.is_none_or(digits) {
        return Err(not_a_number());
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return Err(not_a_number());
        }
    }
    if integer.contains(',') {
        let mut groups = integer.split(',');
        let first = groups.next().unwrap_or_default();
        let grouped = (1..=3).contains(&first.len()) && digits(first) && groups.all(|g| g.len() == 3 && digits(g));
        if !grouped {
            return Err(ValueError::Grouping(Snippet::new(text.trim())));
        }
    } else if !digits(integer) {
        return Err(not_a_number());
    }
    let plain: String = t.chars().filter(|&c| c != ',').collect();
    let value: f64 = plain.parse().map_err(|_| not_a_number())?;
    if !value.is_finite() {
        return Err(ValueError::NotFinite(Snippet::new(text.trim())));
    }
    Ok(value)
}

/// A lab result: a value, or below the detection limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measured {
    Value(f64),
    /// `<0.01`, `0.01L`: below the limit given. `ND`, `未检出`: below a limit the file does not say,
    /// so the caller must supply the method's limit.
    BelowDetection {
        limit: Option<f64>,
    },
}

/// Reads `1.62`, `<0.01` / `＜0.01` / `< 0.01`, `0.01L` (the Chinese lab convention: the detection limit
/// followed by L), `ND` / `N.D.` / `未检出`. A detection limit must be greater than zero.
pub fn parse_measured(text: &str) -> Result<Measured, ValueError> {
    let folded = fold_width(text);
    let t = folded.trim();
    if t.is_empty() {
        return Err(ValueError::Empty);
    }
    if t.eq_ignore_ascii_case("nd") || t.eq_ignore_ascii_case("n.d.") || t == "未检出" {
        return Ok(Measured::BelowDetection { limit: None });
    }
    let limit_text = t.strip_prefix('<').or_else(|| t.strip_suffix('L'));
    let Some(limit_text) = limit_text else {
        return parse_number(text).map(Measured::Value);
    };
    let limit = parse_number(limit_text).map_err(|e| match e {
        ValueError::Empty => ValueError::BadLimit(Snippet::new(text.trim())),
        ValueError::NotANumber(_) => ValueError::NotANumber(Snippet::new(text.trim())),
        other => other,
    })?;
    if limit <= 0.0 {
        return Err(ValueError::BadLimit(Snippet::new(text.trim())));
    }
    Ok(Measured::BelowDetection { limit: Some(limit) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_type_them() {
        let read = |t: &str| parse_number(t).expect(t);
        assert_eq!(read("1.62"), 1.62);
        assert_eq!(read(" 1,234.5 "), 1234.5);
        assert_eq!(read("1,234,567"), 1_234_567.0);
        assert_eq!(read("１．６２"), 1.62);
        assert_eq!(read("＋３"), 3.0);
        assert_eq!(read("+0.5"), 0.5);
        assert_eq!(read("-2"), -2.0);
        assert_eq!(read("−2"), -2.0);
        assert_eq!(read(".5"), 0.5);
        assert_eq!(read("5."), 5.0);
        assert_eq!(read("1.2E-3"), 0.0012);
        assert_eq!(read("0.010"), 0.01);
    }

    #[test]
    fn things_that_are_not_numbers_are_refused() {
        let refuse = |t: &str| parse_number(t).expect_err(t);
        for t in
            ["1.2.3", "NaN", "nan", "inf", "-infinity", "1e", "e5", "abc", ".", "+", "--1", "1 2", "0x10", "1.5mg/L"]
        {
            assert!(matches!(refuse(t), ValueError::NotANumber(_)), "{t}: {:?}", refuse(t));
        }
        assert!(matches!(refuse("1,23"), ValueError::Grouping(_)));
        assert!(matches!(refuse("1,2345"), ValueError::Grouping(_)));
        assert!(matches!(refuse(",123"), ValueError::Grouping(_)));
        assert!(matches!(refuse("1e999"), ValueError::NotFinite(_)));
        assert_eq!(refuse("  "), ValueError::Empty);
    }

    #[test]
    fn a_refusal_quotes_at_most_64_characters() {
        let long = "9".repeat(40) + &"x".repeat(100);
        let ValueError::NotANumber(s) = parse_number(&long).expect_err("refused") else { panic!("kind") };
        assert_eq!(s.as_str().chars().count(), 65);
    }

    #[test]
    fn below_detection_in_every_form_labs_write_it() {
        let read = |t: &str| parse_measured(t).expect(t);
        let below = |limit| Measured::BelowDetection { limit };
        assert_eq!(read("<0.01"), below(Some(0.01)));
        assert_eq!(read("＜0.01"), below(Some(0.01)));
        assert_eq!(read("< 0.01"), below(Some(0.01)));
        assert_eq!(read("0.01L"), below(Some(0.01)));
        assert_eq!(read("０．０１Ｌ"), below(Some(0.01)));
        assert_eq!(read("ND"), below(None));
        assert_eq!(read("nd"), below(None));
        assert_eq!(read("未检出"), below(None));
        assert_eq!(read("1.62"), Measured::Value(1.62));
        assert_eq!(read("１．６２"), Measured::Value(1.62));
    }

    #[test]
    fn a_detection_limit_must_be_a_positive_number() {
        assert!(matches!(parse_measured("<0"), Err(ValueError::BadLimit(_))));
        assert!(matches!(parse_measured("<-1"), Err(ValueError::BadLimit(_))));
        assert!(matches!(parse_measured("<"), Err(ValueError::BadLimit(_))));
        assert!(matches!(parse_measured("L"), Err(ValueError::BadLimit(_))));
        assert!(matches!(parse_measured("<abc"), Err(ValueError::NotANumber(s)) if s.as_str() == "<abc"));
        assert!(matches!(parse_measured("1.2.3L"), Err(ValueError::NotANumber(_))));
        assert_eq!(parse_measured(""), Err(ValueError::Empty));
    }
}
