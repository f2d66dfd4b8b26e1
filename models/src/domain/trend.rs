//! The words stored trend results are filed under: the window a trend was taken over and its verdict.

/// The span of a stored trend: 12, 36 or 60 monthly means ending with the last complete month, or 90 days
/// of an automatic station's daily means ending yesterday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr, strum::VariantArray)]
pub enum TrendWindow {
    #[strum(serialize = "12m")]
    Months12,
    #[strum(serialize = "36m")]
    Months36,
    #[strum(serialize = "60m")]
    Months60,
    #[strum(serialize = "90d")]
    Days90,
}

impl TrendWindow {
    /// The monthly windows, with their length in months.
    pub const MONTHLY: [(TrendWindow, u32); 3] =
        [(TrendWindow::Months12, 12), (TrendWindow::Months36, 36), (TrendWindow::Months60, 60)];

    /// Whether the seasonal Kendall test is run on this window (three years or more of months).
    pub fn is_seasonal(self) -> bool {
        matches!(self, Self::Months36 | Self::Months60)
    }
}

/// A trend test's verdict, as `jobs::analysis::Trend` words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray)]
pub enum TrendVerdict {
    #[strum(serialize = "increasing")]
    Increasing,
    #[strum(serialize = "decreasing")]
    Decreasing,
    #[strum(serialize = "no trend")]
    NoTrend,
    #[strum(serialize = "insufficient data")]
    InsufficientData,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    #[test]
    fn windows_and_verdicts_are_stored_as_the_api_names_them() {
        assert_eq!(TrendWindow::Months36.as_str(), "36m");
        assert_eq!(TrendWindow::from_code("90d"), Some(TrendWindow::Days90));
        assert_eq!(TrendVerdict::NoTrend.as_str(), "no trend");
        assert_eq!(TrendVerdict::from_code("insufficient data"), Some(TrendVerdict::InsufficientData));
    }
}
