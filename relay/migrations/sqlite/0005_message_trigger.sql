-- A stored message moves its conversation's last_seq and updated_at inside SQLite, so appending
-- a message is one statement.
CREATE TRIGGER messages_advance_conversation AFTER INSERT ON messages
BEGIN
    UPDATE conversations SET last_seq = NEW.seq, updated_at = NEW.at
    WHERE id = NEW.conversation_id AND last_seq < NEW.seq;
END;
