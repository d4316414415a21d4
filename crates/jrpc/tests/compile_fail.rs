//! Mistakes in registering a handler fail to compile, with the mistake named, instead of panicking
//! at start-up.

#[test]
fn registration_mistakes_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}
