//! Argument parsers that several commands share: durations and the byte-stream framing.

use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use jrpc::transport::Framing;

/// Parses durations such as `10s`, `500ms`, `2m`, `1m30s`, or plain seconds (`10`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Ok(Duration::from_secs_f64(seconds));
        }
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("'{text}' is not a duration like 10s, 500ms or 2m: {e}"))
}

/// `--framing newline|content-length`, read into the library's [`Framing`], with a line of help
/// for each value (shown by `--help` and offered by shell completions).
pub fn framing_parser() -> impl TypedValueParser<Value = Framing> {
    let values = Framing::ALL.map(|framing| {
        PossibleValue::new(framing.name()).help(match framing {
            Framing::NewlineDelimited => "One compact JSON text per line (the default)",
            Framing::ContentLength => "`Content-Length: N` headers then N bytes, as language servers use",
        })
    });
    // Only the names above get through, and each of them parses.
    PossibleValuesParser::new(values).map(|name| name.parse::<Framing>().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("soon").unwrap_err().contains("not a duration"));
    }
}
