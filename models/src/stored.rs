//! How the domain's enumerations are stored: each as its code (text), GB 3838 classes as their rank, and
//! read back strictly. A stored value that is not a valid code is an error naming the table, column and
//! row, never a default: a lake must not turn into a river because its `kind` column holds a typo.
//!
//! Every enumerated column is listed here once, with the table and column it lives in.

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ActiveValue, ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};

use crate::domain::alert::{AlertEventKind, AlertKind, AlertStatus};
use crate::domain::audit::ActorKind;
use crate::domain::discharge::VerdictKind;
use crate::domain::gb3838::{Parameter, ParameterList, WaterBodyKind, WaterClass};
use crate::domain::notice::{Channel, NoticeStatus};
use crate::domain::reading::{DataKind, QcFlag, QualityFlag, ReadingSource};
use crate::domain::trend::{TrendVerdict, TrendWindow};
use crate::domain::warning::{WarningGrade, WarningKind};
use crate::domain::{ChiefLevel, Code, ControlLevel, JobRunStatus, RegionLevel, Role};

/// Where a stored enumeration lives: table, column, and, where several tables have a column of that name
/// holding the same type, a column only this table's rows carry (to tell them apart in a joined row).
struct Home {
    table: &'static str,
    column: &'static str,
    marker: Option<&'static str>,
}

const fn home(table: &'static str, column: &'static str) -> Home {
    Home { table, column, marker: None }
}

const fn home_marked(table: &'static str, column: &'static str, marker: &'static str) -> Home {
    Home { table, column, marker: Some(marker) }
}

/// The error for a stored value that is not a valid `what`: `water_bodies.kind of row 3 holds 'lagoon',
/// which is not a water-body kind (expected one of: river, lake, reservoir)`.
fn bad_value<I: ColIdx>(res: &QueryResult, index: I, found: &str, what: &str, expected: &str, homes: &[Home]) -> DbErr {
    let name = index.as_str().map(str::to_string).or_else(|| index.as_usize().map(|i| format!("#{i}")));
    let name = name.unwrap_or_default();
    let columns = res.column_names();
    // In a joined query the column is prefixed (`B_kind`); the row's id carries the same prefix. The longest
    // column the name ends with is the one meant (`target_class`, not `class`).
    let mut candidates: Vec<&Home> = homes.iter().filter(|h| name.ends_with(h.column)).collect();
    candidates.sort_by_key(|h| std::cmp::Reverse(h.column.len()));
    let place = candidates
        .into_iter()
        .find(|h| {
            let prefix = &name[..name.len() - h.column.len()];
            h.marker.is_none_or(|m| columns.iter().any(|c| *c == format!("{prefix}{m}")))
        })
        .map(|h| (h.table, h.column, &name[..name.len() - h.column.len()]));
    let (table, column, prefix) = place.unwrap_or(("?", name.as_str(), ""));
    let id_column = format!("{prefix}id");
    let id = res
        .try_get_by::<i64, _>(id_column.as_str())
        .ok()
        .or_else(|| res.try_get_by::<i32, _>(id_column.as_str()).ok().map(i64::from));
    let row = id.map_or_else(|| "a row".to_string(), |id| format!("row {id}"));
    let shown: String = found.chars().take(64).collect();
    DbErr::Type(format!(
        "stored data is invalid: {table}.{column} of {row} holds '{shown}', which is not {what} (expected one of: {expected})"
    ))
}

/// Stores a [`Code`] enumeration as its text code in a `varchar(len)` column.
macro_rules! stored_code {
    ($ty:ty, $len:expr, $what:literal, [$($home:expr),+ $(,)?]) => {
        impl From<$ty> for Value {
            fn from(v: $ty) -> Value {
                Value::from(v.as_str())
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
                let text = String::try_get_by(res, index)?;
                <$ty as Code>::from_code(&text).ok_or_else(|| {
                    TryGetError::DbErr(bad_value(res, index, &text, $what, &<$ty as Code>::codes(), &[$($home),+]))
                })
            }
        }

        impl ValueType for $ty {
            fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
                let text = <String as ValueType>::try_from(v)?;
                <$ty as Code>::from_code(&text).ok_or(ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::N($len))
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> ActiveValue<$ty> {
                ActiveValue::Set(self)
            }
        }
    };
}

stored_code!(Role, 16, "a role", [home("users", "role")]);
stored_code!(
    ChiefLevel,
    16,
    "a river-chief level",
    [home_marked("river_chiefs", "level", "phone"), home_marked("appointments", "level", "starts_on")]
);
stored_code!(ControlLevel, 16, "a control level", [home("sections", "control_level")]);
stored_code!(RegionLevel, 16, "a region level", [home("regions", "level")]);
stored_code!(WaterBodyKind, 16, "a water-body kind", [home("water_bodies", "kind")]);
stored_code!(QualityFlag, 1, "an HJ 212 data flag", [home("readings", "quality_flag")]);
stored_code!(ReadingSource, 16, "a reading source", [home("readings", "source")]);
stored_code!(DataKind, 8, "a data kind", [home("readings", "data_kind")]);
stored_code!(QcFlag, 16, "a quality-rule flag", [home("readings", "qc")]);
stored_code!(AlertStatus, 16, "an alert status", [home("alerts", "status")]);
stored_code!(AlertKind, 32, "an alert kind", [home("alerts", "kind")]);
stored_code!(AlertEventKind, 32, "an alert event kind", [home("alert_events", "kind")]);
stored_code!(Channel, 16, "a notice channel", [home("notices", "channel")]);
stored_code!(NoticeStatus, 16, "a notice status", [home("notices", "status")]);
stored_code!(ActorKind, 16, "an audit actor kind", [home("audit_log", "actor_kind")]);
stored_code!(JobRunStatus, 16, "a job run status", [home("job_runs", "status")]);
stored_code!(VerdictKind, 16, "a discharge verdict", [home("self_checks", "verdict")]);
stored_code!(TrendWindow, 8, "a trend window", [home("trend_results", "window")]);
stored_code!(WarningKind, 24, "a warning kind", [home("warnings", "kind")]);
stored_code!(WarningGrade, 16, "a warning level", [home("warnings", "level")]);
stored_code!(
    TrendVerdict,
    24,
    "a trend verdict",
    [home_marked("trend_results", "trend", "var_s"), home_marked("trend_results", "sk_trend", "var_s")]
);

/// Needed because a window is part of `trend_results`' primary key; it is never generated.
impl sea_orm::TryFromU64 for TrendWindow {
    fn try_from_u64(_: u64) -> Result<Self, DbErr> {
        Err(DbErr::ConvertFromU64("TrendWindow"))
    }
}

/// Parameters are stored as their key (`nh3n`).
impl From<Parameter> for Value {
    fn from(p: Parameter) -> Value {
        Value::from(p.key())
    }
}

const PARAMETER_HOMES: [Home; 5] = [
    home_marked("readings", "parameter", "quality_flag"),
    home_marked("alerts", "parameter", "escalation_level"),
    home_marked("reading_months", "parameter", "sum_h"),
    home("reading_series", "parameter"),
    home_marked("trend_results", "parameter", "var_s"),
];

impl TryGetable for Parameter {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        Parameter::from_key(&text).ok_or_else(|| {
            let keys: Vec<&str> = Parameter::all().map(Parameter::key).collect();
            TryGetError::DbErr(bad_value(res, index, &text, "a parameter key", &keys.join(", "), &PARAMETER_HOMES))
        })
    }
}

impl ValueType for Parameter {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        Parameter::from_key(&<String as ValueType>::try_from(v)?).ok_or(ValueTypeErr)
    }

    fn type_name() -> String {
        "Parameter".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::N(16))
    }
}

impl Nullable for Parameter {
    fn null() -> Value {
        Value::String(None)
    }
}

/// Needed because a parameter is part of `reading_months`' primary key; it is never generated.
impl sea_orm::TryFromU64 for Parameter {
    fn try_from_u64(_: u64) -> Result<Self, DbErr> {
        Err(DbErr::ConvertFromU64("Parameter"))
    }
}

impl IntoActiveValue<Parameter> for Parameter {
    fn into_active_value(self) -> ActiveValue<Parameter> {
        ActiveValue::Set(self)
    }
}

/// Lists of items are stored as their keys, comma-separated.
impl From<ParameterList> for Value {
    fn from(list: ParameterList) -> Value {
        Value::from(list.to_keys())
    }
}

impl TryGetable for ParameterList {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        ParameterList::from_keys(&text).ok_or_else(|| {
            let homes = [home("section_latest", "worst_items")];
            TryGetError::DbErr(bad_value(res, index, &text, "a list of parameter keys", "keys such as nh3n,tp", &homes))
        })
    }
}

impl ValueType for ParameterList {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        ParameterList::from_keys(&<String as ValueType>::try_from(v)?).ok_or(ValueTypeErr)
    }

    fn type_name() -> String {
        "ParameterList".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::N(255))
    }
}

impl Nullable for ParameterList {
    fn null() -> Value {
        Value::String(None)
    }
}

impl IntoActiveValue<ParameterList> for ParameterList {
    fn into_active_value(self) -> ActiveValue<ParameterList> {
        ActiveValue::Set(self)
    }
}

/// GB 3838 classes are stored as their rank, 1 (I) to 6 (劣V).
impl From<WaterClass> for Value {
    fn from(c: WaterClass) -> Value {
        Value::from(c.rank())
    }
}

const CLASS_HOMES: [Home; 6] = [
    home("readings", "class"),
    home_marked("section_targets", "target_class", "year"),
    home_marked("sections", "target_class", "control_level"),
    home_marked("alerts", "target_class", "escalation_level"),
    home("alerts", "last_class"),
    home("alerts", "worst_class"),
];

impl TryGetable for WaterClass {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let rank = i16::try_get_by(res, index)?;
        WaterClass::from_rank(rank).ok_or_else(|| {
            TryGetError::DbErr(bad_value(res, index, &rank.to_string(), "a GB 3838 class rank", "1 to 6", &CLASS_HOMES))
        })
    }
}

impl ValueType for WaterClass {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        WaterClass::from_rank(<i16 as ValueType>::try_from(v)?).ok_or(ValueTypeErr)
    }

    fn type_name() -> String {
        "WaterClass".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::SmallInt
    }

    fn column_type() -> ColumnType {
        ColumnType::SmallInteger
    }
}

impl Nullable for WaterClass {
    fn null() -> Value {
        Value::SmallInt(None)
    }
}

impl IntoActiveValue<WaterClass> for WaterClass {
    fn into_active_value(self) -> ActiveValue<WaterClass> {
        ActiveValue::Set(self)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};

    use crate::domain::audit::Actor;
    use crate::domain::gb3838::{WaterBodyKind, WaterClass};
    use crate::domain::{ControlLevel, RegionLevel};
    use crate::entities::{sections, water_bodies};
    use crate::registry::{self, Origin, RegionRow, Registry, SectionRow, WaterBodyRow};
    use crate::test_db::on_the_backend_under_test;

    async fn section(db: &DatabaseConnection) -> (i32, i32) {
        let registry = Registry {
            regions: vec![RegionRow {
                code: "360104001000".into(),
                name: "街道".into(),
                level: RegionLevel::Street,
                parent: None,
                retired: false,
                origin: Origin::default(),
            }],
            water_bodies: vec![WaterBodyRow {
                code: "XH".into(),
                name: "象湖".into(),
                kind: WaterBodyKind::Lake,
                parent: None,
                regions: Vec::new(),
                description: None,
                retired: false,
                origin: Origin::default(),
            }],
            sections: vec![SectionRow {
                code: "XH-01".into(),
                name: "象湖中心".into(),
                water_body: "XH".into(),
                reach: None,
                region: "360104001000".into(),
                longitude: None,
                latitude: None,
                control_level: ControlLevel::District,
                target: WaterClass::III,
                station_mn: None,
                active_from: None,
                active_to: None,
                origin: Origin::default(),
            }],
            ..Registry::default()
        };
        registry::apply(db, &registry, Actor::system("test"), Utc::now(), false).await.expect("registry");
        let lake = water_bodies::Entity::find().one(db).await.expect("db").expect("lake");
        let section = sections::Entity::find().one(db).await.expect("db").expect("section");
        (lake.id, section.id)
    }

    async fn corrupt(db: &DatabaseConnection, sql: String) {
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("corrupt a row");
    }

    async fn a_mistyped_water_body_kind_is_an_error_naming_table_column_and_row(db: &DatabaseConnection) {
        let (lake, _) = section(db).await;
        corrupt(db, format!("UPDATE water_bodies SET kind = 'lagoon' WHERE id = {lake}")).await;
        let err = water_bodies::Entity::find_by_id(lake).one(db).await.expect_err("a lagoon is no kind we know");
        let message = err.to_string();
        assert!(message.contains(&format!("water_bodies.kind of row {lake} holds 'lagoon'")), "{message}");
        assert!(message.contains("river, lake, reservoir"), "{message}");
        // Through a join too (the columns are prefixed there), and through the code a reading takes.
        let err = crate::sections::find_by_code(db, "XH-01").await.expect_err("never a river by default");
        assert!(err.to_string().contains(&format!("water_bodies.kind of row {lake}")), "{err}");
    }

    async fn a_class_out_of_range_names_the_table_it_is_in(db: &DatabaseConnection) {
        let (_, section) = section(db).await;
        corrupt(db, format!("UPDATE sections SET target_class = 9 WHERE id = {section}")).await;
        let err = sections::Entity::find_by_id(section).one(db).await.expect_err("there is no class 9");
        assert!(err.to_string().contains(&format!("sections.target_class of row {section} holds '9'")), "{err}");
    }

    on_the_backend_under_test!(
        a_mistyped_water_body_kind_is_an_error_naming_table_column_and_row,
        a_class_out_of_range_names_the_table_it_is_in,
    );
}
