pub mod generated {
    modgen_macros::module!(manifest = "tests/ui/fixtures/calc/modgen.toml", sdk_path = crate::sdk);
}

fn main() {}
