//! What the code `#[jrpc::rpc]` generates refers to: not an API, may change with the macro.

pub use serde::de::DeserializeOwned;
pub use serde::Serialize;

/// A type a generated server reads and a generated client writes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a param of a #[jrpc::rpc] method",
    label = "this param's type must implement serde's Serialize (for the client) and Deserialize (for the server)",
    note = "derive them: #[derive(serde::Serialize, serde::Deserialize)]"
)]
pub trait RpcParam: Serialize + DeserializeOwned + Send + 'static {}

impl<T: Serialize + DeserializeOwned + Send + 'static> RpcParam for T {}

/// A type a generated server writes and a generated client reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a #[jrpc::rpc] method",
    label = "the result's type must implement serde's Serialize (for the server) and Deserialize (for the client)",
    note = "derive them: #[derive(serde::Serialize, serde::Deserialize)]"
)]
pub trait RpcResult: Serialize + DeserializeOwned + Send + 'static {}

impl<T: Serialize + DeserializeOwned + Send + 'static> RpcResult for T {}

/// Fails to compile, at the param's type, when it is not a param.
pub fn assert_param<T: RpcParam>() {}

/// Fails to compile, at the result's type, when it is not a result.
pub fn assert_result<T: RpcResult>() {}
