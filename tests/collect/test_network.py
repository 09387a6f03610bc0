"""Network-aware by default: each scanner's service is probed with a short timeout.

The probes go to a local HTTP server (reachable) and to a port where nothing listens
(unreachable) — never to the internet.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.collect.network import INDEX, SERVICES, probe, probe_services


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path.endswith("/json") else 404
        body = b'{"info": {}, "vulnerabilities": []}' if status == 200 else b"not found"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_service_that_answers_is_reachable(server: str) -> None:
    from dataclasses import replace

    found = probe(replace(SERVICES["pip-audit"], url=f"{server}/pypi/pip/24.0/json"))
    assert found.reachable and found.detail == "HTTP 200"


def test_an_index_without_release_data_is_not_pip_audits_service(server: str) -> None:
    """A mirror that has no per-release JSON makes pip-audit skip every dependency."""
    from dataclasses import replace

    found = probe(replace(SERVICES["pip-audit"], url=f"{server}/simple/pip/"))
    assert not found.reachable and found.detail == "HTTP 404"
    assert probe(replace(SERVICES["trivy"], url=f"{server}/v2/")).reachable  # any answer < 500


def test_a_closed_port_is_unreachable_at_once() -> None:
    urls = {tool: f"http://127.0.0.1:{_closed_port()}/" for tool in [*SERVICES, INDEX]}
    found = probe_services(["pip-audit", "trivy", "safety", "bandit"], urls)
    # bandit needs no network; with pip-audit, the package index is probed too (resolution)
    assert sorted(found) == ["pip-audit", "pip-index", "safety", "trivy"]
    assert not any(p.reachable for p in found.values())
    assert all("ConnectError" in p.detail for p in found.values())


def test_run_probes_by_default_and_an_unreachable_service_leaves_dependencies_not_audited(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SECSCAN_OFFLINE", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["run", str(project), "--scanners", "pip-audit", "--sarif", str(out),
                                       "--option", f"pip-audit.probe_url=http://127.0.0.1:{_closed_port()}/"])
    assert result.exit_code == 3, result.output  # asked for by name, could not run
    log = json.loads(out.read_text(encoding="utf-8"))
    [run] = log["runs"]
    [res] = run["results"]
    assert res["ruleId"] == "not-audited"
    status = run["invocations"][0]["properties"]["secscan/status"]
    assert "PyPI vulnerability API not reachable" in status and "ConnectError" in status


def test_offline_forbids_the_probe_and_the_network(tmp_path: Path, server: str, monkeypatch) -> None:
    monkeypatch.delenv("SECSCAN_OFFLINE", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["run", str(project), "--scanners", "pip-audit", "--sarif", str(out),
                                       "--offline", "--option", f"pip-audit.probe_url={server}/pypi/pip/24.0/json"])
    assert result.exit_code == 3, result.output
    status = json.loads(out.read_text())["runs"][0]["invocations"][0]["properties"]["secscan/status"]
    assert "no vulnerability service configured" in status and "network:" not in status


def test_offline_in_the_settings_file(tmp_path: Path, server: str, monkeypatch) -> None:
    monkeypatch.delenv("SECSCAN_OFFLINE", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    (project / "secscan.yml").write_text("offline: true\n", encoding="utf-8")
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["run", str(project), "--scanners", "pip-audit", "--sarif", str(out),
                                       "--option", f"pip-audit.probe_url={server}/pypi/pip/24.0/json"])
    assert result.exit_code == 3, result.output
    status = json.loads(out.read_text())["runs"][0]["invocations"][0]["properties"]["secscan/status"]
    assert "network:" not in status
