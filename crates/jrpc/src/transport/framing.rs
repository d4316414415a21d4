//! Framing for byte streams: newline-delimited JSON (the default) and LSP-style `Content-Length`
//! headers, each with a maximum frame size.
//!
//! Written on tokio-util's codec traits. Newline-delimited reading is lenient: surrounding whitespace,
//! CRLF and blank lines are skipped, and after an oversized line the reader resumes at the next one.

use bytes::Bytes;
#[cfg(feature = "engine")]
use bytes::{Buf, BufMut, BytesMut};
#[cfg(feature = "engine")]
use tokio_util::codec::{Decoder, Encoder};

/// How messages are delimited on a byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// One compact JSON text per line (`\n`; `\r\n` accepted).
    #[default]
    NewlineDelimited,
    /// `Content-Length: N\r\n\r\n` followed by N bytes, as language servers speak.
    ContentLength,
}

impl Framing {
    /// Every framing, in the order a command line lists them.
    pub const ALL: [Framing; 2] = [Framing::NewlineDelimited, Framing::ContentLength];

    /// The name a command line or a config file uses: `newline` or `content-length`.
    pub fn name(self) -> &'static str {
        match self {
            Framing::NewlineDelimited => "newline",
            Framing::ContentLength => "content-length",
        }
    }
}

impl std::fmt::Display for Framing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Reads `newline` (or `newline-delimited`) and `content-length`, in any case.
impl std::str::FromStr for Framing {
    type Err = FramingError;

    fn from_str(text: &str) -> Result<Framing, FramingError> {
        match text.to_ascii_lowercase().as_str() {
            "newline" | "newline-delimited" => Ok(Framing::NewlineDelimited),
            "content-length" => Ok(Framing::ContentLength),
            _ => Err(FramingError(format!(
                "unknown framing {text:?}: use newline or content-length"
            ))),
        }
    }
}

/// What the decoder found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// One message's bytes.
    Message(Bytes),
    /// A frame over the size limit was skipped; the stream goes on.
    TooLarge { limit: usize },
}

/// A stream that cannot be read further (broken headers, or I/O).
#[derive(Debug)]
pub struct FramingError(String);

impl std::fmt::Display for FramingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FramingError {}

impl From<std::io::Error> for FramingError {
    fn from(error: std::io::Error) -> Self {
        FramingError(error.to_string())
    }
}

/// Reads and writes frames in either framing.
#[cfg(feature = "engine")]
#[derive(Debug, Clone)]
pub struct Codec {
    framing: Framing,
    max_frame: usize,
    /// Newline framing: bytes still to drop up to the end of an oversized line.
    discarding: bool,
    /// Content-Length framing: the body length once the headers are read, and bytes left to skip.
    body_length: Option<usize>,
    skip: usize,
}

#[cfg(feature = "engine")]
impl Codec {
    /// A codec for `framing` refusing frames over `max_frame` bytes.
    pub fn new(framing: Framing, max_frame: usize) -> Self {
        Codec {
            framing,
            max_frame,
            discarding: false,
            body_length: None,
            skip: 0,
        }
    }

    fn decode_line(&mut self, buffer: &mut BytesMut) -> Option<Frame> {
        loop {
            let Some(end) = buffer.iter().position(|&b| b == b'\n') else {
                if buffer.len() > self.max_frame {
                    if self.discarding {
                        buffer.clear();
                        return None;
                    }
                    // Whitespace around a line is trimmed off, so only what lies between decides
                    // whether it is too large, however the line was split into reads (found by
                    // fuzzing: a line of the limit with a CR or indentation was refused or not
                    // depending on where the reads split it).
                    let leading = buffer.iter().take_while(|b| b.is_ascii_whitespace()).count();
                    buffer.advance(leading);
                    if buffer.trim_ascii_end().len() > self.max_frame {
                        // Too long already: drop what we have and the rest of the line when it comes.
                        buffer.clear();
                        self.discarding = true;
                        return Some(Frame::TooLarge {
                            limit: self.max_frame,
                        });
                    }
                    // Only trailing whitespace is over the limit: keep one byte of it, which is
                    // enough to judge the line when its next byte comes, and bounds the buffer.
                    buffer.truncate(self.max_frame + 1);
                }
                return None;
            };
            let line = buffer.split_to(end + 1);
            if std::mem::take(&mut self.discarding) {
                continue;
            }
            let text = line.trim_ascii();
            if text.is_empty() {
                continue;
            }
            if text.len() > self.max_frame {
                return Some(Frame::TooLarge {
                    limit: self.max_frame,
                });
            }
            let start = text.as_ptr() as usize - line.as_ptr() as usize;
            let length = text.len();
            let mut line = line.freeze();
            line.advance(start);
            line.truncate(length);
            return Some(Frame::Message(line));
        }
    }

    fn decode_content_length(&mut self, buffer: &mut BytesMut) -> Result<Option<Frame>, FramingError> {
        loop {
            if self.skip > 0 {
                let dropped = self.skip.min(buffer.len());
                buffer.advance(dropped);
                self.skip -= dropped;
                if self.skip > 0 {
                    return Ok(None);
                }
            }
            if let Some(length) = self.body_length {
                if buffer.len() < length {
                    buffer.reserve(length - buffer.len());
                    return Ok(None);
                }
                self.body_length = None;
                return Ok(Some(Frame::Message(buffer.split_to(length).freeze())));
            }
            // Tolerate stray line breaks between messages.
            while buffer.first().is_some_and(|b| *b == b'\r' || *b == b'\n') {
                buffer.advance(1);
            }
            let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                if buffer.len() > 8 * 1024 {
                    return Err(FramingError("message headers are longer than 8 KiB".into()));
                }
                return Ok(None);
            };
            let headers = buffer.split_to(end + 4);
            let length = content_length(&headers[..end])?;
            if length > self.max_frame {
                self.skip = length;
                return Ok(Some(Frame::TooLarge {
                    limit: self.max_frame,
                }));
            }
            self.body_length = Some(length);
        }
    }
}

#[cfg(feature = "engine")]
fn content_length(headers: &[u8]) -> Result<usize, FramingError> {
    let text =
        std::str::from_utf8(headers).map_err(|_| FramingError("message headers are not UTF-8".into()))?;
    let mut length = None;
    for line in text.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(FramingError(format!("malformed header line {line:?}")));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let value = value
                .trim()
                .parse::<usize>()
                .map_err(|_| FramingError(format!("bad Content-Length {value:?}")))?;
            length = Some(value);
        }
    }
    length.ok_or_else(|| FramingError("a message without Content-Length".into()))
}

#[cfg(feature = "engine")]
impl Decoder for Codec {
    type Item = Frame;
    type Error = FramingError;

    fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<Frame>, FramingError> {
        match self.framing {
            Framing::NewlineDelimited => Ok(self.decode_line(buffer)),
            Framing::ContentLength => self.decode_content_length(buffer),
        }
    }

    fn decode_eof(&mut self, buffer: &mut BytesMut) -> Result<Option<Frame>, FramingError> {
        match self.decode(buffer)? {
            Some(frame) => Ok(Some(frame)),
            None if self.framing == Framing::NewlineDelimited && !buffer.is_empty() && !self.discarding => {
                // A last message without its newline.
                buffer.put_u8(b'\n');
                Ok(self.decode_line(buffer))
            }
            None => Ok(None),
        }
    }
}

#[cfg(feature = "engine")]
impl Encoder<Bytes> for Codec {
    type Error = FramingError;

    fn encode(&mut self, message: Bytes, buffer: &mut BytesMut) -> Result<(), FramingError> {
        match self.framing {
            Framing::NewlineDelimited => {
                buffer.reserve(message.len() + 1);
                buffer.put_slice(&message);
                buffer.put_u8(b'\n');
            }
            Framing::ContentLength => {
                buffer.put_slice(format!("Content-Length: {}\r\n\r\n", message.len()).as_bytes());
                buffer.put_slice(&message);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[cfg(feature = "engine")]
mod tests {
    use super::*;

    /// Found by fuzzing (fuzz/regressions/framing): a line whose text fits the limit but whose
    /// indentation or CR does not was refused when it arrived in pieces and accepted whole.
    #[test]
    fn whitespace_around_a_line_never_decides_its_size_whatever_the_split() {
        let line = format!("  {}  \r\n", "x".repeat(8));
        for split in 0..=line.len() {
            let mut codec = Codec::new(Framing::NewlineDelimited, 8);
            let mut buffer = BytesMut::new();
            let mut frames = Vec::new();
            for part in [&line.as_bytes()[..split], &line.as_bytes()[split..]] {
                buffer.extend_from_slice(part);
                while let Some(frame) = codec.decode(&mut buffer).unwrap() {
                    frames.push(frame);
                }
            }
            assert_eq!(
                frames,
                [Frame::Message(Bytes::from("x".repeat(8)))],
                "split at {split}"
            );
        }
        // A flood of trailing spaces stays bounded, and a line that goes on after it is too large.
        let mut codec = Codec::new(Framing::NewlineDelimited, 8);
        let mut buffer = BytesMut::from(&b"abc"[..]);
        buffer.extend_from_slice(&[b' '; 10_000]);
        assert_eq!(codec.decode(&mut buffer).unwrap(), None);
        assert!(buffer.len() <= 9);
        buffer.extend_from_slice(b"more\n");
        assert_eq!(
            codec.decode(&mut buffer).unwrap(),
            Some(Frame::TooLarge { limit: 8 })
        );
    }

    fn decode_all(framing: Framing, max: usize, input: &[u8]) -> Vec<Frame> {
        let mut codec = Codec::new(framing, max);
        let mut buffer = BytesMut::new();
        let mut frames = Vec::new();
        // Feed one byte at a time: framing must not depend on how reads are split.
        for &byte in input {
            buffer.put_u8(byte);
            while let Some(frame) = codec.decode(&mut buffer).unwrap() {
                frames.push(frame);
            }
        }
        while let Some(frame) = codec.decode_eof(&mut buffer).unwrap() {
            frames.push(frame);
        }
        frames
    }

    fn message(text: &str) -> Frame {
        Frame::Message(Bytes::copy_from_slice(text.as_bytes()))
    }

    #[test]
    fn lines_are_read_leniently() {
        let frames = decode_all(
            Framing::NewlineDelimited,
            100,
            b"{\"a\":1}\r\n\n  \n  {\"b\":2}  \n{\"c\":3}",
        );
        assert_eq!(
            frames,
            vec![message("{\"a\":1}"), message("{\"b\":2}"), message("{\"c\":3}")]
        );
    }

    #[test]
    fn an_oversized_line_is_skipped_and_reading_resumes() {
        let long = format!("[{}]\n{{\"ok\":1}}\n", "1,".repeat(100) + "1");
        let frames = decode_all(Framing::NewlineDelimited, 50, long.as_bytes());
        assert_eq!(frames, vec![Frame::TooLarge { limit: 50 }, message("{\"ok\":1}")]);
    }

    #[test]
    fn content_length_frames() {
        let input =
            b"Content-Length: 7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"a\":1}\
                      content-length:7\r\n\r\n{\"b\":2}";
        let frames = decode_all(Framing::ContentLength, 100, input);
        assert_eq!(frames, vec![message("{\"a\":1}"), message("{\"b\":2}")]);
    }

    #[test]
    fn an_oversized_content_length_body_is_skipped_without_buffering() {
        let input = format!(
            "Content-Length: 60\r\n\r\n{}Content-Length: 2\r\n\r\n{{}}",
            "x".repeat(60)
        );
        let frames = decode_all(Framing::ContentLength, 10, input.as_bytes());
        assert_eq!(frames, vec![Frame::TooLarge { limit: 10 }, message("{}")]);
    }

    #[test]
    fn broken_headers_are_fatal() {
        for input in [
            &b"Content-Type: x\r\n\r\n{}"[..],
            b"Content-Length: -1\r\n\r\n",
            b"garbage\r\n\r\n",
        ] {
            let mut codec = Codec::new(Framing::ContentLength, 100);
            let mut buffer = BytesMut::from(input);
            assert!(codec.decode(&mut buffer).is_err(), "{input:?}");
        }
    }

    #[test]
    fn framing_names_round_trip() {
        for framing in Framing::ALL {
            assert_eq!(framing.to_string().parse::<Framing>().unwrap(), framing);
        }
        assert_eq!(
            "Content-Length".parse::<Framing>().unwrap(),
            Framing::ContentLength
        );
        assert_eq!(
            "newline-delimited".parse::<Framing>().unwrap(),
            Framing::NewlineDelimited
        );
        let error = "lines".parse::<Framing>().unwrap_err().to_string();
        assert!(error.contains("unknown framing \"lines\""), "{error}");
    }

    #[test]
    fn encoding() {
        let mut buffer = BytesMut::new();
        Codec::new(Framing::NewlineDelimited, 10)
            .encode(Bytes::from_static(b"{}"), &mut buffer)
            .unwrap();
        Codec::new(Framing::ContentLength, 10)
            .encode(Bytes::from_static(b"{}"), &mut buffer)
            .unwrap();
        assert_eq!(&buffer[..], b"{}\nContent-Length: 2\r\n\r\n{}");
    }
}
