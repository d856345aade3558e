//! Generates the calculator's SDK into `OUT_DIR` from the module's manifest and protos;
//! cargo reruns this only when one of those files changes.

fn main() {
    modgen::build::Builder::new()
        .manifest("../../calculator/modgen.toml")
        .generate()
        .unwrap_or_else(|errors| panic!("{errors}"));
}
