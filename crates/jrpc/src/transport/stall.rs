//! Closes HTTP connections that stop delivering requests: clients that send their headers a byte at a
//! time (slowloris) and keep-alive connections left idle, so neither can hold a connection slot.
//!
//! hyper can time the read of each request's headers, but it arms a timer for every request, which
//! cost about 6% of the throughput of small calls. Here each connection counts the requests it
//! starts and finishes (a few uncontended atomic operations per request) and one timer per
//! connection looks at the counts once per period: a connection on which no request started or
//! finished during a whole period, and none is running, is closed. A client therefore gets between
//! one and two periods to send a request's headers, and a slow method is never cut off.
//!
//! A request whose body is still arriving counts as running, so this watch cannot cut a body sent a
//! byte at a time: the body's own time limits do (`transport/body.rs`), and end the request.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What one connection has been doing.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    /// Requests started plus requests finished.
    events: AtomicU64,
    running: AtomicUsize,
}

impl Activity {
    /// Records that a request's headers arrived; the request runs until the guard is dropped.
    pub(crate) fn start(self: &Arc<Self>) -> Running {
        self.events.fetch_add(1, Ordering::Relaxed);
        self.running.fetch_add(1, Ordering::Relaxed);
        Running(Arc::clone(self))
    }

    /// Resolves once a whole `period` has passed with no request started or finished, and none
    /// running.
    pub(crate) async fn stalled(&self, period: Duration) {
        let mut seen = self.events.load(Ordering::Relaxed);
        loop {
            tokio::time::sleep(period).await;
            let events = self.events.load(Ordering::Relaxed);
            if events == seen && self.running.load(Ordering::Relaxed) == 0 {
                return;
            }
            seen = events;
        }
    }
}

/// A request in progress on its connection.
#[derive(Debug)]
pub(crate) struct Running(Arc<Activity>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::Relaxed);
        self.0.events.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn only_a_period_without_requests_or_running_ones_is_a_stall() {
        let activity = Arc::new(Activity::default());
        let period = Duration::from_secs(10);

        // A request that runs for three periods keeps the connection.
        let running = activity.start();
        let stalled = tokio::time::timeout(Duration::from_secs(35), activity.stalled(period)).await;
        assert!(stalled.is_err(), "a connection with a running request was closed");
        drop(running);

        // Requests that keep coming keep it too; then two quiet periods at most close it.
        let watch = activity.stalled(period);
        tokio::pin!(watch);
        for _ in 0..5 {
            tokio::select! {
                () = &mut watch => panic!("closed while requests kept coming"),
                () = tokio::time::sleep(Duration::from_secs(7)) => drop(activity.start()),
            }
        }
        let before = tokio::time::Instant::now();
        watch.await;
        assert!(before.elapsed() <= Duration::from_secs(20));
    }
}
