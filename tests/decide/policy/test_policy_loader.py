"""Policy files: the issue's example means what it says, the shipped files are valid
under both the loader and the published JSON Schema, and every mistake is one line
naming the file, the line and the key."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import jsonschema
import pytest
import yaml

from secscan.decide.policy import SCHEMA, load_policy
from secscan.errors import PolicyError
from secscan.findings import Severity
from support.policy_data import POLICIES, REPO

ISSUE_EXAMPLE = """\
version: 1
fail_on: high
sla: {critical: 7, high: 30, medium: 90, low: 180}
suppressions:
  - rule: B602
    path: "tests/**"
    reason: test fixtures run trusted commands
    owner: "@platform-security"
    expires: 2027-03-31
"""


def test_issue_example_has_exactly_its_meaning(policy):
    p = policy(ISSUE_EXAMPLE)
    assert p.version == 1 and p.fail_on == "high" and p.fail_on_severity is Severity.HIGH
    assert dict(p.sla) == {"critical": 7, "high": 30, "medium": 90, "low": 180, "info": None}
    (s,) = p.suppressions
    assert (s.match.rule, s.match.path, s.reason, s.owner, s.expires) == (
        "B602", "tests/**", "test fixtures run trusted commands", "@platform-security", date(2027, 3, 31))
    # everything not written keeps its documented default
    assert (p.mode, p.enforce, p.unknown_as, dict(p.max), p.sla_warning_days) == ("all", True, "high", {}, 7)
    assert (p.required_scanners, p.overrides, p.exclude, p.licenses) == ((), (), (), None)


SHIPPED = sorted(POLICIES.glob("*.yml"))


def test_the_three_documented_policies_are_shipped():
    assert {p.name for p in SHIPPED} >= {"default.yml", "strict.yml", "audit-only.yml"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_policy_valid_for_loader_and_schema_and_commented(path):
    policy = load_policy(path)
    assert policy.version == 1
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data = json.loads(json.dumps(data, default=str))  # dates as text, as editors see them
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    comments = [line for line in path.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")]
    assert len(comments) >= 5, "each shipped policy explains itself in comments"


def test_audit_only_never_enforces_and_strict_requires_scanners():
    assert load_policy(POLICIES / "audit-only.yml").enforce is False
    strict = load_policy(POLICIES / "strict.yml")
    assert strict.required_scanners and strict.licenses.unknown == "deny"


def test_published_schema_is_the_loaders_schema():
    published = json.loads((POLICIES / "policy.schema.json").read_text(encoding="utf-8"))
    assert published == SCHEMA
    jsonschema.Draft202012Validator.check_schema(published)


# (policy text, expected line, key, extra words the message must contain)
BAD = [
    ("version: 1\nfial_on: high\n", 2, "fial_on", "did you mean 'fail_on'"),
    ("version: 1\nfail_on: hihg\n", 2, "fail_on", "did you mean 'high'"),
    ("version: 1\nsla:\n  critical: seven\n", 3, "sla.critical", "expected integer"),
    ("version: 1\nsla: {hgih: 3}\n", 2, "sla.hgih", "did you mean 'high'"),
    ("version: 1\nsla_warning_days: 2.5\n", 2, "sla_warning_days", "expected integer"),
    ("version: 1\nmax:\n  medium: -1\n", 3, "max.medium", "at least 0"),
    ("version: 1\nmode: fresh\n", 2, "mode", "all, new"),
    ("version: 1\nenforce: maybe\n", 2, "enforce", "expected boolean"),
    ("version: 1\nunknown_as: hi\n", 2, "unknown_as", "not one of"),
    ("version: 2\n", 1, "version", "unsupported policy version"),
    ("fail_on: high\n", 1, "(top level)", "missing required key 'version'"),
    ("version: 1\nsuppressions:\n  - rule: B602\n    reason: r\n    owner: o\n    expires: 2027-02-30\n",
     6, "suppressions[0].expires", "bad date"),
    ("version: 1\nsuppressions:\n  - rule: B602\n    reason: r\n    owner: o\n    expires: 2027-3-31\n",
     6, "suppressions[0].expires", "YYYY-MM-DD"),
    ("version: 1\nsuppressions:\n  - rule: B602\n    reason: r\n    owner: o\n    expires: soon\n",
     6, "suppressions[0].expires", "bad date"),
    ("version: 1\nsuppressions:\n  - rule: B602\n    reason: r\n    expires: 2027-03-31\n",
     3, "suppressions[0]", "missing required key 'owner'"),
    ("version: 1\nsuppressions:\n  - rule: B602\n    owner: o\n    expires: 2027-03-31\n",
     3, "suppressions[0]", "missing required key 'reason'"),
    ("version: 1\nsuppressions:\n  - rule: B602\n    owner: o\n    reason: r\n",
     3, "suppressions[0]", "missing required key 'expires'"),
    ("version: 1\nsuppressions:\n  - reason: r\n    owner: o\n    expires: 2027-03-31\n",
     3, "suppressions[0]", "at least one of fingerprint"),
    ("version: 1\nsuppressions:\n  - rule: B1\n    reason: r\n    owner: o\n    expires: 2027-03-31\n"
     "    onwer: x\n", 7, "suppressions[0].onwer", "did you mean 'owner'"),
    ("version: 1\noverrides:\n  - rule: B101\n    severity: low\n    resaon: x\n", 5, "overrides[0].resaon",
     "did you mean 'reason'"),
    ("version: 1\noverrides:\n  - rule: B101\n", 3, "overrides[0]", "missing required key 'severity'"),
    ("version: 1\nscanners:\n  required: [bandit, gitleak]\n", 3, "scanners.required[1]", "did you mean 'gitleaks'"),
    ("version: 1\nscanners:\n  bandit: {confidense: high}\n", 3, "scanners.bandit.confidense",
     "did you mean 'confidence'"),
    ("version: 1\nscanners:\n  trivy:\n    scanners: [vuln, secrets]\n", 4, "scanners.trivy.scanners[1]",
     "did you mean 'secret'"),
    ("version: 1\npaths:\n  exclude: vendor/**\n", 3, "paths.exclude", "expected a list"),
    ("version: 1\nlicenses:\n  unknown: block\n", 3, "licenses.unknown", "allow, warn, deny"),
    ("version: 1\nlicences:\n  deny: [GPL-*]\n", 2, "licences", "did you mean 'licenses'"),
    ("version: 1\nversion: 1\n", 2, "version", "duplicate key"),
    ("version: 1\non: true\n", 2, "on", "quote it"),
    ("version: 1\nfail_on: [high\n", 3, "", "not valid YAML"),
    ("", 1, "", "empty policy"),
    ("- version: 1\n", 1, "", "mapping"),
]


@pytest.mark.parametrize("text,line,key,words", BAD, ids=[f"{b[2] or 'doc'}-{i}" for i, b in enumerate(BAD)])
def test_bad_policy_is_one_line_with_file_line_key(policy_file, text, line, key, words):
    path = policy_file(text, "team-policy.yml")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: "), message
    if key:
        assert f": {key}: " in message, message
    assert words in message, message


def test_schema_and_loader_agree_on_bad_documents():
    """Every document the loader rejects (YAML aside) the published schema rejects too."""
    validator = jsonschema.Draft202012Validator(json.loads((POLICIES / "policy.schema.json").read_text()))
    for text, _, _key, words in BAD:
        if words in ("not valid YAML", "empty policy", "duplicate key", "quote it") or "2027-02-30" in text:
            continue  # not expressible in JSON Schema: YAML syntax, duplicate keys, calendar dates
        data = json.loads(json.dumps(yaml.safe_load(text), default=str))
        assert list(validator.iter_errors(data)), text


def test_missing_policy_file_is_one_line(tmp_path):
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "nope.yml")


def test_cli_bad_policy_exit_2_no_traceback(policy_file, tmp_path):
    path = policy_file("version: 1\nfial_on: high\n")
    from support.policy_data import CODEQL

    proc = subprocess.run([sys.executable, "-m", "secscan", "gate", "--policy", str(path), str(CODEQL)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"secscan: error: {path}:2: fial_on: unknown key (did you mean 'fail_on'?)"
    assert "Traceback" not in proc.stderr + proc.stdout
