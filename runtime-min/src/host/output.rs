//! Module output, forwarded line by line as `[name] line` onto the host's own stdout or
//! stderr (whichever the module wrote to), plus the host's own `modgen-host: ...` lines.
//!
//! One writer thread owns both streams, so lines from different modules never interleave
//! mid-line, and a slow reader of the host's stdout blocks that thread only (and, through
//! the bounded channel, the modules' pipes) rather than a tokio worker.

use std::io::Write;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

/// Longer lines are forwarded in pieces, so a module that never writes a newline cannot
/// grow the host's memory without bound.
/// What starts every line the host itself writes.
pub(crate) const HOST_LINE_PREFIX: &str = "modgen-host: ";

const MAX_LINE: usize = 64 * 1024;

/// How many lines may wait for the writer before forwarders (and so modules) wait.
const QUEUE: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A cheap handle for sending whole lines to the writer thread.
#[derive(Clone)]
pub struct Output {
    lines: mpsc::Sender<(Stream, Vec<u8>)>,
}

/// Joins the writer thread once every [`Output`] handle is gone, so nothing queued is lost.
pub struct OutputWriter {
    thread: std::thread::JoinHandle<()>,
}

impl Output {
    /// Starts the writer thread over the process's stdout and stderr.
    pub fn start() -> std::io::Result<(Output, OutputWriter)> {
        let (lines, mut queue) = mpsc::channel::<(Stream, Vec<u8>)>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("modgen-host-output".to_owned())
            .spawn(move || {
                while let Some((stream, line)) = queue.blocking_recv() {
                    // A closed stdout (e.g. `modgen-host | head`) must not stop supervision,
                    // so write errors are dropped.
                    let _ = match stream {
                        Stream::Stdout => std::io::stdout().lock().write_all(&line),
                        Stream::Stderr => std::io::stderr().lock().write_all(&line),
                    };
                }
            })?;
        Ok((Output { lines }, OutputWriter { thread }))
    }

    /// A host message (`modgen-host: ...`) on the given stream.
    pub async fn host_line(&self, stream: Stream, message: impl std::fmt::Display) {
        let line = format!("{HOST_LINE_PREFIX}{message}\n").into_bytes();
        let _ = self.lines.send((stream, line)).await;
    }

    /// Copies `reader` to the host's `stream` line by line, each prefixed `[module] `
    /// (unless the module wrote that prefix itself),
    /// until end of file (the module and anything it spawned closed the pipe).
    pub async fn forward(&self, module: &str, stream: Stream, reader: impl AsyncRead + Unpin) {
        let prefix = format!("[{module}] ");
        let mut reader = BufReader::new(reader);
        loop {
            let mut line = prefix.clone().into_bytes();
            match read_line_capped(&mut reader, &mut line, MAX_LINE).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            // modgen modules already start their log lines with `[module] `; say it once.
            if line[prefix.len()..].starts_with(prefix.as_bytes()) {
                line.drain(..prefix.len());
            }
            if self.lines.send((stream, line)).await.is_err() {
                return;
            }
        }
    }
}

impl OutputWriter {
    /// Waits until every queued line is written. Call after the last [`Output`] is dropped.
    pub async fn finish(self) {
        let _ = tokio::task::spawn_blocking(move || self.thread.join()).await;
    }
}

/// Appends bytes up to and including the next `\n`, or `cap` bytes, whichever comes first.
/// Returns how many bytes were read (0 at end of file). Bytes are kept as they are:
/// a module's output need not be UTF-8.
async fn read_line_capped<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    out: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<usize> {
    let mut read = 0;
    while read < cap {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            break;
        }
        let room = (cap - read).min(available.len());
        let (take, done) = match available[..room].iter().position(|&b| b == b'\n') {
            Some(newline) => (newline + 1, true),
            None => (room, false),
        };
        out.extend_from_slice(&available[..take]);
        reader.consume(take);
        read += take;
        if done {
            break;
        }
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines_of(input: &[u8], cap: usize) -> Vec<Vec<u8>> {
        let mut reader = BufReader::new(input);
        let mut lines = Vec::new();
        loop {
            let mut line = Vec::new();
            if read_line_capped(&mut reader, &mut line, cap).await.unwrap() == 0 {
                return lines;
            }
            lines.push(line);
        }
    }

    #[tokio::test]
    async fn lines_split_at_newlines_and_keep_a_missing_last_newline_missing() {
        let lines = lines_of(b"one\ntwo\nthree", 1024).await;
        assert_eq!(lines, [&b"one\n"[..], b"two\n", b"three"]);
    }

    #[tokio::test]
    async fn overlong_lines_are_cut_at_the_cap() {
        let lines = lines_of(b"abcdefg\nh\n", 3).await;
        assert_eq!(lines, [&b"abc"[..], b"def", b"g\n", b"h\n"]);
    }

    #[tokio::test]
    async fn non_utf8_bytes_pass_through() {
        let lines = lines_of(b"\xff\xfe\n", 1024).await;
        assert_eq!(lines, [&b"\xff\xfe\n"[..]]);
    }
}
