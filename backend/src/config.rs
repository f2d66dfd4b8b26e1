//! Configuration: defaults, then `riverchief.toml`, then `RIVERCHIEF_*` environment variables, then the
//! command line. Loaded once in `main`; nothing below reads the environment.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};

use models::domain::evaluation::Decimals;
use models::domain::gb3838::Parameter;
use models::domain::warning::WarningThresholds;
use serde::{Deserialize, Serialize};

/// Settings that may hold a password and so may be read from a file instead.
const SECRET_KEYS: [&str; 3] = ["database_url", "smtp_url", "metrics_token"];

/// Default SQLite file, created in the working directory on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://riverchief.db";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `sqlite://riverchief.db` (default) or `postgres://user@host/db`. Secret: it may hold a password.
    pub database_url: SecretString,
    /// HTTP listen address; port 0 picks a free port.
    pub http_addr: SocketAddr,
    /// lettre SMTP URL; without it email is written to `outbox_dir` as `.eml` files.
    pub smtp_url: Option<SecretString>,
    /// Sender of notices.
    pub mail_from: String,
    pub outbox_dir: PathBuf,
    /// Lifetime of bearer tokens from `POST /api/v1/auth/token`, in hours.
    pub token_ttl_hours: i64,
    /// Run scheduled jobs inside `serve`.
    pub scheduler: bool,
    /// Cron overrides by job name (six fields, seconds first, China Standard Time); `off` disables a job.
    pub schedules: HashMap<String, String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Requests taking longer are answered 408.
    pub request_timeout_secs: u64,
    /// Largest file `POST /api/v1/readings/import` takes, in bytes (its body is streamed, not held).
    pub max_import_bytes: u64,
    /// An import taking longer is answered 408 and stores nothing; imports are exempt from
    /// `request_timeout_secs`.
    pub import_timeout_secs: u64,
    /// Let anyone read sections, readings and classes without signing in.
    pub public_read: bool,
    /// Mark cookies `Secure` and send HSTS: set when riverchief is served over HTTPS.
    pub cookie_secure: bool,
    /// Lifetime of a web session, in hours.
    pub session_ttl_hours: i64,
    /// Sign-in attempts allowed per minute from one address.
    pub login_attempts_per_minute: u32,
    /// Decimal places of period values by item key (`tp = 3`), over the defaults of the 2020 statistics
    /// rule (`domain::evaluation::Decimals`).
    pub decimals: HashMap<String, u32>,
    /// Readings sampled longer ago than this many hours are stored and judged but open no alerts
    /// (backfills, late lab results, a station catching up).
    pub live_window_hours: i64,
    /// Where `GET /metrics` is served (Prometheus text format); `off` or absent in a file: not served.
    /// Default 127.0.0.1:9464. An address other than loopback needs `metrics_token`.
    pub metrics_addr: Option<SocketAddr>,
    /// Bearer token `/metrics` asks for. Secret.
    pub metrics_token: Option<SecretString>,
    /// The HJ 212 receiver (`[hj212]`).
    #[serde(default)]
    pub hj212: crate::hj212::Hj212Config,
    /// Thresholds of the colour warnings (`[warnings]`); every key has a default. Validated at load.
    #[serde(default)]
    pub warnings: WarningThresholds,
}

/// The defaults, as a serialisable layer so the other layers merge over them.
#[derive(Serialize)]
struct Defaults {
    database_url: &'static str,
    http_addr: &'static str,
    mail_from: &'static str,
    outbox_dir: &'static str,
    token_ttl_hours: i64,
    scheduler: bool,
    schedules: HashMap<String, String>,
    max_body_bytes: usize,
    request_timeout_secs: u64,
    max_import_bytes: u64,
    import_timeout_secs: u64,
    public_read: bool,
    cookie_secure: bool,
    session_ttl_hours: i64,
    login_attempts_per_minute: u32,
    decimals: HashMap<String, u32>,
    live_window_hours: i64,
    metrics_addr: Option<&'static str>,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL,
            http_addr: "127.0.0.1:8080",
            mail_from: "riverchief 河长制平台 <noreply@riverchief.invalid>",
            outbox_dir: "outbox",
            token_ttl_hours: 12,
            scheduler: true,
            schedules: HashMap::new(),
            max_body_bytes: 8 * 1024 * 1024,
            request_timeout_secs: 30,
            max_import_bytes: 256 * 1024 * 1024,
            import_timeout_secs: 3600,
            public_read: false,
            cookie_secure: false,
            session_ttl_hours: 12,
            login_attempts_per_minute: 10,
            decimals: HashMap::new(),
            live_window_hours: 48,
            metrics_addr: Some("127.0.0.1:9464"),
        }
    }
}

impl Settings {
    /// How long after sampling a reading still raises alerts.
    pub fn live_window(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::hours(self.live_window_hours.max(0))
    }

    /// Loads the layers. `file` defaults to `riverchief.toml` in the working directory (optional).
    /// A secret may also come from a file named by `RIVERCHIEF_<KEY>_FILE` (for container secrets).
    pub fn load(file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let file = file.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("riverchief.toml"));
        let mut figment = Self::figment(&file);
        for key in SECRET_KEYS {
            let var = format!("RIVERCHIEF_{}_FILE", key.to_ascii_uppercase());
            if let Ok(path) = std::env::var(&var) {
                let secret = std::fs::read_to_string(&path)
                    .map_err(|e| Box::new(figment::Error::from(format!("{var}: cannot read {path}: {e}"))))?;
                figment = figment.merge(Serialized::default(key, secret.trim().to_string()));
            }
        }
        let settings: Settings = figment.extract().map_err(Box::new)?;
        settings.warnings.validate().map_err(|e| Box::new(figment::Error::from(format!("[warnings]: {e}"))))?;
        Ok(settings)
    }

    fn figment(file: &Path) -> Figment {
        Figment::from(Serialized::defaults(Defaults::default()))
            .merge(Toml::file(file))
            // RIVERCHIEF_DATABASE_URL → database_url; RIVERCHIEF_SCHEDULES__DELIVER_NOTICES → schedules.deliver_notices
            .merge(Env::prefixed("RIVERCHIEF_").split("__"))
    }

    /// Settings for tests and embedding: the defaults, nothing read from files or the environment.
    pub fn defaults() -> Settings {
        Figment::from(Serialized::defaults(Defaults::default())).extract().expect("the built-in defaults are valid")
    }

    pub fn mail(&self) -> jobs::MailSettings {
        jobs::MailSettings {
            smtp_url: self.smtp_url.clone(),
            from: self.mail_from.clone(),
            outbox_dir: self.outbox_dir.clone(),
        }
    }

    /// The decimals table: the defaults with `[decimals]` over them. An unknown item or more than 12 places
    /// is an error naming it.
    pub fn decimals(&self) -> Result<Decimals, String> {
        let mut table = Decimals::default();
        for (key, places) in &self.decimals {
            let parameter = Parameter::parse(key)
                .ok_or_else(|| format!("[decimals]: '{key}' is not a parameter (use a key such as tp or nh3n)"))?;
            if *places > 12 {
                return Err(format!("[decimals]: {key} = {places} is more than 12 places"));
            }
            table = table.with(parameter, *places);
        }
        Ok(table)
    }

    /// The database URL with any password masked, for logs.
    pub fn database_url_for_logs(&self) -> String {
        mask_password(self.database_url.expose_secret())
    }
}

fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_sqlite_on_localhost_8080_writing_mail_to_outbox() {
        let s = Settings::defaults();
        assert_eq!(s.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert_eq!(s.http_addr.to_string(), "127.0.0.1:8080");
        assert!(s.smtp_url.is_none());
        assert_eq!(s.outbox_dir, PathBuf::from("outbox"));
    }

    #[test]
    // figment::Jail fixes the closure's error type; it is not ours to shrink.
    #[allow(clippy::result_large_err)]
    fn environment_overrides_the_file_and_secrets_stay_out_of_debug() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("riverchief.toml", "database_url = \"sqlite://from-file.db\"\ntoken_ttl_hours = 2\n")?;
            jail.set_env("RIVERCHIEF_DATABASE_URL", "postgres://u:pw@localhost/rc");
            jail.set_env("RIVERCHIEF_SMTP_URL", "smtp://user:hunter2@mail.example.org:587");
            jail.set_env("RIVERCHIEF_SCHEDULES__DELIVER_NOTICES", "0 */5 * * * *");
            let s = Settings::load(None).map_err(|e| *e)?;
            assert_eq!(s.database_url.expose_secret(), "postgres://u:pw@localhost/rc");
            assert_eq!(s.token_ttl_hours, 2);
            assert_eq!(s.schedules["deliver_notices"], "0 */5 * * * *");
            let debug = format!("{s:?}");
            assert!(!debug.contains("hunter2"), "the SMTP password leaks: {debug}");
            assert!(!debug.contains("pw@"), "the database password leaks: {debug}");
            assert_eq!(s.database_url_for_logs(), "postgres://u:***@localhost/rc");
            Ok(())
        });
    }

    #[test]
    // figment::Jail fixes the closure's error type; it is not ours to shrink.
    #[allow(clippy::result_large_err)]
    fn decimals_can_be_overridden_per_item_and_a_wrong_key_is_named() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("riverchief.toml", "[decimals]\ntp = 2\nNH3N = 3\n")?;
            let s = Settings::load(None).map_err(|e| *e)?;
            let d = s.decimals().expect("valid");
            assert_eq!((d.of(Parameter::Tp), d.of(Parameter::Nh3n)), (2, 3));
            assert_eq!(d.of(Parameter::F), Decimals::default().of(Parameter::F), "others keep their default");
            jail.create_file("riverchief.toml", "[decimals]\ntpp = 2\n")?;
            let err = Settings::load(None).map_err(|e| *e)?.decimals().expect_err("unknown item");
            assert!(err.contains("'tpp'"), "{err}");
            Ok(())
        });
    }

    #[test]
    // figment::Jail fixes the closure's error type; it is not ours to shrink.
    #[allow(clippy::result_large_err)]
    fn warning_thresholds_come_from_the_file_and_a_bad_one_stops_the_start_naming_its_key() {
        figment::Jail::expect_with(|jail| {
            let s = Settings::load(None).map_err(|e| *e)?;
            assert_eq!(s.warnings, WarningThresholds::default());
            jail.create_file(
                "riverchief.toml",
                "[warnings]\napproach_share = 0.9\nconfirm = 3\nanomaly = \"orange\"\n",
            )?;
            let s = Settings::load(None).map_err(|e| *e)?;
            assert_eq!((s.warnings.approach_share, s.warnings.confirm), (0.9, 3));
            assert_eq!(s.warnings.anomaly, Some(models::domain::warning::WarningLevel::Orange));
            assert_eq!(s.warnings.red_classes_below_target, WarningThresholds::default().red_classes_below_target);
            jail.create_file("riverchief.toml", "[warnings]\napproach_share = 1.5\n")?;
            let err = Settings::load(None).expect_err("out of range").to_string();
            assert!(err.contains("[warnings]") && err.contains("approach_share"), "{err}");
            jail.create_file("riverchief.toml", "[warnings]\naproach_share = 0.9\n")?;
            let err = Settings::load(None).expect_err("unknown key").to_string();
            assert!(err.contains("aproach_share"), "{err}");
            Ok(())
        });
    }

    #[test]
    // figment::Jail fixes the closure's error type; it is not ours to shrink.
    #[allow(clippy::result_large_err)]
    fn a_secret_can_come_from_a_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("smtp.secret", "smtp://mailer:s3cret@mail.example.org:587\n")?;
            jail.set_env("RIVERCHIEF_SMTP_URL_FILE", "smtp.secret");
            let s = Settings::load(None).map_err(|e| *e)?;
            assert_eq!(
                s.smtp_url.as_ref().map(|u| u.expose_secret().to_string()).as_deref(),
                Some("smtp://mailer:s3cret@mail.example.org:587")
            );
            assert!(!s.public_read, "sections are private by default");
            Ok(())
        });
    }
}
