//! User-defined call metadata: entries a caller attaches to a call (a tenant, a locale,
//! an end user's token) that travel to the callee and on to the next hop, and entries a
//! callee sets on its response, which the client hands back to its caller.
//!
//! Names the runtime owns cannot be set through this channel, and are never read back
//! into it: the credential and the caller (`x-modgen-*`), the context's own keys
//! (`x-request-id`, `traceparent`), gRPC's (`grpc-*`) and HTTP/2's transport headers.

use std::sync::{Arc, Mutex, PoisonError};

use tonic::metadata::{
    AsciiMetadataKey, AsciiMetadataValue, BinaryMetadataKey, BinaryMetadataValue, KeyAndValueRef,
    MetadataMap,
};

use crate::context::{REQUEST_ID_HEADER, TRACEPARENT_HEADER};

/// Whether `name` belongs to the runtime or the transport (compared in lower case, as
/// HTTP/2 sends names): the context's keys (`x-request-id`, `traceparent`), HTTP/2's own
/// headers, and everything under `grpc-` and `x-modgen-`.
pub fn is_reserved(name: &str) -> bool {
    // Received names are lower case already; copying only the others keeps the check off
    // the allocator on every call (it runs for each header both ways).
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return is_reserved_lower_case(&name.to_ascii_lowercase());
    }
    is_reserved_lower_case(name)
}

fn is_reserved_lower_case(name: &str) -> bool {
    // A `match` on the names compiles to a switch on the length and one comparison.
    matches!(
        name,
        REQUEST_ID_HEADER
            | TRACEPARENT_HEADER
            | "content-type"
            | "content-length"
            | "te"
            | "user-agent"
            | "host"
            | "connection"
            | "accept-encoding"
            | "date"
    ) || name.starts_with("grpc-")
        || name.starts_with("x-modgen-")
}

/// Why an entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("metadata name `{0}` is reserved for the runtime")]
    Reserved(String),
    #[error(
        "metadata name `{0}` is not a valid gRPC metadata name (lower-case letters, digits, `-`, `_`, `.`)"
    )]
    InvalidName(String),
    #[error("metadata name `{0}`: binary entries end in `-bin`, text entries must not")]
    WrongSuffix(String),
    #[error("the value of `{0}` is not visible ASCII")]
    InvalidValue(String),
}

/// User entries of one call, text and binary (names ending in `-bin`).
#[derive(Clone, Debug, Default)]
pub struct CallMetadata {
    entries: MetadataMap,
}

impl CallMetadata {
    /// Sets a text entry, replacing an earlier one of the same name.
    pub fn insert(&mut self, name: &str, value: &str) -> Result<(), MetadataError> {
        check_name(name, false)?;
        let key = AsciiMetadataKey::from_bytes(name.as_bytes())
            .map_err(|_| MetadataError::InvalidName(name.to_owned()))?;
        let value =
            visible_ascii(value).ok_or_else(|| MetadataError::InvalidValue(name.to_owned()))?;
        self.entries.insert(key, value);
        Ok(())
    }

    /// Sets a binary entry (`name` must end in `-bin`; sent base64, as gRPC specifies).
    pub fn insert_bin(&mut self, name: &str, value: &[u8]) -> Result<(), MetadataError> {
        check_name(name, true)?;
        let key = BinaryMetadataKey::from_bytes(name.as_bytes())
            .map_err(|_| MetadataError::InvalidName(name.to_owned()))?;
        self.entries
            .insert_bin(key, BinaryMetadataValue::from_bytes(value));
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn get_bin(&self, name: &str) -> Option<Vec<u8>> {
        self.entries
            .get_bin(name)
            .and_then(|value| value.to_bytes().ok())
            .map(|bytes| bytes.to_vec())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry names, text and binary.
    pub fn names(&self) -> Vec<String> {
        self.entries
            .keys()
            .map(|key| match key {
                tonic::metadata::KeyRef::Ascii(key) => key.as_str().to_owned(),
                tonic::metadata::KeyRef::Binary(key) => key.as_str().to_owned(),
            })
            .collect()
    }

    /// The user entries of received metadata (reserved names left out).
    pub fn from_received(metadata: &MetadataMap) -> Self {
        let mut entries = MetadataMap::new();
        for entry in metadata.iter() {
            match entry {
                KeyAndValueRef::Ascii(key, value) if !is_reserved(key.as_str()) => {
                    entries.append(key.clone(), value.clone());
                }
                KeyAndValueRef::Binary(key, value) if !is_reserved(key.as_str()) => {
                    entries.append_bin(key.clone(), value.clone());
                }
                _ => {}
            }
        }
        Self { entries }
    }

    /// Adds every entry to `metadata` (entries of the same name there are replaced).
    pub fn write_into(&self, metadata: &mut MetadataMap) {
        for entry in self.entries.iter() {
            match entry {
                KeyAndValueRef::Ascii(key, value) => {
                    metadata.insert(key.clone(), value.clone());
                }
                KeyAndValueRef::Binary(key, value) => {
                    metadata.insert_bin(key.clone(), value.clone());
                }
            }
        }
    }

    fn merge(&mut self, other: &CallMetadata) {
        other.write_into(&mut self.entries);
    }
}

fn check_name(name: &str, binary: bool) -> Result<(), MetadataError> {
    if is_reserved(name) {
        return Err(MetadataError::Reserved(name.to_owned()));
    }
    if name.ends_with("-bin") != binary {
        return Err(MetadataError::WrongSuffix(name.to_owned()));
    }
    Ok(())
}

/// The entries of a call's response, shared by the clones of one `CallContext`:
/// inside a module the implementation sets them and the server adapter sends them (as
/// response headers, or with the status, as trailers, when the call fails); on the
/// client side the runtime's call helpers store what the callee sent.
#[derive(Clone, Debug, Default)]
pub struct ResponseMetadata {
    inner: Arc<Mutex<CallMetadata>>,
}

impl ResponseMetadata {
    pub fn insert(&self, name: &str, value: &str) -> Result<(), MetadataError> {
        self.lock().insert(name, value)
    }

    pub fn insert_bin(&self, name: &str, value: &[u8]) -> Result<(), MetadataError> {
        self.lock().insert_bin(name, value)
    }

    /// A copy of the entries now.
    pub fn snapshot(&self) -> CallMetadata {
        self.lock().clone()
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.lock().get(name).map(str::to_owned)
    }

    pub fn get_bin(&self, name: &str) -> Option<Vec<u8>> {
        self.lock().get_bin(name)
    }

    /// Takes in the user entries of a received response (headers or trailers).
    pub fn absorb(&self, received: &MetadataMap) {
        // Most responses carry no user entries: then there is nothing to lock for.
        let received = CallMetadata::from_received(received);
        if !received.is_empty() {
            self.lock().merge(&received);
        }
    }

    pub(crate) fn write_into(&self, metadata: &mut MetadataMap) {
        self.lock().write_into(metadata);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CallMetadata> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `value` as a metadata value, if it is visible ASCII (printable, or a space): what a
/// receiver can read back as text. `MetadataValue` would take bytes >= 0x80 too.
pub(crate) fn visible_ascii(value: &str) -> Option<AsciiMetadataValue> {
    if !is_visible_ascii(value) {
        return None;
    }
    AsciiMetadataValue::try_from(value).ok()
}

pub(crate) fn is_visible_ascii(value: &str) -> bool {
    value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_cannot_be_set_in_any_case() {
        let mut metadata = CallMetadata::default();
        for name in [
            "x-modgen-credential",
            "x-modgen-caller",
            "X-Request-Id",
            "traceparent",
            "grpc-timeout",
            "content-type",
        ] {
            assert_eq!(
                metadata.insert(name, "x"),
                Err(MetadataError::Reserved(name.to_owned()))
            );
        }
        assert_eq!(
            metadata.insert_bin("x-modgen-credential-bin", b"x"),
            Err(MetadataError::Reserved(
                "x-modgen-credential-bin".to_owned()
            ))
        );
        assert!(metadata.is_empty());
    }

    #[test]
    fn text_and_binary_entries_keep_to_their_suffix() {
        let mut metadata = CallMetadata::default();
        metadata.insert("tenant", "acme").unwrap();
        metadata.insert_bin("blob-bin", &[0, 255, 7]).unwrap();
        assert_eq!(metadata.get("tenant"), Some("acme"));
        assert_eq!(metadata.get_bin("blob-bin"), Some(vec![0, 255, 7]));
        assert!(matches!(
            metadata.insert("tenant-bin", "x"),
            Err(MetadataError::WrongSuffix(_))
        ));
        assert!(matches!(
            metadata.insert_bin("blob", b"x"),
            Err(MetadataError::WrongSuffix(_))
        ));
        assert!(matches!(
            metadata.insert("locale", "grüezi"),
            Err(MetadataError::InvalidValue(_))
        ));
        assert!(matches!(
            metadata.insert("Bad Name", "x"),
            Err(MetadataError::InvalidName(_))
        ));
    }

    #[test]
    fn received_metadata_keeps_user_entries_only() {
        let mut wire = MetadataMap::new();
        wire.insert("tenant", "acme".parse().unwrap());
        wire.insert("x-modgen-credential", "secret".parse().unwrap());
        wire.insert("x-request-id", "r1".parse().unwrap());
        wire.insert("content-type", "application/grpc".parse().unwrap());
        wire.insert_bin("blob-bin", BinaryMetadataValue::from_bytes(b"\x01"));
        let mut names = CallMetadata::from_received(&wire).names();
        names.sort();
        assert_eq!(names, ["blob-bin", "tenant"]);
    }
}
