//! Human-written durations in the host YAML (`200ms`, `5s`, `1m30s`), the form ModKit's
//! configs use. Parsed here rather than through a crate to keep the runtime's tree small.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};

/// Parses `<number><unit>` pairs, units `ms`, `s`, `m`, `h`; a fraction is allowed
/// (`1.5s`). A bare number is refused: a unit-less `5` is ambiguous between s and ms.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration; expected e.g. `200ms`, `5s`, `1m30s`".to_owned());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| {
                format!("`{text}` has no unit; expected e.g. `{text}s` or `{text}ms`")
            })?;
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration; expected e.g. `200ms`, `5s`"))?;
        let seconds_per_unit = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            other => {
                return Err(format!(
                    "`{text}` has unknown unit `{other}`; use ms, s, m or h"
                ));
            }
        };
        total += Duration::try_from_secs_f64(value * seconds_per_unit)
            .map_err(|_| format!("`{text}` is out of range"))?;
        rest = after;
    }
    Ok(total)
}

/// For messages: whole seconds as `60s`, anything finer as `200ms`, so a message quotes
/// the figure the way the example configs write it.
pub fn display(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{millis}ms")
    }
}

/// `#[serde(deserialize_with = "duration::deserialize")]`
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    struct HumanDuration;
    impl Visitor<'_> for HumanDuration {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a duration such as `200ms`, `5s` or `1m30s`")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
            parse(text).map_err(E::custom)
        }
    }
    deserializer.deserialize_str(HumanDuration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_compounds_parse() {
        assert_eq!(parse("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
    }

    #[test]
    fn bare_numbers_and_unknown_units_are_refused() {
        assert!(parse("5").unwrap_err().contains("no unit"));
        assert!(parse("5d").unwrap_err().contains("unknown unit `d`"));
        assert!(parse("").is_err());
        assert!(parse("s").is_err());
    }

    #[test]
    fn display_round_trips_what_users_write() {
        for text in ["200ms", "5s", "1m30s", "2h", "1500ms"] {
            let parsed = parse(text).unwrap();
            assert_eq!(parse(&display(parsed)), Ok(parsed), "{text}");
        }
        assert_eq!(display(Duration::from_secs(60)), "60s");
        assert_eq!(display(Duration::from_millis(200)), "200ms");
    }
}
