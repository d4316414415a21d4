// Two params, one name: the names array has the wrong length.
fn main() {
    let mut methods = jrpc::Methods::new();
    methods.method("subtract", ["minuend"], |a: i64, b: i64| a - b);
}
