//! The one error type of the core, and the accumulator that collects every problem.
//!
//! Each shell renders the same [`Error`]: the CLI and build scripts as
//! `file:line:col: message`, the proc-macro as a `compile_error!`.

use std::fmt;

/// A 1-based position in an input file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The file as the user named it (manifest path, or proto name relative to its include root).
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// Turns a byte offset into `text` into a line and a column (both counted from 1,
    /// the column in characters so editors land on the right spot in non-ASCII lines).
    pub fn from_offset(file: impl Into<String>, text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            file: file.into(),
            line,
            column,
        }
    }
}

/// `file:line:column`, the form editors and terminals jump to.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The catalogue of what can go wrong; tests and shells match on it, users read the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The manifest could not be read.
    ManifestIo,
    /// The manifest is not valid TOML, or a value has the wrong TOML type.
    ManifestSyntax,
    /// A key the manifest schema does not know.
    ManifestUnknownKey,
    /// A key is known but its value breaks a rule (name format, bounds, code...).
    ManifestValue,
    /// A `.proto` file does not parse.
    ProtoSyntax,
    /// A `.proto` file or one of its imports was not found.
    ProtoNotFound,
    /// The protos parse but do not form a valid descriptor set (unknown type, duplicate name...).
    ProtoInvalid,
    /// The manifest names a service that none of its proto files defines.
    ServiceNotFound,
    /// Two generated items would get the same Rust name.
    NameCollision,
    /// A declared error (proto option or manifest variant) breaks a rule: unknown code,
    /// duplicate reason, missing detail message, reserved variant name.
    ErrorDeclaration,
    /// prost/tonic code generation failed.
    Codegen,
    /// A stored descriptor set (the breaking-change baseline) does not decode.
    DescriptorSetInvalid,
    /// A shell could not place its output (a build script's `OUT_DIR` unset or unwritable).
    Output,
    /// A proc-macro's arguments are malformed (unknown option, wrong value type).
    MacroArgument,
}

/// One problem, with where it is when that is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub location: Option<Location>,
    /// Set when only the file is known (e.g. a missing proto file).
    pub file: Option<String>,
    /// A suggestion, rendered after the message (`did you mean ...?`).
    pub help: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            location: None,
            file: None,
            help: None,
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.location, &self.file) {
            (Some(at), _) => write!(f, "{}:{}:{}: ", at.file, at.line, at.column)?,
            (None, Some(file)) => write!(f, "{file}: ")?,
            (None, None) => {}
        }
        // One line per error keeps the output greppable and editor-clickable.
        write!(f, "{}", self.message.replace('\n', " "))?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Every problem found in one run, in the order found; never empty when returned as `Err`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Errors {
    errors: Vec<Error>,
}

impl Errors {
    pub fn new() -> Self {
        Errors::default()
    }

    pub fn push(&mut self, error: Error) {
        self.errors.push(error);
    }

    pub fn extend(&mut self, other: Errors) {
        self.errors.extend(other.errors);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Error> {
        self.errors.iter()
    }

    /// `Ok(value)` when nothing was reported, else every error collected so far.
    pub fn finish<T>(self, value: T) -> Result<T, Errors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<Error> for Errors {
    fn from(error: Error) -> Self {
        Errors {
            errors: vec![error],
        }
    }
}

impl IntoIterator for Errors {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_maps_to_one_based_line_and_character_column() {
        let text = "a = 1\n[módule]\nname = 2\n";
        let at = Location::from_offset("m.toml", text, text.find("name").unwrap());
        assert_eq!((at.line, at.column), (3, 1));
        let at = Location::from_offset("m.toml", text, text.find(']').unwrap());
        assert_eq!((at.line, at.column), (2, 8));
    }

    #[test]
    fn error_renders_as_one_clickable_line() {
        let error = Error::new(
            ErrorKind::ManifestUnknownKey,
            "unknown key `nmae`\nin [module]",
        )
        .at(Location {
            file: "modgen.toml".into(),
            line: 2,
            column: 1,
        })
        .with_help("did you mean `name`?");
        assert_eq!(
            error.to_string(),
            "modgen.toml:2:1: unknown key `nmae` in [module]; did you mean `name`?"
        );
    }
}
