//! One client connection: a reader that turns bytes into ordered events
//! for the core task, and a writer that drains the connection's outbound
//! queue, batching frames into one write.

use std::io::{ErrorKind, Read};
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use rzk_proto::codec::{FourLetterCommand, FrameCodec, Inbound};
use socket2::SockRef;
use tokio::io::{AsyncWriteExt, Interest};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{Decoder, Encoder};

use super::NetConfig;
use crate::core::ConnId;
use crate::core_task::{Event, Outbound};

/// Frames queued for one connection before it counts as not reading.
const OUTBOUND_QUEUE: usize = 4096;

/// Room a read asks for: enough for a window of pipelined small requests
/// (16 creates of 100 bytes are about 2.5 KiB), so a busy connection costs
/// one `recv` per batch, not several per frame; more waiting takes more
/// reads. Not larger: the buffer is taken and given back around every
/// read, and at 16 KiB the allocator kept returning those pages to the
/// system and faulting them in again (8×16 creates: ten times the page
/// faults, and about 2% more server CPU per create).
const READ_CHUNK: usize = 4 * 1024;

/// Serves one accepted connection until either side ends it.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    conn: ConnId,
    events: mpsc::Sender<Event>,
    cfg: Arc<NetConfig>,
) {
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let mut codec = FrameCodec::server(cfg.max_frame);
    let mut buf = BytesMut::new();
    let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
    let (text_tx, text_rx) = oneshot::channel::<String>();
    let (done_tx, mut done_rx) = oneshot::channel::<()>();
    let writer = tokio::spawn(write_loop(wr, out_rx, text_rx, done_tx, cfg.max_frame));
    if events
        .send(Event::Open {
            conn,
            peer,
            outbound: out_tx,
        })
        .await
        .is_err()
    {
        return;
    }
    let mut text_tx = Some(text_tx);
    let mut has_session_frame = false;
    loop {
        // Nothing held while waiting: an idle connection keeps no read
        // buffer. (A read that found nothing after all leaves its room
        // reserved; it must not outlive the wait.)
        if buf.is_empty() && buf.capacity() > 0 {
            buf = BytesMut::new();
        }
        let ready = tokio::select! {
            // The writer finished: the core closed us (or the socket broke).
            _ = &mut done_rx => break,
            ready = rd.readable() => ready,
            // ZooKeeper drops a connection that sends no ConnectRequest in
            // time (zookeeper.nio.sessionlessCnxnTimeout).
            _ = tokio::time::sleep(cfg.sessionless_timeout), if !has_session_frame => break,
        };
        if ready.is_err() {
            break;
        }
        match read_some(&rd, &mut buf) {
            // End of stream; a partial frame left behind is dropped with
            // the connection, as ZooKeeper drops it.
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            Err(e) => {
                tracing::debug!(conn, %peer, error = %e, "closing connection");
                break;
            }
        }
        let decoded = decode_all(&mut codec, &mut buf, conn);
        // Nor while the core's queue is full.
        if buf.is_empty() {
            buf = BytesMut::new();
        }
        has_session_frame |= !decoded.frames.is_empty();
        let mut core_gone = false;
        for payload in decoded.frames {
            if events.send(Event::Frame { conn, payload }).await.is_err() {
                core_gone = true;
                break;
            }
        }
        if let Some((command, mask)) = decoded.four_letter {
            let text = four_letter_text(&events, &cfg, command, mask).await;
            if let (Some(tx), Some(text)) = (text_tx.take(), text) {
                let _ = tx.send(text);
            }
            break;
        }
        if core_gone || decoded.broken {
            break;
        }
    }
    let _ = events.send(Event::Closed { conn }).await;
    let _ = writer.await;
}

/// Reads what the socket holds, up to [`READ_CHUNK`] bytes, onto the end
/// of `buf`; `WouldBlock` when there was nothing after all.
///
/// A read that fills less than the room it was given has emptied the
/// socket, so it also clears the socket's readiness, as tokio's own
/// `AsyncRead` does: the next wait then sleeps until more bytes come,
/// instead of costing one more `recv` that finds nothing (at one request
/// per round trip, that was every second `recv`). The
/// read runs inside `try_io` so that bytes arriving after it re-arm the
/// readiness rather than being cleared with it.
fn read_some(rd: &OwnedReadHalf, buf: &mut BytesMut) -> std::io::Result<usize> {
    let stream: &TcpStream = rd.as_ref();
    let mut drained_after = 0;
    let result = stream.try_io(Interest::READABLE, || {
        let start = buf.len();
        buf.resize(start + READ_CHUNK, 0);
        let mut socket: &socket2::Socket = &SockRef::from(stream);
        let read = socket.read(&mut buf[start..]);
        buf.truncate(start + read.as_ref().map_or(0, |&n| n));
        let n = read?;
        if 0 < n && n < READ_CHUNK {
            drained_after = n;
            // Not an error to the caller (see below): it makes `try_io`
            // clear the readiness it saw before the read.
            return Err(ErrorKind::WouldBlock.into());
        }
        Ok(n)
    });
    match result {
        Err(e) if e.kind() == ErrorKind::WouldBlock && drained_after > 0 => Ok(drained_after),
        other => other,
    }
}

/// What the bytes of one read decoded into.
#[derive(Default)]
struct Decoded {
    /// Complete frames, in order, each payload copied out so that nothing
    /// the core keeps (a node's data) holds on to the read buffer.
    frames: Vec<Bytes>,
    /// A four-letter word (only ever before the first frame).
    four_letter: Option<(FourLetterCommand, Option<i64>)>,
    /// The bytes broke the protocol: close after the frames before them.
    broken: bool,
}

/// Decodes every complete frame in `buf`, leaving a partial one there.
fn decode_all(codec: &mut FrameCodec, buf: &mut BytesMut, conn: ConnId) -> Decoded {
    let mut out = Decoded::default();
    loop {
        match codec.decode(buf) {
            Ok(Some(Inbound::Frame(shared))) => out.frames.push(Bytes::copy_from_slice(&shared)),
            Ok(Some(Inbound::FourLetterWord { command, mask })) => {
                out.four_letter = Some((command, mask));
                return out;
            }
            Ok(None) => return out,
            Err(e) => {
                tracing::debug!(conn, error = %e, "closing connection");
                out.broken = true;
                return out;
            }
        }
    }
}

/// The answer to a four-letter word: the core's text if whitelisted,
/// ZooKeeper's refusal line if not, nothing for the telnet close code.
async fn four_letter_text(
    events: &mpsc::Sender<Event>,
    cfg: &NetConfig,
    command: FourLetterCommand,
    mask: Option<i64>,
) -> Option<String> {
    if command == FourLetterCommand::TelnetClose {
        return None;
    }
    if !cfg.four_letter_whitelist.contains(&command) {
        return Some(format!(
            "{} is not executed because it is not in the whitelist.\n",
            command.name()
        ));
    }
    let (reply, rx) = oneshot::channel();
    events
        .send(Event::FourLetter {
            command,
            mask,
            reply,
        })
        .await
        .ok()?;
    rx.await.ok()
}

async fn write_loop(
    mut wr: OwnedWriteHalf,
    mut rx: mpsc::Receiver<Outbound>,
    text: oneshot::Receiver<String>,
    done: oneshot::Sender<()>,
    max_frame: usize,
) {
    let mut codec = FrameCodec::server(max_frame);
    let mut text = text;
    loop {
        let item = tokio::select! {
            // The text first: the reader hands it over just before the
            // connection's queue ends, and both can be ready at once.
            biased;
            t = &mut text => {
                // A four-letter word: plain text, no length prefix, then close.
                if let Ok(t) = t {
                    let _ = wr.write_all(t.as_bytes()).await;
                }
                break;
            }
            item = rx.recv() => item,
        };
        let Some(Outbound::Frame(first)) = item else {
            break;
        };
        // Batch whatever else is already queued into one write. The batch
        // buffer lives only for the write, so an idle connection holds none.
        let mut batch = BytesMut::with_capacity(4 + first.len());
        let mut ok = codec.encode(first, &mut batch).is_ok();
        while ok {
            match rx.try_recv() {
                Ok(Outbound::Frame(more)) => ok = codec.encode(more, &mut batch).is_ok(),
                Err(_) => break,
            }
        }
        if !ok || wr.write_all(&batch).await.is_err() {
            break;
        }
    }
    let _ = wr.shutdown().await;
    let _ = done.send(());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    /// Reads until `want` bytes are in `buf`, waiting as the reader does.
    async fn read_until(rd: &OwnedReadHalf, buf: &mut BytesMut, want: usize) {
        while buf.len() < want {
            rd.readable().await.unwrap();
            match read_some(rd, buf) {
                Ok(n) => assert!(n > 0, "end of stream after {} bytes", buf.len()),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => panic!("read failed: {e}"),
            }
        }
        assert_eq!(buf.len(), want);
    }

    async fn pair() -> (OwnedReadHalf, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let (rd, _wr) = server.into_split();
        (rd, client)
    }

    #[tokio::test]
    async fn bytes_sent_after_a_short_read_still_wake_the_reader() {
        let deadline = Duration::from_secs(10);
        let (rd, mut client) = pair().await;
        let mut buf = BytesMut::new();
        for round in 1..=50u8 {
            // Each round is a short read that clears readiness; the next
            // round's bytes must be seen all the same.
            let chunk = vec![round; 100 + usize::from(round)];
            client.write_all(&chunk).await.unwrap();
            let want = buf.len() + chunk.len();
            tokio::time::timeout(deadline, read_until(&rd, &mut buf, want))
                .await
                .expect("the reader missed bytes sent after a short read");
            assert_eq!(&buf[want - chunk.len()..], &chunk[..]);
        }
    }

    #[tokio::test]
    async fn a_message_larger_than_one_read_arrives_whole() {
        let (rd, mut client) = pair().await;
        let message: Vec<u8> = (0..5 * READ_CHUNK + 123).map(|i| (i % 251) as u8).collect();
        let sender = {
            let message = message.clone();
            tokio::spawn(async move {
                client.write_all(&message).await.unwrap();
                client
            })
        };
        let mut buf = BytesMut::new();
        tokio::time::timeout(
            Duration::from_secs(10),
            read_until(&rd, &mut buf, message.len()),
        )
        .await
        .expect("the reader stalled inside a large message");
        assert_eq!(&buf[..], &message[..]);
        drop(sender.await.unwrap());
    }
}
