#[jrpc::rpc]
pub trait Api {
    fn ping(&self) -> String;
    #[rpc(name = "ping")]
    fn ping_again(&self) -> String;
}

fn main() {}
