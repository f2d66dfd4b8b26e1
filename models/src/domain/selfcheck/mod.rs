//! Enterprise self-checks (自行监测, HJ 819-2017): who is late, whose numbers are worth a look, and how
//! discharge loads change year on year.

pub mod calendar;
pub mod screening;

pub use calendar::{Escalation, Frequency, Grace, Overdue, PeriodSpan, Stage, china_date, due_periods, overdue};
pub use screening::{
    Finding, Observation, PeerReference, Screening, ScreeningConfig, Series, Test, enterprise_score, screen,
};
