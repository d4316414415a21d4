use jrpc::server::FromCall;
use jrpc::{Call, ErrorObject};

/// The server can read it, but the generated client could not send it (not Serialize).
pub struct Whole;

impl<S> FromCall<S> for Whole {
    const READS_PARAMS: bool = true;

    fn from_call(_: &Call, _: &std::sync::Arc<S>) -> Result<Self, ErrorObject> {
        Ok(Whole)
    }
}

#[jrpc::rpc]
pub trait Api {
    #[rpc(raw_params)]
    fn take(&self, params: Whole) -> i64;
}

fn main() {}
