use super::*;
use crate::{Methods, Server};

fn server() -> (Server<MetricsService<crate::server::MethodsService>>, Metrics) {
    let mut methods = Methods::new();
    methods.method("add", ["a", "b"], |a: i64, b: i64| a + b).method(
        "fail",
        [],
        || -> Result<(), crate::ErrorObject> { Err(crate::ErrorObject::new(7, "no")) },
    );
    let layer = MetricsLayer::new();
    let metrics = layer.metrics().clone();
    (Server::builder().layer(layer).build(methods), metrics)
}

fn value(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(line_start))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn counts_calls_by_registered_method_and_outcome() {
    let (server, metrics) = server();
    let single = br#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}"#;
    server.handle(single).await;
    server
        .handle(br#"[{"jsonrpc":"2.0","method":"add","params":[1,2],"id":2},{"jsonrpc":"2.0","method":"fail","id":3},{"jsonrpc":"2.0","method":"add","params":[1,2]}]"#)
        .await;
    for i in 0..50 {
        let call = format!(r#"{{"jsonrpc":"2.0","method":"nope{i}","id":1}}"#);
        server.handle(call.as_bytes()).await;
    }
    let text = metrics.render();
    assert_eq!(
        value(&text, r#"jrpc_calls_total{method="add",outcome="result"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value(&text, r#"jrpc_calls_total{method="add",outcome="notification"}"#),
        Some(1.0)
    );
    assert_eq!(
        value(&text, r#"jrpc_calls_total{method="fail",outcome="7"}"#),
        Some(1.0)
    );
    assert_eq!(
        value(&text, r#"jrpc_calls_total{method="unknown",outcome="-32601"}"#),
        Some(50.0)
    );
    assert!(!text.contains("nope"), "client-chosen names are never labels");
    assert_eq!(value(&text, "jrpc_messages_total"), Some(52.0));
    assert_eq!(value(&text, "jrpc_batch_size_count"), Some(1.0));
    assert_eq!(value(&text, "jrpc_batch_size_sum"), Some(3.0));
    assert_eq!(value(&text, "jrpc_calls_in_flight"), Some(0.0));
    assert_eq!(
        value(&text, r#"jrpc_call_duration_seconds_count{method="add"}"#),
        Some(3.0)
    );
    let received = value(&text, "jrpc_received_bytes_total").unwrap_or_default();
    assert!(received > single.len() as f64);
}
