use super::*;
use crate::model::{ConfigType, ConfigValue};

fn errors_of(text: &str) -> Vec<String> {
    Manifest::parse(text, "modgen.toml")
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

const MINIMAL: &str = "[module]\nname = \"calc\"\n\n[proto]\nfiles = [\"calc.proto\"]\n";

#[test]
fn minimal_manifest_gets_derived_defaults() {
    let manifest = Manifest::parse(MINIMAL, "modgen.toml").unwrap();
    assert_eq!(manifest.module_name.value, "calc");
    assert_eq!(manifest.version, "0.1.0");
    assert_eq!(manifest.sdk_crate, "calc-sdk");
    assert_eq!(manifest.error_type, "CalcError");
    assert_eq!(manifest.includes[0].value, ".");
    assert_eq!(manifest.heartbeat_interval, DEFAULT_HEARTBEAT);
    assert!(manifest.services.is_empty());
}

#[test]
fn unknown_key_is_located_and_gets_a_suggestion() {
    let errors = errors_of("[module]\nname = \"calc\"\nverison = \"1.0.0\"\n[proto]\nfiles = []\n");
    assert_eq!(
        errors,
        [
            "modgen.toml:3:1: unknown key `verison`, expected `name` or `version`; did you mean `version`?"
        ]
    );
}

#[test]
fn unknown_top_level_table_is_an_error() {
    let errors = errors_of(&format!("{MINIMAL}\n[sdks]\ncrate = \"x\"\n"));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("modgen.toml:7:2: unknown key `sdks`"),
        "{errors:?}"
    );
    assert!(errors[0].ends_with("did you mean `sdk`?"), "{errors:?}");
}

#[test]
fn unknown_key_in_a_services_table_is_an_error() {
    let errors = errors_of(&format!(
        "{MINIMAL}\n[[services]]\nname = \"S\"\ntrait_name = \"X\"\n"
    ));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("modgen.toml:9:1: unknown key `trait_name`"),
        "{errors:?}"
    );
}

#[test]
fn every_bad_value_is_reported_not_just_the_first() {
    let errors = errors_of(
        "[module]\nname = \"Calc\"\nversion = \"one\"\n[proto]\nfiles = [\"a.proto\"]\n\
         [[errors.variant]]\nname = \"Gone\"\ncode = \"NOT_FOUN\"\n\
         [[errors.variant]]\nname = \"Internal\"\ncode = \"DATA_LOSS\"\n",
    );
    assert_eq!(
        errors,
        [
            "modgen.toml:2:8: invalid module name `Calc`: must start with a lowercase ASCII letter",
            "modgen.toml:3:11: invalid version `one`: expected MAJOR.MINOR.PATCH",
            "modgen.toml:8:8: unknown gRPC code `NOT_FOUN`; did you mean `NOT_FOUND`?",
            "modgen.toml:10:8: variant `Internal` is built into every SDK error type",
        ]
    );
}

#[test]
fn module_name_must_not_be_a_keyword() {
    let errors = errors_of("[module]\nname = \"async\"\n[proto]\nfiles = [\"a.proto\"]\n");
    assert_eq!(
        errors,
        ["modgen.toml:2:8: invalid module name `async`: is a Rust keyword"]
    );
}

#[test]
fn variants_may_share_a_code_but_not_a_built_in_one() {
    let errors = errors_of(&format!(
        "{MINIMAL}[[errors.variant]]\nname = \"A\"\ncode = \"NOT_FOUND\"\n\
         [[errors.variant]]\nname = \"B\"\ncode = \"NOT_FOUND\"\n\
         [[errors.variant]]\nname = \"C\"\ncode = \"UNAVAILABLE\"\n"
    ));
    assert_eq!(
        errors,
        [
            "modgen.toml:14:8: code `UNAVAILABLE` is already mapped to the built-in variant `Transport`"
        ]
    );
}

#[test]
fn services_accept_names_and_tables() {
    let manifest = Manifest::parse(
        &format!("services = [\"a.B\", {{ name = \"C\", trait = \"CApi2\" }}]\n{MINIMAL}"),
        "modgen.toml",
    )
    .unwrap();
    assert_eq!(manifest.services[0].name.value, "a.B");
    assert_eq!(
        (
            manifest.services[0].name.at.line,
            manifest.services[0].name.at.column
        ),
        (1, 13)
    );
    assert_eq!(manifest.services[1].name.value, "C");
    assert_eq!(
        manifest.services[1].trait_name.as_ref().unwrap().value,
        "CApi2"
    );
}

#[test]
fn config_fields_keep_file_order_and_typed_values() {
    let manifest = Manifest::parse(
        &format!(
            "{MINIMAL}[config.fields.timeout]\ntype = \"duration\"\ndefault = \"250ms\"\n\
             [config.fields.max_items]\ntype = \"u32\"\ndefault = 10\nmin = 1\nmax = 100\n\
             [config.fields.tags]\ntype = \"list<string>\"\ndefault = [\"a\"]\n"
        ),
        "modgen.toml",
    )
    .unwrap();
    let names: Vec<&str> = manifest.config.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["timeout", "max_items", "tags"]);
    assert_eq!(
        manifest.config[0].default,
        Some(ConfigValue::Duration(Duration::from_millis(250)))
    );
    assert_eq!(manifest.config[1].ty, ConfigType::U32);
    assert_eq!(manifest.config[1].max, Some(ConfigValue::Integer(100)));
    assert_eq!(
        manifest.config[2].default,
        Some(ConfigValue::List(vec![ConfigValue::String("a".into())]))
    );
}

#[test]
fn config_bounds_must_agree_with_type_and_default() {
    let errors = errors_of(&format!(
        "{MINIMAL}[config.fields.a]\ntype = \"u32\"\ndefault = 500\nmax = 100\n\
         [config.fields.b]\ntype = \"u32\"\ndefault = -1\n\
         [config.fields.c]\ntype = \"bool\"\nmin = 1\n\
         [config.fields.d]\ntype = \"u23\"\n\
         [config.fields.e]\ntype = \"string\"\nrequired = true\ndefault = \"x\"\n"
    ));
    assert_eq!(
        errors,
        [
            "modgen.toml:8:11: `a.default` is above its max",
            "modgen.toml:12:11: `b.default`: -1 does not fit in a u32",
            "modgen.toml:15:7: `c.min`: expected a bool, found integer",
            "modgen.toml:15:7: `c.min`: a bool has no bounds",
            "modgen.toml:17:8: unknown config type `u23`; did you mean `u32`?",
            "modgen.toml:21:11: `e` is required, so a default would never apply; drop `default` or `required`",
        ]
    );
}

#[test]
fn bad_heartbeat_interval_is_located() {
    let errors = errors_of(&format!(
        "{MINIMAL}[runtime]\nheartbeat_interval = \"5 seconds\"\n"
    ));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("modgen.toml:7:22: invalid heartbeat_interval"),
        "{errors:?}"
    );
}

#[test]
fn toml_syntax_error_is_located() {
    let errors = errors_of("[module\nname = \"x\"\n");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("modgen.toml:1:"), "{errors:?}");
}

#[test]
fn deny_breaking_is_off_unless_the_sdk_table_turns_it_on() {
    assert!(
        !Manifest::parse(MINIMAL, "modgen.toml")
            .unwrap()
            .deny_breaking
    );
    let strict = format!("{MINIMAL}[sdk]\ndeny_breaking = true\n");
    assert!(
        Manifest::parse(&strict, "modgen.toml")
            .unwrap()
            .deny_breaking
    );
}

#[test]
fn deny_breaking_must_be_a_boolean() {
    let errors = errors_of(&format!("{MINIMAL}[sdk]\ndeny_breaking = \"yes\"\n"));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("modgen.toml:7:17: ") && errors[0].contains("boolean"),
        "{errors:?}"
    );
}

#[test]
fn misspelt_deny_breaking_gets_a_suggestion() {
    let errors = errors_of(&format!("{MINIMAL}[sdk]\ndeny-breaking = true\n"));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("modgen.toml:7:1: unknown key `deny-breaking`")
            && errors[0].ends_with("did you mean `deny_breaking`?"),
        "{errors:?}"
    );
}
