//! The binary itself on stdio: the specification's examples (the jrpc crate's
//! `spec_examples.txt`, the one copy of the conformance scripts) replayed against `spec-server
//! --stdio` in both framings. The whole suite, over every transport, runs in
//! `crates/jrpc/tests/conformance.rs`.

use std::time::Duration;

use jrpc::script::{Expected, SCRIPTS};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Sends one message in the framing (`newline` or `content-length`).
async fn send(stdin: &mut tokio::process::ChildStdin, framing: &str, message: &str) {
    let framed = match framing {
        // One line per message: JSON whitespace may be a space instead of a newline.
        "newline" => format!("{}\n", message.replace('\n', " ")),
        _ => format!("Content-Length: {}\r\n\r\n{message}", message.len()),
    };
    stdin.write_all(framed.as_bytes()).await.expect("write");
}

/// Reads one message in the framing, within ten seconds.
async fn receive(stdout: &mut BufReader<tokio::process::ChildStdout>, framing: &str) -> String {
    let receive = async {
        let mut line = String::new();
        stdout.read_line(&mut line).await.expect("read");
        if framing == "newline" {
            return line.trim_end().to_owned();
        }
        let mut length = None;
        while line != "\r\n" {
            if let Some(value) = line.strip_prefix("Content-Length:") {
                length = Some(value.trim().parse::<usize>().expect("length"));
            }
            line.clear();
            stdout.read_line(&mut line).await.expect("read");
        }
        let mut body = vec![0u8; length.expect("a Content-Length header")];
        stdout.read_exact(&mut body).await.expect("body");
        String::from_utf8(body).expect("UTF-8")
    };
    tokio::time::timeout(Duration::from_secs(10), receive)
        .await
        .expect("a reply in time")
}

#[tokio::test]
async fn the_binary_answers_the_specification_examples_on_stdio() {
    let script = SCRIPTS
        .iter()
        .find(|source| source.name == "spec_examples.txt")
        .expect("the script")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    for framing in ["newline", "content-length"] {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_spec-server"))
            .args(["--stdio", "--framing", framing])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spec-server starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        for (index, case) in script.cases.iter().enumerate() {
            let context = format!("{}:{} over stdio ({framing})", script.name, case.line);
            send(&mut stdin, framing, &case.request).await;
            if let Expected::Nothing = case.reply() {
                // A sentinel call proves that nothing was sent: the next reply must be its own.
                let sentinel = format!(r#"{{"jsonrpc":"2.0","method":"get_data","id":"sentinel-{index}"}}"#);
                send(&mut stdin, framing, &sentinel).await;
                assert_eq!(
                    receive(&mut stdout, framing).await,
                    format!(r#"{{"jsonrpc":"2.0","result":["hello",5],"id":"sentinel-{index}"}}"#),
                    "{context}: something was sent back for a notification"
                );
                continue;
            }
            let reply = receive(&mut stdout, framing).await;
            if let Err(mismatch) = case.reply().check(Some(reply.as_bytes())) {
                panic!("{context}\n--> {}\n{mismatch}", case.request);
            }
        }
        drop(stdin); // closing stdin ends the server
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("exits")
            .expect("status");
        assert!(status.success());
    }
}
