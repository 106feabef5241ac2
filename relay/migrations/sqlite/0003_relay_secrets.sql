-- The relay's own secrets, made on first use and kept so that what they signed stays valid
-- across restarts: the HMAC key of anonymous visitors' tokens (R2, `anonymous = true`).

CREATE TABLE relay_secrets (
    name   TEXT PRIMARY KEY NOT NULL,
    value  BLOB NOT NULL
);
