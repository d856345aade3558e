//! Misusing the macros is a `compile_error!` at the argument, carrying the CLI's message
//! (`file:line:col: message; help`), never a panic. Each case's expected output is its
//! `.stderr` file next to it (`TRYBUILD=overwrite` rewrites them).

#[test]
fn misuse_is_a_located_compile_error() {
    // trybuild builds each case in a crate under the target directory; the fixtures'
    // paths are relative to this crate, which the macros take from this variable.
    // SAFETY: set before any other thread of this test binary reads the environment.
    unsafe { std::env::set_var("MODGEN_MACROS_TEST_ROOT", env!("CARGO_MANIFEST_DIR")) };
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
