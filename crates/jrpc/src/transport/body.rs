//! Reads an HTTP request body within time limits, like nginx's `client_body_timeout` and a minimum
//! transfer rate: a body that stops arriving, arrives slower than a floor, or takes too long in all
//! is cut, so a client that sends a body a byte at a time cannot hold its connection.
//!
//! A body that is already buffered (the usual small call) is read without touching the clock or a
//! timer; the clock starts the first time the body has to be waited for.

use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use http_body_util::BodyExt;
use tokio::time::Instant;

/// How long a request body may take to arrive. The defaults suit clients on slow links; lower them
/// for services that only take small calls.
#[derive(Debug, Clone)]
pub struct BodyTimeouts {
    /// The longest time with no byte of the body arriving (nginx's `client_body_timeout`).
    pub stall: Duration,
    /// The slowest average rate, in bytes per second, a body may arrive at once `rate_grace` has
    /// passed; `0` turns the floor off.
    pub min_bytes_per_second: u64,
    /// How long a body may arrive slower than `min_bytes_per_second` before the floor applies.
    pub rate_grace: Duration,
    /// The longest a body may take in all, however fast it arrives.
    pub total: Duration,
}

impl Default for BodyTimeouts {
    fn default() -> Self {
        BodyTimeouts {
            stall: Duration::from_secs(10),
            min_bytes_per_second: 1024,
            rate_grace: Duration::from_secs(5),
            total: Duration::from_secs(60),
        }
    }
}

/// Why a body was not read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// It is longer than the limit.
    TooLarge,
    /// It did not arrive in time.
    TimedOut(Cut),
    /// The connection failed or the body was malformed.
    Failed(String),
}

/// Which time limit cut a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    Stall,
    Rate,
    Total,
}

/// Reads a whole body of at most `max_bytes` within `timeouts`.
pub(crate) async fn read<B>(
    mut body: B,
    max_bytes: usize,
    timeouts: &BodyTimeouts,
) -> Result<Bytes, BodyError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut received = 0usize;
    // The body when it came in one piece (no copy), else its pieces joined.
    let mut whole: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut clock: Option<Clock> = None;
    loop {
        let frame = match body.frame().now_or_never() {
            Some(frame) => frame,
            None => {
                let clock = clock.get_or_insert_with(Clock::start);
                match clock.deadline(received, timeouts) {
                    Some((at, cut)) => match tokio::time::timeout_at(at, body.frame()).await {
                        Ok(frame) => frame,
                        Err(_) => return Err(BodyError::TimedOut(cut)),
                    },
                    None => body.frame().await,
                }
            }
        };
        let data = match frame {
            None => break,
            Some(Err(error)) => return Err(BodyError::Failed(error.to_string())),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue, // Trailers carry nothing a JSON-RPC call needs.
            },
        };
        if let Some(clock) = clock.as_mut() {
            clock.last_progress = Instant::now();
        }
        received = received.saturating_add(data.len());
        if received > max_bytes {
            return Err(BodyError::TooLarge);
        }
        match whole.take() {
            None if joined.is_empty() => whole = Some(data),
            None => joined.extend_from_slice(&data),
            Some(first) => {
                joined.reserve(first.len() + data.len());
                joined.extend_from_slice(&first);
                joined.extend_from_slice(&data);
            }
        }
    }
    Ok(whole.unwrap_or_else(|| Bytes::from(joined)))
}

/// When a body started to be waited for, and when its last bytes came.
#[derive(Debug)]
struct Clock {
    started: Instant,
    last_progress: Instant,
}

impl Clock {
    fn start() -> Clock {
        let now = Instant::now();
        Clock {
            started: now,
            last_progress: now,
        }
    }

    /// The moment the body is cut if nothing more arrives, and which limit cuts it then; `None` when
    /// no limit can ever be reached.
    fn deadline(&self, received: usize, timeouts: &BodyTimeouts) -> Option<(Instant, Cut)> {
        let total = self
            .started
            .checked_add(timeouts.total)
            .map(|at| (at, Cut::Total));
        let stall = self
            .last_progress
            .checked_add(timeouts.stall)
            .map(|at| (at, Cut::Stall));
        // The average received / elapsed falls below the floor once elapsed passes received / floor.
        let rate = (timeouts.min_bytes_per_second > 0)
            .then(|| {
                let behind =
                    Duration::try_from_secs_f64(received as f64 / timeouts.min_bytes_per_second as f64)
                        .unwrap_or(Duration::MAX);
                self.started.checked_add(behind.max(timeouts.rate_grace))
            })
            .flatten()
            .map(|at| (at, Cut::Rate));
        [total, stall, rate]
            .into_iter()
            .flatten()
            .min_by_key(|(at, _)| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::StreamBody;
    use hyper::body::Frame;
    use tokio::sync::mpsc;

    type Chunks = mpsc::UnboundedSender<Result<Frame<Bytes>, std::io::Error>>;

    fn body() -> (
        Chunks,
        StreamBody<impl futures_util::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Unpin>,
    ) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|item| (item, receiver))
        });
        (sender, StreamBody::new(Box::pin(stream)))
    }

    fn limits() -> BodyTimeouts {
        BodyTimeouts {
            stall: Duration::from_secs(10),
            min_bytes_per_second: 100,
            rate_grace: Duration::from_secs(5),
            total: Duration::from_secs(60),
        }
    }

    fn send(chunks: &Chunks, bytes: &'static [u8]) {
        chunks
            .send(Ok(Frame::data(Bytes::from_static(bytes))))
            .expect("reader alive");
    }

    #[tokio::test(start_paused = true)]
    async fn a_buffered_body_is_read_whole() {
        let (chunks, body) = body();
        send(&chunks, b"{\"a\":");
        send(&chunks, b"1}");
        drop(chunks);
        let read = read(body, 100, &limits()).await.expect("read");
        assert_eq!(read, Bytes::from_static(b"{\"a\":1}"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_over_the_limit_is_too_large() {
        let (chunks, body) = body();
        send(&chunks, b"0123456789");
        send(&chunks, b"0");
        assert!(matches!(
            read(body, 10, &limits()).await,
            Err(BodyError::TooLarge)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_is_cut_after_the_stall_period() {
        let (chunks, body) = body();
        send(&chunks, &[b'x'; 2000]);
        let started = Instant::now();
        let outcome = read(body, 10_000, &limits()).await;
        assert!(
            matches!(outcome, Err(BodyError::TimedOut(Cut::Stall))),
            "{outcome:?}"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(10));
        drop(chunks);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_under_the_floor_is_cut_after_the_grace() {
        let (chunks, body) = body();
        let reader = tokio::spawn(async move { read(body, 10_000, &limits()).await });
        let started = Instant::now();
        // One byte a second: never stalled, far below 100 bytes a second.
        while !reader.is_finished() {
            let _ = chunks.send(Ok(Frame::data(Bytes::from_static(b"x"))));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let outcome = reader.await.expect("no panic");
        assert!(
            matches!(outcome, Err(BodyError::TimedOut(Cut::Rate))),
            "{outcome:?}"
        );
        assert!(started.elapsed() <= Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_at_the_floor_runs_until_the_total() {
        let (chunks, body) = body();
        let reader = tokio::spawn(async move { read(body, 1_000_000, &limits()).await });
        let started = Instant::now();
        while !reader.is_finished() {
            let _ = chunks.send(Ok(Frame::data(Bytes::from_static(&[b'x'; 200]))));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let outcome = reader.await.expect("no panic");
        assert!(
            matches!(outcome, Err(BodyError::TimedOut(Cut::Total))),
            "{outcome:?}"
        );
        assert!(started.elapsed() <= Duration::from_secs(61));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_start_then_a_fast_body_is_read() {
        let (chunks, body) = body();
        let reader = tokio::spawn(async move { read(body, 1_000_000, &limits()).await });
        tokio::time::sleep(Duration::from_secs(4)).await;
        send(&chunks, &[b'x'; 1000]);
        tokio::time::sleep(Duration::from_secs(4)).await;
        send(&chunks, b"y");
        drop(chunks);
        let read = reader.await.expect("no panic").expect("read");
        assert_eq!(read.len(), 1001);
    }

    #[test]
    fn huge_limits_do_not_overflow() {
        let clock = Clock::start();
        let timeouts = BodyTimeouts {
            stall: Duration::MAX,
            min_bytes_per_second: 1,
            rate_grace: Duration::MAX,
            total: Duration::MAX,
        };
        assert!(clock.deadline(usize::MAX, &timeouts).is_none());
    }
}
