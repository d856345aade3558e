modgen_macros::sdk!(proto = "tests/ui/fixtures/bad_errors/shop.proto");

fn main() {}
