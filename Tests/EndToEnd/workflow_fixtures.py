"""Shared pieces of the workflow tests: demo workflows, an auth setup, and small JSON-over-HTTP helpers."""

from __future__ import annotations

import json
from pathlib import Path

from nexus_e2e import one_shot

ECHO = {
    "name": "echo", "title": "Echo", "description": "Returns the message it is given.", "handler": "echo",
    "input_schema": {"type": "object", "properties": {"message": {"type": "string", "maxLength": 100}},
                     "required": ["message"], "additionalProperties": False},
    "output_schema": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]},
}
ADD = {
    "name": "add", "title": "Add", "description": "a + b", "handler": "add",
    "input_schema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                     "required": ["a", "b"], "additionalProperties": False},
    "output_schema": {"type": "object", "properties": {"sum": {"type": "number"}}, "required": ["sum"]},
}
KEY_READER = "wf-key-reader-0123456789abcdef"
KEY_NOBODY = "wf-key-nobody-0123456789abcdef"


def open_config() -> dict:
    """Two workflows, no auth."""
    return {"workflows": [ECHO, ADD]}


def auth_config(tmp: Path, limit: dict | None = None) -> dict:
    """`echo` anonymous, `add` needs the scope math:run (held by `reader`, not by `nobody`)."""
    (tmp / "wf-keys.txt").write_text(f"{KEY_READER} reader\n{KEY_NOBODY} nobody\n")
    add = {**ADD, "scopes": ["math:run"]}
    if limit:
        add["rate_limits"] = [limit]
    return {
        "auth": {"keys_file": str(tmp / "wf-keys.txt")},
        "plans": [{"name": "p", "rate": "1000/s", "burst": 1000}],
        "consumers": [{"name": "reader", "scopes": ["math:run"], "plan": "p"}, {"name": "nobody", "scopes": [], "plan": "p"}],
        "workflows": [{**ECHO, "anonymous": True}, add],
    }


def call(srv, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | None = None):
    """One request on its own connection; `body` is sent as JSON unless `raw` is given."""
    h = dict(headers or {})
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    if body is not None or raw is not None:
        h.setdefault("Content-Type", "application/json")
        h["Content-Length"] = str(len(data))
    head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
    return one_shot(srv, head.encode("latin-1") + data)
