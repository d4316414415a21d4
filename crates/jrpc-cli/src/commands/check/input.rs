//! Reading what `jrpc check` judges: files and stdin, as UTF-8 text, each with the name reports use.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::exit::{CliError, Status};

/// One input: its name in reports (`stdin` or the path) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// Reads every file in order; none, or `-`, reads stdin. Unreadable input is a usage error
/// (status 2); input that is not UTF-8 is invalid (status 5), since JSON text must be UTF-8.
pub fn read_sources(files: &[PathBuf]) -> Result<Vec<Source>, CliError> {
    let stdin_only = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin_only[..] } else { files };
    files.iter().map(|file| read_source(file)).collect()
}

fn read_source(file: &Path) -> Result<Source, CliError> {
    if file.as_os_str() == "-" {
        let mut stdin = std::io::stdin();
        if stdin.is_terminal() {
            eprintln!("jrpc: reading messages from stdin (end with Ctrl-D)");
        }
        let mut bytes = Vec::new();
        stdin
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        return Ok(Source {
            name: "stdin".into(),
            text: utf8(bytes, "stdin")?,
        });
    }
    let bytes =
        std::fs::read(file).map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    let name = file.display().to_string();
    Ok(Source {
        text: utf8(bytes, &name)?,
        name,
    })
}

fn utf8(bytes: Vec<u8>, name: &str) -> Result<String, CliError> {
    String::from_utf8(bytes).map_err(|e| {
        CliError::new(
            Status::Invalid,
            format!(
                "{name} is not UTF-8 (byte {}): JSON text must be UTF-8 (RFC 8259 section 8.1)",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}
