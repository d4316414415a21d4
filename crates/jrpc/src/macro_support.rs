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

/// The one argument of a `raw_params` method, as the server reads it: the whole params, read by
/// the type itself (its own checks, its own error codes).
#[cfg(feature = "server")]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the params of a #[rpc(raw_params)] method",
    label = "it must implement jrpc::server::FromCall (with READS_PARAMS = true): the server reads the whole params with it",
    note = "take `jrpc::Params` to accept any params and read them in the method"
)]
pub trait RpcRawParams: crate::server::FromCall<()> {}

#[cfg(feature = "server")]
impl<T: crate::server::FromCall<()>> RpcRawParams for T {}

/// Fails to compile when `T` cannot read a call's whole params, or would refuse every params
/// (an extractor that does not read them). Called by the registration, so it is evaluated where
/// the server is built.
#[cfg(feature = "server")]
pub fn assert_raw_params<T: RpcRawParams>() {
    const {
        assert!(
            <T as crate::server::FromCall<()>>::READS_PARAMS,
            "the argument of a #[rpc(raw_params)] method must read the params (FromCall::READS_PARAMS = true)"
        )
    }
}

/// The one argument of a `raw_params` method, as the client writes it: the whole params.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the params a #[rpc(raw_params)] client method sends",
    label = "it must implement serde's Serialize, as the params object or array",
    note = "derive it: #[derive(serde::Serialize)]"
)]
pub trait RpcRawParamsOut: Serialize + Send + 'static {}

impl<T: Serialize + Send + 'static> RpcRawParamsOut for T {}

/// Fails to compile, at the argument's type, when the client cannot send it.
pub fn assert_raw_params_out<T: RpcRawParamsOut>() {}
