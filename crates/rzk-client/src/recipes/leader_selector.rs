//! Leader election by lock, as Curator's `LeaderSelector`: participants
//! queue on an [`InterProcessMutex`] at the path (`_c_<uuid>-lock-<seq>`,
//! data = participant id); the holder runs its leadership future, and
//! leadership ends when that future returns. With requeue on, the
//! participant then queues again.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::mutex::InterProcessMutex;
use crate::client::Client;
use crate::error::Result;
use crate::state::SessionState;

/// What a leadership future gets: the client, and the participant id.
#[derive(Debug, Clone)]
pub struct LeadershipContext {
    /// The selector's client.
    pub client: Client,
    /// This participant's id.
    pub id: String,
}

type Leading = Pin<Box<dyn Future<Output = ()> + Send>>;
type TakeLeadership = Arc<dyn Fn(LeadershipContext) -> Leading + Send + Sync>;

/// A participant that runs `take_leadership` each time it becomes leader.
///
/// Guarantees: at most one participant (rzk, or Curator's LeaderSelector on
/// the same path) runs its leadership future at a time while sessions are
/// connected; the future is cancelled (dropped) as soon as this client's
/// connection is lost — Curator's "cancel leadership on SUSPENDED" — since
/// leadership can no longer be vouched for. When the future returns or is
/// cancelled the lock is released, and with `requeue` the participant
/// queues again.
pub struct LeaderSelector {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    leading: watch::Receiver<bool>,
}

impl std::fmt::Debug for LeaderSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderSelector")
            .field("leading", &*self.leading.borrow())
            .finish()
    }
}

impl LeaderSelector {
    /// Starts competing for leadership of `path` as `id`. `take_leadership`
    /// is called each time this participant leads; leadership lasts until
    /// the returned future completes. With `requeue`, the participant
    /// competes again afterwards (Curator's `autoRequeue`).
    pub fn start<F, Fut>(
        client: &Client,
        path: &str,
        id: &str,
        requeue: bool,
        take_leadership: F,
    ) -> Result<Self>
    where
        F: Fn(LeadershipContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut mutex = InterProcessMutex::new(client, path)?;
        mutex.set_node_data(Bytes::from(id.to_string()));
        let f: TakeLeadership = Arc::new(move |ctx| Box::pin(take_leadership(ctx)));
        let (stop, stop_rx) = watch::channel(false);
        let (leading_tx, leading) = watch::channel(false);
        let ctx = LeadershipContext {
            client: client.clone(),
            id: id.to_string(),
        };
        let task = tokio::spawn(run(mutex, ctx, requeue, f, stop_rx, leading_tx));
        Ok(Self {
            stop,
            task: Some(task),
            leading,
        })
    }

    /// Whether the leadership future is running now.
    pub fn has_leadership(&self) -> bool {
        *self.leading.borrow()
    }

    /// Stops competing: a running leadership future is dropped, the lock
    /// node is deleted, and the task ends before this returns.
    pub async fn close(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for LeaderSelector {
    fn drop(&mut self) {
        // The task sees the stop flag (or the closed channel) and releases.
        let _ = self.stop.send(true);
    }
}

async fn run(
    mut mutex: InterProcessMutex,
    ctx: LeadershipContext,
    requeue: bool,
    f: TakeLeadership,
    mut stop: watch::Receiver<bool>,
    leading: watch::Sender<bool>,
) {
    loop {
        if *stop.borrow() || ctx.client.state().is_terminal() {
            break;
        }
        let acquired = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            r = mutex.acquire() => r,
        };
        if let Err(e) = acquired {
            tracing::debug!(id = %ctx.id, error = %e, "leader selector could not queue");
            if ctx.client.state().is_terminal() || super::wait_connected(&ctx.client).await.is_err()
            {
                break;
            }
            continue;
        }
        leading.send_replace(true);
        let lost = ctx.client.wait_for_state(|s| {
            s != SessionState::Connected && s != SessionState::ConnectedReadOnly
        });
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => {}
            _ = lost => {}
            () = f(ctx.clone()) => {}
        }
        leading.send_replace(false);
        if let Err(e) = mutex.release().await {
            tracing::debug!(id = %ctx.id, error = %e, "leader selector release failed");
        }
        if !requeue {
            break;
        }
    }
    leading.send_replace(false);
    // A stop during acquire dropped the attempt; make sure its node is gone
    // before close returns.
    if let Err(e) = mutex.clean_abandoned().await {
        tracing::debug!(id = %ctx.id, error = %e, "leader selector cleanup failed");
    }
}
