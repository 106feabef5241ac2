//! Durability under network cuts, against the real `tetap-relay` process over a real SQLite
//! file, with a TCP proxy written here between the customers and the relay.
//!
//! The proxy forwards the HTTP upgrade as it comes and then whole WebSocket frames, so it always
//! knows where a frame starts and ends. On command it cuts a connection in the middle of one: it
//! forwards only a prefix of the frame (at least one byte, never all of it), then closes both
//! sockets. Commands come after given numbers of acknowledgements, like the kills in `faults`:
//! the first round cuts every open connection inside a frame going to the relay (a half-sent
//! `send`), the second inside a frame going to the customer (a half-received `ack`: the message
//! is stored but the customer does not know). Seeded cuts at early frames of some connections
//! add half-sent `hello`s and half-received `welcome`s and resumed pages. The customers reconnect
//! through the proxy, resume from their last `seq` and resend what is unacknowledged; then the
//! same checks as `faults` hold.

use super::faults::{Customers, RelayProcess, STEP, Scale, assert_store_matches, customer_ws_url};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Every open connection is cut once this share (in percent) of all messages is acknowledged
/// (300 and 650 of the default 1,000, like the kills in `faults`), inside a frame going this way.
const CUT_AT_PERCENT: [(usize, Direction); 2] =
    [(30, Direction::ToRelay), (65, Direction::ToCustomer)];
/// Fixes which connections get a seeded cut, where, and how much of each cut frame gets through.
/// With it, connections 0, 1, 6, 9, 13 and 17 (of the first twenty) are cut within their first
/// eleven frames (their first few messages, long before the first command), so seeded cuts
/// happen in every run.
const SEED: u64 = 0x7E7A9;
/// One connection in this many gets a seeded cut…
const SEEDED_CUT_ONE_IN: u64 = 4;
/// …at one of its first this many frames (both directions counted together): early enough that
/// it lands before the customer is done, late enough to hit sends and acks too.
const SEEDED_CUT_WITHIN: u64 = 12;

/// Which way a frame travels through the proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    ToRelay,
    ToCustomer,
}

/// Why the proxy cut a frame.
#[derive(Clone, Copy)]
enum Cause {
    Command,
    Seed,
}

/// Frames the proxy cut in the middle: counted, so the test fails if the proxy stops cutting.
#[derive(Default)]
struct Cuts {
    /// By command, indexed by [`Direction`].
    by_command: [AtomicUsize; 2],
    by_seed: AtomicUsize,
}

impl Cuts {
    fn record(&self, cause: Cause, direction: Direction) {
        let counter = match cause {
            Cause::Command => &self.by_command[direction as usize],
            Cause::Seed => &self.by_seed,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    fn by_command(&self, direction: Direction) -> usize {
        self.by_command[direction as usize].load(Ordering::SeqCst)
    }
}

/// splitmix64: a fixed, well-spread hash, so a seed gives the same plan on every machine.
fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One customer connection through the proxy.
struct Connection {
    /// Drawn from [`SEED`] and the connection's number, for the plan and the prefix lengths.
    draw: u64,
    /// The frame (from 1, both directions counted together) cut by the seed, if any.
    seeded_cut: Option<u64>,
    /// Frames handled so far.
    frames: AtomicU64,
    /// Set by a command: cut the next frame going this way.
    armed: Mutex<Option<Direction>>,
    /// Becomes true once both sockets are closed (and any cut is counted).
    ended: watch::Sender<bool>,
}

impl Connection {
    fn new(number: u64) -> Self {
        let draw = mix(SEED ^ number);
        let seeded_cut = draw
            .is_multiple_of(SEEDED_CUT_ONE_IN)
            .then(|| 1 + (draw >> 32) % SEEDED_CUT_WITHIN);
        Self {
            draw,
            seeded_cut,
            frames: AtomicU64::new(0),
            armed: Mutex::new(None),
            ended: watch::Sender::new(false),
        }
    }

    fn arm(&self, direction: Direction) {
        *self.armed.lock().expect("arm") = Some(direction);
    }

    /// Whether the frame about to go `direction` is to be cut, and why.
    fn cut_now(&self, direction: Direction) -> Option<Cause> {
        let frame = self.frames.fetch_add(1, Ordering::SeqCst) + 1;
        if self.seeded_cut == Some(frame) {
            return Some(Cause::Seed);
        }
        let armed = self.armed.lock().expect("arm");
        (*armed == Some(direction)).then_some(Cause::Command)
    }

    /// How many bytes of a `len`-byte frame get through before the cut: at least one (the relay
    /// or the customer has started reading a frame) and never all of it (the frame is cut).
    fn prefix(&self, len: usize) -> usize {
        let draw = mix(self.draw ^ self.frames.load(Ordering::SeqCst));
        let room = u64::try_from(len - 1).expect("frame length");
        1 + usize::try_from(draw % room).expect("within the frame")
    }
}

/// What the accept loop and the connections share.
struct Shared {
    relay: SocketAddr,
    next_number: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Connection>>>,
    cuts: Cuts,
}

/// A TCP proxy on 127.0.0.1:0 in front of the relay that can cut connections mid-frame.
struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(relay: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let shared = Arc::new(Shared {
            relay,
            next_number: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
            cuts: Cuts::default(),
        });
        let accept = tokio::spawn(accept(listener, shared.clone()));
        Self {
            addr,
            shared,
            accept,
        }
    }

    /// Cuts every open connection inside its next frame going `direction`, and returns once
    /// all of them have ended, with how many frames this command cut.
    async fn cut_all(&self, direction: Direction) -> usize {
        let before = self.shared.cuts.by_command(direction);
        let open: Vec<Arc<Connection>> = self
            .shared
            .open
            .lock()
            .expect("open")
            .values()
            .cloned()
            .collect();
        for connection in &open {
            connection.arm(direction);
        }
        // Every armed connection ends soon: its customer is still writing (the next send or ack
        // crosses the proxy) or is done and hangs up. Waiting makes each round's count exact.
        for connection in open {
            let mut ended = connection.ended.subscribe();
            tokio::time::timeout(STEP, ended.wait_for(|ended| *ended))
                .await
                .expect("an armed connection ends")
                .expect("the sender lives in the connection");
        }
        self.shared.cuts.by_command(direction) - before
    }

    fn seeded_cuts(&self) -> usize {
        self.shared.cuts.by_seed.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((customer, _)) = listener.accept().await {
        let number = shared.next_number.fetch_add(1, Ordering::SeqCst);
        let connection = Arc::new(Connection::new(number));
        // Registered before the task runs, so a command right after the accept reaches it too.
        shared
            .open
            .lock()
            .expect("open")
            .insert(number, connection.clone());
        tokio::spawn(carry(shared.clone(), number, connection, customer));
    }
}

/// Carries one connection both ways until a side closes or the proxy cuts it; then both sockets
/// are closed, which is what a cut is.
async fn carry(shared: Arc<Shared>, number: u64, connection: Arc<Connection>, customer: TcpStream) {
    if let Ok(relay) = TcpStream::connect(shared.relay).await {
        // Frames are small and go one at a time: Nagle's delay would only slow the test.
        let _ = customer.set_nodelay(true);
        let _ = relay.set_nodelay(true);
        let (from_customer, to_customer) = customer.into_split();
        let (from_relay, to_relay) = relay.into_split();
        let cuts = &shared.cuts;
        // Whichever way ends first ends the connection: the other pump is dropped with its
        // halves, so both sockets close.
        tokio::select! {
            () = pump(from_customer, to_relay, Direction::ToRelay, &connection, cuts) => {}
            () = pump(from_relay, to_customer, Direction::ToCustomer, &connection, cuts) => {}
        }
    }
    shared.open.lock().expect("open").remove(&number);
    connection.ended.send_replace(true);
}

/// Forwards bytes going `direction`: the HTTP upgrade as it comes, then whole WebSocket frames,
/// so that a cut can land inside one. Returns when a side closes or after a cut.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    direction: Direction,
    connection: &Connection,
    cuts: &Cuts,
) {
    let mut pending = Vec::new();
    let mut upgraded = false;
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        pending.extend_from_slice(&chunk[..read]);
        if !upgraded {
            let Some(end) = upgrade_len(&pending) else {
                continue;
            };
            if to.write_all(&pending[..end]).await.is_err() {
                return;
            }
            pending.drain(..end);
            upgraded = true;
        }
        while let Some(len) = frame_len(&pending) {
            if let Some(cause) = connection.cut_now(direction) {
                let prefix = connection.prefix(len);
                // Counted only when what went out stops inside the frame and is on its way.
                if to.write_all(&pending[..prefix]).await.is_ok() && (1..len).contains(&prefix) {
                    cuts.record(cause, direction);
                }
                return;
            }
            if to.write_all(&pending[..len]).await.is_err() {
                return;
            }
            pending.drain(..len);
        }
    }
}

/// The length of the HTTP upgrade request or response at the start of `bytes`, once it has all
/// arrived (neither has a body).
fn upgrade_len(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|at| at + 4)
}

/// The length of the WebSocket frame at the start of `bytes`, once it has all arrived
/// (RFC 6455 §5.2: two bytes, an extended length of 2 or 8, a mask of 4 if masked, the payload).
fn frame_len(bytes: &[u8]) -> Option<usize> {
    let second = *bytes.get(1)?;
    let (extended, payload) = match second & 0x7f {
        126 => (
            2,
            u64::from(u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?)),
        ),
        127 => (8, u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?)),
        short => (0, u64::from(short)),
    };
    let mask = if second & 0x80 == 0 { 0 } else { 4 };
    let len = usize::try_from(payload)
        .ok()?
        .checked_add(2 + extended + mask)?;
    (bytes.len() >= len).then_some(len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_mid_frame_network_cuts_exactly_once_and_in_order() {
    // Read first, so an unknown scale fails before anything starts.
    let scale = Scale::from_env();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut relay = RelayProcess::new(dir.path());
    relay.start().await;
    let proxy = Proxy::start(relay.addr()).await;
    // The relay never restarts here, so this never moves: a customer that cannot connect at all
    // stalls, and the test fails on the stalled acknowledgements.
    let (_relay_stays_up, generation) = watch::channel(0u64);
    let customers = Customers::spawn(scale, &customer_ws_url(proxy.addr), &generation);
    for (percent, direction) in CUT_AT_PERCENT {
        let threshold = scale.acks_at(percent);
        customers.wait_for_acks(threshold).await;
        let cut = proxy.cut_all(direction).await;
        assert!(
            cut > 0,
            "no frame {direction:?} was cut after {threshold} acks"
        );
    }
    let outcomes = customers.finish().await;
    assert!(proxy.seeded_cuts() > 0, "no seeded cut happened");
    // The last resume of the check goes straight to the relay: it reads the store, not the cuts.
    assert_store_matches(&relay, scale, outcomes).await;
}

#[test]
fn the_proxy_finds_frame_ends_as_rfc_6455_encodes_them() {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    for payload in [0, 1, 125, 126, 65_535, 65_536] {
        for mask in [None, Some([1, 2, 3, 4])] {
            let mut frame = Frame::message(vec![b'x'; payload], OpCode::Data(Data::Text), true);
            frame.header_mut().mask = mask;
            let mut bytes = Vec::new();
            frame.format(&mut bytes).expect("encode");
            let len = bytes.len();
            assert_eq!(frame_len(&bytes[..len - 1]), None, "{payload} bytes: cut");
            bytes.extend_from_slice(b"next");
            assert_eq!(frame_len(&bytes), Some(len), "{payload} bytes, {mask:?}");
        }
    }
    assert_eq!(
        upgrade_len(b"HTTP/1.1 101\r\nA: b\r\n\r\n\x81\x00"),
        Some(22)
    );
}
