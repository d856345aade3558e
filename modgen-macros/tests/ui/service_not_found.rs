modgen_macros::sdk!(
    proto = "tests/ui/fixtures/calc/calc.proto",
    service = "calc.Calculater",
);

fn main() {}
