//! The one duration grammar: host YAML, module configs (files, `--print-config`, the
//! JSON Schema), `modgen.toml` defaults, and the module's `--shutdown-timeout` and
//! `--heartbeat-interval` all write durations this way.
//!
//! ```text
//! duration = ( number unit )+          e.g. 200ms, 5s, 1m30s, 1.5s
//! number   = digits [ "." digits ]     exact: 1.5ms is 1500us, not a float
//! unit     = h | m | s | ms | us | ns
//! ```
//!
//! A bare number is refused: a unit-less `5` is ambiguous between seconds and
//! milliseconds. No sign, no spaces.

use std::time::Duration;

/// A unit of the grammar and its length in nanoseconds.
pub struct Unit {
    pub suffix: &'static str,
    pub nanos: u128,
}

/// Every unit, longest first within a shared prefix (`ms` before `m`).
pub const UNITS: &[Unit] = &[
    Unit {
        suffix: "h",
        nanos: 3_600_000_000_000,
    },
    Unit {
        suffix: "ms",
        nanos: 1_000_000,
    },
    Unit {
        suffix: "m",
        nanos: 60_000_000_000,
    },
    Unit {
        suffix: "s",
        nanos: 1_000_000_000,
    },
    Unit {
        suffix: "us",
        nanos: 1_000,
    },
    Unit {
        suffix: "ns",
        nanos: 1,
    },
];

/// Units [`display`] may print, largest first: it never needs `m` or `h` (a minute
/// reads `60s`, as the example configs write it).
const DISPLAY_UNITS: [&str; 4] = ["s", "ms", "us", "ns"];

/// Parses the grammar above. Errors say what is wrong with the text, quoting it.
pub fn parse(text: &str) -> Result<Duration, String> {
    if text.is_empty() {
        return Err("empty duration; expected e.g. `200ms`, `5s`, `1m30s`".to_owned());
    }
    let out_of_range = || format!("`{text}` is out of range");
    let not_a_duration = || format!("`{text}` is not a duration; expected e.g. `200ms`, `5s`");
    let mut total_nanos: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let (whole, after) = split_digits(rest);
        if whole.is_empty() {
            return Err(not_a_duration());
        }
        let (fraction, after) = match after.strip_prefix('.') {
            Some(after_dot) => match split_digits(after_dot) {
                ("", _) => return Err(not_a_duration()),
                split => split,
            },
            None => ("", after),
        };
        if after.is_empty() {
            return Err(if rest.len() == text.len() {
                format!("`{text}` has no unit; expected e.g. `{text}s` or `{text}ms`")
            } else {
                format!("`{text}` ends in a number without a unit")
            });
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (suffix, after) = after.split_at(unit_len);
        let Some(unit) = UNITS.iter().find(|unit| unit.suffix == suffix) else {
            return Err(format!(
                "`{text}` has unknown unit `{suffix}`; use ms, s, m or h (or us, ns)"
            ));
        };
        let nanos = term_nanos(whole, fraction, unit.nanos).ok_or_else(out_of_range)?;
        total_nanos = total_nanos.checked_add(nanos).ok_or_else(out_of_range)?;
        rest = after;
    }
    let seconds = u64::try_from(total_nanos / 1_000_000_000).map_err(|_| out_of_range())?;
    // The remainder is below 10^9, so it fits.
    Ok(Duration::new(seconds, (total_nanos % 1_000_000_000) as u32))
}

/// The leading ASCII digits of `text`, and what follows them.
fn split_digits(text: &str) -> (&str, &str) {
    let len = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(len)
}

/// `whole.fraction` units, in nanoseconds, exactly (a fraction finer than a nanosecond
/// is cut off); `None` on overflow.
fn term_nanos(whole: &str, fraction: &str, unit_nanos: u128) -> Option<u128> {
    let scale = 10u128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    let number = |digits: &str| -> Option<u128> {
        if digits.is_empty() {
            Some(0)
        } else {
            digits.parse().ok()
        }
    };
    let whole_nanos = number(whole)?.checked_mul(unit_nanos)?;
    let fraction_nanos = number(fraction)?.checked_mul(unit_nanos)? / scale;
    whole_nanos.checked_add(fraction_nanos)
}

/// The inverse of [`parse`], exact and in the largest unit that needs no fraction:
/// `60s`, `200ms`, `1500us`. Messages quote figures the way the example configs write
/// them, and generated configs print (`--print-config`) what a file would say.
pub fn display(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    for suffix in DISPLAY_UNITS {
        let unit = UNITS
            .iter()
            .find(|unit| unit.suffix == suffix)
            .map_or(1, |unit| unit.nanos);
        if nanos.is_multiple_of(unit) {
            return format!("{}{suffix}", nanos / unit);
        }
    }
    format!("{nanos}ns")
}

/// The grammar as a JSON Schema `pattern` (ECMA-262), built from [`UNITS`]. It checks the
/// form only: a duration too large for [`Duration`] matches, and [`parse`] refuses it.
pub fn json_schema_pattern() -> String {
    let units: Vec<&str> = UNITS.iter().map(|unit| unit.suffix).collect();
    format!(r"^([0-9]+(\.[0-9]+)?({}))+$", units.join("|"))
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
        assert_eq!(parse("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse("7ns"), Ok(Duration::from_nanos(7)));
    }

    #[test]
    fn bare_numbers_unknown_units_and_loose_forms_are_refused() {
        assert!(parse("5").unwrap_err().contains("no unit"));
        assert!(parse("1m30").unwrap_err().contains("without a unit"));
        assert!(parse("5d").unwrap_err().contains("unknown unit `d`"));
        for bad in [
            "", "s", ".s", ".5s", "5.s", "1.2.3s", " 5s", "5s ", "-5s", "+5s", "5 s",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
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
        assert_eq!(display(Duration::from_micros(1500)), "1500us");
    }

    /// The schema an editor checks a config against and the parser the module runs must
    /// agree on every form, accepted or refused.
    #[test]
    fn the_schema_pattern_accepts_exactly_what_parse_accepts() {
        let pattern = regex::Regex::new(&json_schema_pattern()).unwrap();
        let samples = [
            "200ms",
            "5s",
            "1m30s",
            "1.5s",
            "0.1s",
            "2h",
            "250us",
            "7ns",
            "0s",
            "1h2m3s4ms5us6ns",
            "10m",
            "5",
            "",
            "s",
            ".s",
            ".5s",
            "5.s",
            "1.2.3s",
            " 5s",
            "5s ",
            "-5s",
            "+5s",
            "5 s",
            "5d",
            "5S",
            "5sec",
            "1m30",
            "1e3s",
            "٣s",
            "5mss",
            "5.5.5ms",
        ];
        for sample in samples {
            assert_eq!(
                pattern.is_match(sample),
                parse(sample).is_ok(),
                "{sample:?}: pattern and parser disagree"
            );
        }
        // The one difference, by design: range is not a matter of form.
        assert!(pattern.is_match("99999999999999999999999h"));
    }
}
