// A param must be readable from JSON.
struct Opaque;

fn main() {
    let mut methods = jrpc::Methods::new();
    methods.method("take", ["value"], |_value: Opaque| 1);
}
