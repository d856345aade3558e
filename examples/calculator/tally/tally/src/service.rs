//! The tally: totals numbers by calling the calculator module through its SDK. It holds
//! an `Arc<dyn CalculatorClient>` and does not know where the calculator runs: in the
//! same host process (the hub's implementation, a plain method call) or in another
//! process (the SDK's gRPC client, through the directory).

use std::sync::Arc;

use async_trait::async_trait;
use calculator_sdk::proto::oop::calculator::v1::AddRequest;
use calculator_sdk::{CalculatorClient, CalculatorError};
use tally_sdk::proto::oop::tally::v1::{TotalRequest, TotalResponse};
use tally_sdk::{CallContext, TallyApi, TallyError};

use crate::generated::TallyConfig;

/// The `tally` module: the implementation behind its gRPC services.
pub struct Tally {
    config: TallyConfig,
    calculator: Arc<dyn CalculatorClient>,
}

impl Tally {
    pub fn new(config: TallyConfig, calculator: Arc<dyn CalculatorClient>) -> Self {
        Self { config, calculator }
    }

    /// The configuration the module was started with.
    pub fn config(&self) -> &TallyConfig {
        &self.config
    }
}

#[async_trait]
impl TallyApi for Tally {
    async fn total(
        &self,
        ctx: &CallContext,
        request: TotalRequest,
    ) -> Result<TotalResponse, TallyError> {
        let limit = self.config.max_values;
        if request.values.len() > limit as usize {
            return Err(TallyError::InvalidArgument(format!(
                "{} values, more than max_values ({limit})",
                request.values.len()
            )));
        }
        let mut values = request.values.into_iter();
        let mut total = values.next().unwrap_or(0);
        let mut additions = 0;
        for value in values {
            // The caller's context goes along: its deadline and identity reach the calculator.
            let request = AddRequest { a: total, b: value };
            total = self
                .calculator
                .add(ctx, request)
                .await
                .map_err(from_calculator)?
                .sum;
            additions += 1;
        }
        Ok(TotalResponse { total, additions })
    }
}

/// The calculator's errors in the tally's terms: an overflow is the total's, anything
/// else is the calculator failing the tally.
fn from_calculator(error: CalculatorError) -> TallyError {
    match error {
        CalculatorError::Overflow { message, .. } => TallyError::OutOfRange(message),
        CalculatorError::Transport(message) => {
            TallyError::Transport(format!("the calculator is unreachable: {message}"))
        }
        other => TallyError::Internal(format!("the calculator failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use calculator_sdk::proto::oop::calculator::v1::AddResponse;
    use calculator_sdk::testing::FakeCalculatorClient;

    use super::*;

    fn tally(calculator: &Arc<FakeCalculatorClient>) -> Tally {
        Tally::new(TallyConfig::default(), calculator.clone())
    }

    #[tokio::test]
    async fn the_total_is_added_up_by_the_calculator_one_pair_at_a_time() {
        let calculator = Arc::new(FakeCalculatorClient::new());
        calculator.add.answers_with(|request| {
            Ok(AddResponse {
                sum: request.a + request.b,
            })
        });
        let reply = tally(&calculator)
            .total(
                &CallContext::new(),
                TotalRequest {
                    values: vec![1, 2, 3],
                },
            )
            .await
            .unwrap();
        assert_eq!((reply.total, reply.additions), (6, 2));
        let pairs: Vec<_> = calculator
            .add
            .requests()
            .iter()
            .map(|r| (r.a, r.b))
            .collect();
        assert_eq!(pairs, [(1, 2), (3, 3)]);
    }

    #[tokio::test]
    async fn no_values_total_zero_without_a_call() {
        let calculator = Arc::new(FakeCalculatorClient::new());
        let reply = tally(&calculator)
            .total(&CallContext::new(), TotalRequest { values: vec![] })
            .await
            .unwrap();
        assert_eq!((reply.total, reply.additions), (0, 0));
        assert_eq!(calculator.add.call_count(), 0);
    }

    #[tokio::test]
    async fn the_calculators_overflow_is_the_totals() {
        let calculator = Arc::new(FakeCalculatorClient::new());
        calculator.add.fails(CalculatorError::Overflow {
            message: "too big".into(),
            a: i64::MAX,
            b: 1,
        });
        let error = tally(&calculator)
            .total(
                &CallContext::new(),
                TotalRequest {
                    values: vec![i64::MAX, 1],
                },
            )
            .await
            .unwrap_err();
        assert_eq!(error, TallyError::OutOfRange("too big".into()));
    }

    #[tokio::test]
    async fn more_values_than_max_values_are_refused_before_any_call() {
        let calculator = Arc::new(FakeCalculatorClient::new());
        let config = TallyConfig { max_values: 2 };
        let error = Tally::new(config, calculator.clone())
            .total(
                &CallContext::new(),
                TotalRequest {
                    values: vec![1, 2, 3],
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            error,
            TallyError::InvalidArgument("3 values, more than max_values (2)".into())
        );
        assert_eq!(calculator.add.call_count(), 0);
    }
}
