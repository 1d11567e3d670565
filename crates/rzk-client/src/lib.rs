//! `rzk-client`: an async ZooKeeper client on tokio, for Apache ZooKeeper
//! 3.5+ servers and rzk.
//!
//! * sessions with negotiated timeouts, pings and reconnects to the next
//!   server that keep the session (auth and watches are re-established);
//! * every operation as an async method, with one [`Error`] type;
//! * one-shot watches as futures, persistent watches as streams;
//! * multi through [`Transaction`], and `multi_read`;
//! * pipelining with a bounded number of requests in flight;
//! * Curator-compatible [`recipes`]: locks, leader election, counters,
//!   caches, barriers, queues, semaphores.
//!
//! ```no_run
//! # async fn demo() -> rzk_client::Result<()> {
//! use rzk_client::{Client, CreateMode, Acl};
//! let zk = Client::connect("127.0.0.1:2181").await?;
//! zk.create("/app", Some("x".into()), &Acl::open_unsafe(), CreateMode::Persistent).await?;
//! let (data, stat) = zk.get_data("/app").await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod client;
mod clock;
mod connect_string;
mod error;
mod multi;
pub mod recipes;
mod session;
mod shared;
mod state;
mod watch;
mod watches;

pub use client::{Client, ClientBuilder, RawReply};
pub use connect_string::ConnectString;
pub use error::{Error, Result};
pub use multi::Transaction;
pub use rzk_proto::client::{MultiOp, OpResult};
pub use rzk_proto::codes::{
    AddWatchMode, CreateMode, ErrorCode, EventType, KeeperState, WatcherType,
};
pub use rzk_proto::data::{Acl, ClientInfo, Id, Stat};
pub use state::{SessionState, WatchedEvent};
pub use watch::{OneShotWatch, PersistentWatch};
