-- API keys, stored by hash, with their daily allowances, lifetime totals and signed-result serials.
CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY,
    key_hash        BLOB    NOT NULL UNIQUE,
    key_prefix      TEXT    NOT NULL,
    hashed_api_key  TEXT    NOT NULL,
    name            TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('running', 'paused', 'stopped')),
    daily_bits      INTEGER NOT NULL CHECK (daily_bits >= 0),
    daily_requests  INTEGER NOT NULL CHECK (daily_requests >= 0),
    created_at      INTEGER NOT NULL,
    total_bits      INTEGER NOT NULL DEFAULT 0,
    total_requests  INTEGER NOT NULL DEFAULT 0,
    last_serial     INTEGER NOT NULL DEFAULT 0
);

-- What each key used on each UTC day; allowances reset because a new day starts a new row.
CREATE TABLE daily_usage (
    key_id    INTEGER NOT NULL REFERENCES api_keys (id),
    day       INTEGER NOT NULL,
    bits      INTEGER NOT NULL DEFAULT 0,
    requests  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day)
);
