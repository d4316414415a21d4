//! The summary of a run (a table or JSON) and the live progress bar.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use jrpc::transport::Endpoint;

use crate::target::Target;

/// What was asked for: the method and how the load was spread.
#[derive(Debug, Clone)]
pub struct Shape {
    pub method: String,
    pub connections: u32,
    pub pipeline: u32,
    pub batch: u32,
    pub threads: u32,
}

/// One connection's results.
#[derive(Debug)]
pub struct ConnStats {
    pub histogram: Histogram<u64>,
    pub calls: u64,
    pub messages: u64,
    pub rpc_errors: u64,
    pub transport_errors: u64,
    pub timeouts: u64,
    pub first_rpc_error: Option<String>,
    pub first_transport_error: Option<String>,
}

impl ConnStats {
    pub fn empty() -> ConnStats {
        ConnStats {
            histogram: latency_histogram(),
            calls: 0,
            messages: 0,
            rpc_errors: 0,
            transport_errors: 0,
            timeouts: 0,
            first_rpc_error: None,
            first_transport_error: None,
        }
    }

    pub fn transport_error(&mut self, calls: u64, why: impl FnOnce() -> String) {
        self.transport_errors += calls;
        if self.first_transport_error.is_none() {
            self.first_transport_error = Some(why());
        }
    }
}

/// The figures of one run.
#[derive(Debug)]
pub struct Summary {
    pub target: String,
    pub transport: &'static str,
    pub method: String,
    pub connections: u32,
    pub pipeline: u32,
    pub batch: u32,
    pub threads: u32,
    pub elapsed: Duration,
    pub interrupted: bool,
    /// Calls answered (results and JSON-RPC errors).
    pub requests: u64,
    /// Messages answered (equal to `requests` unless batching).
    pub messages: u64,
    pub rpc_errors: u64,
    pub transport_errors: u64,
    pub timeouts: u64,
    pub first_rpc_error: Option<String>,
    pub first_transport_error: Option<String>,
    /// Round-trip latency of a message, in microseconds.
    pub latency: Histogram<u64>,
}

impl Summary {
    pub fn new(
        shape: &Shape,
        target: &Target,
        stats: Vec<ConnStats>,
        elapsed: Duration,
        interrupted: bool,
    ) -> Summary {
        let transport = match target {
            Target::Url(Endpoint::Http { .. }) => "http",
            Target::Url(Endpoint::WebSocket { .. }) => "ws",
            Target::Url(Endpoint::Tcp { .. }) => "tcp",
            Target::Url(Endpoint::Unix { .. }) => "unix",
            Target::Exec { .. } => "exec",
        };
        let mut summary = Summary {
            target: target.to_string(),
            transport,
            method: shape.method.clone(),
            connections: shape.connections,
            pipeline: shape.pipeline,
            batch: shape.batch,
            threads: shape.threads,
            elapsed,
            interrupted,
            requests: 0,
            messages: 0,
            rpc_errors: 0,
            transport_errors: 0,
            timeouts: 0,
            first_rpc_error: None,
            first_transport_error: None,
            latency: latency_histogram(),
        };
        for conn in stats {
            summary.requests += conn.calls;
            summary.messages += conn.messages;
            summary.rpc_errors += conn.rpc_errors;
            summary.transport_errors += conn.transport_errors;
            summary.timeouts += conn.timeouts;
            // Same bounds on both sides: adding cannot fail.
            let _ = summary.latency.add(&conn.histogram);
            if summary.first_rpc_error.is_none() {
                summary.first_rpc_error = conn.first_rpc_error;
            }
            if summary.first_transport_error.is_none() {
                summary.first_transport_error = conn.first_transport_error;
            }
        }
        summary
    }

    fn per_second(&self, count: u64) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            count as f64 / seconds
        } else {
            0.0
        }
    }

    /// (label, value in µs) for p50, p90, p99, p99.9 and max.
    fn percentiles(&self) -> [(&'static str, u64); 5] {
        let h = &self.latency;
        let q = |q: f64| if h.is_empty() { 0 } else { h.value_at_quantile(q) };
        [
            ("p50", q(0.5)),
            ("p90", q(0.9)),
            ("p99", q(0.99)),
            ("p99.9", q(0.999)),
            ("max", if h.is_empty() { 0 } else { h.max() }),
        ]
    }

    pub fn to_json(&self) -> serde_json::Value {
        let p = self.percentiles();
        serde_json::json!({
            "target": self.target,
            "transport": self.transport,
            "method": self.method,
            "connections": self.connections,
            "pipeline": self.pipeline,
            "batch": self.batch,
            "threads": self.threads,
            "duration_secs": self.elapsed.as_secs_f64(),
            "interrupted": self.interrupted,
            "requests": self.requests,
            "messages": self.messages,
            "requests_per_sec": self.per_second(self.requests),
            "messages_per_sec": self.per_second(self.messages),
            "errors": {
                "jsonrpc": self.rpc_errors,
                "transport": self.transport_errors,
                "timeouts": self.timeouts,
                "first_jsonrpc": self.first_rpc_error,
                "first_transport": self.first_transport_error,
            },
            "latency_us": {
                "p50": p[0].1,
                "p90": p[1].1,
                "p99": p[2].1,
                "p99_9": p[3].1,
                "max": p[4].1,
                "mean": if self.latency.is_empty() { 0.0 } else { self.latency.mean() },
                "samples": self.latency.len(),
            },
        })
    }

    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let load = if self.batch > 1 {
            format!(
                "{}, {} connections x {} in flight, batches of {}, {} thread{}",
                self.method,
                self.connections,
                self.pipeline,
                self.batch,
                self.threads,
                plural(self.threads.into())
            )
        } else {
            format!(
                "{}, {} connections x {} in flight, {} thread{}",
                self.method,
                self.connections,
                self.pipeline,
                self.threads,
                plural(self.threads.into())
            )
        };
        let _ = writeln!(out, "target     {} ({})", self.target, self.transport);
        let _ = writeln!(out, "load       {load}");
        let _ = writeln!(
            out,
            "duration   {:.2} s{}",
            self.elapsed.as_secs_f64(),
            if self.interrupted { " (interrupted)" } else { "" }
        );
        let _ = writeln!(
            out,
            "requests   {} answered, {:.1}/s{}",
            self.requests,
            self.per_second(self.requests),
            if self.batch > 1 {
                format!(
                    " ({} batches, {:.1}/s)",
                    self.messages,
                    self.per_second(self.messages)
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            out,
            "errors     {} JSON-RPC, {} transport ({} timeouts)",
            self.rpc_errors, self.transport_errors, self.timeouts
        );
        if let Some(first) = &self.first_rpc_error {
            let _ = writeln!(out, "           first JSON-RPC error: {first}");
        }
        if let Some(first) = &self.first_transport_error {
            let _ = writeln!(out, "           first transport error: {first}");
        }
        let p = self.percentiles();
        let _ = write!(out, "latency   ");
        for (label, _) in &p {
            let _ = write!(out, " {label:>9}");
        }
        let _ = write!(out, "\n          ");
        for (_, micros) in &p {
            let _ = write!(out, " {:>9}", format_micros(*micros));
        }
        out.push('\n');
        out
    }
}

/// Round-trip latencies in microseconds, 1 µs to one hour, 3 significant digits.
pub fn latency_histogram() -> Histogram<u64> {
    // Constant, valid bounds: creation cannot fail.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// 950 -> "950µs", 1500 -> "1.50ms", 2_500_000 -> "2.50s".
fn format_micros(micros: u64) -> String {
    if micros < 1_000 {
        format!("{micros}µs")
    } else if micros < 1_000_000 {
        format!("{:.2}ms", micros as f64 / 1e3)
    } else {
        format!("{:.2}s", micros as f64 / 1e6)
    }
}

/// A progress bar on stderr: time for --duration runs, calls for --requests runs.
pub fn progress_bar(duration: Option<Duration>, requests: Option<u64>) -> ProgressBar {
    let (length, template) = match (duration, requests) {
        (Some(duration), _) => (
            u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            "{bar:30} {elapsed_precise} {msg}",
        ),
        (None, Some(requests)) => (requests, "{bar:30} {pos}/{len} {msg}"),
        (None, None) => (0, "{msg}"),
    };
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub fn update_bar(bar: &ProgressBar, start: Instant, duration: Option<Duration>, done: u64, errors: u64) {
    let elapsed = start.elapsed();
    if duration.is_some() {
        bar.set_position(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
    } else {
        bar.set_position(done);
    }
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-3);
    bar.set_message(format!("{done} calls, {rate:.0}/s, {errors} errors"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_read_well() {
        assert_eq!(format_micros(950), "950µs");
        assert_eq!(format_micros(1500), "1.50ms");
        assert_eq!(format_micros(2_500_000), "2.50s");
    }
}
