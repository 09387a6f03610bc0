"""What a repository's own scanner settings do (trivy, gitleaks).  trivy reads a
``trivy.yaml`` from where it runs: one with ``severity: [LOW]`` made a leaked AWS key 0 findings, and a pull request
can add one.  It is not read unless the ``config`` option names it (a note says so).
A ``.trivyignore`` is read, as projects use it, and what it suppresses is written as a
suppressed finding with its source (``--show-suppressed``): before, it vanished.  A
``.gitleaks.toml`` is read, as gitleaks documents, and the run says it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan import scan

AWS_KEY = 'aws_access_key_id = "AKIAIOSFODNN7EXAMPLF"\n'


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "creds.py").write_text(AWS_KEY)
    (tree / "trivy.yaml").write_text("severity:\n  - LOW\n")
    return tree


def _secrets(result):
    return [f for f in result.findings if f.tool == "trivy" and f.rule_id == "aws-access-key-id"]


@pytest.mark.trivy
def test_a_repository_trivy_yaml_cannot_hide_findings(tmp_path):
    result = scan(_tree(tmp_path), scanners=["trivy"], cache=False)
    assert len(_secrets(result)) == 1
    notes = [n.message for n in result.runs["trivy"].report.notifications]
    assert any("trivy.yaml was not read" in m and "config: trivy.yaml" in m for m in notes), notes


@pytest.mark.trivy
def test_the_config_option_reads_it(tmp_path):
    result = scan(_tree(tmp_path), scanners=["trivy"], cache=False, options={"trivy": {"config": "trivy.yaml"}})
    assert _secrets(result) == []  # the user asked for its severity filter


@pytest.mark.trivy
def test_what_trivyignore_suppresses_is_kept_as_suppressed(tmp_path):
    tree = _tree(tmp_path)
    (tree / ".trivyignore").write_text("aws-access-key-id\n")
    result = scan(tree, scanners=["trivy"], cache=False)
    found = _secrets(result)
    assert len(found) == 1 and found[0].is_suppressed
    assert [s.source for s in found[0].suppressions] == ["trivy:.trivyignore"]


@pytest.mark.gitleaks
def test_a_repository_gitleaks_toml_is_named_in_the_run(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "creds.py").write_text(AWS_KEY)
    (tree / ".gitleaks.toml").write_text("[extend]\nuseDefault = true\n[allowlist]\npaths = ['''creds\\.py''']\n")
    result = scan(tree, scanners=["gitleaks"], cache=False)
    notes = [n.message for n in result.runs["gitleaks"].report.notifications]
    assert any("the repository's .gitleaks.toml" in m for m in notes), notes
    assert [f for f in result.findings if f.tool == "gitleaks"] == []  # its allowlist applied, and said so
    (tree / ".gitleaks.toml").unlink()
    plain = scan(tree, scanners=["gitleaks"], cache=False)
    assert [f.path for f in plain.findings if f.tool == "gitleaks"] == ["creds.py"]
    assert not any(".gitleaks.toml" in n.message for n in plain.runs["gitleaks"].report.notifications)
