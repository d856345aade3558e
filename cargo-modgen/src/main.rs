//! `cargo modgen`: the CLI shell over the `modgen` core. Thin on purpose: each subcommand
//! parses its arguments, calls the core (or the runtime, for `run` and `call`), writes
//! files, and prints errors as `file:line:col: message`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
