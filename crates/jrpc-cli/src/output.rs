//! How JSON is printed: pretty and coloured on a terminal, compact when piped, or as forced.

use std::io::IsTerminal;

use clap::{Args, ValueEnum};

use crate::json;

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    #[default]
    Auto,
    Always,
    Never,
}

/// The output flags shared by every command that prints JSON.
#[derive(Debug, Clone, Default, Args)]
pub struct OutputArgs {
    /// Pretty-print (indented), even when stdout is not a terminal.
    #[arg(long, conflicts_with = "compact")]
    pub pretty: bool,
    /// Print compact JSON on one line, even on a terminal.
    #[arg(long)]
    pub compact: bool,
    /// Colour the JSON.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// The resolved output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub pretty: bool,
    pub colour: bool,
}

impl Output {
    /// Resolves the flags against stdout.
    pub fn for_stdout(args: &OutputArgs) -> Output {
        Output::resolve(args, std::io::stdout().is_terminal())
    }

    /// Resolves the flags for a stream that is or is not a terminal.
    pub fn resolve(args: &OutputArgs, terminal: bool) -> Output {
        let pretty = if args.pretty {
            true
        } else if args.compact {
            false
        } else {
            terminal
        };
        let colour = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && colour_allowed(),
        };
        Output { pretty, colour }
    }

    /// Renders a valid JSON text (no trailing newline).
    pub fn render(&self, text: &str) -> String {
        json::format(text, self.pretty, self.colour)
    }
}

/// NO_COLOR (https://no-color.org) and TERM=dumb turn colour off.
pub fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// Writes to stdout. A reader that went away (`jrpc ... | head`) ends the program quietly with
/// success, as it asked for no more, instead of the panic `print!` gives on a broken pipe; any other
/// write error is reported on stderr with status 3.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("jrpc: error: cannot write to stdout: {error}");
        std::process::exit(3);
    }
}

/// `print!` that survives a closed pipe (see [`write_stdout`]).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

/// `println!` that survives a closed pipe (see [`write_stdout`]).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_on_a_terminal_compact_in_a_pipe_unless_forced() {
        let auto = OutputArgs::default();
        assert!(Output::resolve(&auto, true).pretty);
        assert_eq!(
            Output::resolve(&auto, false),
            Output {
                pretty: false,
                colour: false
            }
        );
        let compact = OutputArgs {
            compact: true,
            ..OutputArgs::default()
        };
        assert!(!Output::resolve(&compact, true).pretty);
        let forced = OutputArgs {
            pretty: true,
            color: ColorChoice::Always,
            ..OutputArgs::default()
        };
        assert_eq!(
            Output::resolve(&forced, false),
            Output {
                pretty: true,
                colour: true
            }
        );
        let never = OutputArgs {
            color: ColorChoice::Never,
            ..OutputArgs::default()
        };
        assert!(!Output::resolve(&never, true).colour);
    }
}
