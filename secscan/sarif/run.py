"""A run's secscan properties: written by :func:`encode_run`, read by :func:`decode_run`.

Why: a run says more than SARIF has words for — which scanner it is (the driver name
may be another's: ``secscan-policy``, an image's trivy), which bucket of how many it
is, which categories a run that did not run tonight keeps, what it could not audit,
its licence inventory — and its invocation says whether the scanner ran
(:mod:`secscan.sarif.status`).  The category layout, the gate and the upload read
these back; this module is the one place that spells them.  Decoding is lenient (a
value of the wrong type reads as absent): :mod:`secscan.parse.sarif_reader`, the
boundary for a whole log, checks the values it turns into findings itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from secscan.findings import LicenseRecord
from secscan.sarif import keys
from secscan.sarif.buckets import MAX_BUCKETS
from secscan.sarif.status import RunState, encode_status


@dataclass(frozen=True)
class RunProperties:
    """What secscan wrote in a run's ``properties`` (absent or malformed: the default)."""

    tool: str | None = None
    image: str | None = None
    buckets: int | None = None  # 1 … MAX_BUCKETS
    bucket: int | None = None  # 1-based
    categories: tuple[str, ...] = ()  # kept by a run that did not run tonight
    closeout: bool = False
    not_audited: tuple[object, ...] = ()
    licenses: tuple[object, ...] = ()

    @property
    def run_key(self) -> str | None:
        """The key of the run's tool in secscan (an image's run: ``image NAME/TOOL``)."""
        if self.tool is None:
            return None
        return f"image {self.image}/{self.tool}" if self.image else self.tool


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_BUCKETS else None


def run_properties(run: Mapping[str, Any]) -> Mapping[str, Any]:
    """A run's ``properties`` object (``{}`` when it has none)."""
    return _mapping(run.get("properties"))


def decode_run(run: Mapping[str, Any]) -> RunProperties:
    props = run_properties(run)
    tool, image = props.get(keys.TOOL), props.get(keys.IMAGE)
    cats, unaudited, licences = props.get(keys.CATEGORIES), props.get(keys.NOT_AUDITED), props.get(keys.LICENSES)
    return RunProperties(
        tool=tool if isinstance(tool, str) and tool else None,
        image=image if isinstance(image, str) and image else None,
        buckets=_count(props.get(keys.BUCKETS)),
        bucket=_count(props.get(keys.BUCKET)),
        categories=tuple(c for c in cats if isinstance(c, str)) if isinstance(cats, list) else (),
        closeout=bool(props.get(keys.CLOSEOUT)),
        not_audited=tuple(unaudited) if isinstance(unaudited, list) else (),
        licenses=tuple(licences) if isinstance(licences, list) else (),
    )


def encode_licenses(records: Iterable[LicenseRecord]) -> list[dict[str, Any]]:
    """The licence inventory as written: one object per record, sorted, empty fields
    (and the default ``project`` scope) left out."""
    return sorted(
        ({k: v for k, v in (("package", r.package), ("version", r.version), ("license", r.license),
                            ("path", r.path), ("scope", r.scope if r.scope != "project" else None))
          if v is not None} for r in records),
        key=lambda d: (d["package"].lower(), d.get("version") or "", d["license"]))


def encode_run(tool: str, *, image: str | None = None, part: tuple[int, int] | None = None,
               not_audited: Sequence[str] = (), licenses: Sequence[LicenseRecord] = ()) -> dict[str, Any]:
    """A run's ``properties``: ``part`` is (0-based bucket, buckets) of a spread tool."""
    props: dict[str, Any] = {keys.TOOL: tool}
    if image:
        props[keys.IMAGE] = image
    if part is not None:
        props[keys.BUCKETS] = part[1]
        props[keys.BUCKET] = part[0] + 1
    if not_audited:
        props[keys.NOT_AUDITED] = sorted(set(not_audited))
    if licenses:
        props[keys.LICENSES] = encode_licenses(licenses)
    return props


def keep_layout(props: dict[str, Any], buckets: int, categories: Iterable[str]) -> None:
    """Record in the run of a scanner that did not run the layout it had, so the next
    night spreads its findings the same way (and the upload leaves its categories be)."""
    props[keys.BUCKETS] = buckets
    props[keys.CATEGORIES] = sorted(categories)


def encode_closeout(tool: str, image: str | None = None) -> dict[str, Any]:
    """The ``properties`` of an empty run closing a category secscan no longer uses."""
    return {keys.TOOL: tool, keys.CLOSEOUT: True, **({keys.IMAGE: image} if image else {})}


def encode_invocation(status: RunState | str, reports: Iterable[str] = (),
                      coverage: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An invocation's ``properties`` (``{}``: write none)."""
    props: dict[str, Any] = {}
    text = encode_status(status)
    if text is not None:
        props[keys.STATUS] = text
    sources = sorted(set(reports))
    if sources:
        props[keys.REPORTS] = sources
    if coverage:
        props[keys.COVERAGE] = coverage
    return props
