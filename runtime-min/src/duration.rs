//! Human-written durations in the host YAML (`200ms`, `5s`, `1m30s`), the form ModKit's
//! configs use. Parsed here rather than through a crate to keep the runtime's tree small.
//! Generated module configs use [`parse`] and [`display`] too, so this text format is
//! part of the runtime contract.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};

/// Parses `<number><unit>` pairs, units `ns`, `us`, `ms`, `s`, `m`, `h`, e.g. `1m30s`; a
/// decimal fraction is allowed (`1.5s`) and is exact, not rounded through a float. A bare
/// number is refused: a unit-less `5` is ambiguous between seconds and milliseconds.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration; expected e.g. `200ms`, `5s`, `1m30s`".to_owned());
    }
    let out_of_range = || format!("`{text}` is out of range");
    let mut total_nanos: u128 = 0;
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
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => {
                return Err(format!(
                    "`{text}` has unknown unit `{other}`; use ms, s, m or h (or us, ns)"
                ));
            }
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let not_a_number = || format!("`{text}` is not a duration; expected e.g. `200ms`, `5s`");
        if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
            return Err(not_a_number());
        }
        let digits = |s: &str| -> Result<u128, String> {
            if s.is_empty() {
                Ok(0)
            } else {
                s.parse().map_err(|_| out_of_range())
            }
        };
        let scale = 10u128
            .checked_pow(u32::try_from(fraction.len()).map_err(|_| out_of_range())?)
            .ok_or_else(out_of_range)?;
        let whole_nanos = digits(whole)?.checked_mul(unit_nanos);
        let fraction_nanos = digits(fraction)?.checked_mul(unit_nanos).map(|n| n / scale);
        let nanos = whole_nanos
            .zip(fraction_nanos)
            .and_then(|(whole, fraction)| whole.checked_add(fraction))
            .ok_or_else(out_of_range)?;
        total_nanos = total_nanos.checked_add(nanos).ok_or_else(out_of_range)?;
        rest = after;
    }
    let seconds = u64::try_from(total_nanos / 1_000_000_000).map_err(|_| out_of_range())?;
    // The remainder is below 10^9, so it fits.
    Ok(Duration::new(seconds, (total_nanos % 1_000_000_000) as u32))
}

/// The inverse of [`parse`], exact and in the largest unit that needs no fraction:
/// `60s`, `200ms`, `1500us`. Messages quote figures the way the example configs write
/// them, and generated configs print (`--print-config`) what a file would say.
pub fn display(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos.is_multiple_of(1_000_000_000) {
        format!("{}s", nanos / 1_000_000_000)
    } else if nanos.is_multiple_of(1_000_000) {
        format!("{}ms", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        format!("{}us", nanos / 1_000)
    } else {
        format!("{nanos}ns")
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
        assert_eq!(parse("0.1s"), Ok(Duration::from_millis(100)));
        assert_eq!(parse("1.5ms"), Ok(Duration::from_micros(1500)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
    }

    #[test]
    fn bare_numbers_and_unknown_units_are_refused() {
        assert!(parse("5").unwrap_err().contains("no unit"));
        assert!(parse("5d").unwrap_err().contains("unknown unit `d`"));
        assert!(parse("").is_err());
        assert!(parse("s").is_err());
        assert!(parse(".s").is_err());
        assert!(parse("1.2.3s").is_err());
        assert!(
            parse("99999999999999999999999h")
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn display_round_trips_what_users_write() {
        for text in [
            "200ms", "5s", "1m30s", "2h", "1500ms", "1.5ms", "250us", "7ns", "0s",
        ] {
            let parsed = parse(text).unwrap();
            assert_eq!(parse(&display(parsed)), Ok(parsed), "{text}");
        }
        assert_eq!(display(Duration::from_secs(60)), "60s");
        assert_eq!(display(Duration::from_millis(200)), "200ms");
    }
}
