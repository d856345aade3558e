//! Human-written durations in the host YAML (`200ms`, `5s`, `1m30s`), the form ModKit's
//! configs use. The grammar is `modgen_contract::duration`, shared with the generator
//! (manifest defaults, JSON Schema pattern); this module adds serde. Generated module
//! configs use [`parse`] and [`display`] through here, so they are part of the runtime
//! contract.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};

pub use modgen_contract::duration::{display, parse};

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

    #[derive(serde::Deserialize)]
    struct Timed {
        #[serde(deserialize_with = "deserialize")]
        after: Duration,
    }

    #[test]
    fn serde_reads_the_shared_grammar_and_names_bad_values() {
        let timed: Timed = serde_json::from_str(r#"{"after": "1m30s"}"#).unwrap();
        assert_eq!(timed.after, Duration::from_secs(90));
        let error = serde_json::from_str::<Timed>(r#"{"after": "5"}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("has no unit"), "{error}");
    }
}
