modgen_macros::sdk!(
    proto = "tests/ui/fixtures/calc/calc.proto",
    trait = "calc api",
);

fn main() {}
