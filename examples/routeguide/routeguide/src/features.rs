//! The features the guide knows: a few from gRPC's `route_guide_db.json`, or a JSON file
//! of the same shape named by the `features_file` config key.

use std::path::Path;

use routeguide_sdk::proto::routeguide::{Feature, Point};
use serde::Deserialize;

/// `(name, latitude, longitude)`, coordinates in E7 degrees.
const BUILT_IN: &[(&str, i32, i32)] = &[
    (
        "Patriots Path, Mendham, NJ 07945, USA",
        407_838_351,
        -746_143_763,
    ),
    (
        "101 New Jersey 10, Whippany, NJ 07981, USA",
        408_122_808,
        -743_999_179,
    ),
    ("U.S. 6, Shohola, PA 18458, USA", 413_628_156, -749_015_468),
    (
        "5 Conners Road, Kingston, NY 12401, USA",
        419_999_544,
        -740_371_136,
    ),
    (
        "Mid Hudson Psychiatric Center, New Hampton, NY 10958, USA",
        414_008_389,
        -743_951_297,
    ),
    ("", 409_146_138, -746_188_906),
];

pub fn built_in() -> Vec<Feature> {
    BUILT_IN
        .iter()
        .map(|(name, latitude, longitude)| Feature {
            name: (*name).to_owned(),
            location: Some(Point {
                latitude: *latitude,
                longitude: *longitude,
            }),
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeatureJson {
    name: String,
    location: PointJson,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PointJson {
    latitude: i32,
    longitude: i32,
}

/// Reads a features file; the error names the file.
pub fn load(path: &Path) -> Result<Vec<Feature>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let features: Vec<FeatureJson> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(features
        .into_iter()
        .map(|f| Feature {
            name: f.name,
            location: Some(Point {
                latitude: f.location.latitude,
                longitude: f.location.longitude,
            }),
        })
        .collect())
}
