//! Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a check character.

use std::fmt;

/// The 31 characters the code may use (no I, O, Z, S, V).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A well-formed unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters, this has {0}")]
    Length(usize),
    #[error("character '{0}' cannot appear in a unified social credit code")]
    Character(char),
    #[error("check character should be '{expected}', found '{found}'")]
    Check { expected: char, found: char },
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).and_then(|p| u32::try_from(p).ok())
}

/// The check character for the first 17 characters.
pub fn check_char(first17: &str) -> Result<char, CreditCodeError> {
    let mut sum = 0;
    for (c, w) in first17.bytes().zip(WEIGHTS) {
        sum += value_of(c).ok_or(CreditCodeError::Character(c as char))? * w;
    }
    let check = (31 - sum % 31) % 31;
    Ok(ALPHABET[check as usize] as char)
}

impl CreditCode {
    pub fn parse(s: &str) -> Result<Self, CreditCodeError> {
        let s = s.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(CreditCodeError::Length(n));
        }
        if let Some(bad) = s.chars().find(|c| !c.is_ascii() || value_of(*c as u8).is_none()) {
            return Err(CreditCodeError::Character(bad));
        }
        let expected = check_char(&s[..17])?;
        let found = s.as_bytes()[17] as char;
        if expected != found {
            return Err(CreditCodeError::Check { expected, found });
        }
        Ok(Self(s))
    }

    /// Completes 17 characters with their check character.
    pub fn complete(first17: &str) -> Result<Self, CreditCodeError> {
        let n = first17.chars().count();
        if n != 17 {
            return Err(CreditCodeError::Length(n + 1));
        }
        Self::parse(&format!("{first17}{}", check_char(first17)?))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass_and_a_changed_character_fails() {
        // Codes used as valid examples in the test suites of independent validators (e.g. Hutool).
        for code in ["91350100M000100Y43", "91310110666007217T", "91350500676532779B", "91370100780603055K"] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
        assert!(matches!(CreditCode::parse("91350100M000100Y44"), Err(CreditCodeError::Check { .. })));
        assert_eq!(CreditCode::parse("9135"), Err(CreditCodeError::Length(4)));
        assert!(matches!(CreditCode::parse("91350100M000100I43"), Err(CreditCodeError::Character('I'))));
    }

    #[test]
    fn complete_appends_a_valid_check_character() {
        let code = CreditCode::complete("91360104MA0000001").expect("valid");
        assert_eq!(code.as_str().len(), 18);
        assert!(CreditCode::parse(code.as_str()).is_ok());
    }
}
