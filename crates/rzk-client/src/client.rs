//! The `Client` handle: connect, then one async method per ZooKeeper
//! operation.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rzk_proto::client::*;
use rzk_proto::codes::{AddWatchMode, CreateMode, ErrorCode, OpCode, WatcherType};
use rzk_proto::data::{Acl, ClientInfo, Stat};
use rzk_proto::jute::{Record, DEFAULT_MAX_BUFFER};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::clock;
use crate::connect_string::ConnectString;
use crate::error::{Error, Result};
use crate::multi::Transaction;
use crate::session::{self, Command, Settings};
use crate::shared::{lock, Reply, Shared, WatchReg};
use crate::state::SessionState;
use crate::watch::{OneShotWatch, PersistentWatch};
use crate::watches::OneShotKind;

/// A reply as it came off the wire (see [`Client::raw`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawReply {
    /// The ReplyHeader's zxid.
    pub zxid: i64,
    /// The ReplyHeader's error code (0 for success).
    pub err: i32,
    /// The body (empty when `err` is not 0).
    pub body: Bytes,
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    connect: String,
    session_timeout: Duration,
    read_only: bool,
    max_in_flight: usize,
    request_timeout: Option<Duration>,
    seed: Option<u64>,
    max_frame: usize,
    auth: Vec<(String, Bytes)>,
}

impl ClientBuilder {
    /// Requested session timeout (the server clamps it; default 30 s).
    pub fn session_timeout(mut self, t: Duration) -> Self {
        self.session_timeout = t;
        self
    }

    /// Accept read-only servers (default: no).
    pub fn read_only(mut self, allow: bool) -> Self {
        self.read_only = allow;
        self
    }

    /// Requests sent and not yet answered, at most (default 1024). Further
    /// calls wait.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Fail a call with `Timeout` if no reply comes within `t` (default:
    /// wait for the reply or the connection loss).
    pub fn request_timeout(mut self, t: Duration) -> Self {
        self.request_timeout = Some(t);
        self
    }

    /// Seed for the server-order shuffle (default: from the clock).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Credentials sent on every connection before any request.
    pub fn auth(mut self, scheme: impl Into<String>, auth: impl Into<Bytes>) -> Self {
        self.auth.push((scheme.into(), auth.into()));
        self
    }

    /// Connects, and returns once the session is established. Fails with
    /// `Connect` if a full round over the servers fails.
    pub async fn connect(self) -> Result<Client> {
        let cs = ConnectString::parse(&self.connect)?;
        let mut servers = cs.servers;
        clock::shuffle(&mut servers, self.seed.unwrap_or_else(clock::default_seed));
        let shared = Arc::new(Shared::new(cs.chroot));
        *lock(&shared.auth) = self.auth;
        let (tx, rx) = mpsc::channel(self.max_in_flight.max(16));
        let settings = Settings {
            servers,
            session_timeout_ms: i32::try_from(self.session_timeout.as_millis()).unwrap_or(i32::MAX),
            read_only: self.read_only,
            max_in_flight: self.max_in_flight,
            max_frame: self.max_frame,
        };
        let (ready_tx, ready_rx) = oneshot::channel();
        tokio::spawn(session::run(shared.clone(), rx, settings, ready_tx));
        ready_rx.await.map_err(|_| Error::Closed)??;
        Ok(Client {
            shared,
            tx,
            request_timeout: self.request_timeout,
        })
    }
}

/// A ZooKeeper session. Cheap to clone; the session is closed when `close`
/// is called or when every clone has been dropped.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Command>,
    request_timeout: Option<Duration>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("session_id", &format_args!("{:#x}", self.session_id()))
            .field("state", &self.state())
            .finish()
    }
}

fn check(reply: &Reply) -> Result<()> {
    match reply.err {
        0 => Ok(()),
        code => Err(Error::from_code(code)),
    }
}

fn decode<T: Record>(reply: &Reply) -> Result<T> {
    check(reply)?;
    Ok(T::read(&mut reply.reader(), T::NAME)?)
}

impl Client {
    /// A builder for `connect_string` (`host:port[,…][/chroot]`).
    pub fn builder(connect_string: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            connect: connect_string.into(),
            session_timeout: Duration::from_secs(30),
            read_only: false,
            max_in_flight: 1024,
            request_timeout: None,
            seed: None,
            max_frame: DEFAULT_MAX_BUFFER,
            auth: Vec::new(),
        }
    }

    /// Connects with default settings.
    pub async fn connect(connect_string: &str) -> Result<Client> {
        Self::builder(connect_string).connect().await
    }

    /// The session id (0 before the first connect).
    pub fn session_id(&self) -> i64 {
        lock(&self.shared.session).id
    }

    /// The session password the server issued.
    pub fn session_password(&self) -> Bytes {
        lock(&self.shared.session).passwd.clone()
    }

    /// The negotiated session timeout.
    pub fn session_timeout(&self) -> Duration {
        let ms = lock(&self.shared.session).timeout_ms;
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }

    /// The highest zxid seen in a reply.
    pub fn last_zxid(&self) -> i64 {
        self.shared.last_zxid()
    }

    /// The current session state.
    pub fn state(&self) -> SessionState {
        *self.shared.state.borrow()
    }

    /// Every state change from now on, in order. A consumer that falls more
    /// than 64 changes behind is told it lagged.
    pub fn state_changes(&self) -> broadcast::Receiver<SessionState> {
        self.shared.transitions.subscribe()
    }

    /// Waits until the state satisfies `pred`.
    pub async fn wait_for_state(&self, pred: impl Fn(SessionState) -> bool) -> SessionState {
        let mut rx = self.shared.state.subscribe();
        let seen = rx.wait_for(|s| pred(*s)).await.map(|s| *s);
        seen.unwrap_or_else(|_| self.state())
    }

    async fn call(&self, request: Request, watch: Option<WatchReg>) -> Result<Reply> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Request {
                request,
                watch,
                reply,
            })
            .await
            .map_err(|_| self.shared.ended_error())?;
        let answer = match self.request_timeout {
            Some(t) => tokio::time::timeout(t, rx)
                .await
                .map_err(|_| Error::Timeout)?,
            None => rx.await,
        };
        answer.map_err(|_| self.shared.ended_error())?
    }

    fn path(&self, path: &str) -> Result<String> {
        if path.is_empty() || !path.starts_with('/') {
            return Err(Error::BadArguments(format!(
                "path must start with '/': {path:?}"
            )));
        }
        Ok(self.shared.server_path(path))
    }

    /// Creates a node and returns its actual path (with any sequence
    /// suffix). Containers use createContainer and TTL modes are refused
    /// here (use [`Client::create_ttl`]), as in the Java client.
    pub async fn create(
        &self,
        path: &str,
        data: impl Into<Option<Bytes>>,
        acl: &[Acl],
        mode: CreateMode,
    ) -> Result<String> {
        if mode.is_container() || mode.is_ttl() {
            return self.create2(path, data, acl, mode).await.map(|(p, _)| p);
        }
        let reply = self
            .call(
                Request::Create {
                    opcode: OpCode::Create,
                    request: self.create_request(path, data, acl, mode)?,
                },
                None,
            )
            .await?;
        Ok(self
            .shared
            .client_path(&decode::<CreateResponse>(&reply)?.path))
    }

    fn create_request(
        &self,
        path: &str,
        data: impl Into<Option<Bytes>>,
        acl: &[Acl],
        mode: CreateMode,
    ) -> Result<CreateRequest> {
        if acl.is_empty() {
            return Err(Error::Server(ErrorCode::InvalidAcl));
        }
        Ok(CreateRequest {
            path: self.path(path)?,
            data: data.into(),
            acl: acl.to_vec(),
            flags: mode.code(),
        })
    }

    /// Creates a node and returns its path and Stat (create2, or
    /// createContainer for containers).
    pub async fn create2(
        &self,
        path: &str,
        data: impl Into<Option<Bytes>>,
        acl: &[Acl],
        mode: CreateMode,
    ) -> Result<(String, Stat)> {
        if mode.is_ttl() {
            return Err(Error::BadArguments("TTL modes need create_ttl".into()));
        }
        let opcode = if mode.is_container() {
            OpCode::CreateContainer
        } else {
            OpCode::Create2
        };
        let request = self.create_request(path, data, acl, mode)?;
        let reply = self.call(Request::Create { opcode, request }, None).await?;
        let r: Create2Response = decode(&reply)?;
        Ok((self.shared.client_path(&r.path), r.stat))
    }

    /// Creates a TTL node (the server needs `extendedTypesEnabled`).
    pub async fn create_ttl(
        &self,
        path: &str,
        data: impl Into<Option<Bytes>>,
        acl: &[Acl],
        mode: CreateMode,
        ttl: Duration,
    ) -> Result<(String, Stat)> {
        let r = self.create_request(path, data, acl, mode)?;
        let request = CreateTtlRequest {
            path: r.path,
            data: r.data,
            acl: r.acl,
            flags: r.flags,
            ttl: i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX),
        };
        let reply = self.call(Request::CreateTtl(request), None).await?;
        let r: Create2Response = decode(&reply)?;
        Ok((self.shared.client_path(&r.path), r.stat))
    }

    /// Deletes a node; `version` -1 matches any.
    pub async fn delete(&self, path: &str, version: i32) -> Result<()> {
        let request = DeleteRequest {
            path: self.path(path)?,
            version,
        };
        check(&self.call(Request::Delete(request), None).await?)
    }

    /// The node's Stat, or `None` if it does not exist.
    pub async fn exists(&self, path: &str) -> Result<Option<Stat>> {
        self.exists_inner(path, None).await
    }

    /// Like [`Client::exists`], leaving a watch that fires on creation,
    /// deletion or data change.
    pub async fn exists_watch(&self, path: &str) -> Result<(Option<Stat>, OneShotWatch)> {
        let (tx, rx) = oneshot::channel();
        let reg = WatchReg::Exists {
            path: path.to_string(),
            tx,
        };
        let stat = self.exists_inner(path, Some(reg)).await?;
        Ok((stat, OneShotWatch::new(rx)))
    }

    async fn exists_inner(&self, path: &str, watch: Option<WatchReg>) -> Result<Option<Stat>> {
        let request = ExistsRequest {
            path: self.path(path)?,
            watch: watch.is_some(),
        };
        let reply = self.call(Request::Exists(request), watch).await?;
        match decode::<ExistsResponse>(&reply) {
            Ok(r) => Ok(Some(r.stat)),
            Err(e) if e.is_no_node() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The node's data (`None` when stored as null) and Stat.
    pub async fn get_data(&self, path: &str) -> Result<(Option<Bytes>, Stat)> {
        self.get_data_inner(path, None).await
    }

    /// Like [`Client::get_data`], leaving a data watch.
    pub async fn get_data_watch(&self, path: &str) -> Result<(Option<Bytes>, Stat, OneShotWatch)> {
        let (tx, rx) = oneshot::channel();
        let reg = WatchReg::OneShot {
            kind: OneShotKind::Data,
            path: path.to_string(),
            tx,
        };
        let (data, stat) = self.get_data_inner(path, Some(reg)).await?;
        Ok((data, stat, OneShotWatch::new(rx)))
    }

    async fn get_data_inner(
        &self,
        path: &str,
        watch: Option<WatchReg>,
    ) -> Result<(Option<Bytes>, Stat)> {
        let request = GetDataRequest {
            path: self.path(path)?,
            watch: watch.is_some(),
        };
        let r: GetDataResponse = decode(&self.call(Request::GetData(request), watch).await?)?;
        Ok((r.data, r.stat))
    }

    /// Replaces the node's data; `version` -1 matches any.
    pub async fn set_data(
        &self,
        path: &str,
        data: impl Into<Option<Bytes>>,
        version: i32,
    ) -> Result<Stat> {
        let request = SetDataRequest {
            path: self.path(path)?,
            data: data.into(),
            version,
        };
        let r: SetDataResponse = decode(&self.call(Request::SetData(request), None).await?)?;
        Ok(r.stat)
    }

    /// The node's ACL and Stat.
    pub async fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, Stat)> {
        let request = GetAclRequest {
            path: self.path(path)?,
        };
        let r: GetAclResponse = decode(&self.call(Request::GetAcl(request), None).await?)?;
        Ok((r.acl, r.stat))
    }

    /// Replaces the node's ACL; `version` (the ACL version) -1 matches any.
    pub async fn set_acl(&self, path: &str, acl: &[Acl], version: i32) -> Result<Stat> {
        let request = SetAclRequest {
            path: self.path(path)?,
            acl: acl.to_vec(),
            version,
        };
        let r: SetAclResponse = decode(&self.call(Request::SetAcl(request), None).await?)?;
        Ok(r.stat)
    }

    /// The node's children (unsorted, as the server sends them).
    pub async fn get_children(&self, path: &str) -> Result<Vec<String>> {
        Ok(self.get_children2_inner(path, None, false).await?.0)
    }

    /// Like [`Client::get_children`], leaving a child watch.
    pub async fn get_children_watch(&self, path: &str) -> Result<(Vec<String>, OneShotWatch)> {
        let (tx, rx) = oneshot::channel();
        let reg = WatchReg::OneShot {
            kind: OneShotKind::Child,
            path: path.to_string(),
            tx,
        };
        let (children, _) = self.get_children2_inner(path, Some(reg), false).await?;
        Ok((children, OneShotWatch::new(rx)))
    }

    /// The node's children and its Stat (getChildren2).
    pub async fn get_children2(&self, path: &str) -> Result<(Vec<String>, Stat)> {
        let (c, s) = self.get_children2_inner(path, None, true).await?;
        Ok((c, s.unwrap_or_default()))
    }

    async fn get_children2_inner(
        &self,
        path: &str,
        watch: Option<WatchReg>,
        with_stat: bool,
    ) -> Result<(Vec<String>, Option<Stat>)> {
        let p = self.path(path)?;
        let w = watch.is_some();
        if with_stat {
            let request = Request::GetChildren2(GetChildren2Request { path: p, watch: w });
            let r: GetChildren2Response = decode(&self.call(request, watch).await?)?;
            Ok((r.children, Some(r.stat)))
        } else {
            let request = Request::GetChildren(GetChildrenRequest { path: p, watch: w });
            let r: GetChildrenResponse = decode(&self.call(request, watch).await?)?;
            Ok((r.children, None))
        }
    }

    /// Number of descendants of the node (not counting it).
    pub async fn get_all_children_number(&self, path: &str) -> Result<i32> {
        let request = GetAllChildrenNumberRequest {
            path: self.path(path)?,
        };
        let r: GetAllChildrenNumberResponse = decode(
            &self
                .call(Request::GetAllChildrenNumber(request), None)
                .await?,
        )?;
        Ok(r.total_number)
    }

    /// The session's ephemeral nodes whose path starts with `prefix`
    /// (plain string prefix; `/` for all).
    pub async fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>> {
        let request = GetEphemeralsRequest {
            prefix_path: Some(self.shared.server_path(prefix)),
        };
        let r: GetEphemeralsResponse =
            decode(&self.call(Request::GetEphemerals(request), None).await?)?;
        Ok(r.ephemerals
            .iter()
            .map(|p| self.shared.client_path(p))
            .collect())
    }

    /// Waits until the server this client is connected to has seen every
    /// update committed before the call; returns the path.
    pub async fn sync(&self, path: &str) -> Result<String> {
        let request = SyncRequest {
            path: self.path(path)?,
        };
        let r: SyncResponse = decode(&self.call(Request::Sync(request), None).await?)?;
        Ok(self.shared.client_path(&r.path))
    }

    /// Adds a persistent (or persistent-recursive) watch and returns the
    /// stream of its events. The watch stays until removed with
    /// [`Client::remove_watches`] (dropping the stream only stops local
    /// delivery).
    pub async fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<PersistentWatch> {
        let (tx, rx) = mpsc::unbounded_channel();
        let reg = WatchReg::Persistent {
            recursive: mode == AddWatchMode::PersistentRecursive,
            path: path.to_string(),
            tx,
        };
        let request = AddWatchRequest {
            path: self.path(path)?,
            mode: mode.code(),
        };
        check(&self.call(Request::AddWatch(request), Some(reg)).await?)?;
        Ok(PersistentWatch::new(rx))
    }

    /// Every watch notification the server sends this session from now on,
    /// once per notification, whichever watches it wakes (one event even
    /// when a data and a child watch fire together). This is what a Java
    /// client's default watcher sees; the shell prints it. The stream ends
    /// with the session.
    pub fn notifications(&self) -> PersistentWatch {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.shared.watches).add_tap(tx);
        PersistentWatch::new(rx)
    }

    /// Removes this session's watches of `kind` on `path`, on the server and
    /// locally. Fails with NoWatcher if the server has none.
    pub async fn remove_watches(&self, path: &str, kind: WatcherType) -> Result<()> {
        let request = RemoveWatchesRequest {
            path: self.path(path)?,
            watcher_type: kind.code(),
        };
        let reply = self.call(Request::RemoveWatches(request), None).await?;
        check(&reply)?;
        lock(&self.shared.watches).remove(path, kind);
        Ok(())
    }

    /// Whether the server holds a watch of `kind` on `path` for this
    /// session (NoWatcher if not).
    pub async fn check_watches(&self, path: &str, kind: WatcherType) -> Result<()> {
        let request = CheckWatchesRequest {
            path: self.path(path)?,
            watcher_type: kind.code(),
        };
        check(&self.call(Request::CheckWatches(request), None).await?)
    }

    /// The connection's authenticated identities.
    pub async fn who_am_i(&self) -> Result<Vec<ClientInfo>> {
        let r: WhoAmIResponse = decode(&self.call(Request::WhoAmI, None).await?)?;
        Ok(r.client_info)
    }

    /// Adds credentials to the connection (and to every later reconnect).
    /// A rejection ends the session with `AuthFailed`.
    pub async fn add_auth(&self, scheme: &str, auth: impl Into<Bytes>) -> Result<()> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Auth {
                scheme: scheme.to_string(),
                auth: auth.into(),
                reply,
            })
            .await
            .map_err(|_| self.shared.ended_error())?;
        rx.await.map_err(|_| self.shared.ended_error())?
    }

    /// Dynamic reconfiguration; returns the new config bytes and Stat of
    /// `/zookeeper/config`.
    pub async fn reconfig(
        &self,
        joining: Option<&str>,
        leaving: Option<&str>,
        new_members: Option<&str>,
        from_config: i64,
    ) -> Result<(Option<Bytes>, Stat)> {
        let request = ReconfigRequest {
            joining_servers: joining.map(str::to_owned),
            leaving_servers: leaving.map(str::to_owned),
            new_members: new_members.map(str::to_owned),
            cur_config_id: from_config,
        };
        let r: GetDataResponse = decode(&self.call(Request::Reconfig(request), None).await?)?;
        Ok((r.data, r.stat))
    }

    /// A transaction (multi) builder.
    pub fn transaction(&self) -> Transaction<'_> {
        Transaction::new(self)
    }

    /// Runs a multi; `Ok` holds one result per op when every op succeeded.
    /// When one fails, nothing is applied and the error is
    /// [`Error::MultiFailed`] with every per-op result.
    pub(crate) async fn multi(&self, ops: Vec<MultiOp>, read: bool) -> Result<Vec<OpResult>> {
        let ops = ops
            .into_iter()
            .map(|op| self.chroot_op(op))
            .collect::<Result<Vec<_>>>()?;
        let m = MultiRequest { ops };
        let request = if read {
            Request::MultiRead(m)
        } else {
            Request::Multi(m)
        };
        let r: MultiResponse = decode(&self.call(request, None).await?)?;
        let results: Vec<OpResult> = r
            .results
            .into_iter()
            .map(|res| match res {
                OpResult::Create { path } => OpResult::Create {
                    path: self.shared.client_path(&path),
                },
                OpResult::Create2 { path, stat } => OpResult::Create2 {
                    path: self.shared.client_path(&path),
                    stat,
                },
                other => other,
            })
            .collect();
        if !read {
            let failed = results
                .iter()
                .position(|r| matches!(r, OpResult::Error { err } if *err != 0));
            if let Some(index) = failed {
                let code = match results[index] {
                    OpResult::Error { err } => err,
                    _ => 0,
                };
                return Err(Error::MultiFailed {
                    index,
                    code,
                    results,
                });
            }
        }
        Ok(results)
    }

    /// Runs reads (getData/getChildren ops) in one request; each op's result
    /// or error is independent.
    pub async fn multi_read(&self, ops: Vec<MultiOp>) -> Result<Vec<OpResult>> {
        if ops.iter().any(|op| !op.is_read()) {
            return Err(Error::BadArguments("multi_read takes only read ops".into()));
        }
        self.multi(ops, true).await
    }

    fn chroot_op(&self, mut op: MultiOp) -> Result<MultiOp> {
        let fix = |p: &mut String| -> Result<()> {
            *p = self.path(p)?;
            Ok(())
        };
        match &mut op {
            MultiOp::Create { request, .. } => fix(&mut request.path)?,
            MultiOp::CreateTtl(r) => fix(&mut r.path)?,
            MultiOp::Delete(r) => fix(&mut r.path)?,
            MultiOp::SetData(r) => fix(&mut r.path)?,
            MultiOp::Check(r) => fix(&mut r.path)?,
            MultiOp::GetChildren(r) => fix(&mut r.path)?,
            MultiOp::GetData(r) => fix(&mut r.path)?,
        }
        Ok(op)
    }

    /// Sends a request body as-is and returns the reply as it came: the
    /// header's zxid and error code, and the body. For tools (differential
    /// tests) that need the wire answer, not an interpretation of it. Paths
    /// are not chrooted.
    pub async fn raw(&self, request: Request) -> Result<RawReply> {
        let reply = self.call(request, None).await?;
        Ok(RawReply {
            zxid: reply.zxid,
            err: reply.err,
            body: reply.body,
        })
    }

    /// Closes the session: closeSession, then the connection. Ephemerals go
    /// with it. Every clone of the client stops working.
    pub async fn close(&self) -> Result<()> {
        self.shared
            .closing
            .store(true, std::sync::atomic::Ordering::Release);
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::Close { reply }).await.is_err() {
            return Ok(());
        }
        let _ = rx.await;
        Ok(())
    }
}
