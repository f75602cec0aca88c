"""Interop: MCP clients nobody here wrote (the official MCP Python SDK, `pip install mcp`, and fastmcp) against
nexusd running examples/nexus.yaml, pinned to 2025-11-25 (initialize handshake) and to 2026-07-28 (stateless).
A recording relay between client and server checks which revision really went over the wire. An overlay of the
example adds a workflow on an upstream that the test kills: its calls become `isError` results."""

from __future__ import annotations

import asyncio
import copy
import pytest

import subprocess
from pathlib import Path

import yaml

from nexus_e2e import LISTEN_RE, NexusProcess
from upstreams import JSONSum, UpstreamServer
from wire_recorder import WireRecorder

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nexus.yaml"

mcp = pytest.importorskip("mcp", reason="the MCP Python SDK is not installed (scripts/install-deps)")


def start_example(nexusd_binary, io_backend, tmp_path, text: str):
    cfg = tmp_path / "nexus.yaml"
    cfg.write_text(text)
    proc = subprocess.Popen([str(nexusd_binary), "--config", str(cfg), "--io", io_backend],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    srv = NexusProcess(proc, cfg, {}, [])
    m = srv.wait_for_line(LISTEN_RE, timeout=10)
    assert m, srv.stderr
    srv.host, srv.port = m.group(1), int(m.group(2))
    return srv, WireRecorder((srv.host, srv.port))


@pytest.fixture
def example_server(nexusd_binary, io_backend, tmp_path):
    """nexusd on examples/nexus.yaml as shipped, but on port 0, in a temporary folder."""
    srv, rec = start_example(nexusd_binary, io_backend, tmp_path, EXAMPLE.read_text().replace("127.0.0.1:8080", "127.0.0.1:0"))
    yield rec
    rec.close()
    assert srv.stop(timeout=10) == 0, srv.stderr


@pytest.fixture
def overlay_server(nexusd_binary, io_backend, tmp_path):
    """The example plus an upstream pool `math` (a test server, `rec.upstream`) and a workflow `remote_add` on it."""
    up = UpstreamServer("math")
    up.on("/sum", JSONSum())
    cfg = yaml.safe_load(EXAMPLE.read_text())
    cfg["listeners"][0]["address"] = "127.0.0.1:0"
    cfg["upstreams"] = [{"name": "math", "backends": [{"address": up.address}], "retry": False,
                         "timeouts": {"connect": "1s", "read": "5s"}}]
    add = next(w for w in cfg["workflows"] if w["name"] == "add")
    remote = copy.deepcopy({k: v for k, v in add.items() if k != "handler"})  # no YAML anchors: nexusd refuses them
    cfg["workflows"].append({**remote, "name": "remote_add", "description": "a + b by a service",
                             "upstream": "math", "method": "POST", "path": "/sum"})
    srv, rec = start_example(nexusd_binary, io_backend, tmp_path, yaml.safe_dump(cfg))
    rec.upstream = up
    yield rec
    rec.close()
    up.close()
    assert srv.stop(timeout=10) == 0, srv.stderr


PINS = ["2025-11-25", "2026-07-28"]


def sdk_mode(version: str) -> str:
    # The SDK's handshake mode speaks its newest handshake revision; a modern revision is pinned by name.
    return "legacy" if version == "2025-11-25" else version


def check_wire(rec: WireRecorder, version: str):
    if version == "2026-07-28":
        assert rec.versions_sent() == {"2026-07-28"}, rec.versions_sent()
        assert rec.initialize_versions() == []
    else:
        assert rec.initialize_versions() and set(rec.initialize_versions()) == {"2025-11-25"}
        assert rec.versions_sent() == {"2025-11-25"}, rec.versions_sent()


@pytest.mark.parametrize("version", PINS)
def test_official_sdk(example_server, version):
    from mcp import Client
    from mcp.shared.exceptions import MCPError

    async def main():
        async with Client(example_server.url, mode=sdk_mode(version)) as c:
            assert c.protocol_version == version
            tools = (await c.list_tools()).tools
            assert [t.name for t in tools] == ["echo", "add"]
            assert tools[1].output_schema["required"] == ["sum"]
            r = await c.call_tool("add", {"a": 2, "b": 3})
            assert r.is_error is False and r.structured_content == {"sum": 5}
            assert r.content[0].type == "text" and '"sum":5' in r.content[0].text
            r = await c.call_tool("echo", {"message": "héllo"})
            assert r.structured_content == {"message": "héllo"}
            with pytest.raises(MCPError) as e:
                await c.call_tool("nope", {})
            assert e.value.error.code == -32602
            bad = await c.call_tool("add", {"a": "x"})
            assert bad.is_error is True and "/a" in bad.content[0].text
            results = await asyncio.gather(*[c.call_tool("add", {"a": i, "b": 1}) for i in range(50)])
            assert [r.structured_content["sum"] for r in results] == [i + 1 for i in range(50)]

    asyncio.run(main())
    check_wire(example_server, version)


@pytest.mark.parametrize("version", PINS)
def test_fastmcp_client(example_server, version):
    fastmcp = pytest.importorskip("fastmcp", reason="fastmcp is not installed (scripts/install-deps)")
    from fastmcp.exceptions import ToolError

    async def main():
        async with fastmcp.Client(example_server.url, mode=sdk_mode(version)) as c:
            tools = await c.list_tools()
            assert [t.name for t in tools] == ["echo", "add"]
            r = await c.call_tool("add", {"a": 20, "b": 22})
            assert r.structured_content == {"sum": 42} and not r.is_error
            with pytest.raises(Exception) as e:
                await c.call_tool("nope", {})
            assert "Unknown tool" in str(e.value)
            with pytest.raises(ToolError) as e:
                await c.call_tool("add", {"a": "x", "b": 1})
            assert "/a" in str(e.value)
            results = await asyncio.gather(*[c.call_tool("echo", {"message": f"m{i}"}) for i in range(50)])
            assert [r.structured_content["message"] for r in results] == [f"m{i}" for i in range(50)]

    asyncio.run(main())
    check_wire(example_server, version)


def test_official_sdk_auto_mode_discovers_the_modern_revision(example_server):
    """The SDK's default ("auto") probes server/discover, sees 2026-07-28 and stays stateless."""
    from mcp import Client

    async def main():
        async with Client(example_server.url) as c:
            assert c.protocol_version == "2026-07-28"
            assert (await c.call_tool("add", {"a": 1, "b": 1})).structured_content == {"sum": 2}

    asyncio.run(main())
    assert '"server/discover"' in example_server.text().replace(" ", "")
    assert example_server.initialize_versions() == []


@pytest.mark.parametrize("version", PINS)
def test_official_sdk_upstream_workflow_killed(overlay_server, version):
    """A workflow on an upstream: results while it serves, `isError` results once the test has killed it."""
    from mcp import Client

    async def main():
        async with Client(overlay_server.url, mode=sdk_mode(version)) as c:
            assert "remote_add" in [t.name for t in (await c.list_tools()).tools]
            r = await c.call_tool("remote_add", {"a": 2, "b": 3})
            assert r.is_error is False and r.structured_content == {"sum": 5}
            results = await asyncio.gather(*[c.call_tool("remote_add", {"a": i, "b": 1}) for i in range(20)])
            assert [r.structured_content["sum"] for r in results] == [i + 1 for i in range(20)]
            overlay_server.upstream.close()
            r = await c.call_tool("remote_add", {"a": 2, "b": 3})
            assert r.is_error is True and "upstream failed" in r.content[0].text
            assert r.structured_content is None
            # The built-in tools go on.
            assert (await c.call_tool("add", {"a": 1, "b": 1})).structured_content == {"sum": 2}

    asyncio.run(main())
    check_wire(overlay_server, version)


@pytest.mark.parametrize("version", PINS)
def test_fastmcp_upstream_workflow_killed(overlay_server, version):
    fastmcp = pytest.importorskip("fastmcp", reason="fastmcp is not installed (scripts/install-deps)")
    from fastmcp.exceptions import ToolError

    async def main():
        async with fastmcp.Client(overlay_server.url, mode=sdk_mode(version)) as c:
            r = await c.call_tool("remote_add", {"a": 20, "b": 22})
            assert r.structured_content == {"sum": 42} and not r.is_error
            overlay_server.upstream.close()
            with pytest.raises(ToolError) as e:
                await c.call_tool("remote_add", {"a": 1, "b": 1})
            assert "upstream failed" in str(e.value)
            r = await c.call_tool("remote_add", {"a": 1, "b": 1}, raise_on_error=False)
            assert r.is_error

    asyncio.run(main())
    check_wire(overlay_server, version)
