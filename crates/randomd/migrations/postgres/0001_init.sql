-- API keys, stored by hash, with their daily allowances, lifetime totals and signed-result serials.
CREATE TABLE api_keys (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash        BYTEA   NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    key_prefix      TEXT    NOT NULL,
    hashed_api_key  TEXT    NOT NULL,
    name            TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('running', 'paused', 'stopped')),
    daily_bits      BIGINT  NOT NULL CHECK (daily_bits >= 0),
    daily_requests  BIGINT  NOT NULL CHECK (daily_requests >= 0),
    created_at      BIGINT  NOT NULL,
    total_bits      BIGINT  NOT NULL DEFAULT 0,
    total_requests  BIGINT  NOT NULL DEFAULT 0,
    last_serial     BIGINT  NOT NULL DEFAULT 0
);

-- What each key used on each UTC day; allowances reset because a new day starts a new row.
CREATE TABLE daily_usage (
    key_id    BIGINT NOT NULL REFERENCES api_keys (id),
    day       BIGINT NOT NULL,
    bits      BIGINT NOT NULL DEFAULT 0,
    requests  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day)
);

-- Bills a group of requests in one transaction (the statement that calls it), in array order.
--
-- Each charge first locks its key's row (FOR NO KEY UPDATE). Every writer of a key's usage, totals
-- and serial takes that lock first, so charges of one key are serialized across all instances: under
-- READ COMMITTED the lock waits for the holder to commit, and the statements after it (each with a
-- fresh snapshot, as in any VOLATILE function) see what the holder committed. The checks and the
-- refusal data are therefore exactly those of the SQLite store, however many instances charge at once.
-- A refused charge writes nothing. Callers sort the group by key id so that two groups lock keys in
-- the same order and cannot deadlock.
CREATE FUNCTION randomd_charge(p_key_ids BIGINT[], p_days BIGINT[], p_bits BIGINT[], p_signed BOOLEAN[])
RETURNS TABLE (o_position INTEGER, o_outcome TEXT, o_required BIGINT, o_bits_left BIGINT,
               o_requests_left BIGINT, o_serial BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_status          TEXT;
    v_daily_bits      BIGINT;
    v_daily_requests  BIGINT;
    v_used_bits       BIGINT;
    v_used_requests   BIGINT;
    v_serial          BIGINT;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_key_ids, 1), 0) LOOP
        o_position := i;
        o_required := NULL;
        o_bits_left := NULL;
        o_requests_left := NULL;
        o_serial := NULL;

        SELECT k.status, k.daily_bits, k.daily_requests
          INTO v_status, v_daily_bits, v_daily_requests
          FROM api_keys k WHERE k.id = p_key_ids[i] FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            o_outcome := 'no_such_key';
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF v_status <> 'running' THEN
            o_outcome := 'not_running';
            RETURN NEXT;
            CONTINUE;
        END IF;

        SELECT u.bits, u.requests INTO v_used_bits, v_used_requests
          FROM daily_usage u WHERE u.key_id = p_key_ids[i] AND u.day = p_days[i];
        IF NOT FOUND THEN
            v_used_bits := 0;
            v_used_requests := 0;
        END IF;
        o_requests_left := greatest(v_daily_requests - v_used_requests, 0);
        o_bits_left := greatest(v_daily_bits - v_used_bits, 0);
        IF o_requests_left < 1 THEN
            o_outcome := 'out_of_requests';
            o_required := 1;
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF p_bits[i] > o_bits_left THEN
            o_outcome := 'out_of_bits';
            o_required := p_bits[i];
            RETURN NEXT;
            CONTINUE;
        END IF;

        INSERT INTO daily_usage AS u (key_id, day, bits, requests)
             VALUES (p_key_ids[i], p_days[i], p_bits[i], 1)
        ON CONFLICT (key_id, day)
          DO UPDATE SET bits = u.bits + excluded.bits, requests = u.requests + 1;
        UPDATE api_keys k
           SET total_bits = k.total_bits + p_bits[i],
               total_requests = k.total_requests + 1,
               last_serial = k.last_serial + CASE WHEN p_signed[i] THEN 1 ELSE 0 END
         WHERE k.id = p_key_ids[i]
        RETURNING k.last_serial INTO v_serial;

        o_outcome := 'charged';
        o_bits_left := o_bits_left - p_bits[i];
        o_requests_left := o_requests_left - 1;
        IF p_signed[i] THEN
            o_serial := v_serial;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
