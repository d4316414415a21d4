//! `rpc.discover`: the OpenRPC document built from the registry, served over HTTP and WebSocket,
//! and the mistakes it refuses.

use futures_util::{SinkExt, StreamExt};
use jrpc::http::{HttpConfig, HttpServer};
use jrpc::openrpc::{ExamplePairing, OpenRpc, ParamStructure};
use jrpc::server::{Discover, MethodDoc, ParamDoc, SchemaSource};
use jrpc::{Methods, Params, Server};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Point {
    x: i64,
    y: i64,
}

fn methods() -> Methods {
    let mut methods = Methods::new();
    methods
        .method("add", ["a", "b"], |a: i64, b: i64| a + b)
        .method(
            "greet",
            ["name", "greeting"],
            |name: String, greeting: Option<String>| {
                format!("{}, {name}", greeting.unwrap_or_else(|| "Hello".into()))
            },
        )
        .method("raw", [], |params: Params| params.as_str().map(str::to_owned))
        .method("mirror", ["point"], |p: Point| {
            jrpc::Json(Point { x: -p.x, y: -p.y })
        })
        .describe(
            "add",
            MethodDoc::new()
                .summary("Adds two integers.")
                .param("b", SchemaSource::of::<i64>())
                .param_doc(ParamDoc::new("a", SchemaSource::of::<i64>()).description("The first."))
                .result("sum", SchemaSource::of::<i64>())
                .error(-32602, "Invalid params")
                .example(
                    ExamplePairing::new("by name")
                        .param("b", 2)
                        .param("a", 1)
                        .result(3),
                ),
        )
        .describe(
            "mirror",
            MethodDoc::new()
                .param("point", SchemaSource::of::<Point>())
                .result("mirrored", SchemaSource::of::<Point>()),
        );
    methods
}

fn discover() -> Discover {
    Discover::new("test", "1.2.3")
        .description("A test service.")
        .server("local", "http://127.0.0.1/")
}

fn server() -> Server {
    Server::builder().discover(discover()).build(methods())
}

async fn answer(server: &Server, request: &str) -> Value {
    let reply = server.handle(request.as_bytes()).await.expect("a reply");
    serde_json::from_slice(&reply).expect("JSON")
}

#[test]
fn the_document_comes_from_the_registry_and_the_descriptions() {
    let document = methods().openrpc(&discover());
    let text = serde_json::to_value(&document).expect("serializes");
    assert_eq!(text["openrpc"], "1.3.2");
    assert_eq!(
        text["info"],
        json!({"title": "test", "version": "1.2.3", "description": "A test service."})
    );
    assert_eq!(
        text["servers"],
        json!([{"name": "local", "url": "http://127.0.0.1/"}])
    );
    let names: Vec<&str> = document.methods.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["add", "greet", "mirror", "raw"]);

    // Described: schemas, words, errors, and example params put in the method's param order.
    assert_eq!(
        text["methods"][0],
        json!({
            "name": "add",
            "summary": "Adds two integers.",
            "params": [
                {"name": "a", "description": "The first.", "schema": {"type": "integer", "format": "int64"}, "required": true},
                {"name": "b", "schema": {"type": "integer", "format": "int64"}, "required": true}
            ],
            "result": {"name": "sum", "schema": {"type": "integer", "format": "int64"}, "required": false},
            "paramStructure": "either",
            "errors": [{"code": -32602, "message": "Invalid params"}],
            "examples": [{
                "name": "by name",
                "params": [{"name": "a", "value": 1}, {"name": "b", "value": 2}],
                "result": {"name": "result", "value": 3}
            }]
        })
    );
    // Not described: still listed, with open schemas; an `Option` param is not required.
    let greet = document.method("greet").expect("greet");
    let params: Vec<(&str, bool, &Value)> = greet
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.required, &p.schema))
        .collect();
    assert_eq!(
        params,
        [("name", true, &json!({})), ("greeting", false, &json!({}))]
    );
    assert_eq!(greet.result.as_ref().expect("result").schema, json!({}));
    assert_eq!(greet.param_structure, Some(ParamStructure::Either));
    // A raw-params method: by position, its params unknown until described.
    let raw = document.method("raw").expect("raw");
    assert_eq!(raw.param_structure, Some(ParamStructure::ByPosition));
    assert!(raw.params.is_empty());
    // A struct's schema is defined once, in components, and referred to.
    let mirror = &text["methods"][2];
    assert_eq!(
        mirror["params"][0]["schema"],
        json!({"$ref": "#/components/schemas/Point"})
    );
    assert_eq!(
        mirror["result"]["schema"],
        json!({"$ref": "#/components/schemas/Point"})
    );
    let point = &text["components"]["schemas"]["Point"];
    assert_eq!(point["type"], "object");
    assert_eq!(point["required"], json!(["x", "y"]));
    // The document reads back into the client-side types.
    assert_eq!(serde_json::from_value::<OpenRpc>(text).expect("reads"), document);
}

#[tokio::test]
async fn rpc_discover_takes_no_params_an_empty_array_or_an_empty_object() {
    let server = server();
    let expected = serde_json::to_value(methods().openrpc(&discover())).expect("serializes");
    for params in ["", r#","params":[]"#, r#","params":{}"#, r#","params":[ ]"#] {
        let reply = answer(
            &server,
            &format!(r#"{{"jsonrpc":"2.0","method":"rpc.discover"{params},"id":1}}"#),
        )
        .await;
        assert_eq!(reply["result"], expected, "params {params}");
    }
    for params in ["[1]", r#"{"x":1}"#, "[[]]", "[null]"] {
        let reply = answer(
            &server,
            &format!(r#"{{"jsonrpc":"2.0","method":"rpc.discover","params":{params},"id":1}}"#),
        )
        .await;
        assert_eq!(reply["error"]["code"], -32602, "params {params}: {reply}");
    }
    // Params that are not an array or an object are an invalid request (spec 4.2), before any
    // method is looked up.
    let reply = answer(
        &server,
        r#"{"jsonrpc":"2.0","method":"rpc.discover","params":"s","id":1}"#,
    )
    .await;
    assert_eq!(reply["error"]["code"], -32600, "{reply}");
}

#[tokio::test]
async fn rpc_discover_is_off_by_default() {
    let server = Server::new(methods());
    let reply = answer(&server, r#"{"jsonrpc":"2.0","method":"rpc.discover","id":1}"#).await;
    assert_eq!(reply["error"]["code"], -32601);
}

/// One POST over a real socket, read until the server closes.
async fn post(addr: std::net::SocketAddr, body: &str) -> Value {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8(response).expect("UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).expect("a JSON body")
}

type WebSocket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Sends one text frame and reads the reply.
async fn ws_exchange(ws: &mut WebSocket, request: String) -> Value {
    ws.send(Message::text(request)).await.expect("send");
    loop {
        match ws.next().await.expect("a frame").expect("no error") {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
            Message::Binary(bytes) => return serde_json::from_slice(&bytes).expect("JSON"),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn rpc_discover_over_http_and_websocket() {
    let http = HttpServer::bind("127.0.0.1:0", server(), HttpConfig::default())
        .await
        .expect("bind");
    let addr = http.local_addr();
    let expected = serde_json::to_value(methods().openrpc(&discover())).expect("serializes");
    let bad =
        |params: &str| format!(r#"{{"jsonrpc":"2.0","method":"rpc.discover","params":{params},"id":7}}"#);

    for request in [
        r#"{"jsonrpc":"2.0","method":"rpc.discover","id":7}"#.to_owned(),
        bad("[]"),
        bad("{}"),
    ] {
        assert_eq!(post(addr, &request).await["result"], expected);
    }
    for params in ["[1]", r#"{"x":1}"#] {
        assert_eq!(post(addr, &bad(params)).await["error"]["code"], -32602);
    }
    assert_eq!(post(addr, &bad(r#""s""#)).await["error"]["code"], -32600);

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
        .await
        .expect("WebSocket");
    let reply = ws_exchange(
        &mut ws,
        r#"{"jsonrpc":"2.0","method":"rpc.discover","id":1}"#.to_owned(),
    )
    .await;
    assert_eq!(reply["result"], expected);
    assert_eq!(ws_exchange(&mut ws, bad("{}")).await["result"], expected);
    assert_eq!(ws_exchange(&mut ws, bad("[1]")).await["error"]["code"], -32602);
    assert_eq!(
        ws_exchange(&mut ws, bad(r#"{"x":1}"#)).await["error"]["code"],
        -32602
    );
    assert_eq!(ws_exchange(&mut ws, bad(r#""s""#)).await["error"]["code"], -32600);
    drop(ws);
    http.shutdown().await;
}

#[test]
#[should_panic(
    expected = "method names beginning with `rpc.` are reserved for the toolkit (spec 8): rpc.foo"
)]
fn registering_rpc_foo_panics_with_a_clear_message() {
    Methods::new().method("rpc.foo", [], || 1);
}

#[test]
#[should_panic(expected = "reserved")]
fn registering_rpc_discover_by_hand_panics_too() {
    Methods::new().async_method("rpc.discover", [], || async { 1 });
}

#[test]
#[should_panic(expected = "cannot describe method `nope`: it is not registered")]
fn describing_an_unknown_method_panics() {
    Methods::new().describe("nope", MethodDoc::new());
}

#[test]
#[should_panic(expected = "method `add` has no param `c` to describe")]
fn describing_an_unknown_param_panics() {
    let mut methods = Methods::new();
    methods
        .method("add", ["a", "b"], |a: i64, b: i64| a + b)
        .describe("add", MethodDoc::new().param("c", SchemaSource::open()));
}

#[test]
#[should_panic(expected = "example `e` of method `add` names no param `c`")]
fn an_example_naming_an_unknown_param_panics() {
    let mut methods = Methods::new();
    methods
        .method("add", ["a", "b"], |a: i64, b: i64| a + b)
        .describe(
            "add",
            MethodDoc::new().example(ExamplePairing::new("e").param("c", 1)),
        );
}

#[test]
fn schema_source_picks_schemars_when_the_type_has_it() {
    struct Opaque;
    let mut methods = Methods::new();
    methods
        .method("m", ["a", "b"], |a: Vec<u8>, b: Option<bool>| (a, b))
        .describe(
            "m",
            MethodDoc::new()
                .param("a", jrpc::schema_source!(Vec<u8>))
                .param("b", jrpc::schema_source!(Option<bool>))
                .result("r", jrpc::schema_source!(Opaque)),
        );
    let document = serde_json::to_value(methods.openrpc(&Discover::new("t", "1"))).expect("serializes");
    let method = &document["methods"][0];
    assert_eq!(method["params"][0]["schema"]["type"], "array");
    assert_eq!(method["params"][1]["schema"]["type"], json!(["boolean", "null"]));
    assert_eq!(method["params"][1]["required"], false);
    assert_eq!(method["result"]["schema"], json!({}));
}

#[tokio::test]
async fn a_client_reads_the_document_with_the_same_types() {
    let http = HttpServer::bind("127.0.0.1:0", server(), HttpConfig::default())
        .await
        .expect("bind");
    let client = jrpc::client::Client::connect(&format!("http://{}/", http.local_addr()))
        .await
        .expect("client");
    let document: OpenRpc = client.call("rpc.discover", ()).await.expect("the document");
    assert_eq!(document, methods().openrpc(&discover()));
    http.shutdown().await;
}
