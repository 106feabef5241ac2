//! A TCP proxy in front of the relay for the widget's end-to-end tests: it cuts and refuses
//! customer sockets on demand, so a test can take the relay away from the browser and give it
//! back, and restarts point it at the relay's new address.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A TCP proxy in front of the relay. Customer sockets (`GET /v1/customer/ws`) through it can be
/// cut and refused; everything else passes.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`: the relay's origin as the browser sees it.
    pub origin: String,
    upstream: Arc<Mutex<SocketAddr>>,
    refusing: Arc<AtomicBool>,
    sockets: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let proxy = Proxy {
            origin,
            upstream: Arc::new(Mutex::new(upstream)),
            refusing: Arc::default(),
            sockets: Arc::default(),
        };
        let (upstream, refusing, sockets) = (
            Arc::clone(&proxy.upstream),
            Arc::clone(&proxy.refusing),
            Arc::clone(&proxy.sockets),
        );
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let to = *upstream.lock().expect("upstream");
                let (refusing, sockets) = (Arc::clone(&refusing), Arc::clone(&sockets));
                tokio::spawn(async move {
                    let mut client = client;
                    let Some(head) = request_head(&mut client).await else {
                        return; // closed before saying anything: nothing to forward
                    };
                    let socket = head == *CUSTOMER_SOCKET_HEAD;
                    if socket && refusing.load(Ordering::SeqCst) {
                        return; // dropped: the browser sees the connection fail
                    }
                    let Ok(mut server) = TcpStream::connect(to).await else {
                        return;
                    };
                    if server.write_all(&head).await.is_err() {
                        return;
                    }
                    let pipe = tokio::spawn(async move {
                        let (mut client, mut server) = (client, server);
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    });
                    if socket {
                        sockets.lock().expect("sockets").push(pipe.abort_handle());
                    }
                });
            }
        });
        proxy
    }

    /// Closes every customer socket now, mid-stream.
    pub fn cut(&self) {
        for socket in self.sockets.lock().expect("sockets").drain(..) {
            socket.abort();
        }
    }

    /// While set, new customer sockets are refused (the relay looks unreachable).
    pub fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
    }

    pub(super) fn set_upstream(&self, addr: SocketAddr) {
        *self.upstream.lock().expect("upstream") = addr;
    }
}

/// How the customer WebSocket's upgrade request starts (browsers open every WebSocket on a
/// connection of its own).
const CUSTOMER_SOCKET_HEAD: &[u8; 19] = b"GET /v1/customer/ws";

/// The first bytes of the connection's first request, read (not peeked) so the proxy waits for
/// them instead of polling; the caller forwards them. Every request is longer than this head.
async fn request_head(client: &mut TcpStream) -> Option<[u8; 19]> {
    let mut head = [0u8; 19];
    client.read_exact(&mut head).await.ok()?;
    Some(head)
}
