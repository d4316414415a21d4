pub struct Opaque;

#[jrpc::rpc]
pub trait Api {
    fn take(&self, value: Opaque) -> i64;
}

fn main() {}
