//! Request and response types: what goes over the wire, never the entities themselves.

pub mod accounts;
pub mod alerts;
pub mod assessment;
pub mod auth;
pub mod enterprises;
pub mod forecasts;
pub mod home;
pub mod readings;
pub mod sections;
pub mod trends;
pub mod trophic;
pub mod warnings;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Asia::Shanghai;

/// Times leave the API in China Standard Time, RFC 3339 (`2026-11-20T08:00:00+08:00`).
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai).to_rfc3339_opts(SecondsFormat::Secs, false)
}
