modgen_macros::sdk!("tests/ui/fixtures/unknown_key/modgen.toml");

fn main() {}
