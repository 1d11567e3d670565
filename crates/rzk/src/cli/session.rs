//! One ZooKeeper session of the shell and the printing of its events.
//!
//! zkCli hands one default watcher to everything; it prints each event it
//! gets as a blank line, `WATCHER::`, a blank line and
//! `WatchedEvent state:… type:… path:…`, unless printwatches is off. Here
//! three sources feed one printer task, so event lines never split: session
//! state changes, the server's notifications (once each, see
//! `Client::notifications`), and the shell's own "…WatchRemoved" events.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use rzk_client::{Client, EventType, KeeperState, PersistentWatch, SessionState, WatchedEvent};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::output;
use super::watch_book::{WatchBook, WatchKind};

/// How long quitting waits for the "Closed" event to be printed.
const FLUSH_LIMIT: Duration = Duration::from_secs(5);

/// What the printer task receives.
#[derive(Debug)]
pub enum Printable {
    /// An event to print (if printwatches is on).
    Event(WatchedEvent),
    /// A command starts: keep events until the next `Flush`, so they come
    /// after the command's own output.
    Hold,
    /// Prints what is held, then is answered: everything sent before it
    /// has been printed.
    Flush(oneshot::Sender<()>),
}

/// The event line zkCli prints (`WatchedEvent.toString()`); session events
/// have no path, which Java prints as `null`.
pub fn event_line(ev: &WatchedEvent) -> String {
    let path = if ev.event_type == EventType::None && ev.path.is_empty() {
        "null"
    } else {
        ev.path.as_str()
    };
    format!(
        "WatchedEvent state:{} type:{} path:{path}",
        ev.state, ev.event_type
    )
}

/// Where event text goes instead of stdout: on a terminal, the line
/// editor's printer, which prints above the line being typed.
pub type EventSink = Arc<Mutex<Option<Box<dyn FnMut(String) + Send>>>>;

/// Starts the printer: it lives as long as the shell, across sessions.
pub fn spawn_printer(
    print_watches: Arc<AtomicBool>,
    sink: EventSink,
) -> mpsc::UnboundedSender<Printable> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Printable>();
    tokio::spawn(async move {
        let print = |ev: &WatchedEvent| {
            // printwatches is read when the event is printed, as zkCli's
            // watcher reads it when it runs.
            if !print_watches.load(Ordering::Relaxed) {
                return;
            }
            // Java's printMessage prints "\n" + message, twice.
            let text = format!("\nWATCHER::\n\n{}\n", event_line(ev));
            let mut sink = sink.lock().unwrap_or_else(PoisonError::into_inner);
            match sink.as_mut() {
                Some(print) => print(text),
                None => output::out_raw(&text),
            }
        };
        let mut held: Option<Vec<WatchedEvent>> = None;
        while let Some(p) = rx.recv().await {
            match p {
                Printable::Event(ev) => match held.as_mut() {
                    Some(queue) => queue.push(ev),
                    None => print(&ev),
                },
                Printable::Hold => {
                    held.get_or_insert_with(Vec::new);
                }
                Printable::Flush(done) => {
                    for ev in held.take().unwrap_or_default() {
                        print(&ev);
                    }
                    let _ = done.send(());
                }
            }
        }
    });
    tx
}

/// A session event (type None, no path).
pub fn state_event(state: KeeperState) -> WatchedEvent {
    WatchedEvent {
        event_type: EventType::None,
        state,
        path: String::new(),
        zxid: -1,
    }
}

/// A connected session and its watch record.
#[derive(Debug)]
pub struct Session {
    /// The client.
    pub client: Client,
    book: Arc<Mutex<WatchBook>>,
    events: mpsc::UnboundedSender<Printable>,
    states: JoinHandle<()>,
    /// Flush requests, answered by the notification forwarder.
    flushes: mpsc::UnboundedSender<oneshot::Sender<()>>,
}

fn lock(book: &Mutex<WatchBook>) -> MutexGuard<'_, WatchBook> {
    // The book is updated in single steps; a panic elsewhere cannot leave
    // it half-changed, so a poisoned lock is still usable.
    book.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    /// Connects like zkCli's `connectToZK` and announces the connection as
    /// Java's watcher does.
    pub async fn connect(
        host: &str,
        timeout: Duration,
        read_only: bool,
        events: mpsc::UnboundedSender<Printable>,
    ) -> rzk_client::Result<Self> {
        let client = Client::builder(host)
            .session_timeout(timeout)
            .read_only(read_only)
            .connect()
            .await?;
        let book = Arc::new(Mutex::new(WatchBook::default()));
        let first = client.state().keeper_state();
        let _ = events.send(Printable::Event(state_event(first)));
        let states = tokio::spawn(forward_states(
            client.state_changes(),
            events.clone(),
            book.clone(),
        ));
        let (flushes, flush_rx) = mpsc::unbounded_channel();
        tokio::spawn(forward_notifications(
            client.notifications(),
            flush_rx,
            events.clone(),
            book.clone(),
        ));
        Ok(Self {
            client,
            book,
            events,
            states,
            flushes,
        })
    }

    /// Waits (bounded) until every notification received so far has been
    /// printed. A command's notifications arrive before its reply, so after
    /// the reply this puts them right after the command's output.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.flushes.send(tx).is_err() {
            // The session is over; only the printer's queue is left.
            return flush(&self.events).await;
        }
        let _ = tokio::time::timeout(FLUSH_LIMIT, rx).await;
    }

    /// Whether commands may run (Java `getState().isAlive()`).
    pub fn alive(&self) -> bool {
        !self.client.state().is_terminal() && self.client.state() != SessionState::AuthFailed
    }

    /// The shell's watch record.
    pub fn book(&self) -> MutexGuard<'_, WatchBook> {
        lock(&self.book)
    }

    /// Records a watch the server now holds.
    pub fn watched(&self, kind: WatchKind, path: &str) {
        self.book().add(kind, path);
    }

    /// Queues an event the shell itself produces (watch removal).
    pub fn emit(&self, ev: WatchedEvent) {
        let _ = self.events.send(Printable::Event(ev));
    }

    /// Closes the session and waits (bounded) until its "Closed" event has
    /// been printed, as zkCli prints it before the next prompt or exit.
    pub async fn close(self) {
        let _ = self.client.close().await;
        let _ = tokio::time::timeout(FLUSH_LIMIT, self.states).await;
        flush(&self.events).await;
    }
}

/// Waits (bounded) until the printer has printed everything queued.
pub async fn flush(events: &mpsc::UnboundedSender<Printable>) {
    let (tx, rx) = oneshot::channel();
    if events.send(Printable::Flush(tx)).is_ok() {
        let _ = tokio::time::timeout(FLUSH_LIMIT, rx).await;
    }
}

/// Moves the server's notifications to the printer, updating the watch
/// record. A flush request is answered only after every notification
/// already received has been passed on, so it cannot overtake one.
async fn forward_notifications(
    mut notes: PersistentWatch,
    mut flushes: mpsc::UnboundedReceiver<oneshot::Sender<()>>,
    events: mpsc::UnboundedSender<Printable>,
    book: Arc<Mutex<WatchBook>>,
) {
    let forward = |ev: WatchedEvent| {
        lock(&book).fired(&ev);
        let _ = events.send(Printable::Event(ev));
    };
    loop {
        tokio::select! {
            biased;
            ev = notes.next_event() => match ev {
                Some(ev) => forward(ev),
                None => return,
            },
            req = flushes.recv() => {
                while let Some(Some(ev)) = notes.next_event().now_or_never() {
                    forward(ev);
                }
                match req {
                    Some(done) => {
                        let _ = events.send(Printable::Flush(done));
                    }
                    None => return,
                }
            }
        }
    }
}

async fn forward_states(
    mut states: broadcast::Receiver<SessionState>,
    events: mpsc::UnboundedSender<Printable>,
    book: Arc<Mutex<WatchBook>>,
) {
    loop {
        match states.recv().await {
            Ok(s) => {
                let _ = events.send(Printable::Event(state_event(s.keeper_state())));
                if s.is_terminal() {
                    lock(&book).clear();
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lines_like_java() {
        assert_eq!(
            event_line(&state_event(KeeperState::SyncConnected)),
            "WatchedEvent state:SyncConnected type:None path:null"
        );
        let ev = WatchedEvent {
            event_type: EventType::NodeChildrenChanged,
            state: KeeperState::SyncConnected,
            path: "/".into(),
            zxid: -1,
        };
        assert_eq!(
            event_line(&ev),
            "WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/"
        );
    }
}
