//! "did you mean" for misspelt keys and values.

/// The candidate closest to `word`, when it is close enough to be a likely typo: at most
/// one edit per three characters (a swap counts as one edit, so `u23` finds `u32`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let budget = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|candidate| (strsim::osa_distance(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= budget)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Reads serde's `unknown field `x`, expected one of `a`, `b`` (or `unknown variant`)
/// back into the offending word and the accepted ones, so the suggestion uses the same
/// list serde validated against and can never drift from the schema.
pub fn parse_unknown(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (word, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((word.to_string(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_gets_the_nearest_key() {
        assert_eq!(closest("nmae", ["name", "version"]), Some("name"));
        assert_eq!(closest("includ", ["files", "includes"]), Some("includes"));
        assert_eq!(closest("zzz", ["name", "version"]), None);
    }

    #[test]
    fn serde_message_is_read_back() {
        let (word, expected) =
            parse_unknown("unknown field `nmae`, expected `name` or `version`").unwrap();
        assert_eq!(word, "nmae");
        assert_eq!(expected, ["name", "version"]);
        let (_, expected) =
            parse_unknown("unknown field `x`, expected one of `a`, `b`, `c`").unwrap();
        assert_eq!(expected, ["a", "b", "c"]);
        assert!(parse_unknown("missing field `name`").is_none());
    }
}
