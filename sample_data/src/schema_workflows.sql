-- tlrecon sample data: workflow controller decision/execution tables (SPEC section 2).
-- Plain CREATE TABLE IF NOT EXISTS in the current schema; no extensions needed.

CREATE TABLE IF NOT EXISTS workflow_decisions (
    decision_id    text PRIMARY KEY,
    decision_time  timestamptz,
    workflow_name  text,
    action         text,
    reason         text,
    priority       text,
    triggered_by   text
);

CREATE TABLE IF NOT EXISTS workflow_executions (
    execution_id        text PRIMARY KEY,
    execution_time      timestamptz,
    workflow_name       text,
    decision_id         text NULL,
    status              text,
    duration_seconds    float8 NULL,
    scrapers_triggered  int,
    scrapers_succeeded  int,
    scrapers_failed     int,
    error_message       text NULL
);

CREATE INDEX IF NOT EXISTS workflow_decisions_decision_time_idx    ON workflow_decisions (decision_time);
CREATE INDEX IF NOT EXISTS workflow_executions_execution_time_idx  ON workflow_executions (execution_time);
