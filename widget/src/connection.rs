//! The customer WebSocket (`/v1/customer/ws`): sends `hello` with the current token, hands every
//! relay frame to the app, and reconnects after a drop with backoff and jitter. It resumes where it
//! stopped because `hello` is rebuilt by the app (with the last `seq` it has) on every attempt.
//!
//! Frames the app sends while the socket is not welcomed are dropped here: the chat model keeps
//! them as "sending" and the app resends them after the next `welcome` (idempotent by `client_id`).

use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::{Either, select};
use futures::{SinkExt, StreamExt, stream};
use gloo_net::websocket::Message as WsMessage;
use gloo_net::websocket::futures::WebSocket;
use gloo_timers::future::TimeoutFuture;
use tetap_shared::frames::{ClientFrame, ServerFrame};

/// Where the socket stands, for the "reconnecting…" banner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// Not started, waiting for a token, or stopped.
    #[default]
    Idle,
    /// First attempt under way.
    Connecting,
    /// Welcomed by the relay.
    Online,
    /// Lost, retrying after a pause.
    Reconnecting,
}

impl Status {
    /// The value of the panel's `data-link` attribute (what the browser tests wait for).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Connecting => "connecting",
            Status::Online => "online",
            Status::Reconnecting => "reconnecting",
        }
    }
}

enum Command {
    Send(ClientFrame),
    Reconnect,
    Stop,
}

enum Event {
    Socket(Result<WsMessage, gloo_net::websocket::WebSocketError>),
    Closed,
    Command(Command),
}

/// The app's handle on the socket task. Cheap to clone; the task ends on [`Connection::stop`].
#[derive(Clone, Debug)]
pub struct Connection {
    commands: UnboundedSender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

/// The socket URL on the page's own origin (`wss:` under `https:`).
pub fn socket_url(protocol: &str, host: &str) -> String {
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}/v1/customer/ws")
}

impl Connection {
    /// Starts the socket task. `hello` is asked for a fresh `hello` frame before every attempt;
    /// while it returns `None` (no usable token) the task waits for [`Connection::reconnect`].
    pub fn start(
        url: String,
        hello: impl Fn() -> Option<ClientFrame> + 'static,
        on_frame: impl Fn(ServerFrame) + 'static,
        on_status: impl Fn(Status) + 'static,
    ) -> Self {
        let (commands, receiver) = unbounded();
        let task = run(
            url,
            receiver,
            Box::new(hello),
            Box::new(on_frame),
            Box::new(on_status),
        );
        wasm_bindgen_futures::spawn_local(task);
        Connection { commands }
    }

    /// Sends a frame if the socket is welcomed; otherwise drops it (see the module doc).
    pub fn send(&self, frame: ClientFrame) {
        let _ = self.commands.unbounded_send(Command::Send(frame));
    }

    /// Connects again now with a fresh `hello` (a new token arrived while not welcomed).
    pub fn reconnect(&self) {
        let _ = self.commands.unbounded_send(Command::Reconnect);
    }

    /// Closes the socket for good.
    pub fn stop(&self) {
        let _ = self.commands.unbounded_send(Command::Stop);
    }
}

/// What ended a pause.
enum Wake {
    Now,
    Stop,
}

async fn run(
    url: String,
    mut commands: UnboundedReceiver<Command>,
    hello: Box<dyn Fn() -> Option<ClientFrame>>,
    on_frame: Box<dyn Fn(ServerFrame)>,
    on_status: Box<dyn Fn(Status)>,
) {
    let mut attempt = 0u32;
    let mut lost = false;
    loop {
        let Some(hello) = hello() else {
            on_status(Status::Idle);
            match wait_for_reconnect(&mut commands).await {
                Wake::Now => continue,
                Wake::Stop => return,
            }
        };
        on_status(if lost {
            Status::Reconnecting
        } else {
            Status::Connecting
        });
        let mut skip_pause = false;
        if let Ok(socket) = WebSocket::open(&url) {
            let (mut sink, socket) = socket.split();
            if sink.send(WsMessage::Text(hello.encode())).await.is_ok() {
                let socket = socket
                    .map(Event::Socket)
                    .chain(stream::once(futures::future::ready(Event::Closed)));
                let mut events = stream::select(socket, commands.by_ref().map(Event::Command));
                let mut welcomed = false;
                while let Some(event) = events.next().await {
                    match event {
                        Event::Socket(Ok(WsMessage::Text(text))) => {
                            let Some(frame) = crate::wire::server_frame(&text) else {
                                continue;
                            };
                            if matches!(frame, ServerFrame::Welcome { .. }) {
                                welcomed = true;
                                attempt = 0;
                                on_status(Status::Online);
                            }
                            on_frame(frame);
                        }
                        Event::Socket(Ok(WsMessage::Bytes(_))) => {}
                        Event::Socket(Err(_)) | Event::Closed => break,
                        Event::Command(Command::Send(frame)) => {
                            if welcomed && sink.send(WsMessage::Text(frame.encode())).await.is_err()
                            {
                                break;
                            }
                        }
                        Event::Command(Command::Reconnect) => {
                            if !welcomed {
                                skip_pause = true;
                                break;
                            }
                        }
                        // Dropping the socket closes it.
                        Event::Command(Command::Stop) => {
                            on_status(Status::Idle);
                            return;
                        }
                    }
                }
            }
        }
        lost = true;
        if skip_pause {
            continue;
        }
        on_status(Status::Reconnecting);
        let delay = crate::backoff::delay_ms(attempt, js_sys::Math::random());
        attempt = attempt.saturating_add(1);
        if let Wake::Stop = pause(&mut commands, delay).await {
            on_status(Status::Idle);
            return;
        }
    }
}

/// Waits `delay_ms`, or less if the app asks to reconnect now.
async fn pause(commands: &mut UnboundedReceiver<Command>, delay_ms: u32) -> Wake {
    let mut timeout = TimeoutFuture::new(delay_ms);
    loop {
        match select(&mut timeout, commands.next()).await {
            Either::Left(_) => return Wake::Now,
            Either::Right((Some(Command::Reconnect), _)) => return Wake::Now,
            Either::Right((Some(Command::Send(_)), _)) => {}
            Either::Right((Some(Command::Stop) | None, _)) => return Wake::Stop,
        }
    }
}

/// Waits until the app has a token again.
async fn wait_for_reconnect(commands: &mut UnboundedReceiver<Command>) -> Wake {
    loop {
        match commands.next().await {
            Some(Command::Reconnect) => return Wake::Now,
            Some(Command::Send(_)) => {}
            Some(Command::Stop) | None => return Wake::Stop,
        }
    }
}
