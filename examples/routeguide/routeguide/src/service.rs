//! gRPC's route guide over the generated SDK: one RPC of each streaming kind.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use futures_util::{StreamExt, stream};
use routeguide_sdk::proto::routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};
use routeguide_sdk::{ApiStream, CallContext, RouteGuideApi, RouteGuideError};

use crate::features;
use crate::generated::RouteguideConfig;

/// The `routeguide` module: the implementation behind its gRPC services.
pub struct Routeguide {
    config: RouteguideConfig,
    features: Vec<Feature>,
    /// Every call of `RouteChat` shares these, oldest first.
    notes: Arc<Mutex<VecDeque<RouteNote>>>,
}

impl Routeguide {
    /// Fails when the configured features file cannot be read.
    pub fn new(config: RouteguideConfig) -> Result<Self, String> {
        let features = if config.features_file.is_empty() {
            features::built_in()
        } else {
            features::load(Path::new(&config.features_file))?
        };
        Ok(Self {
            config,
            features,
            notes: Arc::default(),
        })
    }

    /// The configuration the module was started with.
    pub fn config(&self) -> &RouteguideConfig {
        &self.config
    }

    fn feature_at(&self, point: &Point) -> Option<&Feature> {
        self.features
            .iter()
            .find(|f| f.location.as_ref() == Some(point))
    }
}

#[async_trait]
impl RouteGuideApi for Routeguide {
    async fn get_feature(
        &self,
        _ctx: &CallContext,
        request: Point,
    ) -> Result<Feature, RouteGuideError> {
        // gRPC's example answers a feature without a name; here it is the declared
        // `FEATURE_NOT_FOUND`, which carries the point to every client.
        self.feature_at(&request)
            .cloned()
            .ok_or_else(|| RouteGuideError::FeatureNotFound {
                message: format!("no feature at {}, {}", request.latitude, request.longitude),
                latitude: request.latitude,
                longitude: request.longitude,
            })
    }

    async fn list_features(
        &self,
        _ctx: &CallContext,
        request: Rectangle,
    ) -> Result<ApiStream<Feature>, RouteGuideError> {
        let (Some(lo), Some(hi)) = (request.lo, request.hi) else {
            return Err(RouteGuideError::InvalidArgument(
                "a rectangle needs both `lo` and `hi`".to_owned(),
            ));
        };
        let inside: Vec<Result<Feature, RouteGuideError>> = self
            .features
            .iter()
            .filter(|f| f.location.as_ref().is_some_and(|p| in_range(p, &lo, &hi)))
            .cloned()
            .map(Ok)
            .collect();
        Ok(Box::pin(stream::iter(inside)))
    }

    async fn record_route(
        &self,
        _ctx: &CallContext,
        mut requests: ApiStream<Point>,
    ) -> Result<RouteSummary, RouteGuideError> {
        let start = Instant::now();
        let mut summary = RouteSummary::default();
        let mut previous: Option<Point> = None;
        while let Some(point) = requests.next().await {
            let point = point?;
            summary.point_count += 1;
            if self.feature_at(&point).is_some_and(|f| !f.name.is_empty()) {
                summary.feature_count += 1;
            }
            if let Some(previous) = &previous {
                summary.distance += distance(previous, &point);
            }
            previous = Some(point);
        }
        summary.elapsed_time = i32::try_from(start.elapsed().as_secs()).unwrap_or(i32::MAX);
        Ok(summary)
    }

    async fn route_chat(
        &self,
        _ctx: &CallContext,
        requests: ApiStream<RouteNote>,
    ) -> Result<ApiStream<RouteNote>, RouteGuideError> {
        let notes = Arc::clone(&self.notes);
        let limit = self.config.max_chat_notes as usize;
        // Each note is answered with the notes left earlier at the same place, then kept.
        let replies = requests.flat_map(move |note| {
            let replies: Vec<Result<RouteNote, RouteGuideError>> = match note {
                Err(error) => vec![Err(error)],
                Ok(note) => {
                    let mut notes = notes.lock().unwrap_or_else(PoisonError::into_inner);
                    let earlier = notes
                        .iter()
                        .filter(|n| n.location == note.location)
                        .cloned()
                        .map(Ok)
                        .collect();
                    notes.push_back(note);
                    while notes.len() > limit {
                        notes.pop_front();
                    }
                    earlier
                }
            };
            stream::iter(replies)
        });
        Ok(Box::pin(replies))
    }
}

fn in_range(point: &Point, lo: &Point, hi: &Point) -> bool {
    let (lat_min, lat_max) = (lo.latitude.min(hi.latitude), lo.latitude.max(hi.latitude));
    let (lon_min, lon_max) = (
        lo.longitude.min(hi.longitude),
        lo.longitude.max(hi.longitude),
    );
    (lat_min..=lat_max).contains(&point.latitude) && (lon_min..=lon_max).contains(&point.longitude)
}

/// Great-circle distance in metres (haversine), as gRPC's example computes it.
fn distance(a: &Point, b: &Point) -> i32 {
    const E7: f64 = 1e7;
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let lat1 = (f64::from(a.latitude) / E7).to_radians();
    let lat2 = (f64::from(b.latitude) / E7).to_radians();
    let d_lat = lat2 - lat1;
    let d_lon = (f64::from(b.longitude - a.longitude) / E7).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    let c = 2.0 * h.sqrt().atan2((1.0 - h).sqrt());
    (EARTH_RADIUS_M * c) as i32
}

#[cfg(test)]
mod tests {
    use routeguide_sdk::testing::serve_for_test;

    use super::*;

    fn guide() -> Arc<Routeguide> {
        Arc::new(Routeguide::new(RouteguideConfig::default()).unwrap())
    }

    fn point(latitude: i32, longitude: i32) -> Point {
        Point {
            latitude,
            longitude,
        }
    }

    #[tokio::test]
    async fn get_feature_names_a_known_point_and_is_not_found_with_the_point_elsewhere() {
        let (_server, client) = serve_for_test(guide()).await;
        let ctx = CallContext::new();
        let known = client
            .get_feature(&ctx, point(407_838_351, -746_143_763))
            .await
            .unwrap();
        assert_eq!(known.name, "Patriots Path, Mendham, NJ 07945, USA");
        let unknown = client.get_feature(&ctx, point(1, 2)).await.unwrap_err();
        assert_eq!(
            unknown,
            RouteGuideError::FeatureNotFound {
                message: "no feature at 1, 2".to_owned(),
                latitude: 1,
                longitude: 2,
            }
        );
    }

    #[tokio::test]
    async fn list_features_streams_the_features_inside_the_rectangle() {
        let (_server, client) = serve_for_test(guide()).await;
        // Around Mendham and Whippany only.
        let rectangle = Rectangle {
            lo: Some(point(407_000_000, -747_000_000)),
            hi: Some(point(408_500_000, -743_000_000)),
        };
        let stream = client
            .list_features(&CallContext::new(), rectangle)
            .await
            .unwrap();
        let names: Vec<String> = stream.map(|f| f.unwrap().name).collect().await;
        assert_eq!(
            names,
            [
                "Patriots Path, Mendham, NJ 07945, USA",
                "101 New Jersey 10, Whippany, NJ 07981, USA"
            ]
        );
        let error = client
            .list_features(&CallContext::new(), Rectangle { lo: None, hi: None })
            .await
            .err()
            .unwrap();
        assert!(
            matches!(error, RouteGuideError::InvalidArgument(_)),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn record_route_counts_points_features_and_distance() {
        let (_server, client) = serve_for_test(guide()).await;
        let route = vec![
            Ok(point(407_838_351, -746_143_763)),
            Ok(point(1, 2)),
            Ok(point(408_122_808, -743_999_179)),
        ];
        let summary = client
            .record_route(&CallContext::new(), Box::pin(stream::iter(route)))
            .await
            .unwrap();
        assert_eq!(summary.point_count, 3);
        assert_eq!(summary.feature_count, 2);
        let direct = distance(
            &point(407_838_351, -746_143_763),
            &point(408_122_808, -743_999_179),
        );
        assert!(
            summary.distance > 2 * direct,
            "{} vs {direct}",
            summary.distance
        );
    }

    #[tokio::test]
    async fn route_chat_answers_each_note_with_the_earlier_ones_at_its_place() {
        let (_server, client) = serve_for_test(guide()).await;
        let note = |latitude, message: &str| RouteNote {
            location: Some(point(latitude, 0)),
            message: message.to_owned(),
        };
        let notes = vec![
            Ok(note(1, "first")),
            Ok(note(2, "elsewhere")),
            Ok(note(1, "second")),
        ];
        let replies = client
            .route_chat(&CallContext::new(), Box::pin(stream::iter(notes)))
            .await
            .unwrap();
        let messages: Vec<String> = replies.map(|n| n.unwrap().message).collect().await;
        assert_eq!(messages, ["first"]);
    }

    #[test]
    fn distance_between_two_known_points_is_about_eighteen_km() {
        let d = distance(
            &point(407_838_351, -746_143_763),
            &point(408_122_808, -743_999_179),
        );
        assert!((18_000..18_400).contains(&d), "{d}");
    }
}
