//! The SDK made at compile time (`modgen_macros::sdk!`) beside the same SDK checked in.
//!
//! `cargo run --release -p modgen-bench --bin macro_build [-- --builds 3 --expansions 20]`
//!
//! 1. Expansion: `modgen::expand::sdk` (what the macro runs inside rustc) beside
//!    `modgen::load` + `modgen::generate_sdk` (what `cargo modgen generate` runs), taking
//!    turns, for the calculator and the synthetic 50 × 20 proto of the `codegen` binary.
//! 2. Build: a temporary workspace with two library crates over the calculator's manifest,
//!    `via-macro` (`sdk!` inline) and `checked-in` (the SDK files `generate_sdk` writes),
//!    built with `cargo build --offline -p <crate>` against this repository's lock and
//!    target directory (dependencies already compiled):
//!    - cold: after `cargo clean -p <crate>` (the crate itself from scratch);
//!    - no-op: straight again;
//!    - after touching the proto (a later modification time).
//!
//!    The two crates take turns in each round.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use modgen_bench::{Input, calculator, synthetic};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (builds, expansions) = (option("--builds", 3), option("--expansions", 20));
    let dir = tempfile::tempdir()?;
    println!("load average at start: {}", loadavg());
    for (input, iterations) in [
        (calculator(dir.path())?, expansions),
        (synthetic(dir.path())?, expansions.div_ceil(10)),
    ] {
        expansion(&input, iterations);
    }
    build_times(dir.path(), builds)?;
    println!("load average at end: {}", loadavg());
    Ok(())
}

fn expansion(input: &Input, iterations: usize) {
    let root = input.manifest.parent().unwrap();
    let (mut expand, mut generate) = (Vec::new(), Vec::new());
    for i in 0..iterations + 1 {
        let run_expand = || {
            let start = Instant::now();
            let tokens = modgen::expand::sdk(quote::quote! { "modgen.toml" }, root);
            assert!(!tokens.to_string().contains("compile_error"));
            start.elapsed()
        };
        let run_generate = || {
            let start = Instant::now();
            let model = modgen::load(&input.manifest).unwrap();
            modgen::generate_sdk(&model, &modgen::SdkOptions::default()).unwrap();
            start.elapsed()
        };
        let (a, b) = if i % 2 == 0 {
            let a = run_expand();
            (a, run_generate())
        } else {
            let b = run_generate();
            (run_expand(), b)
        };
        if i > 0 {
            expand.push(a);
            generate.push(b);
        }
    }
    let (e, g) = (median(expand), median(generate));
    println!(
        "expansion {}: n={iterations} sdk! {:.2} ms, load+generate_sdk {:.2} ms, ratio {:.2}",
        input.name,
        ms(e),
        ms(g),
        e.as_secs_f64() / g.as_secs_f64()
    );
}

fn build_times(dir: &Path, rounds: usize) -> Result<(), Box<dyn std::error::Error>> {
    let ws = dir.join("builds");
    let calc = dir.join("calculator");
    std::fs::create_dir_all(ws.join("via-macro/src"))?;
    let model = modgen::load(&calc.join("modgen.toml")).map_err(|e| e.to_string())?;
    let runtime = Path::new(REPO).join("runtime-min").canonicalize()?;
    let options = modgen::SdkOptions {
        runtime: modgen::RuntimeDep::Path(runtime.display().to_string()),
    };
    let files = modgen::generate_sdk(&model, &options).map_err(|e| e.to_string())?;
    modgen::write_fileset(&ws.join("checked-in"), &files)?;
    // The generated manifest names the package `calculator-sdk`; the bench calls it so.
    let macros = Path::new(REPO).join("modgen-macros").canonicalize()?;
    std::fs::write(
        ws.join("via-macro/Cargo.toml"),
        format!(
            "[package]\nname = \"via-macro\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nmodgen-macros = {{ path = \"{}\" }}\nmodgen-runtime = {{ path = \"{}\" }}\n\
             async-trait = \"0.1\"\nfutures-core = \"0.3\"\nprost = \"0.14.1\"\nthiserror = \"2\"\n\
             tonic = {{ version = \"0.14.9\", default-features = false, features = [\"channel\", \"codegen\", \"router\", \"server\", \"transport\"] }}\n\
             tonic-prost = \"0.14.9\"\n",
            macros.display(),
            runtime.display()
        ),
    )?;
    std::fs::write(
        ws.join("via-macro/src/lib.rs"),
        format!(
            "pub mod calculator_sdk {{ modgen_macros::sdk!(\"{}\"); }}\n",
            calc.join("modgen.toml").display()
        ),
    )?;
    std::fs::write(
        ws.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"via-macro\", \"checked-in\"]\n\n\
         [profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n",
    )?;
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), ws.join("Cargo.lock"))?;
    let proto = calc.join("proto/oop/calculator/v1/accum.proto");

    let crates = ["via-macro", "calculator-sdk"];
    cargo(&ws, &["build", "--offline", "--workspace"]); // dependencies, untimed
    let mut times: Vec<[Vec<Duration>; 3]> = vec![Default::default(), Default::default()];
    for round in 0..rounds {
        for offset in 0..crates.len() {
            let which = (round + offset) % crates.len();
            let name = crates[which];
            cargo(&ws, &["clean", "--offline", "-p", name]);
            times[which][0].push(cargo(&ws, &["build", "--offline", "-p", name]));
            times[which][1].push(cargo(&ws, &["build", "--offline", "-p", name]));
            touch(&proto);
            times[which][2].push(cargo(&ws, &["build", "--offline", "-p", name]));
        }
    }
    for (name, [cold, noop, touched]) in crates.iter().zip(times) {
        println!(
            "build {name}: n={rounds} cold {:.0} ms, no-op {:.0} ms, after touching the proto {:.0} ms",
            ms(median(cold)),
            ms(median(noop)),
            ms(median(touched))
        );
    }
    Ok(())
}

/// Runs cargo in `dir`; the wall time of the command. Counts the builds in which cargo
/// compiled something, to show which runs did work.
fn cargo(dir: &Path, args: &[&str]) -> Duration {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(REPO).join("target"));
    let start = Instant::now();
    let output = Command::new("cargo")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run cargo");
    let elapsed = start.elapsed();
    if args[0] == "build" && String::from_utf8_lossy(&output.stderr).contains("Compiling ") {
        eprintln!("compiled: cargo {}", args.join(" "));
    }
    assert!(
        output.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

/// A modification time after the last build's outputs, and not in the future (a future
/// time would make every later build look stale too).
fn touch(path: &Path) {
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::File::options()
        .append(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now())
        .unwrap();
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
