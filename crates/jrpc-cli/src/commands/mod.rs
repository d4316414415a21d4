//! One module per command: each owns its clap arguments, its help text and its `run`.

pub mod bench;
pub mod build;
pub mod check;
pub mod conform;
pub mod discover;
pub mod playground;
pub mod send;
