//! Enterprise self-checks (自行监测, HJ 819-2017): who is late, whose numbers are worth a look, and how
//! discharge loads change year on year.

pub mod calendar;
pub mod loads;
pub mod screening;

pub use calendar::{Escalation, Frequency, Grace, Overdue, PeriodSpan, Stage, china_date, due_periods, overdue};
pub use loads::{
    Flow, GroupReduction, LoadError, LoadMethod, LoadSample, MAIN_POLLUTANTS, NoRate, PeriodLoad, Reduction, YearLoads,
    group_reductions, load_kg, period_load, reduction_rate, reductions, total_kg,
};
pub use screening::{
    Finding, Observation, PeerReference, Screening, ScreeningConfig, Series, Test, enterprise_score, screen,
};
