//! The command line's words: every command, option and its help, for clap. Nothing here runs anything.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// riverchief — 河长制水质监管平台: readings, GB 3838 judgement, alerts to river chiefs.
#[derive(Debug, Parser)]
#[command(name = "riverchief", version, about)]
pub struct Cli {
    /// Configuration file [default: riverchief.toml, if present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL, e.g. sqlite://riverchief.db or postgres://user@host/db [env: RIVERCHIEF_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and run the scheduled jobs
    Serve {
        /// Load the demo data (Qingyunpu District) on first start
        #[arg(long)]
        demo: bool,
        /// HTTP listen address [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        http: Option<SocketAddr>,
        /// HJ 212 receiver address [default: 127.0.0.1:9212]; `--hj212 off` runs none
        #[arg(long, value_name = "ADDR|off")]
        hj212: Option<String>,
        /// Metrics address (GET /metrics) [default: 127.0.0.1:9464]; `--metrics off` serves none
        #[arg(long, value_name = "ADDR|off")]
        metrics: Option<String>,
    },
    /// Apply pending database migrations
    Migrate,
    /// Load data into the database
    Seed {
        /// Load the demo dataset (once; a second run changes nothing)
        #[arg(long)]
        demo: bool,
    },
    /// Run or list the scheduled jobs
    Jobs {
        #[command(subcommand)]
        action: JobsCommand,
    },
    /// Judge water by the standards, without a database
    Analyze {
        #[command(subcommand)]
        action: AnalyzeCommand,
    },
    /// Manage accounts
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Manage API keys for machines (stations, enterprise systems)
    Apikey {
        #[command(subcommand)]
        action: ApikeyCommand,
    },
    /// The registry: regions, water bodies, reaches, sections, chiefs and their appointments
    Registry {
        #[command(subcommand)]
        action: RegistryCommand,
    },
    /// Import data from files
    Import {
        #[command(subcommand)]
        action: ImportCommand,
    },
    /// Check the audit log
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Measure riverchief at a nation's size (run a release build)
    Bench {
        #[command(subcommand)]
        action: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Create, change and retire what the files say, all or nothing; the same files twice change nothing.
    /// FILE is an XLSX workbook (a sheet per kind: 行政区划, 水体, 河段, 监测断面, 年度目标, 河长, 河长任命),
    /// a CSV file of one kind (UTF-8 or GBK; the kind from --kind, the file's name, or its header), or
    /// JSON as `registry export --out x.json` writes it
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The kind of every CSV file: regions, water_bodies, reaches, sections, targets, chiefs, appointments
        #[arg(long)]
        kind: Option<String>,
        /// Check and report what would be created, changed and retired; store nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the whole registry in the form `registry import` reads: `--out x.xlsx` a workbook, `--out DIR/`
    /// a CSV file per kind (UTF-8 with BOM), `--out x.json` or no --out JSON
    Export {
        #[arg(long, value_name = "FILE|DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Readings from CSV (UTF-8 with or without BOM, GBK, UTF-16) or XLSX files, one row per reading, under
    /// Chinese or English headers: 断面编码 监测项目 采样时间 监测值 (section, parameter, sampled_at, value),
    /// optionally 单位 标识 检出限 数据类型 来源 分析方法 实验室 低于检出限. All the files are one transaction:
    /// by default any bad row of any file stores nothing and every problem is listed with its line or cell;
    /// exits 1 when nothing was stored because of problems
    Readings {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The worksheet of every workbook [default: the first visible one]
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
        /// Store the good rows; write each bad one with its problems to FILE.rejects.csv beside its file
        /// (UTF-8 with BOM; fix it and import it as it is)
        #[arg(long)]
        skip_invalid: bool,
        /// The origin of readings whose row names none (a programme, a contractor; at most 64 characters),
        /// also recorded in the audit log
        #[arg(long, value_name = "TEXT")]
        source_label: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Import a nation's registry (sections, reaches, 10,000 chiefs and their terms) in a fresh database and
    /// time it, a repeat import, the section list, a section's chain and the export
    Registry {
        #[arg(long, default_value_t = 3641)]
        sections: usize,
        /// An empty database to build in [default: a temporary SQLite file]
        #[arg(long, value_name = "URL")]
        into: Option<String>,
    },
    /// Time the readings store against the database's own bulk load (PostgreSQL COPY, SQLite executemany),
    /// duplicates, and the JSON API's path from one client and from four
    Ingest {
        #[arg(long, default_value_t = 3641)]
        sections: usize,
        /// Readings stored through the writer
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Readings sent through the JSON API's path
        #[arg(long, default_value_t = 100_000)]
        api_rows: usize,
        /// An empty database to build in [default: a temporary SQLite file]
        #[arg(long, value_name = "URL")]
        into: Option<String>,
    },
    /// Build a nation's registry and history in a fresh database, then time the assessment, the section list
    /// and a section's detail, each with its peak memory
    Assessment {
        #[arg(long, default_value_t = 3641)]
        sections: usize,
        /// Months of monthly samples of the 21 evaluated items
        #[arg(long, default_value_t = 24)]
        months: u32,
        /// An empty database to build in [default: a temporary SQLite file]
        #[arg(long, value_name = "URL")]
        into: Option<String>,
    },
    /// Time the HJ 212 receiver: frames decoded per second on one core, then stations uploading an hourly
    /// frame every second over loopback into a fresh database, with each 9014's latency
    Hj212 {
        /// Stations, each a section with its station's MN and one connection of its own
        #[arg(long, default_value_t = 1000)]
        stations: usize,
        /// How long the stations upload, one frame a second each
        #[arg(long, default_value_t = 30)]
        seconds: u32,
        /// An empty database to build in [default: a temporary SQLite file]
        #[arg(long, value_name = "URL")]
        into: Option<String>,
    },
    /// Time the nightly trend_analysis job on a nation's monthly totals (written straight into the
    /// roll-ups), or with --scale station on automatic stations' four-hourly readings
    Trends {
        /// national: monthly totals of --sections sections over --years; station: four-hourly readings
        /// of --stations stations over --days
        #[arg(long, value_enum, default_value_t = crate::bench_trends::Scale::National)]
        scale: crate::bench_trends::Scale,
        #[arg(long, default_value_t = 3641)]
        sections: usize,
        /// Years of monthly totals per series (nine items a section)
        #[arg(long, default_value_t = 10)]
        years: u32,
        /// Automatic stations at --scale station
        #[arg(long, default_value_t = 2000)]
        stations: usize,
        /// Days of four-hourly readings per station and item at --scale station
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// An empty database to build in [default: a temporary SQLite file]
        #[arg(long, value_name = "URL")]
        into: Option<String>,
        /// Time the hourly early_warning job too, after the trends (every model fitted, then an hour later
        /// every model kept)
        #[arg(long)]
        early_warning: bool,
    },
    /// Time Mann–Kendall (S, Var(S), Z, p) and the exact Theil–Sen slope on long 10-minute series with ties
    /// and a weak trend, and compare them in the same run, on the same CSV files, with pymannkendall's
    /// original_test and scipy's kendalltau and theilslopes
    Trend {
        /// Series lengths
        #[arg(long, value_delimiter = ',', default_values_t = [20_000, 1_000_000])]
        sizes: Vec<usize>,
        /// A Python with numpy, scipy and pymannkendall; without them the comparison is skipped, saying why
        #[arg(long, default_value = "python3", value_name = "PATH")]
        python: PathBuf,
        /// Run the quadratic references (pymannkendall, scipy's theilslopes) only up to this many points: at
        /// 20,000 theilslopes holds about 10 GB and takes minutes
        #[arg(long, default_value_t = 20_000)]
        quadratic_max: usize,
        /// Keep the CSV files (as `analyze trend` reads them) in DIR [default: a temporary directory]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account
    Add {
        /// admin | bureau | chief | enterprise
        #[arg(long)]
        role: String,
        #[arg(long)]
        username: String,
        /// The password (at least 10 characters); or use --password-stdin
        #[arg(long, conflicts_with = "password_stdin", required_unless_present = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input (keeps it out of shell history)
        #[arg(long)]
        password_stdin: bool,
        /// For role chief: the river chief's code (河长编号), or their numeric id
        #[arg(long)]
        chief: Option<String>,
        /// For role enterprise: the enterprise's unified social credit code
        #[arg(long)]
        enterprise: Option<String>,
        /// Where reports are sent (bureau staff)
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List every account
    List,
    /// Disable an account and revoke its tokens and sessions
    Disable { username: String },
    /// Enable a disabled account
    Enable { username: String },
    /// Set a new password (unlocks the account, revokes its tokens and sessions)
    ResetPassword {
        username: String,
        #[arg(long, conflicts_with = "password_stdin", required_unless_present = "password_stdin")]
        password: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApikeyCommand {
    /// Create a key limited to one section (by code) or one outfall (CREDIT_CODE/OUTFALL_CODE)
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, conflicts_with = "outfall", required_unless_present = "outfall")]
        section: Option<String>,
        #[arg(long)]
        outfall: Option<String>,
        /// Days until the key stops working (1–3650; leave out for a key that does not expire)
        #[arg(long, allow_negative_numbers = true)]
        expires_days: Option<i64>,
    },
    /// List keys (never the keys themselves)
    List,
    /// Revoke a key by id
    Revoke { id: i32 },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exits 1 naming the first broken entry
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// Classify one sample by GB 3838-2002. FILE is CSV `parameter,value` or `parameter,value,unit` (a key
    /// such as nh3n, or an HJ 212 code whose value without a unit is in the code's default unit, e.g. w20111 in
    /// µg/L; `<0.01` below detection); `-` reads stdin.
    Classify {
        /// The kind of water body: lakes and reservoirs use the lake TP column (TN is reported, never counted)
        #[arg(long, default_value = "river", value_parser = ["river", "lake", "reservoir"])]
        waterbody: String,
        /// CSV file, or `-` for standard input
        file: PathBuf,
    },
    /// The trophic state of a lake or reservoir sample: TLI(Σ) from chla (µg/L), tp, tn, sd (m) and codmn,
    /// with at least chla and two others. FILE is CSV `parameter,value[,unit]`; `-` reads stdin.
    Trophic {
        /// CSV file, or `-` for standard input
        file: PathBuf,
    },
    /// Judge one wastewater sample against GB 8978-1996 / GB 18918-2002 and permit limits. FILE is CSV
    /// `parameter,value` or `parameter,value,unit` (cod, nh3n, ss, ph, … or HJ 212 codes; `<0.5` below
    /// detection; without a unit a value is mg/L under a key and in the code's HJ 212 default unit under a
    /// code, e.g. w20111 in µg/L); `-` reads stdin.
    Discharge {
        /// gb8978:1|2|3 or gb18918:1A|1B|2|3
        #[arg(long)]
        standard: Option<String>,
        /// Class of the receiving water, to choose the GB 8978 grade when --standard is not given
        #[arg(long, value_name = "CLASS")]
        receiving_class: Option<String>,
        /// GB 8978 industry row for items with per-industry limits [default: other_units]
        #[arg(long)]
        scope: Option<String>,
        /// Effluent temperature in °C (GB 18918 NH3-N uses the looser limit at or below 12 °C)
        #[arg(long, value_name = "CELSIUS")]
        water_temp: Option<f64>,
        /// The treatment plant was built before 2006 (GB 18918 TP)
        #[arg(long)]
        built_before_2006: bool,
        /// A permit limit, ITEM=LIMIT (repeatable), e.g. --permit cod=80
        #[arg(long, value_name = "ITEM=LIMIT")]
        permit: Vec<String>,
        /// CSV file, or `-` for standard input
        file: PathBuf,
    },
    /// Forecast one item's series and when it is expected to cross its target class's GB 3838 limit
    /// (above it for nh3n, tp, codmn, cod; below it for do). FILE is CSV `time,value` (a date, RFC 3339 or
    /// `2025-03-01 08:00` in China Standard Time; `<0.01` below detection); `-` reads stdin. Daily or monthly
    /// from the spacing of the values; at least 60 daily or 24 monthly values.
    Forecast {
        /// The item: a key such as nh3n, tp, codmn, cod, do, or an HJ 212 code
        #[arg(long)]
        parameter: String,
        /// The target class, I–V, whose limit a breach crosses
        #[arg(long, value_name = "CLASS")]
        target: String,
        /// How far ahead: 30d, 6m or 6mo [default: 30d for daily series, 6m for monthly]
        #[arg(long)]
        horizon: Option<String>,
        /// Lakes and reservoirs use the lake TP limits
        #[arg(long, default_value = "river", value_parser = ["river", "lake", "reservoir"])]
        waterbody: String,
        /// Resample to days or months instead of inferring it from the spacing
        #[arg(long, value_parser = ["daily", "monthly"])]
        cadence: Option<String>,
        /// CSV file, or `-` for standard input
        file: PathBuf,
    },
    /// Test one item's series for a trend: Mann–Kendall and seasonal Kendall (with Theil–Sen slopes per
    /// year on the real time between samples) and the national method's Spearman test. FILE is CSV
    /// `time,value` (a header line optional; a date `2024-01-15` or RFC 3339; `<0.01` or `0.01L` below
    /// detection); `-` reads stdin. Prints JSON.
    Trend(TrendArgs),
}

/// `riverchief analyze trend`.
#[derive(Debug, Args)]
pub struct TrendArgs {
    /// The test to run
    #[arg(long, value_enum, default_value_t = TrendMethod::All)]
    pub method: TrendMethod,
    /// Two-sided significance level of the Kendall tests, strictly between 0 and 1 (Spearman's table is
    /// the national method's, one-sided 0.05)
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// The detection limit of values written `ND` or `未检出`, which give none
    #[arg(long, value_name = "LIMIT")]
    pub nd_limit: Option<f64>,
    /// CSV file, or `-` for standard input
    pub file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrendMethod {
    MannKendall,
    SeasonalKendall,
    Spearman,
    All,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run one job once, now, and print what it did
    Run {
        /// Job name, e.g. deliver_notices
        name: String,
        /// Run it as it would have run at this time: RFC 3339, or a date (its midnight, China time). For a
        /// run the scheduler missed, e.g. `jobs run yangtze_warning --as-of 2026-10-06` issues the third
        /// quarter. Default: now
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// List the jobs and their schedules
    List,
}

/// `--as-of`: an RFC 3339 time, or a date meaning its midnight in China Standard Time.
fn parse_as_of(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(chrono_tz::Asia::Shanghai).single())
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| {
            format!("'{text}' is neither an RFC 3339 time (2026-10-06T04:00:00+08:00) nor a date (2026-10-06)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_takes_a_time_or_a_date_at_its_midnight_in_china() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("time");
        assert_eq!(parse_as_of("2026-10-06"), Ok(at("2026-10-05T16:00:00Z")));
        assert_eq!(parse_as_of(" 2026-10-06T04:00:00+08:00 "), Ok(at("2026-10-05T20:00:00Z")));
        let refused = parse_as_of("2026-13-01").expect_err("no 13th month");
        assert!(refused.contains("'2026-13-01'"), "{refused}");
    }
}
