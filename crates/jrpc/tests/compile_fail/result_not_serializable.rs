// A result must be writable as JSON.
struct Opaque;

fn main() {
    let mut methods = jrpc::Methods::new();
    methods.method("give", [], || Ok::<_, jrpc::ErrorObject>(Opaque));
}
