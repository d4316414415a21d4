//! The `jrpc` command-line tool as a library. `cli` assembles the top-level parser and dispatches
//! to one module per command under `commands/`, each owning its arguments and help. The helpers
//! the commands share (parameters, composing messages, targets, output, exit statuses, JSON text)
//! are modules of their own and never import a command. The binary is `src/main.rs`.

pub mod args;
pub mod cli;
pub mod commands;
pub mod compose;
pub mod connect;
pub mod exit;
pub mod json;
pub mod message;
pub mod output;
pub mod params;
pub mod target;

pub use cli::run;
