//! The SDK's wire contract, snapshotted. After a proto change and `cargo modgen generate`,
//! this test fails with a diff of what callers send and receive: review it like any API
//! change, then accept it with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

#[test]
fn api_surface_is_the_reviewed_one() {
    insta::assert_snapshot!("api_surface", tally_sdk::testing::API_SURFACE);
}
