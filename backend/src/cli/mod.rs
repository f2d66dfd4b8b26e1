//! The command line: parse with [`args`], then hand each command to the code that does it. Commands only
//! call `models`, `jobs` and `seed` and present the result; none of them begins a transaction.

pub mod admin;
pub mod args;
pub mod import;

use anyhow::Context;
use chrono::Utc;
use tracing_subscriber::EnvFilter;

pub use args::Cli;
use args::{AnalyzeCommand, AuditCommand, BenchCommand, Command, JobsCommand, TrendArgs, TrendMethod};

use models::domain::Code;

use crate::Settings;
use crate::startup::{Application, job_context, open_database};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Pure analysis needs neither configuration nor a database.
    match &cli.command {
        Command::Analyze { action: AnalyzeCommand::Classify { waterbody, file } } => return classify(waterbody, file),
        Command::Bench { action: BenchCommand::Assessment { sections, months, into } } => {
            init_logging("warn");
            return crate::bench::assessment(*sections, *months, into.as_deref()).await;
        }
        Command::Bench { action: BenchCommand::Ingest { sections, rows, api_rows, into } } => {
            init_logging("warn");
            return crate::bench::ingest(*sections, *rows, *api_rows, into.as_deref()).await;
        }
        Command::Bench { action: BenchCommand::Registry { sections, into } } => {
            init_logging("warn");
            return crate::bench::registry(*sections, into.as_deref()).await;
        }
        Command::Bench { action: BenchCommand::Hj212 { stations, seconds, into } } => {
            init_logging("warn");
            return crate::bench_hj212::run(*stations, *seconds, into.as_deref()).await;
        }
        Command::Bench {
            action: BenchCommand::Trends { scale, sections, years, stations, days, into, early_warning },
        } => {
            init_logging("warn");
            let size =
                crate::bench_trends::Size { sections: *sections, years: *years, stations: *stations, days: *days };
            return crate::bench_trends::run(*scale, size, into.as_deref(), *early_warning).await;
        }
        Command::Bench { action: BenchCommand::Trend { sizes, python, quadratic_max, out } } => {
            return crate::bench_trend::run(sizes, python, *quadratic_max, out.as_deref());
        }
        Command::Analyze { action: AnalyzeCommand::Trophic { file } } => {
            let result = crate::analyze::trophic_state(open_input(file)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!("{}", serde_json::to_string(&result)?);
            return Ok(());
        }
        Command::Analyze { action: AnalyzeCommand::Discharge { .. } } => return discharge(&cli.command),
        Command::Analyze { action: action @ AnalyzeCommand::Forecast { .. } } => {
            return analyze_forecast(action, &mut std::io::stdout().lock());
        }
        Command::Analyze { action: AnalyzeCommand::Trend(args) } => {
            return analyze_trend(args, &mut std::io::stdout().lock());
        }
        _ => {}
    }
    let mut settings = Settings::load(cli.config.as_deref()).context("reading configuration")?;
    if let Some(url) = cli.database_url {
        settings.database_url = url.into();
    }
    let serving = matches!(cli.command, Command::Serve { .. });
    init_logging(if serving { "info" } else { "warn" });

    match cli.command {
        Command::Serve { demo, http, hj212, metrics } => {
            if let Some(http) = http {
                settings.http_addr = http;
            }
            match hj212.as_deref() {
                None => {}
                Some("off") => settings.hj212.enabled = false,
                Some(addr) => {
                    settings.hj212.enabled = true;
                    settings.hj212.addr = addr.parse().with_context(|| format!("--hj212 {addr}: not an address"))?;
                }
            }
            match metrics.as_deref() {
                None => {}
                Some("off") => settings.metrics_addr = None,
                Some(addr) => {
                    settings.metrics_addr =
                        Some(addr.parse().with_context(|| format!("--metrics {addr}: not an address"))?);
                }
            }
            let app = Application::build(settings, demo).await?;
            println!("riverchief: http://{}/  (Ctrl-C to stop)", app.http_addr());
            if let Some(addr) = app.hj212_addr() {
                println!("HJ 212 receiver: {addr}");
            }
            if let Some(addr) = app.metrics_addr() {
                println!("metrics: http://{addr}/metrics");
            }
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
            let registry = jobs::registry();
            // Columns as wide as the longest name, so every line lines up.
            let width = registry.iter().map(|j| j.name().len()).max().unwrap_or(0);
            for job in registry {
                let schedule = settings.schedules.get(job.name()).map(String::as_str).unwrap_or(job.default_schedule());
                println!("{:<width$} {:<16} {}", job.name(), schedule, job.description());
            }
            Ok(())
        }
        Command::Analyze { .. } | Command::Bench { .. } => unreachable!("handled before configuration is read"),
        Command::User { action } => admin::user(&settings, &action).await,
        Command::Apikey { action } => admin::apikey(&settings, &action).await,
        Command::Audit { action: AuditCommand::Verify } => admin::audit_verify(&settings).await,
        Command::Registry { action } => admin::registry(&settings, action).await,
        Command::Import { action } => import::run(&settings, action).await,
        Command::Jobs { action: JobsCommand::Run { name, as_of } } => {
            let Some(job) = jobs::find(&name) else {
                let names: Vec<&str> = jobs::registry().iter().map(|j| j.name()).collect();
                anyhow::bail!("no job named '{name}'; jobs are: {}", names.join(", "));
            };
            let db = open_database(&settings).await?;
            let ctx = job_context(&settings, db)?;
            let report = match as_of {
                None => jobs::run_now(job.as_ref(), &ctx).await?,
                Some(at) => jobs::run_as_of(job.as_ref(), &ctx, at).await?,
            };
            println!("{name} ({}): {report}", ctx.mailer.describe());
            if report.failures > 0 {
                anyhow::bail!("{name}: {} item(s) failed; see above", report.failures);
            }
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

/// `riverchief analyze trend`: reads the series, runs the tests asked for and writes the report as one
/// line of JSON to `out`.
pub fn analyze_trend(args: &TrendArgs, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    use jobs::analysis::{Alpha, Methods};
    let alpha = Alpha::parse(args.alpha).map_err(|_| {
        anyhow::anyhow!("--alpha {}: the significance level must lie strictly between 0 and 1", args.alpha)
    })?;
    let methods = match args.method {
        TrendMethod::MannKendall => Methods { mann_kendall: true, ..Methods::default() },
        TrendMethod::SeasonalKendall => Methods { seasonal_kendall: true, ..Methods::default() },
        TrendMethod::Spearman => Methods { spearman: true, ..Methods::default() },
        TrendMethod::All => Methods::all(),
    };
    let report = crate::analyze_series::trend(open_input(&args.file)?, methods, alpha, args.nd_limit)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    serde_json::to_writer(&mut *out, &report)?;
    writeln!(out)?;
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
    use models::domain::discharge::{Conditions, SampleOptions, choose_standard, parse_permit, parse_scope};
    let options = SampleOptions {
        standard: choose_standard(standard.as_deref(), receiving_class.as_deref())?,
        conditions: Conditions {
            water_temp_c: *water_temp,
            plant_built_before_2006: *built_before_2006,
            gb8978_scope: scope.as_deref().map(parse_scope).transpose()?.unwrap_or_default(),
        },
        permits: permit.iter().map(|p| parse_permit(p)).collect::<Result<_, _>>()?,
    };
    let result = crate::analyze::judge_discharge(open_input(file)?, &options)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

/// `analyze forecast`: the forecast of FILE as pretty JSON on `out`.
pub fn analyze_forecast(action: &AnalyzeCommand, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let AnalyzeCommand::Forecast { parameter, target, horizon, waterbody, cadence, file } = action else {
        unreachable!("called for analyze forecast only");
    };
    use jobs::analysis::forecast::{Cadence, ForecastOptions, Horizon, Limit};
    use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
    let item = Parameter::parse(parameter).ok_or_else(|| {
        anyhow::anyhow!("--parameter {parameter}: not an item key (nh3n, tp, codmn, cod, do) or HJ 212 code")
    })?;
    let class = WaterClass::parse(target)
        .ok_or_else(|| anyhow::anyhow!("--target {target}: not a class (I, II, III, IV or V)"))?;
    let kind = WaterBodyKind::parse(waterbody)
        .ok_or_else(|| anyhow::anyhow!("--waterbody must be river, lake or reservoir"))?;
    let limit = Limit::for_class(item, class, kind).map_err(|e| anyhow::anyhow!("--parameter/--target: {e}"))?;
    let horizon = horizon.as_deref().map(Horizon::parse).transpose().map_err(|e| anyhow::anyhow!("--horizon: {e}"))?;
    let cadence = cadence.as_deref().map(|c| if c == "monthly" { Cadence::Monthly } else { Cadence::Daily });
    let options = ForecastOptions { cadence, horizon, trained_at: Utc::now() };
    let result = crate::analyze_series::forecast_csv(open_input(file)?, limit, options)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
    Ok(())
}

fn init_logging(default: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default},sqlx=warn,sea_orm=warn,tokio_cron_scheduler=warn")));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
