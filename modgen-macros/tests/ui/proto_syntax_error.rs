modgen_macros::sdk!("tests/ui/fixtures/syntax/modgen.toml");

fn main() {}
