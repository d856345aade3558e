//! The breaking-change report: the descriptors stored at the last generation against the
//! ones compiled now. Pure: two encoded `FileDescriptorSet`s in, a [`CompatReport`] out.
//!
//! Types are matched by full name across the whole set (a file may be renamed or a message
//! moved to another file of its package without breaking anything); fields by number,
//! enum values by name, RPCs by name. Well-known `google/protobuf/*` files are skipped.
//!
//! Every [`Change::location`] is in the **new** protos (what the user can open and fix):
//! the changed or added element itself, or for a removal the element that enclosed it
//! (the message that lost a field, the service that lost an RPC, the package statement
//! of the file that lost a top-level type). `Location::file` is the descriptor's file name,
//! relative to its include root; [`CompatReport::map_files`] rewrites it for display.

mod enums;
mod fields;
mod index;
mod location;
mod messages;
mod services;

use std::fmt;

use prost::Message;
use prost_types::FileDescriptorSet;

use crate::error::{Error, ErrorKind, Location};
use index::Index;

/// Compares `current` with `baseline`, both encoded `FileDescriptorSet`s (with source info
/// for locations; without it every location is `None`).
pub fn compare(baseline: &[u8], current: &[u8]) -> Result<CompatReport, Error> {
    let baseline = decode(baseline, "baseline")?;
    let current = decode(current, "current")?;
    let (old, new) = (Index::of(&baseline), Index::of(&current));
    let mut diff = Diff {
        old: &old,
        new: &new,
        changes: Vec::new(),
    };
    diff.packages();
    diff.messages();
    diff.enums();
    diff.services();
    let mut changes = diff.changes;
    // Stable: changes at one place keep the order they were found in; unlocated ones last.
    changes.sort_by(|a, b| match (&a.location, &b.location) {
        (Some(a), Some(b)) => a.cmp(b),
        (a, b) => b.is_some().cmp(&a.is_some()),
    });
    let bump = changes
        .iter()
        .map(|c| c.kind.bump())
        .max()
        .unwrap_or(SemverBump::None);
    Ok(CompatReport { changes, bump })
}

fn decode(bytes: &[u8], which: &str) -> Result<FileDescriptorSet, Error> {
    FileDescriptorSet::decode(bytes).map_err(|e| {
        Error::new(
            ErrorKind::DescriptorSetInvalid,
            format!("the {which} descriptor set does not decode: {e}"),
        )
    })
}

/// Every difference that matters to the SDK's users, and the version bump they add up to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompatReport {
    /// Sorted by location (file, line, column); unlocated changes last.
    pub changes: Vec<Change>,
    pub bump: SemverBump,
}

impl CompatReport {
    /// The changes that break the wire format, JSON, or calls to the service.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.breaking)
    }

    pub fn is_breaking(&self) -> bool {
        self.breaking().next().is_some()
    }

    /// Rewrites every location's file name, e.g. from the descriptor name
    /// (`greeter/v1/greeter.proto`) to the path the user reaches it by (`proto/greeter/v1/greeter.proto`).
    pub fn map_files(mut self, show: impl Fn(&str) -> String) -> Self {
        for location in self.changes.iter_mut().filter_map(|c| c.location.as_mut()) {
            location.file = show(&location.file);
        }
        self
    }
}

/// One difference between the baseline and the current protos.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// Whether old clients, servers or stored data stop working (wire, JSON or call level):
    /// `kind.is_breaking()`.
    pub breaking: bool,
    /// The full proto name of what changed: `greeter.v1.HelloRequest.name`, `greeter.v1.Greeter.SayHello`.
    pub subject: String,
    /// One line for people: what changed and what it breaks.
    pub message: String,
    /// In the new protos; see the module docs for removals.
    pub location: Option<Location>,
}

impl Change {
    fn new(
        kind: ChangeKind,
        subject: impl Into<String>,
        message: String,
        location: Option<Location>,
    ) -> Self {
        Change {
            kind,
            breaking: kind.is_breaking(),
            subject: subject.into(),
            message,
            location,
        }
    }
}

/// What kind of difference a [`Change`] is; [`ChangeKind::bump`] says what it costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A file (matched by name) declares another package.
    PackageChanged,
    MessageRemoved,
    MessageAdded,
    EnumRemoved,
    EnumAdded,
    ServiceRemoved,
    ServiceAdded,
    RpcRemoved,
    RpcAdded,
    /// An RPC's request or response type changed.
    RpcTypeChanged,
    /// An RPC's client or server streaming changed.
    RpcStreamingChanged,
    /// A field's number is gone and its number or name is not reserved.
    FieldRemoved,
    /// A field's number is gone and both its number and name are reserved: the wire and
    /// JSON stay compatible, but the SDK's Rust type loses the field.
    FieldRemovedReserved,
    FieldAdded,
    /// A new field takes a number or name the baseline reserved.
    FieldReusesReserved,
    /// The field's name now has another number (the old number may now be someone else's).
    FieldNumberChanged,
    /// Same number, another name: breaks JSON.
    FieldRenamed,
    /// Same number and name, another `json_name`.
    FieldJsonNameChanged,
    /// The scalar type, or the message/enum type, or a map's key or value type.
    FieldTypeChanged,
    /// Singular, proto3 `optional`, `required`, `repeated` or `map`.
    FieldCardinalityChanged,
    /// Moved into, out of or between oneofs.
    FieldOneofChanged,
    /// A value's name is gone and its number or name is not reserved.
    EnumValueRemoved,
    /// A value's name is gone and both its number and name are reserved: wire and JSON
    /// compatible, but the SDK's Rust enum loses the variant.
    EnumValueRemovedReserved,
    EnumValueAdded,
    /// A new value takes a number or name the baseline reserved.
    EnumValueReusesReserved,
    /// Same name, another number.
    EnumValueRenumbered,
    /// Same number, another name: breaks JSON.
    EnumValueRenamed,
}

impl ChangeKind {
    pub fn is_breaking(self) -> bool {
        self.bump() == SemverBump::Major && !self.is_reserved_removal()
    }

    /// The bump the SDK crate needs for this change alone.
    pub fn bump(self) -> SemverBump {
        use ChangeKind::*;
        match self {
            MessageAdded | EnumAdded | ServiceAdded | RpcAdded | FieldAdded | EnumValueAdded => {
                SemverBump::Minor
            }
            _ => SemverBump::Major,
        }
    }

    fn is_reserved_removal(self) -> bool {
        matches!(
            self,
            ChangeKind::FieldRemovedReserved | ChangeKind::EnumValueRemovedReserved
        )
    }

    /// The word the report puts before the message.
    fn label(self) -> &'static str {
        if self.is_breaking() {
            "breaking"
        } else if self.is_reserved_removal() {
            "compatible"
        } else {
            "additive"
        }
    }
}

/// The semver bump the SDK crate needs; ordered, so the report's bump is the max.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SemverBump {
    /// Nothing the SDK exposes changed (comments, options, file layout).
    None,
    /// Only additions: new messages, enums, values, fields, services or RPCs.
    Minor,
    /// A breaking change, or a removal from the SDK's Rust API.
    Major,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = &self.location {
            write!(f, "{}:{}:{}: ", at.file, at.line, at.column)?;
        }
        write!(f, "{}: {}", self.kind.label(), self.message)
    }
}

impl fmt::Display for CompatReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            writeln!(f, "{change}")?;
        }
        let count =
            |pick: fn(&ChangeKind) -> bool| self.changes.iter().filter(|c| pick(&c.kind)).count();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(f, "SDK semver: ")?;
        match self.bump {
            SemverBump::None => write!(f, "no bump needed (no API change)"),
            SemverBump::Minor => write!(
                f,
                "minor bump needed ({})",
                plural(
                    count(|k| k.bump() == SemverBump::Minor),
                    "addition",
                    "additions"
                )
            ),
            SemverBump::Major if self.is_breaking() => write!(
                f,
                "major bump needed ({})",
                plural(
                    count(|k| k.is_breaking()),
                    "breaking change",
                    "breaking changes"
                )
            ),
            SemverBump::Major => write!(
                f,
                "major bump needed (reserved removals take {} out of the SDK's Rust types)",
                plural(
                    count(|k| k.is_reserved_removal()),
                    "field or enum value",
                    "fields or enum values"
                )
            ),
        }
    }
}

/// The two indexed sets and the changes found so far; one `impl` block per concept lives
/// in the submodules. The indexes are shared references, so a method can walk one while
/// pushing changes.
struct Diff<'a> {
    old: &'a Index<'a>,
    new: &'a Index<'a>,
    changes: Vec<Change>,
}

impl Diff<'_> {
    fn push(
        &mut self,
        kind: ChangeKind,
        subject: &str,
        message: String,
        location: Option<Location>,
    ) {
        self.changes
            .push(Change::new(kind, subject, message, location));
    }

    /// A file (matched by name) whose package changed: every type in it changed its full
    /// name too, which the type comparisons report one by one.
    fn packages(&mut self) {
        let (old, new) = (self.old, self.new);
        for new_file in new.files() {
            let Some(old_file) = old.file(new_file.name()) else {
                continue;
            };
            if old_file.package() != new_file.package() {
                self.push(
                    ChangeKind::PackageChanged,
                    old_file.package(),
                    format!(
                        "file `{}` changed its package from `{}` to `{}`, so every type in it changed its full name",
                        new_file.name(),
                        old_file.package(),
                        new_file.package()
                    ),
                    location::locate(new_file, &[location::FILE_PACKAGE]),
                );
            }
        }
    }
}
