#[jrpc::rpc]
pub trait Api {
    fn ping(value: i64) -> i64;
}

fn main() {}
