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
-- The group comes sorted by key and day. For each run of charges of one key on one day, the key's
-- row is locked first (FOR NO KEY UPDATE). Every writer of a key's usage, totals and serial takes
-- that lock first, so charges of one key are serialized across all instances: under READ COMMITTED
-- the lock waits for the holder to commit, and the statements after it (each with a fresh snapshot,
-- as in any VOLATILE function) see what the holder committed. The run is then decided charge by
-- charge, exactly as the SQLite store decides one charge after another (same checks, same refusal
-- data; a refused charge takes nothing), and written once: one new row version per run, not per
-- charge. Sorted groups lock keys in the same order, so two groups cannot deadlock.
CREATE FUNCTION randomd_charge(p_key_ids BIGINT[], p_days BIGINT[], p_bits BIGINT[], p_signed BOOLEAN[])
RETURNS TABLE (o_position INTEGER, o_outcome TEXT, o_required BIGINT, o_bits_left BIGINT,
               o_requests_left BIGINT, o_serial BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_count           INTEGER := coalesce(array_length(p_key_ids, 1), 0);
    v_first           INTEGER := 1;
    v_end             INTEGER;
    v_status          TEXT;
    v_daily_bits      BIGINT;
    v_daily_requests  BIGINT;
    v_last_serial     BIGINT;
    v_used_bits       BIGINT;
    v_used_requests   BIGINT;
    v_added_bits      BIGINT;
    v_added_requests  BIGINT;
    v_added_serials   BIGINT;
BEGIN
    WHILE v_first <= v_count LOOP
        v_end := v_first;
        WHILE v_end <= v_count AND p_key_ids[v_end] = p_key_ids[v_first]
              AND p_days[v_end] = p_days[v_first] LOOP
            v_end := v_end + 1;
        END LOOP;

        SELECT k.status, k.daily_bits, k.daily_requests, k.last_serial
          INTO v_status, v_daily_bits, v_daily_requests, v_last_serial
          FROM api_keys k WHERE k.id = p_key_ids[v_first] FOR NO KEY UPDATE;
        IF NOT FOUND OR v_status <> 'running' THEN
            FOR i IN v_first .. v_end - 1 LOOP
                o_position := i;
                o_outcome := CASE WHEN v_status IS NULL THEN 'no_such_key' ELSE 'not_running' END;
                o_required := NULL;
                o_bits_left := NULL;
                o_requests_left := NULL;
                o_serial := NULL;
                RETURN NEXT;
            END LOOP;
            v_status := NULL;
            v_first := v_end;
            CONTINUE;
        END IF;

        SELECT u.bits, u.requests INTO v_used_bits, v_used_requests
          FROM daily_usage u WHERE u.key_id = p_key_ids[v_first] AND u.day = p_days[v_first];
        IF NOT FOUND THEN
            v_used_bits := 0;
            v_used_requests := 0;
        END IF;
        v_added_bits := 0;
        v_added_requests := 0;
        v_added_serials := 0;

        FOR i IN v_first .. v_end - 1 LOOP
            o_position := i;
            o_required := NULL;
            o_serial := NULL;
            o_requests_left := greatest(v_daily_requests - v_used_requests - v_added_requests, 0);
            o_bits_left := greatest(v_daily_bits - v_used_bits - v_added_bits, 0);
            IF o_requests_left < 1 THEN
                o_outcome := 'out_of_requests';
                o_required := 1;
            ELSIF p_bits[i] > o_bits_left THEN
                o_outcome := 'out_of_bits';
                o_required := p_bits[i];
            ELSE
                o_outcome := 'charged';
                v_added_bits := v_added_bits + p_bits[i];
                v_added_requests := v_added_requests + 1;
                o_bits_left := o_bits_left - p_bits[i];
                o_requests_left := o_requests_left - 1;
                IF p_signed[i] THEN
                    v_added_serials := v_added_serials + 1;
                    o_serial := v_last_serial + v_added_serials;
                END IF;
            END IF;
            RETURN NEXT;
        END LOOP;

        IF v_added_requests > 0 THEN
            INSERT INTO daily_usage AS u (key_id, day, bits, requests)
                 VALUES (p_key_ids[v_first], p_days[v_first], v_added_bits, v_added_requests)
            ON CONFLICT (key_id, day)
              DO UPDATE SET bits = u.bits + excluded.bits, requests = u.requests + excluded.requests;
            UPDATE api_keys k
               SET total_bits = k.total_bits + v_added_bits,
                   total_requests = k.total_requests + v_added_requests,
                   last_serial = k.last_serial + v_added_serials
             WHERE k.id = p_key_ids[v_first];
        END IF;
        v_status := NULL;
        v_first := v_end;
    END LOOP;
END;
$$;
