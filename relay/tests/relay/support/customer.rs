//! A customer's WebSocket in tests: frames out, frames in with a deadline, barriers.

use super::FRAME_DEADLINE;
use futures_util::{SinkExt, StreamExt};
use tetap_shared::frames::{ClientFrame, ServerFrame};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A customer's WebSocket, speaking the widget's protocol.
pub struct CustomerSocket {
    pub(super) stream: WsStream,
}

/// A test's client WebSocket.
pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl CustomerSocket {
    /// A socket to a customer endpoint at `url` (a relay process, a proxy), no hello said yet.
    pub async fn connect(url: &str) -> Self {
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect the customer socket");
        Self { stream }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&frame.encode()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(WsMessage::Text(text.into()))
            .await
            .expect("send frame");
    }

    /// The WebSocket itself, for tests of the protocol's control frames.
    pub fn stream(&mut self) -> &mut WsStream {
        &mut self.stream
    }

    /// Sends a message and returns its client id.
    pub async fn say(&mut self, client_id: &str, text: &str) {
        self.send(&ClientFrame::Send {
            client_id: client_id.into(),
            text: text.into(),
        })
        .await;
    }

    /// The next relay frame; panics on close or after the deadline.
    pub async fn next_frame(&mut self) -> ServerFrame {
        match self.next_or_close().await {
            Some(frame) => frame,
            None => panic!("the relay closed the socket"),
        }
    }

    /// The next relay frame, or `None` when the relay closed the socket.
    pub async fn next_or_close(&mut self) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout(FRAME_DEADLINE, self.stream.next())
                .await
                .expect("a frame within the deadline");
            match message {
                Some(Ok(WsMessage::Text(text))) => {
                    return Some(ServerFrame::decode(text.as_str()).expect("valid frame"));
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Sends a message and waits for its ack; returns the conversation id and the `seq`.
    pub async fn write(&mut self, client_id: &str, text: &str) -> (String, u64) {
        self.say(client_id, text).await;
        match self.until(|f| matches!(f, ServerFrame::Ack { .. })).await {
            ServerFrame::Ack {
                conversation, seq, ..
            } => (conversation.0, seq),
            _ => unreachable!(),
        }
    }

    /// Closes the socket and waits until the relay has finished with it (its side closes only
    /// after it has handled the departure).
    pub async fn close(mut self) {
        let _ = self.stream.send(WsMessage::Close(None)).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(FRAME_DEADLINE, self.stream.next()).await {
        }
    }

    /// Waits until the relay has handled every frame sent before; returns what arrived meanwhile.
    /// The relay handles a socket's frames in order, so the answer to a probe comes after them.
    pub async fn barrier(&mut self) -> Vec<ServerFrame> {
        self.send(&ClientFrame::History {
            conversation: "barrier-probe".into(),
            before: 1,
            limit: None,
        })
        .await;
        let mut seen = Vec::new();
        loop {
            let frame = self.next_frame().await;
            if matches!(&frame, ServerFrame::Error { code, .. } if *code == tetap_shared::ErrorCode::UnknownConversation)
            {
                return seen;
            }
            seen.push(frame);
        }
    }

    /// Skips frames until one matches; the skipped ones are returned too, for assertions.
    pub async fn until(&mut self, wanted: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let frame = self.next_frame().await;
            if wanted(&frame) {
                return frame;
            }
        }
    }
}
