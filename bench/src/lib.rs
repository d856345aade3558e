//! What the benchmark binaries share: the inputs they generate from (ModKit's calculator
//! and a synthetic 50 × 20 proto, each with a manifest, written into a directory) and
//! interleaved timing; and the directory backend the directory benchmarks run on.

pub mod directory_backend;
pub mod latency;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const CALCULATOR_PROTO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/corpus/hyperspot/oop/calculator/v1/accum.proto"
);

pub const SERVICES: usize = 50;
pub const METHODS_PER_SERVICE: usize = 20;
pub const ITEMS: usize = 500;
pub const ENUMS: usize = 50;

/// One input: a manifest on disk, and the proto file + include root raw generation gets.
pub struct Input {
    pub name: &'static str,
    pub manifest: PathBuf,
    pub proto: PathBuf,
    pub include: PathBuf,
}

pub fn calculator(dir: &Path) -> std::io::Result<Input> {
    let root = dir.join("calculator");
    let proto_dir = root.join("proto/oop/calculator/v1");
    std::fs::create_dir_all(&proto_dir)?;
    std::fs::copy(CALCULATOR_PROTO, proto_dir.join("accum.proto"))?;
    let manifest = root.join("modgen.toml");
    std::fs::write(
        &manifest,
        r#"[module]
name = "calculator"

[proto]
files = ["proto/oop/calculator/v1/accum.proto"]
includes = ["proto"]

[[services]]
name = "oop.calculator.v1.CalculatorService"
trait = "CalculatorClient"
client = "CalculatorGrpcClient"

[sdk]
crate = "calculator-sdk"
error = "CalculatorError"

[[errors.variant]]
name = "InvalidArgument"
code = "INVALID_ARGUMENT"

[[errors.variant]]
name = "Overflow"
code = "OUT_OF_RANGE"
"#,
    )?;
    Ok(Input {
        name: "calculator",
        manifest,
        proto: proto_dir.join("accum.proto"),
        include: root.join("proto"),
    })
}

pub fn synthetic(dir: &Path) -> std::io::Result<Input> {
    let root = dir.join("synthetic");
    let proto_dir = root.join("proto/synthetic/v1");
    std::fs::create_dir_all(&proto_dir)?;
    std::fs::write(proto_dir.join("synthetic.proto"), synthetic_proto())?;
    let manifest = root.join("modgen.toml");
    std::fs::write(
        &manifest,
        r#"[module]
name = "synthetic"

[proto]
files = ["proto/synthetic/v1/synthetic.proto"]
includes = ["proto"]

[[errors.variant]]
name = "NotFound"
code = "NOT_FOUND"

[[errors.variant]]
name = "InvalidArgument"
code = "INVALID_ARGUMENT"

[[errors.variant]]
name = "Conflict"
code = "ALREADY_EXISTS"
"#,
    )?;
    Ok(Input {
        name: "synthetic",
        manifest,
        proto: proto_dir.join("synthetic.proto"),
        include: root.join("proto"),
    })
}

/// The synthetic proto: `SERVICES` × `METHODS_PER_SERVICE` RPCs over `ITEMS` messages,
/// each with a nested message, so `2 × ITEMS` messages in all.
pub fn synthetic_proto() -> String {
    let mut out = String::from(
        "// Written by modgen-bench's `codegen`: a large module for timing code generation.\n\
         syntax = \"proto3\";\n\npackage synthetic.v1;\n",
    );
    for e in 0..ENUMS {
        let upper = format!("KIND{e:02}");
        writeln!(
            out,
            "\n// Kind {e}.\nenum Kind{e:02} {{\n  {upper}_UNSPECIFIED = 0;\n  {upper}_FIRST = 1;\n  {upper}_SECOND = 2;\n  {upper}_THIRD = 3;\n}}"
        )
        .unwrap();
    }
    for k in 0..ITEMS {
        let related = (k * 7 + 3) % ITEMS;
        let next = (k + 1) % ITEMS;
        let other = (k + 11) % ITEMS;
        let kind = k % ENUMS;
        let phase = k % 5 == 0;
        writeln!(out, "\n// Item {k}: a record with every kind of field.").unwrap();
        writeln!(out, "message Item{k:03} {{").unwrap();
        out.push_str(
            "  // A part of the item; parts nest.\n  message Part {\n    string label = 1;\n    \
             repeated Part children = 2;\n    bytes payload = 3;\n    map<int32, string> notes = 4;\n  }\n",
        );
        if phase {
            out.push_str(
                "  enum Phase {\n    PHASE_UNSPECIFIED = 0;\n    PHASE_OPEN = 1;\n    PHASE_CLOSED = 2;\n  }\n",
            );
        }
        writeln!(
            out,
            "  int64 id = 1;\n  string name = 2;\n  repeated string tags = 3;\n  \
             map<string, int64> counts = 4;\n  Kind{kind:02} kind = 5;\n  Part part = 6;\n  \
             repeated Part parts = 7;\n  Item{related:03} related = 8;\n  \
             map<string, Item{next:03}> by_name = 9;\n  oneof choice {{\n    string text = 10;\n    \
             int32 number = 11;\n    Item{other:03} other = 12;\n    Part part_choice = 13;\n  }}\n  \
             double score = 14;\n  bool active = 15;"
        )
        .unwrap();
        if phase {
            out.push_str("  Phase phase = 16;\n");
        }
        out.push_str("}\n");
    }
    for s in 0..SERVICES {
        writeln!(out, "\n// Area {s}: {METHODS_PER_SERVICE} RPCs.").unwrap();
        writeln!(out, "service Area{s:02}Service {{").unwrap();
        for m in 0..METHODS_PER_SERVICE {
            let n = s * METHODS_PER_SERVICE + m;
            let request = n % ITEMS;
            let response = (n + ITEMS / 2) % ITEMS;
            let (name, doc, req, resp) = match m % 4 {
                0 => ("Get", "Unary", "", ""),
                1 => ("Watch", "Server streaming", "", "stream "),
                2 => ("Upload", "Client streaming", "stream ", ""),
                _ => ("Exchange", "Bidirectional streaming", "stream ", "stream "),
            };
            writeln!(
                out,
                "  // {doc} call {m} of area {s}.\n  rpc {name}{m:02}({req}Item{request:03}) returns ({resp}Item{response:03});"
            )
            .unwrap();
        }
        out.push_str("}\n");
    }
    out
}

/// Times every runner `iterations` times after `warmup` untimed rounds. Runners take turns
/// within each round (in a rotating order), so a change in the machine's load during the
/// run affects them alike rather than whichever block happened to run then.
pub fn time_interleaved(
    warmup: usize,
    iterations: usize,
    runners: &mut [&mut dyn FnMut() -> usize],
) -> Vec<Vec<Duration>> {
    let mut samples = vec![Vec::with_capacity(iterations); runners.len()];
    for round in 0..warmup + iterations {
        for turn in 0..runners.len() {
            let which = (round + turn) % runners.len();
            let started = Instant::now();
            std::hint::black_box((runners[which])());
            if round >= warmup {
                samples[which].push(started.elapsed());
            }
        }
    }
    samples
}

/// Median and p90 (nearest rank), in ms.
pub fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1].as_secs_f64() * 1e3
    };
    (at(0.5), at(0.9))
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Iteration counts of the generator benchmarks: `--small N` (the calculator), `--large N`
/// (the synthetic proto), `--warmup N` (untimed rounds first).
pub struct Rounds {
    pub small: usize,
    pub large: usize,
    pub warmup: usize,
}

impl Rounds {
    /// The command line's counts over `defaults`.
    pub fn from_args(defaults: Rounds) -> Result<Rounds, String> {
        let mut rounds = defaults;
        let mut iter = std::env::args().skip(1);
        while let Some(flag) = iter.next() {
            let value = iter.next().ok_or(format!("{flag} needs a value"))?;
            let number: usize = value
                .parse()
                .map_err(|_| format!("{flag}: not a number: {value}"))?;
            match flag.as_str() {
                "--small" => rounds.small = number.max(1),
                "--large" => rounds.large = number.max(1),
                "--warmup" => rounds.warmup = number,
                other => return Err(format!("unknown flag {other}")),
            }
        }
        Ok(rounds)
    }
}
