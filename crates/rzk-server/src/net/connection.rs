//! One client connection: a reader that turns bytes into ordered events
//! for the core task, and a writer that drains the connection's outbound
//! queue, batching frames into one write.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use rzk_proto::codec::{FourLetterCommand, FrameCodec, Inbound};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{Decoder, Encoder};

use super::NetConfig;
use crate::core::ConnId;
use crate::core_task::{Event, Outbound};

/// Frames queued for one connection before it counts as not reading.
const OUTBOUND_QUEUE: usize = 4096;

/// Room a read asks for: enough for a whole window of pipelined requests,
/// so a busy connection costs one `recv` per batch, not several per frame.
const READ_CHUNK: usize = 16 * 1024;

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
        // buffer. (After each read the socket still counts as readable, so
        // the wait below returns at once and the next read finds nothing;
        // the room reserved for it must not outlive that.)
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
        buf.reserve(READ_CHUNK);
        match rd.try_read_buf(&mut buf) {
            // End of stream; a partial frame left behind is dropped with
            // the connection, as ZooKeeper drops it.
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
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
