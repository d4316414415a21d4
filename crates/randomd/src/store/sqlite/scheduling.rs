//! The writer thread's scheduling policy.
//!
//! The writer commits charges in groups: the more that queue up while it works, the fewer
//! transactions it runs. Under Linux's normal policy each charge that wakes it preempts the thread
//! serving requests on the same core, so a busy core commits groups of about five; under
//! `SCHED_BATCH` its wakeups do not preempt, so it runs when the request threads wait or their time
//! slice ends and finds the whole queue (about 25 with 32 busy connections). It keeps its nice value
//! and its fair share of the processor; on an idle core nothing changes.
//!
//! One system call by hand: the crate that wraps it (thread-priority) also rewrites the thread's nice
//! value, which a service must leave to its operator.
#![allow(unsafe_code)]

/// Puts the calling thread under `SCHED_BATCH`.
#[cfg(target_os = "linux")]
pub(super) fn prefer_batches() -> std::io::Result<()> {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` is a valid `sched_param` that lives across the call, and pid 0 names the
    // calling thread. SCHED_BATCH with priority 0 needs no privilege and changes nothing else.
    let result = unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Other systems keep their default policy.
#[cfg(not(target_os = "linux"))]
pub(super) fn prefer_batches() -> std::io::Result<()> {
    Ok(())
}
