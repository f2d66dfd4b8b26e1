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

fn init_logging(default: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default},sqlx=warn,sea_orm=warn,tokio_cron_scheduler=warn")));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
