//! The load generator's customer socket.

use futures_util::{SinkExt, StreamExt};
use tetap_shared::frames::{ClientFrame, Cursor, PROTOCOL_VERSION, ServerFrame};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn send(socket: &mut Socket, frame: &ClientFrame) -> anyhow::Result<()> {
    socket.send(WsMessage::Text(frame.encode().into())).await?;
    Ok(())
}

pub async fn next(socket: &mut Socket) -> anyhow::Result<ServerFrame> {
    loop {
        match socket.next().await {
            Some(Ok(WsMessage::Text(text))) => return Ok(ServerFrame::decode(text.as_str())?),
            Some(Ok(WsMessage::Close(frame))) => anyhow::bail!("the relay closed: {frame:?}"),
            Some(Ok(_)) => continue,
            Some(Err(error)) => anyhow::bail!("socket failed: {error}"),
            None => anyhow::bail!("socket closed"),
        }
    }
}

/// A customer socket that has said hello (token reused: signing is not what is measured).
pub async fn customer(
    url: &str,
    token: &str,
    resume: Option<Cursor>,
) -> anyhow::Result<(Socket, ServerFrame)> {
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
    let hello = ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
        workstream: "support".into(),
        token: token.into(),
        resume,
        locale: None,
    };
    send(&mut socket, &hello).await?;
    let welcome = next(&mut socket).await?;
    Ok((socket, welcome))
}
