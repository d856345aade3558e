//! The breaking-change report as `generate` and `check` print it, and the flags that
//! decide what a breaking change does: warn (default), refuse (`--deny-breaking` or
//! `[sdk] deny_breaking`), or become the new baseline (`--accept-breaking`).

use modgen::breaking::CompatReport;

use super::generate::Loaded;

#[derive(clap::Args, Debug, Default)]
pub struct BreakingPolicy {
    /// Refuse (exit 1, write nothing) when the protos break compatibility with the last
    /// generation. Also `[sdk] deny_breaking = true` in modgen.toml.
    #[arg(long, conflicts_with = "accept_breaking")]
    pub deny_breaking: bool,
    /// Accept the breaking changes: the current protos become the new baseline.
    #[arg(long)]
    pub accept_breaking: bool,
}

impl BreakingPolicy {
    fn denies(&self, loaded: &Loaded) -> bool {
        !self.accept_breaking && (self.deny_breaking || loaded.manifest.deny_breaking)
    }

    /// Prints the report; fails when it breaks compatibility and the policy denies that.
    pub fn refuse_denied(
        &self,
        loaded: &Loaded,
        report: Option<&CompatReport>,
    ) -> Result<(), String> {
        let Some(report) = report.filter(|r| !r.changes.is_empty()) else {
            return Ok(());
        };
        eprintln!("{report}");
        if report.is_breaking() && self.denies(loaded) {
            return Err(format!(
                "{} breaking change(s) against {}; nothing was written (review them, then \
                 pass --accept-breaking to make these protos the new baseline)",
                report.breaking().count(),
                modgen::baseline::BASELINE_FILE,
            ));
        }
        Ok(())
    }
}

/// The changes since the baseline, when the workspace has one.
pub fn report(loaded: &Loaded) -> Result<Option<CompatReport>, String> {
    let Some(root) = &loaded.workspace_root else {
        return Ok(None);
    };
    let baseline = modgen::baseline::read(root, &loaded.model).map_err(|e| e.to_string())?;
    baseline
        .map(|bytes| modgen::baseline::compare(&bytes, &loaded.model, &loaded.manifest, root))
        .transpose()
        .map_err(|error| error.to_string())
}

/// After a generation: the protos become the baseline unless they break it unaccepted,
/// in which case the report will be shown again next time.
pub fn record_baseline(
    loaded: &Loaded,
    report: Option<&CompatReport>,
    accepted: bool,
) -> Result<(), String> {
    let Some(root) = &loaded.workspace_root else {
        return Ok(());
    };
    if report.is_some_and(CompatReport::is_breaking) && !accepted {
        eprintln!(
            "warning: the baseline ({}) keeps the previous protos until the breaking changes \
             are accepted: `cargo modgen generate --accept-breaking`",
            modgen::baseline::BASELINE_FILE
        );
        return Ok(());
    }
    modgen::baseline::write(root, &loaded.model)
        .map(|_| ())
        .map_err(|error| format!("{}: {error}", modgen::baseline::path(root).display()))
}
