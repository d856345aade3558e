//! A consumer of the `calculator` module with no generated file checked in: `build.rs`
//! writes the SDK into `OUT_DIR`, and one `include!` brings it in.

/// The calculator's SDK: API trait, types, error, client, server adapter, wiring, testing.
pub mod calculator_sdk {
    include!(concat!(env!("OUT_DIR"), "/calculator_sdk.rs"));
}

use calculator_sdk::proto::oop::calculator::v1::AddRequest;
use calculator_sdk::{CalculatorClient, CalculatorError, CallContext};

/// The sum of `numbers`, added one pair at a time by the calculator behind `api` (the
/// module in this process, or its gRPC client).
pub async fn total(api: &dyn CalculatorClient, numbers: &[i64]) -> Result<i64, CalculatorError> {
    let ctx = CallContext::new();
    let mut sum = 0;
    for &number in numbers {
        sum = api.add(&ctx, AddRequest { a: sum, b: number }).await?.sum;
    }
    Ok(sum)
}
