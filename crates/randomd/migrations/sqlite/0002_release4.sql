-- Release 4: secrets shared by every instance (the pregenerated-randomization key), signed results
-- kept for getResult and getTicket, and tickets.
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);

-- Every signed result, by key and serial number: the result object as it was sent (random,
-- signature, cost, bitsUsed), compact JSON.
CREATE TABLE signed_results (
    key_id      INTEGER NOT NULL REFERENCES api_keys (id),
    serial      INTEGER NOT NULL,
    result      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (key_id, serial)
);

-- Tickets: used once (used_at is set by one conditional UPDATE), then they point at their result.
CREATE TABLE tickets (
    ticket_id    TEXT    PRIMARY KEY,
    key_id       INTEGER NOT NULL REFERENCES api_keys (id),
    show_result  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    used_at      INTEGER,
    serial       INTEGER
);
CREATE INDEX tickets_by_key ON tickets (key_id, created_at);
