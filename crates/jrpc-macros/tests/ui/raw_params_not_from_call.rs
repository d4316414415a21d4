/// Serializable, so the client could send it, but the server has no way to read it from a call.
#[derive(serde::Serialize)]
pub struct Whole {
    pub a: i64,
}

#[jrpc::rpc]
pub trait Api {
    #[rpc(raw_params)]
    fn take(&self, params: Whole) -> i64;
}

fn main() {}
