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

/// What the reader does after the bytes it holds are decoded.
enum Next {
    /// Read more.
    Read,
    /// The connection is over.
    Close,
}

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
    // Empty between reads: an idle connection holds no read buffer.
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
        let next = decode_all(
            &mut codec,
            &mut buf,
            &events,
            &cfg,
            conn,
            &mut has_session_frame,
            &mut text_tx,
        )
        .await;
        if let Next::Close = next {
            break;
        }
        if buf.is_empty() {
            buf = BytesMut::new();
        }
    }
    let _ = events.send(Event::Closed { conn }).await;
    let _ = writer.await;
}

/// Hands every complete frame in `buf` to the core, in order. Each payload
/// is copied out, so nothing the core keeps (a node's data) holds on to
/// the read buffer, which the next read then reuses in place.
async fn decode_all(
    codec: &mut FrameCodec,
    buf: &mut BytesMut,
    events: &mpsc::Sender<Event>,
    cfg: &NetConfig,
    conn: ConnId,
    has_session_frame: &mut bool,
    text_tx: &mut Option<oneshot::Sender<String>>,
) -> Next {
    loop {
        match codec.decode(buf) {
            Ok(Some(Inbound::Frame(shared))) => {
                *has_session_frame = true;
                let payload = Bytes::copy_from_slice(&shared);
                drop(shared);
                if events.send(Event::Frame { conn, payload }).await.is_err() {
                    return Next::Close;
                }
            }
            Ok(Some(Inbound::FourLetterWord { command, mask })) => {
                let text = four_letter_text(events, cfg, command, mask).await;
                if let (Some(tx), Some(text)) = (text_tx.take(), text) {
                    let _ = tx.send(text);
                }
                return Next::Close;
            }
            Ok(None) => return Next::Read,
            Err(e) => {
                tracing::debug!(conn, error = %e, "closing connection");
                return Next::Close;
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
