//! Connections a server can cut. tonic serves each accepted connection on a task of its
//! own, which outlives the server's task: aborting a server that did not drain in time
//! leaves its connections, and the calls on them, running. A process exits and takes them
//! along; a host's `type: local` module stays in the host process, so its connections
//! are wrapped here and cut when its server is given up on. Once cut, a connection's
//! reads and writes fail, hyper closes it, and the calls on it end (their handlers'
//! futures are dropped with their streams).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::transport::server::Connected;

/// An accepted connection that, when it has a cut, fails every read and write once the
/// cut is cancelled. It waits on the cut while it waits for the peer, so a connection
/// idle or busy with a slow handler is woken and closed too. Without a cut it passes
/// everything through.
pub(crate) struct Severable<IO> {
    io: IO,
    cut: Option<Cut>,
}

struct Cut {
    /// A child of the server's cut, so that connections do not contend for one lock.
    token: CancellationToken,
    /// Boxed: the owned wait is `!Unpin`, and a connection allocates once.
    severed: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl<IO> Severable<IO> {
    pub(crate) fn new(io: IO, cut: Option<&CancellationToken>) -> Self {
        let cut = cut.map(|cut| {
            let token = cut.child_token();
            Cut {
                severed: Box::pin(token.clone().cancelled_owned()),
                token,
            }
        });
        Self { io, cut }
    }
}

impl<IO: Unpin> Severable<IO> {
    /// `op` on the connection, unless it is cut. The wait on the cut is polled only when
    /// `op` has to wait too, so traffic that flows pays one check per poll.
    fn poll_io<T>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(Pin<&mut IO>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        let Some(cut) = self.cut.as_mut() else {
            return op(Pin::new(&mut self.io), cx);
        };
        if cut.token.is_cancelled() {
            return Poll::Ready(Err(severed()));
        }
        match op(Pin::new(&mut self.io), cx) {
            Poll::Pending if cut.severed.as_mut().poll(cx).is_ready() => {
                Poll::Ready(Err(severed()))
            }
            other => other,
        }
    }
}

fn severed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "the server was stopped with this connection still open",
    )
}

impl<IO: AsyncRead + Unpin> AsyncRead for Severable<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().poll_io(cx, |io, cx| io.poll_read(cx, buf))
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Severable<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_io(cx, |io, cx| io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_io(cx, |io, cx| io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_io(cx, |io, cx| io.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// The wrapped connection's own info, so the request extensions a guard or handler reads
/// (`TcpConnectInfo`, `UdsConnectInfo`, TLS's) are the ones an unwrapped server gives.
impl<IO: Connected> Connected for Severable<IO> {
    type ConnectInfo = IO::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.io.connect_info()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Wake, Waker};

    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use super::*;

    #[tokio::test]
    async fn passes_bytes_through_until_cut() {
        let (near, mut far) = duplex(64);
        let cut = CancellationToken::new();
        let mut severable = Severable::new(near, Some(&cut));
        severable.write_all(b"ping").await.unwrap();
        let mut got = [0; 4];
        far.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping");

        cut.cancel();
        let error = severable.write_all(b"more").await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted);
    }

    #[tokio::test]
    async fn without_a_cut_it_passes_everything_through() {
        let (near, mut far) = duplex(64);
        let mut kept = Severable::new(near, None);
        kept.write_all(b"ping").await.unwrap();
        let mut got = [0; 4];
        far.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping");
    }

    /// Records that it was woken.
    struct Woken(AtomicBool);

    impl Wake for Woken {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_read_waiting_for_the_peer_is_woken_and_fails_when_cut() {
        let (near, _far) = duplex(64);
        let cut = CancellationToken::new();
        let mut severable = Severable::new(near, Some(&cut));
        let mut byte = [0; 1];
        let mut read = std::pin::pin!(severable.read(&mut byte));
        let woken = Arc::new(Woken(AtomicBool::new(false)));
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(
            read.as_mut().poll(&mut cx).is_pending(),
            "nothing to read yet"
        );

        cut.cancel();
        assert!(
            woken.0.load(Ordering::SeqCst),
            "cutting wakes the waiting read"
        );
        let Poll::Ready(Err(error)) = read.as_mut().poll(&mut cx) else {
            panic!("the read fails once cut");
        };
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted);
    }
}
