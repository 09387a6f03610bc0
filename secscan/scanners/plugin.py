"""The scanner contract: one typed :class:`Scanner` value per scanner.

Everything secscan knows about a scanner lives in its ``SCANNER`` object, so adding
one is one file (a module here, or a third-party distribution naming its ``Scanner``
in the ``secscan.scanners`` entry-point group): the registry, the policy schema, the
tool-name normalisation, the SARIF driver, ``secscan doctor`` and the CLI help all
read it instead of keeping their own lists.

A scanner secscan only *reads* reports of (the generic SARIF reader, GitLab's report
formats) has no :class:`Runner`; one secscan can also *run* has one, whose functions
follow the contract described in :mod:`secscan.collect.runner`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from secscan.errors import ConfigError

if TYPE_CHECKING:  # only for the annotations: importing the contract stays cheap
    from collections.abc import Callable
    from typing import TypeAlias

    from secscan.collect.runner import Outcome, Plan, RunContext
    from secscan.findings import ParsedReport, RawReport

    DetectFn: TypeAlias = Callable[[RawReport], str | None]
    ParseFn: TypeAlias = Callable[[RawReport, str], ParsedReport]
    ExecutableFn: TypeAlias = Callable[[RunContext], list[str] | None]
    VersionFn: TypeAlias = Callable[[RunContext, list[str]], str | None]
    AppliesFn: TypeAlias = Callable[[RunContext], str | None]
    PlanFn: TypeAlias = Callable[[RunContext, list[str]], Plan]
    CheckFn: TypeAlias = Callable[[RunContext, Plan, Outcome], str | None]
    MeasureFn: TypeAlias = Callable[[RunContext, Plan, Outcome, ParsedReport], str | None]
    SalvageFn: TypeAlias = Callable[[RunContext, Plan, Outcome, str], ParsedReport | None]
    NotCheckedFn: TypeAlias = Callable[[RunContext, str], ParsedReport | None]
    ReadinessFn: TypeAlias = Callable[[RunContext], "Readiness"]

# Maxima of number options: beyond them is a typo or an attack (the policy schema's bounds)
MAX_SECONDS = 86_400
MAX_COUNT = 10_000_000
# the schema of an option holding a list of names, paths or globs
STR_LIST: Mapping[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}


@dataclass(frozen=True)
class Option:
    """One scanner option: its key, the JSON Schema of its value, what it does.

    ``policy=False`` keeps an option out of the policy file (it describes one run,
    not a project's rules: the files pre-commit passes, gitleaks' staged mode); the
    library and ``--option`` still accept it.
    """

    name: str
    schema: Mapping[str, Any]
    description: str
    default: Any = None
    policy: bool = True

    def from_text(self, value: Any) -> Any:
        """The value of ``--option TOOL.KEY=VALUE`` as this option's type: a list option
        takes comma-separated items (``bandit.skips=B101,B602``)."""
        if self.schema.get("type") == "array" and isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    def json_schema(self) -> dict[str, Any]:
        out = {**self.schema, "description": self.description}
        if self.default is not None:
            out["default"] = self.default
        return out


# Options every scanner takes: whether it runs and how long it may take.  They are read
# by the orchestrator (secscan.collect.scan), never by the scanner's own functions.
COMMON_OPTIONS: tuple[Option, ...] = (
    Option("enabled", {"type": "boolean"}, "false: secscan run does not run this scanner."),
    Option("timeout", {"type": "integer", "minimum": 1, "maximum": MAX_SECONDS},
           "Seconds before the scanner is killed."),
)


@dataclass(frozen=True)
class Driver:
    """What the SARIF run's ``tool.driver`` says about the scanner."""

    name: str
    information_uri: str


@dataclass(frozen=True)
class Readiness:
    """``secscan doctor``'s verdict: can the scanner do its whole job right now?"""

    ready: bool
    detail: str


def works_offline(ctx: RunContext) -> Readiness:
    """The readiness of a scanner that needs nothing but itself."""
    return Readiness(True, "ready (works offline)")


def http_problem(url: str, timeout: float = 3.0) -> str | None:
    """None if an HTTP service answers at ``url`` (any status), else why not: what a
    readiness check of a scanner that needs a service asks."""
    import httpx

    try:
        httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{url} unreachable ({exc.__class__.__name__})"
    return None


@dataclass(frozen=True)
class Runner:
    """How secscan runs a scanner (the contract of :mod:`secscan.collect.runner`).

    ``measure`` checks what a finished run covered (None: it covered everything it was
    given); ``not_checked`` turns a skip with something left unaudited into findings.
    ``per_file`` says each file's findings depend on that file alone (bandit,
    semgrep): a result cache may then reuse them per file.
    """

    executable: ExecutableFn
    version: VersionFn
    applies: AppliesFn
    plan: PlanFn
    check: CheckFn
    measure: MeasureFn | None = None
    not_checked: NotCheckedFn | None = None
    # a failed step the scanner can account for without failing the run (pip-audit's
    # resolution of unpinned requirements: they become not-audited findings), or None
    salvage: SalvageFn | None = None
    readiness: ReadinessFn = works_offline
    install_hint: str = "pip install 'secscan[scanners]'"
    per_file: bool = False


@dataclass(frozen=True)
class Scanner:
    """A scanner as secscan sees it: a report reader, and optionally a runner.

    ``name`` is the key users type (``--tool``, ``--scanners``, the policy's
    ``scanners:`` section); ``aliases`` are other spellings that mean it
    (``pip_audit``).  ``detect`` must be cheap and never raise for another tool's
    report; ``parse`` is pure and raises :class:`~secscan.errors.ReportError` for a
    damaged report.
    """

    name: str
    formats: tuple[str, ...]
    detect: DetectFn
    parse: ParseFn
    driver: Driver
    description: str = ""
    aliases: tuple[str, ...] = ()
    run: Runner | None = None
    options: tuple[Option, ...] = ()
    marker: str = field(default="")  # the pytest marker of tests that run it (an identifier)
    # (format, file-name suffix) of the report this tool writes as an *empty file* when it
    # finds nothing (gitleaks' CSV), read so only when the user names the tool: an empty
    # file is otherwise a run that never wrote its report
    empty_report: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.marker:
            object.__setattr__(self, "marker", self.name.replace("-", "_"))

    @property
    def runnable(self) -> bool:
        return self.run is not None

    @property
    def keys(self) -> tuple[str, ...]:
        """Every spelling that names this scanner, the canonical one first."""
        return (self.name, *self.aliases)

    def all_options(self) -> tuple[Option, ...]:
        return (*COMMON_OPTIONS, *self.options) if self.run else ()

    def option_schema(self, *, policy: bool = True) -> dict[str, Any]:
        """The JSON Schema of this scanner's options (``policy``: only those a policy
        file may set)."""
        props = {o.name: o.json_schema() for o in self.all_options() if o.policy or not policy}
        return {"type": "object", "additionalProperties": False,
                "description": f"{self.name} options.", "properties": props}

    def check_options(self, options: Mapping[str, Any], where: str = "options") -> None:
        """A :class:`ConfigError` naming the scanner, the key and the closest valid
        key for an option this scanner does not have (a typo never passes silently)."""
        valid = [o.name for o in self.all_options()]
        for key in options:
            if key not in valid:
                raise ConfigError(unknown_option(where, self.name, str(key), valid))

    def option(self, key: str) -> Option | None:
        return next((o for o in self.all_options() if o.name == key), None)

    def driver_info(self) -> tuple[str, str]:
        return self.driver.name, self.driver.information_uri


def unknown_option(where: str, tool: str, key: str, valid: list[str]) -> str:
    """``where: tool has no option 'severty' (did you mean 'severity'?)``."""
    import difflib

    close = difflib.get_close_matches(key, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (it has: {', '.join(valid) or 'none'})"
    return f"{where}: {tool} has no option {key!r}{hint}"
