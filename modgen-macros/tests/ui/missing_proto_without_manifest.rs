modgen_macros::sdk!(proto = "tests/ui/fixtures/calc/missing.proto");

fn main() {}
