//! Logs go to stderr, one line per event, each starting with the module's name: a host
//! that runs several modules interleaves their output. stdout is kept for the one
//! machine-readable ready line.

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{Format, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// `RUST_LOG` when set; otherwise info, or debug / trace with `-v` / `-vv`.
pub fn init(module: &'static str, verbosity: u8) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(match verbosity {
            0 => "info",
            1 => "debug",
            _ => "trace",
        })
    });
    let result = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .event_format(Prefixed {
            module,
            inner: Format::default().with_ansi(false),
        })
        .try_init();
    // A subscriber already set (by a test harness, say) is fine: keep it.
    if let Err(error) = result {
        tracing::debug!(%error, "tracing already initialised");
    }
}

struct Prefixed<F> {
    module: &'static str,
    inner: F,
}

impl<S, N, F> FormatEvent<S, N> for Prefixed<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "[{}] ", self.module)?;
        self.inner.format_event(ctx, writer, event)
    }
}
