// `my.calc.proto` has no stem that is a module name, and no `module` option says one.
modgen_macros::sdk!(proto = "tests/ui/fixtures/calc/my.calc.proto");

fn main() {}
