//! Both stream framings, fed in arbitrary chunks.
//!
//! Properties: (1) messages framed by the encoder and fed back to the decoder in arbitrary chunks
//! come out as the same messages, in order; (2) on arbitrary bytes the decoder yields the same
//! frames (or the same error) whether the bytes arrive at once or in arbitrary chunks; (3) no frame
//! is ever larger than the limit.
#![no_main]

use bytes::{Bytes, BytesMut};
use jrpc::transport::framing::{Codec, Frame, Framing};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::{Decoder, Encoder};

const MAX_FRAME: usize = 64;

/// Feeds `input` in chunks whose sizes come from `sizes`, then signals the end; returns every frame
/// and whether the stream failed.
fn decode(framing: Framing, input: &[u8], sizes: &[u8]) -> (Vec<Frame>, bool) {
    let mut codec = Codec::new(framing, MAX_FRAME);
    let mut buffer = BytesMut::new();
    let mut frames = Vec::new();
    let mut rest = input;
    let chunked = !sizes.is_empty();
    let mut sizes = sizes.iter().cycle();
    while !rest.is_empty() {
        let size = if chunked {
            (*sizes.next().unwrap_or(&1) as usize).clamp(1, rest.len())
        } else {
            rest.len()
        };
        buffer.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(_) => return (frames, true),
            }
        }
    }
    loop {
        match codec.decode_eof(&mut buffer) {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => break,
            Err(_) => return (frames, true),
        }
    }
    (frames, false)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let framing = if data[0] & 1 == 0 {
        Framing::NewlineDelimited
    } else {
        Framing::ContentLength
    };
    let chunks = (data[1] % 16) as usize;
    let rest = &data[2..];
    let (sizes, body) = rest.split_at(chunks.min(rest.len()));

    // (1) Frame, then unframe: messages are the 0xFF-separated parts of the body that a framing
    // can carry (newline framing: no line break inside, no surrounding whitespace, not empty).
    let messages: Vec<&[u8]> = body
        .split(|b| *b == 0xFF)
        .filter(|m| m.len() <= MAX_FRAME)
        .filter(|m| match framing {
            Framing::NewlineDelimited => !m.is_empty() && !m.contains(&b'\n') && m.trim_ascii().len() == m.len(),
            Framing::ContentLength => true,
        })
        .collect();
    let mut encoder = Codec::new(framing, MAX_FRAME);
    let mut wire = BytesMut::new();
    for message in &messages {
        encoder
            .encode(Bytes::copy_from_slice(message), &mut wire)
            .expect("encoding never fails");
    }
    let (frames, failed) = decode(framing, &wire, sizes);
    assert!(!failed, "our own framing was refused");
    let expected: Vec<Frame> = messages.iter().map(|m| Frame::Message(Bytes::copy_from_slice(m))).collect();
    assert_eq!(frames, expected, "framed then unframed differs");

    // (2) Arbitrary bytes: chunking changes nothing. (3) No frame over the limit.
    let (whole, whole_failed) = decode(framing, body, &[]);
    let (chunked, chunked_failed) = decode(framing, body, sizes);
    assert_eq!(whole_failed, chunked_failed, "chunking changed whether the stream failed");
    assert_eq!(whole, chunked, "chunking changed the frames");
    for frame in &whole {
        if let Frame::Message(bytes) = frame {
            assert!(bytes.len() <= MAX_FRAME);
        }
    }
});
