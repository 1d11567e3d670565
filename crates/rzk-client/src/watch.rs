//! What a watching call hands back: a future for a one-shot watch, a stream
//! for a persistent one.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use rzk_proto::codes::{EventType, KeeperState};
use tokio::sync::{mpsc, oneshot};

use crate::state::WatchedEvent;

/// Resolves once, with the event that fired the watch, or with an event of
/// type `None` whose state says why it never will (session expired or
/// closed).
#[derive(Debug)]
pub struct OneShotWatch {
    rx: oneshot::Receiver<WatchedEvent>,
}

impl OneShotWatch {
    pub(crate) fn new(rx: oneshot::Receiver<WatchedEvent>) -> Self {
        Self { rx }
    }
}

impl Future for OneShotWatch {
    type Output = WatchedEvent;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WatchedEvent> {
        Pin::new(&mut self.rx).poll(cx).map(|r| {
            r.unwrap_or(WatchedEvent {
                event_type: EventType::None,
                state: KeeperState::Closed,
                path: String::new(),
                zxid: -1,
            })
        })
    }
}

/// The events of a persistent or persistent-recursive watch, in order. The
/// stream ends when the session does.
#[derive(Debug)]
pub struct PersistentWatch {
    rx: mpsc::UnboundedReceiver<WatchedEvent>,
}

impl PersistentWatch {
    pub(crate) fn new(rx: mpsc::UnboundedReceiver<WatchedEvent>) -> Self {
        Self { rx }
    }

    /// The next event, or `None` once the session has ended.
    pub async fn next_event(&mut self) -> Option<WatchedEvent> {
        self.rx.recv().await
    }
}

impl Stream for PersistentWatch {
    type Item = WatchedEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WatchedEvent>> {
        self.rx.poll_recv(cx)
    }
}
