//! A unary call's future is what the API trait's `async_trait` moves into a box on every
//! call, so its size is a per-call cost: the generated layers (context, deadline, retry)
//! must hold tonic's own call once, not once per layer that passes it on.

use modgen_runtime::client::generated::{self, Rpc};
use modgen_runtime::client::{ClientOptions, ServiceChannels};
use modgen_runtime::context::CallContext;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Endpoint;
use tonic_prost::ProstCodec;

type Message = prost_types::Duration;

#[tokio::test]
async fn a_unary_call_holds_tonics_call_once() {
    // Never connected: the futures are measured, not polled.
    let channel = Endpoint::from_static("http://127.0.0.1:9").connect_lazy();
    let channels =
        ServiceChannels::from_channel("size.v1.Size", channel.clone(), ClientOptions::default());
    let ctx = CallContext::new();
    let rpc = Rpc::new("size.v1.Size", "Get", "/size.v1.Size/Get");
    let generated = generated::unary::<Message, Message, tonic::Status>(
        &channels,
        &ctx,
        rpc,
        Message::default(),
    );

    let mut grpc = tonic::client::Grpc::new(channel);
    let tonic = grpc.unary::<Message, Message, _>(
        tonic::Request::new(Message::default()),
        PathAndQuery::from_static("/size.v1.Size/Get"),
        ProstCodec::default(),
    );

    let (generated, tonic) = (size_of_val(&generated), size_of_val(&tonic));
    println!("generated unary call: {generated} bytes; tonic's: {tonic} bytes");
    // tonic's call, plus channels, a request and the context's bookkeeping (≈ 2.4× in
    // all); each layer that kept a copy of the call it passes on would add another `tonic`
    // (5.4× before the deadline bound made the call's future itself).
    assert!(
        generated <= 3 * tonic,
        "a generated unary call's future is {generated} bytes, tonic's own {tonic}"
    );
}
