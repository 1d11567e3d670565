//! One client connection: a reader that turns bytes into ordered events
//! for the core task, and a writer that drains the connection's outbound
//! queue, batching frames into one write.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use futures::StreamExt;
use rzk_proto::codec::{FourLetterCommand, FrameCodec, Inbound};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{Encoder, FramedRead};

use super::NetConfig;
use crate::core::ConnId;
use crate::core_task::{Event, Outbound};

/// Frames queued for one connection before it counts as not reading.
const OUTBOUND_QUEUE: usize = 4096;

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
    // A small start: an idle connection should cost little (the buffer
    // grows to what a frame needs when one arrives).
    let mut reader = FramedRead::with_capacity(rd, FrameCodec::server(cfg.max_frame), 64);
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
        let next = tokio::select! {
            // The writer finished: the core closed us (or the socket broke).
            _ = &mut done_rx => break,
            next = reader.next() => next,
            // ZooKeeper drops a connection that sends no ConnectRequest in
            // time (zookeeper.nio.sessionlessCnxnTimeout).
            _ = tokio::time::sleep(cfg.sessionless_timeout), if !has_session_frame => break,
        };
        match next {
            Some(Ok(Inbound::Frame(payload))) => {
                has_session_frame = true;
                if events.send(Event::Frame { conn, payload }).await.is_err() {
                    break;
                }
            }
            Some(Ok(Inbound::FourLetterWord { command, mask })) => {
                let text = four_letter_text(&events, &cfg, command, mask).await;
                if let (Some(tx), Some(text)) = (text_tx.take(), text) {
                    let _ = tx.send(text);
                }
                break;
            }
            Some(Err(e)) => {
                tracing::debug!(conn, %peer, error = %e, "closing connection");
                break;
            }
            None => break,
        }
    }
    let _ = events.send(Event::Closed { conn }).await;
    let _ = writer.await;
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
