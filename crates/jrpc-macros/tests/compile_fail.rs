//! Mistakes in a `#[jrpc::rpc]` trait fail to compile with an error at the mistake.

#[test]
fn rpc_trait_mistakes_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
