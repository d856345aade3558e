//! `docs/manifest.md` shows a complete manifest; it must stay a valid one.

use modgen::Manifest;

#[test]
fn the_documented_example_manifest_parses() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/manifest.md"))
        .unwrap();
    let example = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let manifest = Manifest::parse(example, "docs/manifest.md").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(manifest.module_name.value, "calculator");
    assert_eq!(manifest.error_variants[0].name, "DivisionByZero");
    assert_eq!(manifest.config[0].name, "max_operands");
    assert_eq!(
        manifest.services[0].name.value,
        "oop.calculator.v1.CalculatorService"
    );
}
