//! Latency figures of the round-trip benchmarks: nearest-rank percentiles, the mean, a
//! duration printed at the scale it was measured at, and counts from the command line
//! (`--calls`, `--rounds`).

use std::time::Duration;

/// The `q` quantile of `sorted` (ascending), by rounded rank.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[index]
}

pub fn mean(times: &[Duration]) -> Duration {
    times.iter().sum::<Duration>() / times.len() as u32
}

/// `551 ns` below 10 µs, else `212.8 µs`.
pub fn show(duration: Duration) -> String {
    if duration < Duration::from_micros(10) {
        format!("{} ns", duration.as_nanos())
    } else {
        format!("{:.1} µs", duration.as_secs_f64() * 1e6)
    }
}

/// `--calls N` from the command line, else `default`: how many timed calls a round makes.
pub fn calls_from_args(default: usize) -> usize {
    count_from_args("--calls", default)
}

/// `flag N` from the command line, else `default`.
pub fn count_from_args(flag: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == flag)
        .and_then(|i| args.get(i + 1))
        .map(|n| {
            n.parse()
                .unwrap_or_else(|_| panic!("{flag} takes a number, not {n:?}"))
        })
        .unwrap_or(default)
}
