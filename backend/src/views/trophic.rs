//! A lake's trophic state on the wire, as `analyze trophic`, the section detail and the assessment give it.

use serde::Serialize;

use models::domain::evaluation::round_half_even;
use models::domain::gb3838::Parameter;
use models::domain::trophic::{self, TrophicState};

/// The trophic state as `analyze trophic` prints it: `{"tli":52.3,"grade":"轻度富营养","grade_en":…,
/// "items":[{"parameter","value","tli","weight"}],"missing":[…]}`, or with too few items
/// `{"tli":null,"grade":"insufficient",…,"missing":[…]}`.
#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TrophicView {
    pub tli: Option<f64>,
    pub grade: &'static str,
    pub grade_en: &'static str,
    pub items: Vec<TrophicItemView>,
    #[schema(value_type = Vec<String>)]
    pub missing: Vec<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TrophicItemView {
    #[schema(value_type = String)]
    pub parameter: Parameter,
    pub value: f64,
    pub tli: f64,
    pub weight: f64,
}

impl From<&Result<TrophicState, trophic::TrophicError>> for TrophicView {
    fn from(r: &Result<TrophicState, trophic::TrophicError>) -> Self {
        match r {
            Ok(s) => TrophicView {
                tli: Some(round_half_even(s.tli, 2)),
                grade: s.grade.zh(),
                grade_en: s.grade.en(),
                items: s
                    .items
                    .iter()
                    .map(|i| TrophicItemView {
                        parameter: i.parameter,
                        value: i.value,
                        tli: round_half_even(i.tli, 2),
                        weight: round_half_even(i.weight, 4),
                    })
                    .collect(),
                missing: s.missing.clone(),
                problem: None,
            },
            Err(e) => TrophicView {
                tli: None,
                grade: "insufficient",
                grade_en: "insufficient data",
                items: Vec::new(),
                missing: match e {
                    trophic::TrophicError::Insufficient { missing } => missing.clone(),
                    trophic::TrophicError::NotPositive { .. } => Vec::new(),
                },
                problem: Some(e.to_string()),
            },
        }
    }
}
