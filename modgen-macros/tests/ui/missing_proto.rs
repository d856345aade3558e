modgen_macros::sdk!("tests/ui/fixtures/missing_proto/modgen.toml");

fn main() {}
