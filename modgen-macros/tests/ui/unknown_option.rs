modgen_macros::sdk!(
    proto = "tests/ui/fixtures/calc/calc.proto",
    erorr = "CalcError",
);

fn main() {}
