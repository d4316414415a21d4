//! The help a newcomer reads, and shell completions.

mod common;

use common::jrpc;

#[test]
fn help_documents_exit_statuses_and_examples() {
    let run = jrpc(&["--help"], None);
    assert_eq!(run.status, 0, "{run:?}");
    for needle in [
        "Exit status:",
        "1  the server answered with a JSON-RPC error response",
        "2  usage error",
        "3  transport failure",
        "4  the server replied with something that is not valid JSON-RPC",
        "5  check: at least one message is invalid",
        "name:=json",
        "jrpc build subtract 42 23",
        "jrpc bench http://",
    ] {
        assert!(run.stdout.contains(needle), "{needle:?} missing from jrpc --help");
    }
    for command in ["build", "check", "bench", "completions"] {
        let run = jrpc(&[command, "--help"], None);
        assert_eq!(run.status, 0, "{run:?}");
        assert!(
            run.stdout.contains("Examples:"),
            "jrpc {command} --help has no examples"
        );
        assert!(
            run.stdout.contains(&format!("jrpc {command} ")),
            "jrpc {command} --help"
        );
    }
    let run = jrpc(&["--version"], None);
    assert!(run.stdout.starts_with("jrpc "), "{run:?}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["frobnicate"][..],
        &[],
        &["bench"],
        &["check", "--expect", "maybe"],
    ] {
        let run = jrpc(args, None);
        assert_eq!(run.status, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.contains("panicked"), "{run:?}");
    }
}

#[test]
fn completions_for_each_shell() {
    for (shell, needle) in [
        ("bash", "_jrpc()"),
        ("zsh", "#compdef jrpc"),
        ("fish", "complete -c jrpc"),
        ("elvish", "jrpc"),
        ("powershell", "jrpc"),
    ] {
        let run = jrpc(&["completions", shell], None);
        assert_eq!(run.status, 0, "{run:?}");
        assert!(run.stdout.contains(needle), "{shell}: {needle:?}");
        assert!(run.stdout.contains("bench"), "{shell} completes the commands");
    }
    assert_eq!(jrpc(&["completions", "tcsh"], None).status, 2);
}
