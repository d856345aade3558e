modgen_macros::sdk!("tests/ui/fixtures/no_such_dir/modgen.toml");

fn main() {}
