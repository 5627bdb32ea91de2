-- tlrecon sample data: GPU-worker orchestrator tables (SPEC section 2).
-- Plain CREATE TABLE IF NOT EXISTS in the current schema; no extensions needed.

CREATE TABLE IF NOT EXISTS workers (
    id              text PRIMARY KEY,
    instance_type   text,
    status          text,
    created_at      timestamptz NOT NULL,
    last_heartbeat  timestamptz NULL,
    metadata        jsonb
);

CREATE TABLE IF NOT EXISTS tasks (
    id                       uuid PRIMARY KEY,
    task_type                text,
    status                   text,
    worker_id                text NULL,
    created_at               timestamptz,
    updated_at               timestamptz,
    generation_started_at    timestamptz NULL,
    generation_processed_at  timestamptz NULL,
    attempts                 int,
    error_message            text NULL
);

CREATE TABLE IF NOT EXISTS system_logs (
    id            uuid PRIMARY KEY,
    "timestamp"   timestamptz NOT NULL,
    source_type   text,
    source_id     text,
    log_level     text,
    message       text,
    task_id       uuid NULL,
    worker_id     text NULL,
    cycle_number  int NULL,
    metadata      jsonb NULL
);

CREATE INDEX IF NOT EXISTS workers_created_at_idx      ON workers (created_at);
CREATE INDEX IF NOT EXISTS tasks_created_at_idx        ON tasks (created_at);
CREATE INDEX IF NOT EXISTS system_logs_timestamp_idx   ON system_logs ("timestamp");
