//! Input checks, each failing with the wire path of the field it rejects, so a module
//! author reads `grpc_services[1].endpoint_uri: ...` and knows what to fix.

use std::collections::HashSet;

use super::client::Registration;
use super::error::{DirectoryError, RESERVED_SERVICE_PREFIX};

const MAX_NAME_LEN: usize = 128;
const MAX_SERVICE_NAME_LEN: usize = 256;
const MAX_URI_LEN: usize = 2048;
/// DNS limits (RFC 1035): 253 characters in all, 63 per label.
const MAX_HOST_LEN: usize = 253;
const MAX_HOST_LABEL_LEN: usize = 63;
const MAX_SERVICES: usize = 64;

pub(super) fn registration(registration: &Registration) -> Result<(), DirectoryError> {
    module_name(&registration.module)?;
    instance_id(&registration.instance_id)?;
    version(&registration.version)?;
    if registration.services.is_empty() {
        return Err(DirectoryError::invalid(
            "grpc_services",
            "at least one service is required",
        ));
    }
    if registration.services.len() > MAX_SERVICES {
        return Err(DirectoryError::invalid(
            "grpc_services",
            format!("at most {MAX_SERVICES} services per instance"),
        ));
    }
    let mut seen = HashSet::new();
    for (index, (name, uri)) in registration.services.iter().enumerate() {
        let name_field = format!("grpc_services[{index}].service_name");
        service_name(&name_field, name)?;
        if !seen.insert(name.as_str()) {
            return Err(DirectoryError::invalid(
                name_field,
                format!("`{name}` is listed twice"),
            ));
        }
        endpoint_uri(&format!("grpc_services[{index}].endpoint_uri"), uri)?;
    }
    Ok(())
}

pub(super) fn module_name(value: &str) -> Result<(), DirectoryError> {
    identifier("module_name", value, MAX_NAME_LEN, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
    })
}

/// The module filter of ListInstances: empty means every module (`None`), anything else
/// must be a module name.
pub(super) fn module_filter(value: &str) -> Result<Option<&str>, DirectoryError> {
    if value.is_empty() {
        return Ok(None);
    }
    module_name(value)?;
    Ok(Some(value))
}

/// Any id made of letters, digits and `-_.:`: UUIDs (ModKit's choice), hostnames with a
/// pid, and the like.
pub(super) fn instance_id(value: &str) -> Result<(), DirectoryError> {
    identifier("instance_id", value, MAX_NAME_LEN, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
    })
}

/// A protobuf full name (`calculator.v1.Calculator`): dot-separated identifiers, each
/// starting with a letter or `_`, not under the reserved prefix.
pub(super) fn service_name(field: &str, value: &str) -> Result<(), DirectoryError> {
    identifier(field, value, MAX_SERVICE_NAME_LEN, |c| {
        c.is_ascii_alphanumeric() || c == '_' || c == '.'
    })?;
    for segment in value.split('.') {
        match segment.chars().next() {
            None => {
                return Err(DirectoryError::invalid(
                    field,
                    format!("{} is not a dotted name (empty segment)", shown(value)),
                ));
            }
            Some(first) if first.is_ascii_digit() => {
                return Err(DirectoryError::invalid(
                    field,
                    format!(
                        "{} is not a protobuf full name: `{}` starts with a digit",
                        shown(value),
                        truncated(segment)
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    if value.starts_with(RESERVED_SERVICE_PREFIX) {
        return Err(DirectoryError::ReservedName {
            field: field.to_owned(),
            name: value.to_owned(),
        });
    }
    Ok(())
}

fn version(value: &str) -> Result<(), DirectoryError> {
    if value.len() > MAX_NAME_LEN {
        return Err(DirectoryError::invalid(
            "version",
            format!("longer than {MAX_NAME_LEN} bytes"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(DirectoryError::invalid(
            "version",
            format!("contains control characters: {}", shown(value)),
        ));
    }
    Ok(())
}

/// Where a channel can connect to. Checked per scheme: `unix:` sockets have their own
/// rules (the client's, [`crate::client::unix::socket_path`]), not a loosening of
/// http's.
pub(super) fn endpoint_uri(field: &str, value: &str) -> Result<(), DirectoryError> {
    let invalid = |reason: String| DirectoryError::invalid(field, reason);
    if value.is_empty() {
        return Err(invalid("must not be empty".into()));
    }
    if value.len() > MAX_URI_LEN {
        return Err(invalid(format!("longer than {MAX_URI_LEN} bytes")));
    }
    if let Some(socket) = crate::client::unix::socket_path(value) {
        return socket.map(drop).map_err(invalid);
    }
    let uri: http::Uri = value
        .parse()
        .map_err(|error| invalid(format!("{} is not a URI ({error})", shown(value))))?;
    match uri.scheme_str() {
        Some("http" | "https") => tcp_endpoint(&uri, value).map_err(invalid),
        Some(other) => Err(invalid(format!(
            "scheme must be http, https or unix, got `{}`",
            truncated(other)
        ))),
        None => Err(invalid(format!(
            "{} has no scheme; expected http://host:port",
            shown(value)
        ))),
    }
}

/// `http(s)://host[:port]` with an optional trailing `/`: a host name, an IPv4 address or
/// a bracketed IPv6 address, and a port from 1 to 65535 when one is given.
fn tcp_endpoint(uri: &http::Uri, value: &str) -> Result<(), String> {
    let Some(authority) = uri.authority() else {
        return Err(format!("{} has no host", shown(value)));
    };
    if authority.as_str().contains('@') {
        return Err("must not carry user info".into());
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(format!("{} has no host", shown(value)));
    }
    host_name_or_address(host)?;
    // `http::Uri` keeps whatever follows the host's `:` as text and only reads it as a
    // number on demand, so `:notaport` and `:70000` parse; the port is checked here.
    if let Some(port) = authority.as_str()[host.len()..].strip_prefix(':') {
        port_number(port)?;
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(format!(
            "{} must not have a path or query; expected http://host:port",
            shown(value)
        ));
    }
    Ok(())
}

fn host_name_or_address(host: &str) -> Result<(), String> {
    if let Some(inner) = host.strip_prefix('[') {
        let address = inner.strip_suffix(']').unwrap_or(inner);
        return address
            .parse::<std::net::Ipv6Addr>()
            .map(drop)
            .map_err(|_| format!("host {} is not an IPv6 address", shown(host)));
    }
    // A DNS name or an IPv4 address: labels of letters, digits and `-`.
    let well_formed = host.len() <= MAX_HOST_LEN
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_HOST_LABEL_LEN
                && !label.starts_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "host {} is not a host name or IP address",
            shown(host)
        ))
    }
}

fn port_number(port: &str) -> Result<(), String> {
    let number = if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) {
        port.parse::<u32>().ok()
    } else {
        None
    };
    match number {
        Some(1..=65535) => Ok(()),
        Some(0) => Err("port 0 cannot be connected to".into()),
        _ => Err(format!(
            "port {} is not a number from 1 to 65535",
            shown(port)
        )),
    }
}

fn identifier(
    field: &str,
    value: &str,
    max_len: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), DirectoryError> {
    if value.is_empty() {
        return Err(DirectoryError::invalid(field, "must not be empty"));
    }
    if value.len() > max_len {
        return Err(DirectoryError::invalid(
            field,
            format!("longer than {max_len} bytes"),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        return Err(DirectoryError::invalid(
            field,
            format!("character {bad:?} is not allowed in {}", shown(value)),
        ));
    }
    Ok(())
}

/// A value quoted for an error message: escaped (no control characters reach a log) and
/// cut short (no megabyte echoes).
fn shown(value: &str) -> String {
    format!("{:?}", truncated(value))
}

fn truncated(value: &str) -> &str {
    const MAX_SHOWN: usize = 64;
    match value.char_indices().nth(MAX_SHOWN) {
        Some((cut, _)) => &value[..cut],
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<(), DirectoryError>) -> String {
        match result {
            Err(DirectoryError::InvalidArgument { field, .. }) => field,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn uuid_and_host_style_instance_ids_are_accepted() {
        assert!(instance_id("0f8fad5b-d9cb-469f-a165-70867728950e").is_ok());
        assert!(instance_id("node-1.example:4242").is_ok());
    }

    #[test]
    fn malformed_instance_ids_are_invalid_argument() {
        for bad in ["", "a\u{0}b", "line\nbreak", "has space", &"x".repeat(129)] {
            assert_eq!(field_of(instance_id(bad)), "instance_id", "{bad:?}");
        }
    }

    #[test]
    fn endpoint_uris_must_be_http_host_port() {
        for good in [
            "http://127.0.0.1:50051",
            "https://svc.local",
            "http://[::1]:8080/",
            "http://[::1]:65535",
            "http://my-host.example:1",
        ] {
            assert!(endpoint_uri("e", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "127.0.0.1:50051",
            "ftp://host:21",
            "http://",
            "http://host:0",
            "http://host:",
            "http://host:notaport",
            "http://host:70000",
            "http://host:4294967297",
            "http://host:+80",
            "http://:80",
            "http://[::1",
            "http://[not-v6]:1",
            "http://-bad.host:1",
            "http://a..b:1",
            "http://host:1/path",
            "http://host:1?q=1",
            "http://user@host:1",
            "not a uri",
        ] {
            assert_eq!(field_of(endpoint_uri("e", bad)), "e", "{bad:?}");
        }
    }

    #[test]
    fn unix_endpoints_must_be_absolute_socket_paths() {
        assert!(endpoint_uri("e", "unix:/run/user/1000/modgen/run-x/calc.sock").is_ok());
        assert!(endpoint_uri("e", "unix:///tmp/calc.sock").is_ok());
        let too_long = format!("unix:/{}", "s".repeat(107));
        for bad in [
            "unix:",
            "unix:calc.sock",
            "unix://host/calc.sock",
            "unix:/a\0b",
            too_long.as_str(),
        ] {
            assert_eq!(field_of(endpoint_uri("e", bad)), "e", "{bad:?}");
        }
    }

    #[test]
    fn service_names_are_dotted_and_not_reserved() {
        assert!(service_name("s", "calculator.v1.Calculator").is_ok());
        assert!(service_name("s", "Calculator").is_ok());
        assert!(service_name("s", "_private.v1._Svc2").is_ok());
        for bad in [
            "",
            ".a",
            "a..b",
            "a.",
            "a/b",
            "a-b",
            "1calc.v1.Calc",
            "calc.2v.Calc",
        ] {
            assert_eq!(field_of(service_name("s", bad)), "s", "{bad:?}");
        }
        assert!(matches!(
            service_name("s", "modgen.directory.Admin"),
            Err(DirectoryError::ReservedName { .. })
        ));
    }

    #[test]
    fn shown_values_are_escaped_and_bounded() {
        assert_eq!(shown("a\nb"), "\"a\\nb\"");
        assert_eq!(shown(&"é".repeat(100)).chars().count(), 66);
    }
}
