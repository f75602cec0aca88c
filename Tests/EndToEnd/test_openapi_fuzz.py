"""schemathesis (a property-based API tester nobody here wrote) against /openapi.json of nexusd: on
examples/nexus.yaml as shipped (anonymous workflows), and on a configuration with keys and a scoped workflow. It must
find no server error and no response that the document does not describe (status, content type, headers, body
schema, Allow), and the server must refuse what the schemas refuse and accept what they accept. Bounded: 50
examples per operation and a fixed seed, a few seconds per run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nexus_e2e import LISTEN_RE, NexusProcess
from workflow_fixtures import KEY_READER, auth_config

pytest.importorskip("schemathesis", reason="schemathesis is not installed (scripts/install-deps: pip install schemathesis)")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nexus.yaml"

# The checks of schemathesis 4 that judge the server against its own document (every one that applies to these
# operations; "all" would also take checks added by later versions, which are not known to be stable).
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance", "missing_required_header",
          "unsupported_method", "allow_header_conformance", "ignored_auth"]


def start(binary: Path, cfg: Path, backend: str) -> NexusProcess:
    proc = subprocess.Popen([str(binary), "--config", str(cfg), "--io", backend],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    srv = NexusProcess(proc, cfg, {}, [])
    m = srv.wait_for_line(LISTEN_RE, timeout=10)
    assert m, srv.stderr
    srv.host, srv.port = m.group(1), int(m.group(2))
    return srv


def schemathesis(srv: NexusProcess, tmp_path: Path, headers: list[str] = ()) -> subprocess.CompletedProcess:
    args = [sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
            "run", f"http://{srv.host}:{srv.port}/openapi.json", "--checks", ",".join(CHECKS),
            "--max-examples", "50", "--seed", "20260728", "--no-color", "--generation-database", "none",
            "--report-dir", str(tmp_path / "schemathesis-report")]
    for h in headers:
        args += ["-H", h]
    return subprocess.run(args, capture_output=True, text=True, timeout=240, cwd=tmp_path)


def test_example_config(nexusd_binary, io_backend, tmp_path):
    cfg = tmp_path / "nexus.yaml"
    cfg.write_text(EXAMPLE.read_text().replace("127.0.0.1:8080", "127.0.0.1:0"))
    srv = start(nexusd_binary, cfg, io_backend)
    try:
        r = schemathesis(srv, tmp_path)
        assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
        assert "No issues found" in r.stdout or "passed" in r.stdout, r.stdout[-3000:]
    finally:
        assert srv.stop(timeout=10) == 0, srv.stderr


def test_keys_and_scopes(nexusd_binary, io_backend, tmp_path):
    """`echo` anonymous, `add` needs a scope: with the key that holds it the document lists both (and marks `add`
    as secured, which ignored_auth checks: without credentials it must be 401)."""
    from nexus_e2e import DEFAULT_CONFIG, deep_merge, to_yaml
    cfg = tmp_path / "nexus.yaml"
    cfg.write_text(to_yaml({**deep_merge(DEFAULT_CONFIG, auth_config(tmp_path)), "state": {"folder": str(tmp_path / "state")}}))
    srv = start(nexusd_binary, cfg, io_backend)
    try:
        r = schemathesis(srv, tmp_path, headers=[f"X-API-Key: {KEY_READER}"])
        assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    finally:
        assert srv.stop(timeout=10) == 0, srv.stderr


def test_operation_ids_are_unique(nexus):
    """Workflow names that differ only in characters an operationId replaces ('a.b', 'a-b', 'a_b') still give
    distinct ids (OpenAPI requires them unique; generators and schemathesis key operations by them)."""
    from workflow_fixtures import ECHO, call
    srv = nexus({"workflows": [{**ECHO, "name": n} for n in ["a.b", "a-b", "a_b"]]})
    doc = call(srv, "GET", "/openapi.json").json()
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) == 7, ids
    assert doc["paths"]["/v1/workflows/a-b"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/Workflow"}
