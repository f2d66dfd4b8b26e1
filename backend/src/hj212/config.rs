//! The receiver's settings, as they will sit under `[hj212]` in `riverchief.toml`.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use models::domain::hj212::{MAX_DATA_LEN, ReassemblyLimits};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// Limits and timeouts of the HJ 212 receiver. Every field has a default, so `[hj212]` may name only
/// what it changes. Durations are written as a number of seconds (`read_timeout = 120`) or as text
/// with a unit (`max_wait = "2ms"`, `"30s"`, `"2m"`, `"1h"`).
///
/// ```toml
/// [hj212]
/// addr = "0.0.0.0:9212"
/// max_per_address = 16
/// reassembly = { timeout = "30s", max_parts = 32 }
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hj212Config {
    /// Run the receiver inside `serve`. Default on.
    pub enabled: bool,
    /// Listen address; port 0 picks a free port. Default `127.0.0.1:9212`, reachable from this machine
    /// only, as the HTTP address is: stations on the network need `0.0.0.0:…` or an interface's address.
    pub addr: SocketAddr,
    /// Longest data segment accepted, in bytes. Default the standard's 1024 ([`MAX_DATA_LEN`]); raise it
    /// (up to 9999) for devices that ignore the limit.
    pub max_data_len: usize,
    /// A connection over which nothing arrives this long is closed. Default 120 s.
    #[serde(deserialize_with = "duration")]
    pub read_timeout: Duration,
    /// A frame that has begun must be complete within this time, or the connection is closed and the
    /// partial bytes dropped, so a station that stops mid-frame does not hold its slot. Default 30 s.
    #[serde(deserialize_with = "duration")]
    pub frame_timeout: Duration,
    /// Writing an acknowledgement may take this long before the connection is closed (a client that
    /// never reads its acknowledgements fills its socket buffer). Default 10 s.
    #[serde(deserialize_with = "duration")]
    pub write_timeout: Duration,
    /// Open connections at most; more are accepted and closed at once. Default 4096.
    pub max_connections: usize,
    /// Open connections from one IP address at most. Default 64.
    pub max_per_address: usize,
    /// Bounds on split messages (`PNUM`/`PNO`) held per connection; the codec's defaults.
    #[serde(deserialize_with = "reassembly")]
    pub reassembly: ReassemblyLimits,
    /// Messages given to the sink in one commit at most. Default 512.
    pub max_group: usize,
    /// How long the committer waits for more messages once it has one. Default 2 ms.
    #[serde(deserialize_with = "duration")]
    pub max_wait: Duration,
}

impl Default for Hj212Config {
    fn default() -> Self {
        Self {
            enabled: true,
            addr: SocketAddr::from(([127, 0, 0, 1], 9212)),
            max_data_len: MAX_DATA_LEN,
            read_timeout: Duration::from_secs(120),
            frame_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(10),
            max_connections: 4096,
            max_per_address: 64,
            reassembly: ReassemblyLimits::default(),
            max_group: 512,
            max_wait: Duration::from_millis(2),
        }
    }
}

/// [`ReassemblyLimits`] as written in the file; the codec's type stays free of serde.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ReassemblyToml {
    #[serde(deserialize_with = "duration")]
    timeout: Duration,
    max_sets: usize,
    max_parts: u32,
    max_buffered: usize,
}

impl Default for ReassemblyToml {
    fn default() -> Self {
        let ReassemblyLimits { timeout, max_sets, max_parts, max_buffered } = ReassemblyLimits::default();
        Self { timeout, max_sets, max_parts, max_buffered }
    }
}

fn reassembly<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ReassemblyLimits, D::Error> {
    let ReassemblyToml { timeout, max_sets, max_parts, max_buffered } = ReassemblyToml::deserialize(deserializer)?;
    Ok(ReassemblyLimits { timeout, max_sets, max_parts, max_buffered })
}

/// Seconds as a number, or text: a number followed by `ms`, `s`, `m` or `h`.
fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    struct DurationVisitor;

    impl Visitor<'_> for DurationVisitor {
        type Value = Duration;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number of seconds or a duration such as \"2ms\", \"30s\", \"2m\"")
        }

        fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Duration, E> {
            Ok(Duration::from_secs(secs))
        }

        fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Duration, E> {
            u64::try_from(secs).map(Duration::from_secs).map_err(|_| E::custom(format!("{secs} is negative")))
        }

        fn visit_f64<E: de::Error>(self, secs: f64) -> Result<Duration, E> {
            Duration::try_from_secs_f64(secs).map_err(|_| E::custom(format!("{secs} is not a duration in seconds")))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
            parse_duration(text).ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
        }
    }

    deserializer.deserialize_any(DurationVisitor)
}

fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "ms" => 1e-3,
        "s" | "" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(number * scale).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Figment;
    use figment::providers::{Format, Toml};

    fn from_toml(text: &str) -> Result<Hj212Config, Box<figment::Error>> {
        Figment::from(Toml::string(text)).extract().map_err(Box::new)
    }

    #[test]
    fn an_empty_section_gives_the_defaults() {
        let config = from_toml("").expect("defaults");
        assert_eq!(config, Hj212Config::default());
        assert_eq!(config.max_data_len, 1024);
        assert_eq!((config.read_timeout, config.max_wait), (Duration::from_secs(120), Duration::from_millis(2)));
        assert_eq!((config.max_connections, config.max_per_address, config.max_group), (4096, 64, 512));
    }

    #[test]
    fn durations_are_seconds_or_text_with_a_unit_and_reassembly_limits_may_be_partial() {
        let config = from_toml(
            "addr = \"0.0.0.0:6000\"\nread_timeout = 90\nframe_timeout = 2.5\nmax_wait = \"5ms\"\n\
             write_timeout = \"1m\"\nreassembly = { timeout = \"30s\", max_parts = 8 }\n",
        )
        .expect("valid");
        assert_eq!(config.addr.to_string(), "0.0.0.0:6000");
        assert_eq!(config.read_timeout, Duration::from_secs(90));
        assert_eq!(config.frame_timeout, Duration::from_millis(2500));
        assert_eq!(config.max_wait, Duration::from_millis(5));
        assert_eq!(config.write_timeout, Duration::from_secs(60));
        assert_eq!(
            config.reassembly,
            ReassemblyLimits { timeout: Duration::from_secs(30), max_parts: 8, ..ReassemblyLimits::default() }
        );
    }

    #[test]
    fn a_misspelt_key_or_a_bad_duration_is_an_error() {
        assert!(from_toml("max_conections = 10").is_err());
        assert!(from_toml("reassembly = { timout = 1 }").is_err());
        for bad in ["\"2 weeks\"", "\"ms\"", "-1", "\"\""] {
            let err = from_toml(&format!("max_wait = {bad}")).expect_err(bad);
            assert!(err.to_string().contains("max_wait"), "{bad}: {err}");
        }
    }
}
