//! The command line: `serve`, `migrate`, `seed`, `jobs`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::Settings;
use crate::startup::{Application, job_context, open_database};

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
    /// Check the audit log
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
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
        /// For role chief: the river chief's id
        #[arg(long)]
        chief: Option<i32>,
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
        /// Days until the key stops working
        #[arg(long)]
        expires_days: Option<u32>,
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
    /// Classify one sample by GB 3838-2002. FILE is CSV with the header `parameter,value`
    /// (a key such as nh3n or an HJ 212 code; a value may be written <0.01 below detection); `-` reads stdin.
    Classify {
        /// The kind of water body: lakes and reservoirs use the lake TP limits and evaluate TN
        #[arg(long, default_value = "river", value_parser = ["river", "lake", "reservoir"])]
        waterbody: String,
        /// CSV file, or `-` for standard input
        file: PathBuf,
    },
    /// Judge one wastewater sample against GB 8978-1996 / GB 18918-2002 and permit limits. FILE is CSV
    /// `parameter,value` (cod, nh3n, ss, ph, … or HJ 212 codes; `<0.5` below detection); `-` reads stdin.
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
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run one job once, now, and print what it did
    Run {
        /// Job name, e.g. deliver_notices
        name: String,
    },
    /// List the jobs and their schedules
    List,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Pure analysis needs neither configuration nor a database.
    match &cli.command {
        Command::Analyze { action: AnalyzeCommand::Classify { waterbody, file } } => return classify(waterbody, file),
        Command::Analyze { action: AnalyzeCommand::Discharge { .. } } => return discharge(&cli.command),
        _ => {}
    }
    let mut settings = Settings::load(cli.config.as_deref()).context("reading configuration")?;
    if let Some(url) = cli.database_url {
        settings.database_url = url;
    }
    let serving = matches!(cli.command, Command::Serve { .. });
    init_logging(if serving { "info" } else { "warn" });

    match cli.command {
        Command::Serve { demo, http } => {
            if let Some(http) = http {
                settings.http_addr = http;
            }
            let app = Application::build(settings, demo).await?;
            println!("riverchief: http://{}/  (Ctrl-C to stop)", app.http_addr());
            app.run_until_stopped().await
        }
        Command::Migrate => {
            open_database(&settings).await?;
            println!("migrations applied to {}", settings.database_url_for_logs());
            Ok(())
        }
        Command::Seed { demo } => {
            if !demo {
                anyhow::bail!("only the demo dataset can be seeded: run `riverchief seed --demo`");
            }
            let db = open_database(&settings).await?;
            let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
            println!("{}", seed::load_demo(&db, today).await?);
            Ok(())
        }
        Command::Jobs { action: JobsCommand::List } => {
            for job in jobs::registry() {
                let schedule = settings.schedules.get(job.name()).map(String::as_str).unwrap_or(job.default_schedule());
                println!("{:<20} {:<16} {}", job.name(), schedule, job.description());
            }
            Ok(())
        }
        Command::Analyze { .. } => unreachable!("handled before configuration is read"),
        Command::User { action } => crate::admin::user(&settings, &action).await,
        Command::Apikey { action } => crate::admin::apikey(&settings, &action).await,
        Command::Audit { action: AuditCommand::Verify } => crate::admin::audit_verify(&settings).await,
        Command::Jobs { action: JobsCommand::Run { name } } => {
            let Some(job) = jobs::find(&name) else {
                let names: Vec<&str> = jobs::registry().iter().map(|j| j.name()).collect();
                anyhow::bail!("no job named '{name}'; jobs are: {}", names.join(", "));
            };
            let db = open_database(&settings).await?;
            let ctx = job_context(&settings, db)?;
            let report = jobs::run_now(job.as_ref(), &ctx).await?;
            println!("{name} ({}): {report}", ctx.mailer.describe());
            Ok(())
        }
    }
}

fn classify(waterbody: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let kind = models::domain::gb3838::WaterBodyKind::parse(waterbody)
        .ok_or_else(|| anyhow::anyhow!("--waterbody must be river, lake or reservoir"))?;
    let result =
        crate::analyze::classify(open_input(file)?, kind).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

fn open_input(file: &std::path::Path) -> anyhow::Result<Box<dyn std::io::Read>> {
    Ok(if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?)
    })
}

fn discharge(command: &Command) -> anyhow::Result<()> {
    let Command::Analyze {
        action:
            AnalyzeCommand::Discharge { standard, receiving_class, scope, water_temp, built_before_2006, permit, file },
    } = command
    else {
        unreachable!("called for analyze discharge only");
    };
    use crate::analyze::{DischargeOptions, choose_standard, judge_discharge, parse_permit, parse_scope};
    let options = DischargeOptions {
        standard: choose_standard(standard.as_deref(), receiving_class.as_deref()).map_err(anyhow::Error::msg)?,
        conditions: models::domain::discharge::Conditions {
            water_temp_c: *water_temp,
            plant_built_before_2006: *built_before_2006,
            gb8978_scope: scope
                .as_deref()
                .map(parse_scope)
                .transpose()
                .map_err(anyhow::Error::msg)?
                .unwrap_or_default(),
        },
        permits: permit.iter().map(|p| parse_permit(p)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?,
    };
    let result =
        judge_discharge(open_input(file)?, &options).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

fn init_logging(default: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default},sqlx=warn,sea_orm=warn,tokio_cron_scheduler=warn")));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
