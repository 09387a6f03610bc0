"""The policy: a YAML file that decides whether a run's findings pass the CI gate.

- :func:`load_policy` / :func:`parse_policy` — read and validate a policy file
  (one-line :class:`~secscan.errors.PolicyError` naming file, line and key);
- :func:`evaluate` — findings + policy (+ baseline, clock, scanner status) → :class:`Decision`;
- :func:`gate` — the same from a SARIF file (``secscan gate``);
- :func:`license_findings` — licence inventory → findings of category ``license``;
- :func:`render_decision` — the decision as a rich table.

See docs/policy.md for every key.
"""

from __future__ import annotations

from typing import Any

from secscan.decide.policy.decision import Blocker, Decision, ExpiredSuppression, SlaStatus, evaluate
from secscan.decide.policy.gate import gate
from secscan.decide.policy.license_check import license_findings
from secscan.decide.policy.loader import load_policy, parse_policy
from secscan.decide.policy.model import Policy
from secscan.decide.policy.render import render_decision
from secscan.decide.policy.schema import policy_schema

__all__ = [
           "SCHEMA",
           "Blocker",
           "Decision",
           "ExpiredSuppression",
           "Policy",
           "SlaStatus",
           "evaluate",
           "gate",
           "license_findings",
           "load_policy",
           "parse_policy",
           "policy_schema",
           "render_decision",
]


def __getattr__(name: str) -> Any:
    # SCHEMA is built on first use (it lists every scanner, plugins included)
    if name == "SCHEMA":
        return policy_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
