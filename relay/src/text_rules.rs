//! What a message's text and client id must look like, for both customers and agents.

use tetap_shared::ErrorCode;
use tetap_shared::frames::{MAX_CLIENT_ID_BYTES, MAX_TEXT_BYTES};

/// Why a message was refused before it reached the store.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    #[error("the message is empty")]
    Empty,
    #[error("the message is {0} bytes; the limit is {MAX_TEXT_BYTES}")]
    TooLong(usize),
    #[error("client_id must be 1 to {MAX_CLIENT_ID_BYTES} characters of A-Z, a-z, 0-9, '-' or '_'")]
    BadClientId,
}

impl TextError {
    pub fn code(&self) -> ErrorCode {
        match self {
            TextError::Empty => ErrorCode::EmptyMessage,
            TextError::TooLong(_) => ErrorCode::MessageTooLong,
            TextError::BadClientId => ErrorCode::BadClientId,
        }
    }
}

/// The text to store: trailing and leading blank lines trimmed, at most [`MAX_TEXT_BYTES`].
pub fn check_text(text: &str) -> Result<String, TextError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.len() > MAX_TEXT_BYTES {
        return Err(TextError::TooLong(trimmed.len()));
    }
    Ok(trimmed.to_owned())
}

/// A client id is an opaque token chosen by the client (a UUID in practice).
pub fn check_client_id(client_id: &str) -> Result<(), TextError> {
    let ok = (1..=MAX_CLIENT_ID_BYTES).contains(&client_id.len())
        && client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(TextError::BadClientId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_is_refused() {
        assert_eq!(check_text(" \n\t "), Err(TextError::Empty));
    }

    #[test]
    fn text_over_the_limit_is_refused_and_at_the_limit_accepted() {
        assert_eq!(
            check_text(&"é".repeat(MAX_TEXT_BYTES / 2)).map(|t| t.len()),
            Ok(MAX_TEXT_BYTES)
        );
        assert_eq!(
            check_text(&"x".repeat(MAX_TEXT_BYTES + 1)),
            Err(TextError::TooLong(MAX_TEXT_BYTES + 1))
        );
    }

    #[test]
    fn client_ids_are_short_plain_tokens() {
        assert!(check_client_id("0b6f1c1e-5b8e-4c5e-9a57-1f2d3c4b5a69").is_ok());
        for bad in ["", "a b", "<script>", &"x".repeat(MAX_CLIENT_ID_BYTES + 1)] {
            assert_eq!(check_client_id(bad), Err(TextError::BadClientId), "{bad}");
        }
    }
}
