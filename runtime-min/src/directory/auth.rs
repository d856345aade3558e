//! Who may change the directory: the holder of the run's token. Reads (resolve, list)
//! stay open; writes (register, deregister, heartbeat) need the token unless auth was
//! switched off explicitly, which is what tokenless ModKit modules require.

use tonic::Status;
use tonic::metadata::MetadataMap;

/// Metadata key that carries the token on register, deregister and heartbeat.
pub const TOKEN_METADATA_KEY: &str = "x-modgen-directory-token";

/// Whether writes to the directory need a token. There is no default on purpose: a
/// directory without auth is something an operator asks for, never something they get.
#[derive(Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// Anyone who can reach the port may register, deregister and heartbeat
    /// (ModKit modules send no token).
    Disabled,
    /// Writes need this token as `x-modgen-directory-token: <token>` or
    /// `authorization: Bearer <token>`.
    Token(String),
}

impl AuthMode {
    /// `None` means auth off, spelled out at the call site.
    pub fn from_token(token: Option<String>) -> Self {
        token.map_or(Self::Disabled, Self::Token)
    }

    /// `Err(reason)` when the mode cannot work: an empty token would accept a blank header.
    pub fn check_usable(&self) -> Result<(), &'static str> {
        match self {
            Self::Token(token) if token.trim().is_empty() => Err(
                "the directory token must not be empty (use AuthMode::Disabled to switch auth off)",
            ),
            _ => Ok(()),
        }
    }

    /// `Ok` when `metadata` carries the token (or auth is off); `UNAUTHENTICATED` otherwise.
    pub fn authorize(&self, metadata: &MetadataMap) -> Result<(), Status> {
        let Self::Token(expected) = self else {
            return Ok(());
        };
        let presented = presented_tokens(metadata);
        if presented.is_empty() {
            return Err(Status::unauthenticated(format!(
                "missing directory token: send metadata `{TOKEN_METADATA_KEY}: <token>` \
                 or `authorization: Bearer <token>`"
            )));
        }
        // Every presented value is compared, so the time taken does not say which matched.
        let matched = presented.iter().fold(false, |acc, token| {
            acc | constant_time_eq(token.as_bytes(), expected.as_bytes())
        });
        if matched {
            Ok(())
        } else {
            Err(Status::unauthenticated("wrong directory token"))
        }
    }
}

/// The write check of one directory: its [`AuthMode`], plus the modules an operator
/// marked tokenless. A tokenless module may write *without* a token; one that presents a
/// wrong token is still refused, and every other module still needs the token.
#[derive(Clone, Debug)]
pub struct WriteAuth {
    pub mode: AuthMode,
    pub tokenless_modules: std::collections::BTreeSet<String>,
}

impl WriteAuth {
    /// `Ok` when `metadata` carries the token, auth is off, or `module` is tokenless and
    /// sent no token at all; `UNAUTHENTICATED` otherwise.
    pub fn authorize(&self, metadata: &MetadataMap, module: &str) -> Result<(), Status> {
        match self.mode.authorize(metadata) {
            Err(_)
                if self.tokenless_modules.contains(module)
                    && presented_tokens(metadata).is_empty() =>
            {
                Ok(())
            }
            other => other,
        }
    }
}

impl std::fmt::Debug for AuthMode {
    // The token is a secret: keep it out of logs that print the config.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Disabled => f.write_str("Disabled"),
            Self::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// A fresh random token for one run (122 random bits, 32 hex characters).
pub fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn presented_tokens(metadata: &MetadataMap) -> Vec<&str> {
    let direct = metadata
        .get_all(TOKEN_METADATA_KEY)
        .iter()
        .filter_map(|value| value.to_str().ok());
    let bearer = metadata
        .get_all("authorization")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    direct.chain(bearer).collect()
}

/// Equality whose running time depends on the lengths only, not on where the bytes
/// differ, so the token cannot be guessed byte by byte from response times.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::metadata::MetadataValue;

    fn metadata_with(key: &'static str, value: &str) -> MetadataMap {
        let mut metadata = MetadataMap::new();
        metadata.insert(key, MetadataValue::try_from(value).expect("ascii"));
        metadata
    }

    #[test]
    fn token_header_and_bearer_are_both_accepted() {
        let auth = AuthMode::Token("s3cret".into());
        assert!(
            auth.authorize(&metadata_with(TOKEN_METADATA_KEY, "s3cret"))
                .is_ok()
        );
        assert!(
            auth.authorize(&metadata_with("authorization", "Bearer s3cret"))
                .is_ok()
        );
        assert!(
            auth.authorize(&metadata_with("authorization", "bearer s3cret"))
                .is_ok()
        );
    }

    #[test]
    fn wrong_or_missing_token_is_unauthenticated() {
        let auth = AuthMode::Token("s3cret".into());
        for metadata in [
            MetadataMap::new(),
            metadata_with(TOKEN_METADATA_KEY, "s3cre"),
            metadata_with(TOKEN_METADATA_KEY, "s3cret "),
            metadata_with("authorization", "Basic s3cret"),
            metadata_with("authorization", "s3cret"),
        ] {
            let status = auth.authorize(&metadata).expect_err("refused");
            assert_eq!(status.code(), tonic::Code::Unauthenticated, "{metadata:?}");
        }
    }

    #[test]
    fn disabled_auth_accepts_no_metadata() {
        assert!(AuthMode::Disabled.authorize(&MetadataMap::new()).is_ok());
        assert_eq!(AuthMode::from_token(None), AuthMode::Disabled);
    }

    #[test]
    fn a_tokenless_module_may_write_without_a_token_but_not_with_a_wrong_one() {
        let auth = WriteAuth {
            mode: AuthMode::Token("s3cret".into()),
            tokenless_modules: ["modkit-calc".to_owned()].into(),
        };
        assert!(auth.authorize(&MetadataMap::new(), "modkit-calc").is_ok());
        let wrong = metadata_with(TOKEN_METADATA_KEY, "guess");
        assert!(auth.authorize(&wrong, "modkit-calc").is_err());
        let status = auth
            .authorize(&MetadataMap::new(), "other")
            .expect_err("unmarked module without a token");
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
        let right = metadata_with(TOKEN_METADATA_KEY, "s3cret");
        assert!(auth.authorize(&right, "other").is_ok());
    }

    #[test]
    fn empty_token_is_not_usable() {
        assert!(AuthMode::Token(" ".into()).check_usable().is_err());
        assert!(AuthMode::Token(random_token()).check_usable().is_ok());
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn debug_output_hides_the_token() {
        let printed = format!("{:?}", AuthMode::Token("s3cret".into()));
        assert!(!printed.contains("s3cret"));
    }
}
