//! Host-signed caller credentials: who issues them ([`Issuer`]), who checks them
//! ([`TrustedKeys`]), and what they say ([`Claims`]).
//!
//! A credential is `mg1.<claims>.<signature>`: the claims as JSON, base64url without
//! padding, then an Ed25519 signature over `mg1.<claims>`, base64url too. Only the
//! holder of the host's private key can produce one; anyone with the public key can
//! check one, so a module that verifies cannot mint credentials for others (which a
//! shared HMAC key would allow).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The format marker every credential starts with; a new format gets a new marker.
const FORMAT: &str = "mg1";

/// What a credential asserts about its holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// The module name the holder may call as.
    pub module: String,
    /// Fresh for every start of the module: a restarted module gets a new credential.
    pub start: String,
    /// Seconds since the Unix epoch.
    pub issued_at: u64,
    pub expires_at: u64,
    /// The issuing host's public key (base64url), so a verifier trusting several hosts
    /// checks one signature, not one per key.
    pub key: String,
}

/// Why a credential was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the credential is malformed: {0}")]
    Malformed(&'static str),
    #[error("the credential was issued by a key this module does not trust")]
    UntrustedKey,
    #[error("the credential's signature does not match its claims")]
    BadSignature,
    #[error("the credential of module '{module}' expired {ago}s ago")]
    Expired { module: String, ago: u64 },
    #[error("the credential of module '{module}' is issued in the future")]
    NotYetValid { module: String },
}

/// A key file or key list that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{}: cannot read the signing key: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{what}: not a base64url Ed25519 key of 32 bytes")]
    Invalid { what: String },
    #[error("no random bytes for a signing key: {0}")]
    Random(String),
}

/// A host's signing key: issues credentials for the modules it starts.
#[derive(Clone)]
pub struct Issuer {
    key: SigningKey,
    public: String,
}

impl std::fmt::Debug for Issuer {
    // The private key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Issuer({})", self.public)
    }
}

impl Issuer {
    /// A fresh key for one run: credentials of an earlier run are worthless after a
    /// host restart.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|error| KeyError::Random(error.to_string()))?;
        Ok(Self::from_seed(seed))
    }

    /// The key in `path`: a 32-byte seed, base64url (so several runs, or a test, can
    /// share one key).
    pub fn from_seed_file(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        let seed = decode_key(text.trim()).ok_or_else(|| KeyError::Invalid {
            what: path.display().to_string(),
        })?;
        Ok(Self::from_seed(seed))
    }

    pub fn from_seed(seed: [u8; 32]) -> Self {
        let key = SigningKey::from_bytes(&seed);
        let public = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        Self { key, public }
    }

    /// The seed, base64url: what [`Self::from_seed_file`] reads.
    pub fn seed_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.as_bytes())
    }

    /// The public key, base64url: what verifiers put in their [`TrustedKeys`].
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// A credential for `module` valid for `ttl` from now, under a fresh start id.
    pub fn issue(&self, module: &str, ttl: Duration) -> String {
        self.issue_at(module, SystemTime::now(), ttl)
    }

    /// A credential as if issued at `issued_at` (tests back-date it to get an expired one).
    pub fn issue_at(&self, module: &str, issued_at: SystemTime, ttl: Duration) -> String {
        let issued = unix_seconds(issued_at);
        let claims = Claims {
            module: module.to_owned(),
            start: uuid::Uuid::new_v4().simple().to_string(),
            issued_at: issued,
            expires_at: issued.saturating_add(ttl.as_secs().max(1)),
            key: self.public.clone(),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims (tests use it for credentials that claim odd things).
    pub fn sign(&self, claims: &Claims) -> String {
        let json = serde_json::to_vec(claims).expect("claims serialize");
        let signed = format!("{FORMAT}.{}", URL_SAFE_NO_PAD.encode(json));
        let signature = self.key.sign(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// The public keys whose credentials a module accepts.
#[derive(Clone, Debug)]
pub struct TrustedKeys {
    keys: Vec<(String, VerifyingKey)>,
}

/// Clock skew tolerated between hosts for `issued_at`.
const CLOCK_SKEW: u64 = 30;

impl TrustedKeys {
    /// From `a,b,c`: base64url Ed25519 public keys.
    pub fn parse(list: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        for text in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let invalid = || KeyError::Invalid {
                what: format!("trusted key `{text}`"),
            };
            let bytes = decode_key(text).ok_or_else(invalid)?;
            let key = VerifyingKey::from_bytes(&bytes).map_err(|_| invalid())?;
            keys.push((text.to_owned(), key));
        }
        if keys.is_empty() {
            return Err(KeyError::Invalid {
                what: "the trusted key list is empty".to_owned(),
            });
        }
        Ok(Self { keys })
    }

    /// Checks signature and validity period now.
    pub fn verify(&self, credential: &str) -> Result<Claims, CredentialError> {
        self.verify_at(credential, SystemTime::now())
    }

    pub fn verify_at(&self, credential: &str, now: SystemTime) -> Result<Claims, CredentialError> {
        let (signed, signature) = credential
            .rsplit_once('.')
            .ok_or(CredentialError::Malformed("no signature part"))?;
        let claims_part = signed
            .strip_prefix(FORMAT)
            .and_then(|rest| rest.strip_prefix('.'))
            .ok_or(CredentialError::Malformed("not an mg1 credential"))?;
        let json = URL_SAFE_NO_PAD
            .decode(claims_part)
            .map_err(|_| CredentialError::Malformed("claims are not base64url"))?;
        let claims: Claims = serde_json::from_slice(&json)
            .map_err(|_| CredentialError::Malformed("claims are not the expected JSON"))?;
        let key = self
            .keys
            .iter()
            .find(|(text, _)| *text == claims.key)
            .map(|(_, key)| key)
            .ok_or(CredentialError::UntrustedKey)?;
        let signature: [u8; 64] = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(CredentialError::Malformed(
                "the signature is not 64 base64url bytes",
            ))?;
        key.verify_strict(signed.as_bytes(), &Signature::from_bytes(&signature))
            .map_err(|_| CredentialError::BadSignature)?;
        let now = unix_seconds(now);
        if now >= claims.expires_at {
            return Err(CredentialError::Expired {
                ago: now - claims.expires_at,
                module: claims.module,
            });
        }
        if claims.issued_at > now + CLOCK_SKEW {
            return Err(CredentialError::NotYetValid {
                module: claims.module,
            });
        }
        Ok(claims)
    }
}

/// The claims of a credential without checking it: for the holder, which only needs to
/// know when to re-read its own credential.
pub fn unverified_claims(credential: &str) -> Option<Claims> {
    let claims_part = credential.split('.').nth(1)?;
    let json = URL_SAFE_NO_PAD.decode(claims_part).ok()?;
    serde_json::from_slice(&json).ok()
}

fn decode_key(text: &str) -> Option<[u8; 32]> {
    URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()
}

pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_credential_verifies_under_its_issuers_key_only() {
        let issuer = Issuer::from_seed([7; 32]);
        let other = Issuer::from_seed([8; 32]);
        let credential = issuer.issue("billing", HOUR);
        let trusted = TrustedKeys::parse(issuer.public_key()).unwrap();
        assert_eq!(trusted.verify(&credential).unwrap().module, "billing");
        let others = TrustedKeys::parse(other.public_key()).unwrap();
        assert_eq!(
            others.verify(&credential),
            Err(CredentialError::UntrustedKey)
        );
    }

    #[test]
    fn changed_claims_break_the_signature() {
        let issuer = Issuer::from_seed([7; 32]);
        let credential = issuer.issue("billing", HOUR);
        let mut claims = unverified_claims(&credential).unwrap();
        claims.module = "admin".to_owned();
        let forged_claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        let signature = credential.rsplit('.').next().unwrap();
        let forged = format!("{FORMAT}.{forged_claims}.{signature}");
        let trusted = TrustedKeys::parse(issuer.public_key()).unwrap();
        assert_eq!(trusted.verify(&forged), Err(CredentialError::BadSignature));
    }

    #[test]
    fn an_expired_credential_is_refused() {
        let issuer = Issuer::from_seed([7; 32]);
        let two_hours_ago = SystemTime::now() - 2 * HOUR;
        let credential = issuer.issue_at("billing", two_hours_ago, HOUR);
        let trusted = TrustedKeys::parse(issuer.public_key()).unwrap();
        assert!(matches!(
            trusted.verify(&credential),
            Err(CredentialError::Expired { ref module, ago }) if module == "billing" && ago >= 3599
        ));
    }

    #[test]
    fn each_issue_has_a_new_start_id() {
        let issuer = Issuer::from_seed([7; 32]);
        let first = unverified_claims(&issuer.issue("a", HOUR)).unwrap();
        let second = unverified_claims(&issuer.issue("a", HOUR)).unwrap();
        assert_ne!(first.start, second.start);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let trusted = TrustedKeys::parse(Issuer::from_seed([7; 32]).public_key()).unwrap();
        for bad in ["", "mg1", "mg1.x.y", "jwt.abc.def", "mg1.e30.AAAA"] {
            assert!(
                matches!(trusted.verify(bad), Err(CredentialError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_seed_round_trips_through_its_text() {
        let issuer = Issuer::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, issuer.seed_text()).unwrap();
        let again = Issuer::from_seed_file(&path).unwrap();
        assert_eq!(again.public_key(), issuer.public_key());
        assert!(TrustedKeys::parse("not-a-key").is_err());
        assert!(TrustedKeys::parse("").is_err());
    }
}
