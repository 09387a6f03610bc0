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

from .decision import Blocker, Decision, ExpiredSuppression, SlaStatus, evaluate
from .gate import gate
from .license_check import license_findings
from .loader import load_policy, parse_policy
from .model import Policy
from .render import render_decision
from .schema import SCHEMA

__all__ = ["Blocker", "Decision", "ExpiredSuppression", "Policy", "SCHEMA", "SlaStatus", "evaluate", "gate",
           "license_findings", "load_policy", "parse_policy", "render_decision"]
