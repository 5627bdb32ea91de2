"""Builds snapshot directories from rows in Python, for tests that need data
the bundled incidents do not have (hostile text, bad times, duplicates)."""
import hashlib
import json
import os

FIELDS = {
    "workers": ["id", "instance_type", "status", "created_at", "last_heartbeat", "orchestrator_status",
                "promoted_to_active_at", "terminated_at", "error_reason", "error_time", "runpod_id"],
    "tasks": ["id", "task_type", "status", "worker_id", "created_at", "updated_at", "generation_started_at",
              "generation_processed_at", "attempts", "error_message"],
    "workflow_decisions": ["decision_id", "decision_time", "workflow_name", "action", "reason", "priority",
                           "triggered_by"],
    "workflow_executions": ["execution_id", "execution_time", "workflow_name", "decision_id", "status",
                            "duration_seconds", "scrapers_triggered", "scrapers_succeeded", "scrapers_failed",
                            "error_message"],
    "system_logs": ["id", "timestamp", "source_type", "source_id", "log_level", "message", "task_id", "worker_id",
                    "cycle_number"],
}


def csv_field(value):
    """COPY CSV: None is NULL (empty, unquoted); "" and anything special is quoted."""
    if value is None:
        return b""
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogateescape")
    if raw == b"" or raw == b"\\." or any(c in raw for c in b',"\r\n'):
        return b'"' + raw.replace(b'"', b'""') + b'"'
    return raw


def make_snapshot(directory, since, until, tables):
    """tables: {name: [row, ...]} with rows as lists in FIELDS order (short rows padded with None).
    Rows must already be in (time, key) order, as the server's ORDER BY gives them."""
    os.makedirs(directory)
    entries = []
    for name, fields in FIELDS.items():
        if name not in tables:
            entries.append({"table": name, "relation": name, "status": "missing",
                            "reason": f"table {name} does not exist"})
            continue
        lines = [b",".join(f.encode() for f in fields) + b"\n"]
        for row in tables[name]:
            row = list(row) + [None] * (len(fields) - len(row))
            lines.append(b",".join(csv_field(v) for v in row) + b"\n")
        data = b"".join(lines)
        with open(os.path.join(directory, name + ".csv"), "wb") as f:
            f.write(data)
        entries.append({"table": name, "relation": name, "status": "ok", "file": name + ".csv",
                        "rows": len(tables[name]), "sha256": hashlib.sha256(data).hexdigest(), "query": "(test)"})
    mapping = {"tables": {name: {"table": name, "columns": {f: f for f in fields}} for name, fields in FIELDS.items()}}
    for key in ("orchestrator_status", "promoted_to_active_at", "terminated_at", "error_reason", "error_time",
                "runpod_id"):
        mapping["tables"]["workers"]["columns"][key] = {"column": "metadata", "key": key}
    manifest = {"format": "tlrecon-snapshot", "format_version": 1, "tool": "tlrecon", "version": "test",
                "taken_at": since, "window": {"since": since, "until": until}, "lookback_seconds": 86400.0,
                "mapping": mapping, "tables": entries}
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
