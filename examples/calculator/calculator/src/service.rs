//! The calculator: ModKit's out-of-process example, implemented over the generated SDK.

use async_trait::async_trait;
use calculator_sdk::proto::oop::calculator::v1::{AddRequest, AddResponse};
use calculator_sdk::{CalculatorClient, CalculatorError, CallContext};

use crate::generated::CalculatorConfig;

/// The `calculator` module: the implementation behind its gRPC services.
pub struct Calculator {
    config: CalculatorConfig,
}

impl Calculator {
    pub fn new(config: CalculatorConfig) -> Self {
        Self { config }
    }

    /// The configuration the module was started with.
    pub fn config(&self) -> &CalculatorConfig {
        &self.config
    }
}

#[async_trait]
impl CalculatorClient for Calculator {
    async fn add(
        &self,
        _ctx: &CallContext,
        request: AddRequest,
    ) -> Result<AddResponse, CalculatorError> {
        // Wrapping would hand the caller a wrong sum that looks right.
        let sum = request
            .a
            .checked_add(request.b)
            .ok_or_else(|| CalculatorError::Overflow {
                message: format!("{} + {} does not fit in an int64", request.a, request.b),
                a: request.a,
                b: request.b,
            })?;
        Ok(AddResponse { sum })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use calculator_sdk::testing::serve_for_test;

    use super::*;

    fn calculator() -> Arc<Calculator> {
        Arc::new(Calculator::new(CalculatorConfig::default()))
    }

    #[tokio::test]
    async fn add_returns_the_sum_in_process() {
        let reply = calculator()
            .add(&CallContext::new(), AddRequest { a: 40, b: 2 })
            .await
            .unwrap();
        assert_eq!(reply.sum, 42);
    }

    #[tokio::test]
    async fn overflow_reaches_a_remote_caller_as_the_overflow_variant() {
        let (_server, client) = serve_for_test(calculator()).await;
        let ctx = CallContext::new();
        let reply = client.add(&ctx, AddRequest { a: -7, b: 3 }).await.unwrap();
        assert_eq!(reply.sum, -4);
        let error = client
            .add(&ctx, AddRequest { a: i64::MAX, b: 1 })
            .await
            .unwrap_err();
        match error {
            CalculatorError::Overflow { message, a, b } => {
                assert!(message.contains("does not fit"), "{message}");
                assert_eq!((a, b), (i64::MAX, 1));
            }
            other => panic!("expected Overflow, got {other:?}"),
        }
    }
}
