-- Release 4: secrets shared by every instance (the pregenerated-randomization key), signed results
-- kept for getResult and getTicket, and tickets.
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  BYTEA NOT NULL
);

-- Every signed result, by key and serial number: the result object as it was sent (random,
-- signature, cost, bitsUsed), compact JSON.
CREATE TABLE signed_results (
    key_id      BIGINT NOT NULL REFERENCES api_keys (id),
    serial      BIGINT  NOT NULL,
    result      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (key_id, serial)
);

-- Tickets: used once (used_at is set by one conditional UPDATE), then they point at their result.
CREATE TABLE tickets (
    ticket_id    TEXT    PRIMARY KEY,
    key_id       BIGINT NOT NULL REFERENCES api_keys (id),
    show_result  BOOLEAN NOT NULL,
    created_at   BIGINT  NOT NULL,
    used_at      BIGINT,
    serial       BIGINT
);
CREATE INDEX tickets_by_key ON tickets (key_id, created_at);
