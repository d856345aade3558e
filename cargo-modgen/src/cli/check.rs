//! `cargo modgen check`: fails when the generated files on disk are not what `generate`
//! would write now. For CI: one line per file that is stale, missing, edited by hand or
//! orphaned, with a short diff, and exit status 1; nothing is written.

use std::path::PathBuf;
use std::process::ExitCode;

use modgen::FileState;

use super::generate::load_target;

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
}

pub fn run(args: &CheckArgs) -> Result<ExitCode, String> {
    let (_, target) = load_target(args.manifest.as_deref(), None, None)?;
    let survey = modgen::freshness::survey(&target.root, &target.files, &target.ownership)
        .map_err(|error| error.to_string())?;
    let root = target.root.display();
    if survey.is_fresh() {
        eprintln!("{root}: {} generated files are fresh", survey.files.len());
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
        survey.problems().count(),
        survey.files.len()
    );
    Ok(ExitCode::FAILURE)
}
