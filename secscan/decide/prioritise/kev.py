"""CISA's Known Exploited Vulnerabilities catalogue, read from its published JSON feed.

The feed (``known_exploited_vulnerabilities.json``, schema
``known_exploited_vulnerabilities_schema.json`` in cisagov/kev-data) is one object:
``catalogVersion``, ``dateReleased``, ``count`` and ``vulnerabilities`` — entries with
``cveID``, ``dateAdded``, ``dueDate``, ``knownRansomwareCampaignUse`` ("Known" /
"Unknown"), ``vendorProject``, ``product``, ``vulnerabilityName``, ``requiredAction``…
Only what the gate and the reports use is kept.  A file that is not that shape is an
input error naming the file — never an empty catalogue that would pass the gate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from secscan.errors import ReportError

_CVE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,19}$")


@dataclass(frozen=True, slots=True)
class KevEntry:
    cve: str
    date_added: date
    due_date: date | None
    ransomware: bool  # knownRansomwareCampaignUse == "Known"
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"dateAdded": self.date_added.isoformat(),
                "dueDate": self.due_date.isoformat() if self.due_date else None,
                "knownRansomwareCampaignUse": "Known" if self.ransomware else "Unknown",
                "vulnerabilityName": self.name}


@dataclass(frozen=True, slots=True)
class KevCatalog:
    version: str
    released: str  # dateReleased as published (ISO date-time)
    entries: Mapping[str, KevEntry] = field(default_factory=dict)
    source: str = ""

    @property
    def date(self) -> str:
        """The catalogue's date (YYYY-MM-DD) — what a run says it used."""
        return self.released[:10]

    def get(self, cve: str) -> KevEntry | None:
        return self.entries.get(cve.upper())

    def describe(self) -> dict[str, Any]:
        return {"catalogVersion": self.version, "dateReleased": self.released, "count": len(self.entries),
                "source": self.source}


def _date(value: Any, where: str, source: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ReportError(source, f"{where}: not a YYYY-MM-DD date: {value!r}") from None


def parse_kev(data: bytes, source: str) -> KevCatalog:
    """The catalogue in ``data`` (the feed's JSON); ReportError naming ``source`` otherwise."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(source, f"not a KEV catalogue: invalid JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("vulnerabilities"), list) \
            or not isinstance(doc.get("catalogVersion"), str) or not isinstance(doc.get("dateReleased"), str):
        raise ReportError(source, "not a CISA KEV catalogue (needs catalogVersion, dateReleased and "
                                  "a vulnerabilities list)")
    _date(doc["dateReleased"], "dateReleased", source)
    entries: dict[str, KevEntry] = {}
    for i, item in enumerate(doc["vulnerabilities"]):
        where = f"vulnerabilities[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("cveID"), str) \
                or not _CVE.match(item["cveID"].strip().upper()):
            raise ReportError(source, f"{where}: no valid cveID")
        cve = item["cveID"].strip().upper()
        entries[cve] = KevEntry(
            cve=cve, date_added=_date(item.get("dateAdded"), f"{where}.dateAdded", source),
            due_date=_date(item["dueDate"], f"{where}.dueDate", source) if item.get("dueDate") else None,
            ransomware=str(item.get("knownRansomwareCampaignUse", "")).strip().lower() == "known",
            name=str(item.get("vulnerabilityName") or ""))
    return KevCatalog(doc["catalogVersion"], doc["dateReleased"], dict(sorted(entries.items())), source)
