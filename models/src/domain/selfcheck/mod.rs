//! Enterprise self-checks (自行监测, HJ 819-2017): who is late, whose numbers are worth a look, and how
//! discharge loads change year on year.
//!
//! Discharging units monitor their own outfalls at the frequencies their permit and HJ 819 set, and report
//! the results. Three pure parts turn those reports into what the environment bureau needs:
//!
//! - [`calendar`]: the calendar periods (China Standard Time) a frequency makes due, a grace after each, the
//!   overdue ones without a sample, and whether the enterprise or already the bureau is told.
//! - [`screening`]: five statistical tests of one outfall's series of one item (repeats, bunching under the
//!   limit, too little variance, uneven last digits, no response to season or flow), each with a p-value and
//!   a reason in Chinese and English, summed to a score that ranks inspections. It ranks; it never accuses.
//! - [`loads`]: period loads in kg and t from concentrations and flows, and year-on-year reduction rates of
//!   COD, NH3-N, TP and TN per enterprise and over a town or district.
//!
//! Thresholds that are practice rather than national text (grace days, escalation, reference CV, score
//! scale) are parameters with documented defaults. Plain values in, plain values out: no database, no I/O.

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
