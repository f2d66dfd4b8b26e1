//! Ingestion at scale: each reading's data kind (a lab sample, or an automatic station's real-time, minute,
//! hour or day value), revisions instead of silent overwrites, quality-rule flags beside the device's flag,
//! what a lab says about a sample, and the HJ 212 devices with the events of frames refused.
//!
//! On PostgreSQL the readings table becomes partitioned by month of sampling time (China Standard Time
//! months, as evaluation counts them). A partitioned table's keys must include the partition column, so the
//! primary key is `(id, sampled_at)`, ids still come from one sequence, and the foreign keys that pointed at
//! a reading's id (an alert's first and last reading, an alert event's reading) are dropped there: an
//! alert's readings are found by id and stay, since readings are never deleted. Partitions are made by
//! `models::partitions` before rows land in them (imports, the receiver) and ahead of time by a job.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Statements that read the same on SQLite and PostgreSQL.
const COMMON: &[&str] = &[
    "CREATE TABLE reading_revisions (\
       id {BIG_PK}, \
       reading_id bigint NOT NULL, \
       revision integer NOT NULL, \
       value double precision NOT NULL, \
       below_detection boolean NOT NULL, \
       detection_limit double precision, \
       source varchar(16) NOT NULL, \
       quality_flag varchar(1) NOT NULL, \
       qc varchar(16), \
       class smallint, \
       origin varchar(64), \
       method varchar(64), \
       lab varchar(64), \
       received_at timestamp with time zone NOT NULL, \
       superseded_at timestamp with time zone NOT NULL, \
       superseded_by varchar(128) NOT NULL)",
    "CREATE INDEX idx_reading_revisions_reading ON reading_revisions (reading_id, revision)",
    "CREATE TABLE devices (\
       id {PK}, \
       mn varchar(24) NOT NULL UNIQUE, \
       section_id integer REFERENCES sections (id), \
       outfall_id integer REFERENCES outfalls (id), \
       password_digest varchar(64), \
       units text, \
       note varchar(200), \
       created_at timestamp with time zone NOT NULL, \
       updated_at timestamp with time zone NOT NULL, \
       last_frame_at timestamp with time zone, \
       last_cn varchar(4), \
       last_peer varchar(64), \
       frames bigint NOT NULL DEFAULT 0)",
    "CREATE TABLE device_events (\
       id {PK}, \
       at timestamp with time zone NOT NULL, \
       mn varchar(24), \
       peer varchar(64) NOT NULL, \
       kind varchar(24) NOT NULL, \
       cn varchar(4), \
       detail text)",
    "CREATE INDEX idx_device_events_at ON device_events (at)",
    "CREATE INDEX idx_device_events_mn ON device_events (mn, at)",
    // What enterprises' online monitors (ST 32) send for their outfalls, by HJ 212 code as sent: wastewater
    // items (flow, SS, colour, …) have no GB 3838 parameter, and the discharge standards judge them later.
    "CREATE TABLE monitor_readings (\
       id {BIG_PK}, \
       outfall_id integer NOT NULL REFERENCES outfalls (id), \
       mn varchar(24) NOT NULL, \
       code varchar(12) NOT NULL, \
       sampled_at timestamp with time zone NOT NULL, \
       data_kind varchar(8) NOT NULL, \
       value double precision, \
       min double precision, \
       max double precision, \
       cou double precision, \
       unit varchar(16) NOT NULL, \
       flag varchar(4), \
       revision integer NOT NULL DEFAULT 1, \
       received_at timestamp with time zone NOT NULL)",
    "CREATE UNIQUE INDEX uq_monitor_readings ON monitor_readings (outfall_id, code, sampled_at, data_kind)",
    "CREATE TABLE monitor_revisions (\
       id {BIG_PK}, \
       monitor_reading_id bigint NOT NULL, \
       revision integer NOT NULL, \
       value double precision, \
       min double precision, \
       max double precision, \
       cou double precision, \
       flag varchar(4), \
       received_at timestamp with time zone NOT NULL, \
       superseded_at timestamp with time zone NOT NULL)",
    "CREATE INDEX idx_monitor_revisions_reading ON monitor_revisions (monitor_reading_id)",
];

/// SQLite keeps one readings table and gains the columns.
const SQLITE: &[&str] = &[
    "ALTER TABLE readings ADD COLUMN data_kind varchar(8) NOT NULL DEFAULT 'sample'",
    "ALTER TABLE readings ADD COLUMN revision integer NOT NULL DEFAULT 1",
    "ALTER TABLE readings ADD COLUMN qc varchar(16)",
    "ALTER TABLE readings ADD COLUMN origin varchar(64)",
    "ALTER TABLE readings ADD COLUMN method varchar(64)",
    "ALTER TABLE readings ADD COLUMN lab varchar(64)",
    "DROP INDEX uq_readings_section_parameter_time",
    "CREATE UNIQUE INDEX uq_readings_series_time ON readings (section_id, parameter, sampled_at, data_kind)",
];

/// PostgreSQL: the readings move to a table partitioned by month.
const POSTGRES: &[&str] = &[
    // Foreign keys that point at a reading's id cannot point into a partitioned table by id alone.
    "DO $$ DECLARE r record; BEGIN \
       FOR r IN SELECT conname, conrelid::regclass AS tbl FROM pg_constraint \
                WHERE contype = 'f' AND confrelid = 'readings'::regclass LOOP \
         EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname); \
       END LOOP; END $$",
    "ALTER TABLE readings RENAME TO readings_unpartitioned",
    "ALTER INDEX uq_readings_section_parameter_time RENAME TO uq_readings_unpartitioned",
    "ALTER INDEX idx_readings_section_time RENAME TO idx_readings_unpartitioned_time",
    "CREATE SEQUENCE reading_ids",
    "SELECT setval('reading_ids', COALESCE((SELECT max(id) FROM readings_unpartitioned), 0) + 1, false)",
    "CREATE TABLE readings (\
       id bigint NOT NULL DEFAULT nextval('reading_ids'), \
       section_id integer NOT NULL REFERENCES sections (id), \
       parameter varchar(24) NOT NULL, \
       sampled_at timestamp with time zone NOT NULL, \
       value double precision NOT NULL, \
       below_detection boolean NOT NULL DEFAULT false, \
       detection_limit double precision, \
       source varchar(16) NOT NULL, \
       quality_flag varchar(1) NOT NULL DEFAULT 'N', \
       class smallint, \
       received_at timestamp with time zone NOT NULL, \
       data_kind varchar(8) NOT NULL DEFAULT 'sample', \
       revision integer NOT NULL DEFAULT 1, \
       qc varchar(16), \
       origin varchar(64), \
       method varchar(64), \
       lab varchar(64), \
       PRIMARY KEY (id, sampled_at)) PARTITION BY RANGE (sampled_at)",
    "CREATE UNIQUE INDEX uq_readings_series_time ON readings (section_id, parameter, sampled_at, data_kind)",
    "CREATE INDEX idx_readings_section_time ON readings (section_id, sampled_at)",
    // One partition per China-time month that holds readings, then the rows.
    "DO $$ DECLARE m timestamp; BEGIN \
       FOR m IN SELECT DISTINCT date_trunc('month', sampled_at AT TIME ZONE 'Asia/Shanghai') \
                FROM readings_unpartitioned LOOP \
         EXECUTE format('CREATE TABLE %I PARTITION OF readings FOR VALUES FROM (%L) TO (%L)', \
           'readings_' || to_char(m, 'YYYY_MM'), \
           (m AT TIME ZONE 'Asia/Shanghai'), ((m + interval '1 month') AT TIME ZONE 'Asia/Shanghai')); \
       END LOOP; END $$",
    "INSERT INTO readings (id, section_id, parameter, sampled_at, value, below_detection, detection_limit, \
       source, quality_flag, class, received_at) \
       SELECT id, section_id, parameter, sampled_at, value, below_detection, detection_limit, source, \
              quality_flag, class, received_at FROM readings_unpartitioned",
    "ALTER SEQUENCE reading_ids OWNED BY readings.id",
    "DROP TABLE readings_unpartitioned",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let own = if postgres { POSTGRES } else { SQLITE };
        for statement in own.iter().chain(COMMON) {
            // SQLite numbers `integer PRIMARY KEY` itself; PostgreSQL needs an identity column.
            let (pk, big_pk) = if postgres {
                (
                    "integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                    "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                )
            } else {
                ("integer NOT NULL PRIMARY KEY", "integer NOT NULL PRIMARY KEY")
            };
            let statement = statement.replace("{PK}", pk).replace("{BIG_PK}", big_pk);
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in ["monitor_revisions", "monitor_readings", "device_events", "devices", "reading_revisions"] {
            db.execute_unprepared(&format!("DROP TABLE {table}")).await?;
        }
        // The partitioned table and the new columns stay: the older code reads them as it did.
        Ok(())
    }
}
