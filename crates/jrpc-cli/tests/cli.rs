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

/// Every `jrpc build` example in `jrpc build --help` that shows its output prints exactly that.
#[test]
fn build_help_examples_print_what_they_show() {
    let help = jrpc(&["build", "--help"], None).stdout;
    let lines: Vec<&str> = help.lines().collect();
    let mut checked = 0;
    for pair in lines.windows(2) {
        let (command, shown) = (pair[0].trim(), pair[1]);
        if !command.starts_with("jrpc build ") || !shown.starts_with("      {") {
            continue;
        }
        let words = shlex::split(command).expect("the example is shell words");
        let args: Vec<&str> = words.iter().skip(1).map(String::as_str).collect();
        let run = jrpc(&args, None);
        assert_eq!(run.status, 0, "{command}: {run:?}");
        assert_eq!(run.stdout.trim_end(), shown.trim(), "{command}");
        checked += 1;
    }
    assert_eq!(checked, 3, "the examples with output in jrpc build --help");
    // And the check example.
    let run = jrpc(&["check"], Some(r#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#));
    let help = jrpc(&["check", "--help"], None).stdout;
    for line in run.stdout.lines().take(3) {
        assert!(help.contains(line), "jrpc check --help should show {line:?}");
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // A report far larger than a pipe's buffer, read one byte of, then the pipe is closed, as
    // `jrpc check < many | head -c1` does: jrpc's next write meets a broken pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_jrpc"))
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jrpc starts");
    let messages = r#"{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}"#.to_owned() + "\n";
    let input = messages.repeat(5_000);
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("jrpc ends");
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
