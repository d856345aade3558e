//! Code generation time: modgen's whole SDK generation beside raw prost + tonic generation
//! of the same input, in the same run.
//!
//! `cargo run --release -p modgen-bench --bin codegen [-- --small 200 --large 10 --warmup 2]`
//!
//! Two inputs, both written into a temporary directory with a module manifest:
//! - `calculator`: ModKit's calculator proto (`shared/corpus/hyperspot/oop/calculator/v1/
//!   accum.proto`), with the manifest of `examples/calculator`;
//! - `synthetic`: a proto this binary writes: 50 services × 20 methods (the four streaming
//!   kinds in turn), 500 top-level messages each with a nested (recursive) message, so
//!   1,000 messages, with enums (50 top-level, a nested one in every fifth message), maps,
//!   oneofs, repeated fields and references between messages (cycles included).
//!
//! Measured per input, `--small`/`--large` timed iterations after `--warmup` untimed ones,
//! the three generators taking turns within each iteration:
//! - modgen: `modgen::load(manifest)` + `modgen::generate_sdk` (manifest, protox, model,
//!   check, every SDK file);
//! - raw: `protox::compile` + `prost_build::Config::generate` with
//!   `tonic_prost_build::configure().service_generator()` (tonic's defaults: client and
//!   server), in memory; and the same with modgen's tonic settings (server stubs only);
//! - where modgen's time goes (medians per phase, timed piece by piece in a loop of its
//!   own): manifest + protox compile, model build, check, SDK emission, and within
//!   emission the prost + tonic step (run alone with modgen's settings on the model's
//!   descriptor set).

use std::path::Path;
use std::time::{Duration, Instant};

use modgen_bench::{Input, Rounds, calculator, loadavg, stats, synthetic, time_interleaved};

use prost::Message;
use prost_types::FileDescriptorSet;

fn parse_args() -> Result<Rounds, String> {
    Rounds::from_args(Rounds {
        small: 200,
        large: 10,
        warmup: 2,
    })
}

/// "services, methods, messages, enums" of the compiled input (nested ones counted, map
/// entries not).
fn shape(input: &Input) -> String {
    fn count(messages: &[prost_types::DescriptorProto]) -> (usize, usize) {
        messages.iter().fold((0, 0), |(m, e), message| {
            let (nested_m, nested_e) = count(&message.nested_type);
            // protoc's synthetic `map<K, V>` entry messages are not counted.
            let own = usize::from(!message.options.as_ref().is_some_and(|o| o.map_entry()));
            (m + own + nested_m, e + message.enum_type.len() + nested_e)
        })
    }
    let set = protox::compile([&input.proto], [&input.include]).expect("protox compiles");
    let (mut services, mut methods, mut messages, mut enums) = (0, 0, 0, 0);
    for file in &set.file {
        services += file.service.len();
        methods += file.service.iter().map(|s| s.method.len()).sum::<usize>();
        let (m, e) = count(&file.message_type);
        messages += m;
        enums += file.enum_type.len() + e;
    }
    format!("{services} services, {methods} methods, {messages} messages, {enums} enums")
}

/// modgen, end to end: what `cargo modgen generate` does before writing.
fn modgen_full(input: &Input) -> usize {
    let model = modgen::load(&input.manifest).unwrap_or_else(|e| panic!("{}: {e}", input.name));
    let files = modgen::generate_sdk(&model, &modgen::SdkOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", input.name));
    files
        .files()
        .iter()
        .map(|f| f.contents.as_bytes().len())
        .sum()
}

/// tonic's default service generator (client + server) or modgen's settings (server only).
fn tonic_config(server_only: bool) -> prost_build::Config {
    let builder = if server_only {
        tonic_prost_build::configure()
            .build_client(false)
            .build_server(true)
            .build_transport(false)
    } else {
        tonic_prost_build::configure()
    };
    let mut config = prost_build::Config::new();
    config.service_generator(builder.service_generator());
    config
}

fn prost_tonic(set: FileDescriptorSet, server_only: bool) -> usize {
    let requests = set
        .file
        .into_iter()
        .map(|file| {
            (
                prost_build::Module::from_protobuf_package_name(file.package()),
                file,
            )
        })
        .collect();
    let modules = tonic_config(server_only)
        .generate(requests)
        .expect("prost + tonic generate");
    modules.values().map(String::len).sum()
}

/// Raw generation: protox + prost + tonic, in memory.
fn raw(input: &Input, server_only: bool) -> usize {
    let set = protox::compile([&input.proto], [&input.include]).expect("protox compiles");
    prost_tonic(set, server_only)
}

struct Phases {
    protox: Vec<Duration>,
    model: Vec<Duration>,
    check: Vec<Duration>,
    emit: Vec<Duration>,
    prost_tonic: Vec<Duration>,
}

/// modgen's time by phase (the same work as `modgen_full`, timed piece by piece).
fn modgen_phases(input: &Input, warmup: usize, iterations: usize) -> Phases {
    let text = std::fs::read_to_string(&input.manifest).unwrap();
    let base = input.manifest.parent().unwrap();
    let mut phases = Phases {
        protox: Vec::new(),
        model: Vec::new(),
        check: Vec::new(),
        emit: Vec::new(),
        prost_tonic: Vec::new(),
    };
    for i in 0..warmup + iterations {
        let t0 = Instant::now();
        let manifest = modgen::Manifest::parse(&text, "modgen.toml").unwrap();
        let compiled = modgen::proto::compile_manifest(&manifest, Path::new(""), base).unwrap();
        let t1 = Instant::now();
        let model = modgen::model::build(&manifest, &compiled, "modgen.toml").unwrap();
        let t2 = Instant::now();
        modgen::check::check(&model, &manifest).unwrap();
        let t3 = Instant::now();
        let files = modgen::generate_sdk(&model, &modgen::SdkOptions::default()).unwrap();
        let t4 = Instant::now();
        let set = FileDescriptorSet::decode(model.protos.descriptor_set.as_slice()).unwrap();
        prost_tonic(set, true);
        let t5 = Instant::now();
        std::hint::black_box(files);
        if i >= warmup {
            phases.protox.push(t1 - t0);
            phases.model.push(t2 - t1);
            phases.check.push(t3 - t2);
            phases.emit.push(t4 - t3);
            phases.prost_tonic.push(t5 - t4);
        }
    }
    phases
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let dir = tempfile::Builder::new()
        .prefix("modgen-codegen-")
        .tempdir()?;
    let inputs = [
        (calculator(dir.path())?, args.small),
        (synthetic(dir.path())?, args.large),
    ];
    for (input, _) in &inputs {
        println!("{}: {}", input.name, shape(input));
    }
    println!("load average before the run: {}", loadavg());
    println!(
        "| input | n | modgen median | modgen p90 | raw median | raw p90 | ratio (median) | raw server-only median | ratio to server-only | output (modgen / raw) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut breakdowns = Vec::new();
    for (input, n) in &inputs {
        let n = *n;
        let modgen_bytes = modgen_full(input);
        let raw_bytes = raw(input, false);
        let mut samples = time_interleaved(
            args.warmup,
            n,
            &mut [
                &mut || modgen_full(input),
                &mut || raw(input, false),
                &mut || raw(input, true),
            ],
        )
        .into_iter();
        let mut next = || stats(samples.next().unwrap());
        let (modgen, raw_full, raw_server) = (next(), next(), next());
        println!(
            "| {} | {n} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2}× | {:.2} ms | {:.2}× | {} KiB / {} KiB |",
            input.name,
            modgen.0,
            modgen.1,
            raw_full.0,
            raw_full.1,
            modgen.0 / raw_full.0,
            raw_server.0,
            modgen.0 / raw_server.0,
            modgen_bytes / 1024,
            raw_bytes / 1024,
        );
        breakdowns.push((input.name, n, modgen_phases(input, args.warmup, n)));
    }
    println!();
    println!(
        "| input | manifest + protox compile | model build | check | SDK emission | of which prost + tonic | sum | prost + tonic share |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, _, phases) in breakdowns {
        let protox = stats(phases.protox).0;
        let model = stats(phases.model).0;
        let check = stats(phases.check).0;
        let emit = stats(phases.emit).0;
        let prost = stats(phases.prost_tonic).0;
        let sum = protox + model + check + emit;
        println!(
            "| {name} | {protox:.2} ms | {model:.2} ms | {check:.2} ms | {emit:.2} ms | {prost:.2} ms | {sum:.2} ms | {:.0} % |",
            100.0 * prost / sum
        );
    }
    println!("\nload average after the run: {}", loadavg());
    Ok(())
}
