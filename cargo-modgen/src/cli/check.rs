//! `cargo modgen check`: fails when the generated files on disk are not what `generate`
//! would write now. For CI: one line per file that is stale, missing, edited by hand or
//! orphaned, with a short diff, and exit status 1; nothing is written.

use std::path::PathBuf;
use std::process::ExitCode;

use modgen::FileState;
use modgen::workspace::Target;

use super::compat::{self, BreakingPolicy};
use super::generate::{Loaded, load};
use super::workspace::{workspace_manifests, workspace_root};

/// Diff lines shown per file: enough to see what moved, short enough for a CI log.
const DIFF_LINES: usize = 24;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The module manifest (default: the nearest modgen.toml above the current directory).
    #[arg(long, alias = "manifest-path")]
    pub manifest: Option<PathBuf>,
    /// Don't print diffs, only the list of files.
    #[arg(long)]
    pub quiet: bool,
    /// Fail when the protos break compatibility with the last generation's baseline
    /// (also `[sdk] deny_breaking = true` in modgen.toml); otherwise breaking changes are
    /// reported as warnings.
    #[arg(long)]
    pub deny_breaking: bool,
}

/// Every module of the workspace unless `--manifest` names one; fails when any is stale.
pub fn run(args: &CheckArgs) -> Result<ExitCode, String> {
    if args.manifest.is_some() {
        return run_one(args, &load(args.manifest.as_deref(), None, None)?);
    }
    let mut status = ExitCode::SUCCESS;
    let manifests = workspace_manifests()?;
    let root = workspace_root(&manifests[0].path);
    let mut modules = Vec::with_capacity(manifests.len());
    for module in manifests {
        let loaded = load(Some(&module.path), None, None)?;
        if run_one(args, &loaded)? != ExitCode::SUCCESS {
            status = ExitCode::FAILURE;
        }
        modules.push((module.dir, loaded.model));
    }
    if let Some(host) = super::host_crate::target_for(&root, &modules)?
        && report(args, &host, None)? != ExitCode::SUCCESS
    {
        status = ExitCode::FAILURE;
    }
    Ok(status)
}

/// Checks one loaded module: its compatibility policy, its generated files and baseline.
fn run_one(args: &CheckArgs, loaded: &Loaded) -> Result<ExitCode, String> {
    let compat_report = compat::report(loaded)?;
    let policy = BreakingPolicy {
        deny_breaking: args.deny_breaking,
        accept_breaking: false,
    };
    policy.refuse_denied(loaded, compat_report.as_ref())?;
    // A workspace made before baselines existed is compared with its SDK's descriptors,
    // but `generate` should still write the baseline.
    let baseline_missing = loaded
        .workspace_root
        .as_ref()
        .is_some_and(|root| !modgen::baseline::path(root).is_file());
    report(args, &loaded.target, Some(baseline_missing))
}

/// Prints what is not fresh in `target` (and the baseline: `Some(missing)` for a module's
/// target, `None` for one without a baseline); `FAILURE` when anything is.
fn report(args: &CheckArgs, target: &Target, baseline: Option<bool>) -> Result<ExitCode, String> {
    let survey = modgen::freshness::survey(&target.root, &target.files, &target.ownership)
        .map_err(|error| error.to_string())?;
    let root = target.root.display();
    let baseline_missing = baseline == Some(true);
    let counted = survey.files.len() + usize::from(baseline.is_some());
    if baseline_missing {
        println!(
            "missing: {}",
            modgen::baseline::path(&target.root).display()
        );
    }
    if survey.is_fresh() && !baseline_missing {
        eprintln!("{root}: {counted} generated files are fresh");
        return Ok(ExitCode::SUCCESS);
    }
    for status in survey.problems() {
        println!(
            "{}: {}",
            status.state.label(),
            target.root.join(&status.path).display()
        );
        let diff = (!args.quiet).then(|| status.diff(DIFF_LINES)).flatten();
        for line in diff.iter().flat_map(|diff| diff.lines()) {
            println!("    {line}");
        }
    }
    let hint = if survey.count(FileState::Edited) > 0 {
        "run `cargo modgen generate --force` to overwrite the hand edits"
    } else {
        "run `cargo modgen generate`"
    };
    eprintln!(
        "{root}: {} of {} generated files are not fresh; {hint}",
        survey.problems().count() + usize::from(baseline_missing),
        counted
    );
    Ok(ExitCode::FAILURE)
}
