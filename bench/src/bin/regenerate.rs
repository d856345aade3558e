//! Regeneration time: a no-op `generate` and a `check` beside a full generation, for the
//! calculator and the synthetic 50 × 20 proto, interleaved in one run.
//!
//! `cargo run --release -p modgen-bench --bin regenerate [-- --small 100 --large 8 --warmup 2]`
//!
//! Each operation is what the CLI does, through the same core calls, minus printing:
//! - **full**: the generated directories are removed (untimed), then load
//!   (manifest, protox, model, check), the workspace's generated files, the baseline
//!   report, the freshness survey, writing every file, the baseline, and the stub plan;
//! - **no-op generate**: the same on a workspace that is already fresh (nothing written);
//! - **check**: load, generated files, baseline report, survey (never writes).

use std::path::Path;
use std::time::{Duration, Instant};

use modgen::Model;
use modgen::freshness::{self, Survey};
use modgen::workspace::{Target, workspace_target};
use modgen_bench::{Input, Rounds, calculator, loadavg, stats, synthetic};

fn parse_args() -> Result<Rounds, String> {
    Rounds::from_args(Rounds {
        small: 100,
        large: 8,
        warmup: 2,
    })
}

/// Load, generated files, baseline report, survey: the part every operation shares.
fn survey(input: &Input) -> (Model, Target, Survey) {
    let (manifest, model) = modgen::load_with_manifest(&input.manifest).expect("loads");
    let root = input.manifest.parent().expect("a manifest has a directory");
    let target = workspace_target(&model, root, None).expect("generates");
    if let Some(baseline) = modgen::baseline::read(root, &model).expect("reads the baseline") {
        let report =
            modgen::baseline::compare(&baseline, &model, &manifest, root).expect("compares");
        std::hint::black_box(report);
    }
    let survey =
        freshness::survey(&target.root, &target.files, &target.ownership).expect("surveys");
    (model, target, survey)
}

/// `generate`: survey, write what is not fresh, the baseline, the stub plan.
fn generate(input: &Input) -> usize {
    let (model, target, survey) = survey(input);
    let applied = freshness::apply(&target.root, &survey, false).expect("writes");
    modgen::baseline::write(&target.root, &model).expect("writes the baseline");
    let sources = module_sources(&target.root.join(&model.module.name).join("src"));
    let plan = modgen::stubs::plan(&model, &sources, modgen::stubs::Mode::Edit);
    std::hint::black_box(plan);
    applied.written.len()
}

fn check(input: &Input) -> usize {
    let (_, _, survey) = survey(input);
    survey.problems().count()
}

/// The module crate's user sources, as `generate` reads them for stubs.
fn module_sources(src: &Path) -> Vec<modgen::stubs::SourceFile> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(src).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("reads a source file");
            files.push(modgen::stubs::SourceFile { path, text });
        }
    }
    files
}

/// Removes the generated directories, so a full generation has to write every file again.
/// The baseline stays: a workspace has one, and every generation compares against it.
fn clear(input: &Input, model: &Model) {
    let root = input.manifest.parent().unwrap();
    for dir in modgen::workspace::generated_dirs(model) {
        let _ = std::fs::remove_dir_all(root.join(dir));
    }
}

/// The workspace `new` would make around the input's manifest (user files included).
fn scaffold(input: &Input) -> Model {
    let model = modgen::load(&input.manifest).expect("loads");
    let root = input.manifest.parent().unwrap();
    let files = modgen::generate_workspace(&model, &modgen::WorkspaceOptions::default())
        .expect("generates");
    modgen::write_fileset(root, &files).expect("writes");
    modgen::baseline::write(root, &model).expect("writes the baseline");
    model
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let dir = tempfile::Builder::new()
        .prefix("modgen-regenerate-")
        .tempdir()?;
    let inputs = [
        (calculator(dir.path())?, args.small),
        (synthetic(dir.path())?, args.large),
    ];
    println!("load average before the run: {}", loadavg());
    println!(
        "| input | n | full generate | no-op generate | check | no-op / full | check / full |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (input, n) in &inputs {
        let model = scaffold(input);
        assert_eq!(check(input), 0, "{}: a new workspace is fresh", input.name);
        let mut samples: [Vec<Duration>; 3] = Default::default();
        for round in 0..args.warmup + n {
            for turn in 0..3 {
                let which = (round + turn) % 3;
                if which == 0 {
                    clear(input, &model);
                }
                let started = Instant::now();
                let touched = match which {
                    0 => generate(input),
                    1 => generate(input),
                    _ => check(input),
                };
                let elapsed = started.elapsed();
                // A no-op writes nothing and a check finds nothing: else the run is wrong.
                assert!(which == 0 || touched == 0, "{}: not a no-op", input.name);
                if round >= args.warmup {
                    samples[which].push(elapsed);
                }
            }
        }
        let [full, noop, checked] = samples.map(stats);
        println!(
            "| {} | {n} | {:.2} ms (p90 {:.2}) | {:.2} ms (p90 {:.2}) | {:.2} ms (p90 {:.2}) | {:.2} | {:.2} |",
            input.name,
            full.0,
            full.1,
            noop.0,
            noop.1,
            checked.0,
            checked.1,
            noop.0 / full.0,
            checked.0 / full.0,
        );
    }
    println!("load average after the run: {}", loadavg());
    Ok(())
}
