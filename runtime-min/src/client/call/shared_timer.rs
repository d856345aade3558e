//! Far deadlines share timers: one tokio timer per runtime per [`SLOT`] of deadlines,
//! instead of one per call.
//!
//! Why: registering a tokio timer locks the runtime's timer wheel, and one sooner than
//! every timer already registered also wakes the thread parked in the driver (an
//! `eventfd` write) so that it can shorten its sleep. With one `tokio::time::timeout` per
//! call (the default 30 s call timeout) that was 0.03–0.07 driver wakes per unary call on
//! loopback, and more futex and eventfd traffic after them (BENCHMARKS.md, issue 18).
//! Calls whose deadlines fall into the same slot wait on one `Notify`; only the first of
//! a slot registers a timer.
//!
//! The price is precision: a call bounded here ends at most one [`SLOT`] after its
//! deadline. That is why only deadlines at least [`SHARED_FROM`] away come here (≤ 10 %
//! late at worst); nearer ones keep a timer of their own.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::runtime::{Handle, Id};
use tokio::sync::Notify;

/// The width of one slot of deadlines, and so the most a shared deadline fires late.
pub(super) const SLOT: Duration = Duration::from_millis(100);
/// Deadlines at least this far away share a slot's timer.
pub(super) const SHARED_FROM: Duration = Duration::from_secs(1);

/// The slots that have a timer running, by runtime (a timer belongs to the runtime that
/// drives it) and slot number.
static SLOTS: LazyLock<Mutex<HashMap<SlotKey, Arc<Slot>>>> = LazyLock::new(Default::default);
/// A slot: the runtime whose timer serves it, and its number.
type SlotKey = (Id, u64);

/// Slot numbers count [`SLOT`]s from here.
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

#[derive(Default)]
struct Slot {
    expired: AtomicBool,
    notify: Notify,
}

/// Resolves once `deadline` has passed: at the end of its slot, so at most [`SLOT`] late.
/// Must run inside a tokio runtime, as `tokio::time::timeout` must.
pub(super) async fn expired(deadline: Instant) {
    let slot = slot_ending_after(deadline);
    // Created (and enabled) before the flag is read, so a `notify_waiters` between the two
    // is not missed.
    let notified = slot.notify.notified();
    let mut notified = std::pin::pin!(notified);
    notified.as_mut().enable();
    if slot.expired.load(Ordering::Acquire) {
        return;
    }
    notified.await;
}

/// `remaining` rounded up to a whole number of slots: what a far deadline's
/// `grpc-timeout` says, since the client's own bound may end the call that late too.
pub(super) fn round_up(remaining: Duration) -> Duration {
    let slots = remaining.as_nanos().div_ceil(SLOT.as_nanos());
    Duration::from_nanos(u64::try_from(slots * SLOT.as_nanos()).unwrap_or(u64::MAX))
}

thread_local! {
    /// The slot this thread used last: back-to-back calls mostly share one, and then need
    /// neither the global lock nor a hash.
    static LAST: RefCell<Option<(SlotKey, Arc<Slot>)>> = const { RefCell::new(None) };
}

/// The slot `deadline` falls into, with its timer started if it is the slot's first.
fn slot_ending_after(deadline: Instant) -> Arc<Slot> {
    let since_epoch = deadline.saturating_duration_since(*EPOCH);
    let number =
        u64::try_from(since_epoch.as_nanos().div_ceil(SLOT.as_nanos())).unwrap_or(u64::MAX);
    let runtime = Handle::current();
    let key = (runtime.id(), number);
    let cached = LAST.with_borrow(|last| match last {
        Some((last_key, slot)) if *last_key == key && !slot.expired.load(Ordering::Acquire) => {
            Some(slot.clone())
        }
        _ => None,
    });
    if let Some(slot) = cached {
        return slot;
    }
    let slot = shared_slot(runtime, key);
    LAST.set(Some((key, slot.clone())));
    slot
}

/// The slot under `key`, its timer started on `runtime` if it has none yet.
fn shared_slot(runtime: Handle, key: SlotKey) -> Arc<Slot> {
    let number = key.1;
    let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(slot) = slots.get(&key) {
        return slot.clone();
    }
    let slot = Arc::new(Slot::default());
    slots.insert(key, slot.clone());
    drop(slots);
    // Saturates ~584 years out: a deadline that far away may as well be that far.
    let end = *EPOCH + Duration::from_nanos(number.saturating_mul(SLOT.as_nanos() as u64));
    let fired = slot.clone();
    // Forgotten when it has fired, or when its runtime shuts down (the task is dropped
    // then, polled or not, and so are the calls waiting on it).
    let forget = Forget(key);
    runtime.spawn(async move {
        let _forget = forget;
        tokio::time::sleep(end.saturating_duration_since(Instant::now())).await;
        fired.expired.store(true, Ordering::Release);
        fired.notify.notify_waiters();
    });
    slot
}

/// Removes a slot from [`SLOTS`] when its timer task ends either way.
struct Forget(SlotKey);

impl Drop for Forget {
    fn drop(&mut self) {
        SLOTS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tokio's clock, paused: the timers fire in order, at once, without real waiting.
    fn virtual_now() -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    #[tokio::test(start_paused = true)]
    async fn a_shared_deadline_fires_at_the_end_of_its_slot_not_before() {
        let started = virtual_now();
        expired(Instant::now() + Duration::from_secs(5)).await;
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(5), "fired early: {waited:?}");
        assert!(
            waited <= Duration::from_secs(5) + SLOT,
            "fired late: {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn deadlines_in_one_slot_share_one_timer_and_fire_together() {
        let base = Instant::now() + Duration::from_secs(3);
        let slot = |deadline| slot_ending_after(deadline);
        let first = slot(base);
        let same = slot(base);
        let next = slot(base + SLOT);
        assert!(Arc::ptr_eq(&first, &same), "one timer for one slot");
        assert!(
            !Arc::ptr_eq(&first, &next),
            "a deadline a slot later has its own timer"
        );
        let started = virtual_now();
        tokio::join!(expired(base), expired(base));
        assert!(started.elapsed() <= Duration::from_secs(3) + SLOT);
        assert!(
            first.expired.load(Ordering::Acquire),
            "the shared slot fired"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_fired_slot_is_forgotten() {
        let deadline = Instant::now() + Duration::from_secs(2);
        expired(deadline).await;
        // Let the timer task finish dropping its `Forget`.
        tokio::task::yield_now().await;
        let runtime = Handle::current().id();
        let slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(
            !slots.keys().any(|(id, _)| *id == runtime),
            "no slot of this runtime is left: {:?}",
            slots.keys().filter(|(id, _)| *id == runtime).count()
        );
    }
}
