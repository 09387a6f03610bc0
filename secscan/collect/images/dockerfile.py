"""Read a Dockerfile and tell, for each layer of the image it built, which line made it.

Why: GitHub code scanning can only show a result on a file of the repository.  An
image's findings belong to the Dockerfile that builds it — the ``FROM`` line for what
came with the base image, the ``RUN``/``COPY``/``ADD`` instruction for what a layer of
our own added.  The image config's ``history`` lists the instructions the builder ran
(``created_by``), one entry per instruction, with ``empty_layer`` for the ones that
made no layer; the n-th non-empty entry made the n-th ``rootfs.diff_ids`` layer.

History and Dockerfile are aligned from the end: the last instructions of the final
stage made the last history entries.  Each entry is matched by its text (BuildKit
writes ``RUN /bin/sh -c CMD # buildkit``, ``COPY SRC DEST # buildkit``; the classic
builder ``/bin/sh -c #(nop) COPY file:HASH in DEST``); what precedes the first
instruction of the final stage (and of the stages it is built ``FROM``) came with the
base image.  Parsing is dockerfile-parse's (line continuations, comments, the escape
directive).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.errors import ConfigError
from secscan.safefile import MAX_TREE_FILE_BYTES, read_bytes

_WS = re.compile(r"\s+")
_BUILDKIT = re.compile(r"\s*#\s*buildkit\s*$")
_SHELL = re.compile(r"^/bin/(?:ba)?sh -c\s+")
_NOP = re.compile(r"^/bin/(?:ba)?sh -c\s+#\(nop\)\s*")
_BUILD_ARGS = re.compile(r"^\|\d+\s+(?:\S+=\S*\s+)*")  # "|2 A=1 B=2 /bin/sh -c …"
_CLASSIC_COPY = re.compile(r"^(?:file|dir|multi):[0-9a-f]+\s+in\s+(?P<dest>\S+)", re.IGNORECASE)
_KEYWORDS = frozenset({"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL",
                       "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"})
NAMES = ("Dockerfile", "Containerfile")


class Placement(str, enum.Enum):
    """Where a finding of the image was placed on the Dockerfile, and why there."""

    BASE_IMAGE = "base-image"  # came with the base image: the FROM line
    INSTRUCTION = "instruction"  # the layer one of our instructions made
    IMAGE_CONFIG = "image-config"  # about the config (user, healthcheck): the final FROM (or USER) line
    UNMATCHED = "unmatched"  # a layer no instruction could be matched to: the final FROM line

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.value


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str  # upper case
    value: str  # arguments, continuation lines joined
    start_line: int  # 1-based
    end_line: int
    content: str  # the instruction as written

    @property
    def text(self) -> str:
        return _WS.sub(" ", self.value).strip()


@dataclass(frozen=True, slots=True)
class Stage:
    base: str  # the FROM image (or an earlier stage's name)
    name: str | None
    from_line: Instruction
    instructions: tuple[Instruction, ...]  # after FROM


@dataclass(frozen=True)
class Dockerfile:
    path: str  # repo-relative POSIX path (what SARIF locations name)
    stages: tuple[Stage, ...]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def lineage(self) -> list[Stage]:
        """The final stage and the stages it is built FROM (``FROM builder``), oldest first."""
        chain = [self.final]
        by_name = {s.name.lower(): s for s in self.stages if s.name}
        while chain[0].base.lower() in by_name and by_name[chain[0].base.lower()] not in chain:
            chain.insert(0, by_name[chain[0].base.lower()])
        return chain


def read_dockerfile(path: Path, rel: str) -> Dockerfile:
    """Parse ``path`` (shown as ``rel``); a file that is not a Dockerfile is a one-line error."""
    try:
        data = read_bytes(path, MAX_TREE_FILE_BYTES)
    except OSError as exc:
        raise ConfigError(f"{rel}: cannot read the Dockerfile: {exc.strerror or exc}") from None
    return parse_dockerfile(data.decode("utf-8", "replace"), rel)


def parse_dockerfile(text: str, rel: str = "Dockerfile") -> Dockerfile:
    import io

    from dockerfile_parse import DockerfileParser

    # the library documents fileobj as bytes (it opens its own files 'rb'); its stubs say IO[str]
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))  # type: ignore[arg-type]
    stages: list[Stage] = []
    current: list[Instruction] = []
    head: Instruction | None = None
    base, name = "", None
    for item in parser.structure:
        keyword = str(item.get("instruction") or "").upper()
        if keyword == "COMMENT":
            continue
        ins = Instruction(keyword=keyword, value=str(item.get("value") or ""), start_line=int(item["startline"]) + 1,
                          end_line=int(item["endline"]) + 1, content=str(item.get("content") or "").rstrip("\n"))
        if keyword == "FROM":
            if head is not None:
                stages.append(Stage(base, name, head, tuple(current)))
            words = [w for w in ins.text.split() if not w.startswith("--")]
            base = words[0] if words else ""
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            head, current = ins, []
        elif head is not None:
            current.append(ins)
    if head is None:
        raise ConfigError(f"{rel}: not a Dockerfile (no FROM instruction)")
    stages.append(Stage(base, name, head, tuple(current)))
    return Dockerfile(path=rel, stages=tuple(stages))


def find_dockerfile(root: Path, label: str | None = None) -> Path | None:
    """The Dockerfile of the repository when there is one to choose: ``Dockerfile`` (or
    ``Containerfile``) at the root, else the only one in the tree, else the one whose
    directory or name carries the image's name; None when that is still ambiguous."""
    for name in NAMES:
        if (root / name).is_file():
            return root / name
    import os

    skip = {".git", "node_modules", ".venv", "venv", ".tox", "__pycache__"}
    found: list[Path] = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skip)  # pruned: never walks a venv or .git
        for n in sorted(files):
            if n in NAMES or n.endswith(".Dockerfile") or n.startswith("Dockerfile."):
                found.append(Path(here) / n)
        if len(found) > 50:
            break
    found.sort()
    if len(found) == 1:
        return found[0]
    if label:
        short = label.rsplit("/", 1)[-1].lower()
        named = [p for p in found if short in (p.parent.name.lower(), p.name.lower().split(".")[0],
                                               p.name.lower().rsplit(".", 1)[-1])]
        if len(named) == 1:
            return named[0]
    return None


# --- history ↔ instructions ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    index: int
    created_by: str
    empty: bool
    diff_id: str | None  # the layer it made


def history(config: Mapping[str, Any]) -> list[HistoryEntry]:
    """The image config's history, each non-empty entry with the diff id it made."""
    diff_ids = list(((config.get("rootfs") or {}).get("diff_ids")) or [])
    out: list[HistoryEntry] = []
    layer = 0
    for i, entry in enumerate(config.get("history") or []):
        if not isinstance(entry, dict):
            continue
        empty = bool(entry.get("empty_layer"))
        diff = None
        if not empty and layer < len(diff_ids):
            diff = str(diff_ids[layer])
            layer += 1
        out.append(HistoryEntry(i, str(entry.get("created_by") or ""), empty, diff))
    return out


def _history_words(created_by: str) -> tuple[str, str]:
    """(keyword, arguments) of one ``created_by`` text, as both builders write it."""
    text = _BUILDKIT.sub("", created_by.strip())
    nop = _NOP.match(text)
    if nop:
        text = text[nop.end():]
    elif _SHELL.match(text) or _BUILD_ARGS.match(text):
        return "RUN", _WS.sub(" ", _SHELL.sub("", _BUILD_ARGS.sub("", text))).strip()
    keyword, _, rest = text.partition(" ")
    if keyword.upper() not in _KEYWORDS:
        return "", _WS.sub(" ", text).strip()
    rest = rest.strip()
    if keyword.upper() == "RUN":
        rest = _SHELL.sub("", _BUILD_ARGS.sub("", rest))
    return keyword.upper(), _WS.sub(" ", rest).strip()


def _plain_args(ins: Instruction) -> str:
    """An instruction's arguments without ``--flag`` options (BuildKit leaves them out)."""
    return " ".join(w for w in ins.text.split() if not w.startswith("--"))


def _matches(entry: HistoryEntry, ins: Instruction) -> bool:
    keyword, args = _history_words(entry.created_by)
    if keyword != ins.keyword:
        return False
    if args in (ins.text, _plain_args(ins)):
        return True
    if keyword in ("COPY", "ADD"):
        classic = _CLASSIC_COPY.match(args)
        dest = classic.group("dest") if classic else (args.split()[-1] if args.split() else "")
        words = _plain_args(ins).split()
        return bool(words) and dest.rstrip("/") == words[-1].rstrip("/")
    if keyword == "RUN":
        return bool(args) and (ins.text in args or args in ins.text)
    return keyword not in ("RUN",)  # ENV/LABEL/… are rewritten by the builder: the keyword is enough


@dataclass(frozen=True)
class LayerMap:
    """diff id → (instruction or None for the base image, placement)."""

    dockerfile: Dockerfile | None
    by_diff_id: Mapping[str, tuple[Instruction | None, Placement, str]]  # … and the created_by text

    def place(self, diff_id: str | None) -> tuple[Instruction | None, Placement, str | None]:
        """Where a finding of layer ``diff_id`` goes: its instruction; the FROM line of
        the base for a base-image layer; the final FROM line when no layer is known."""
        df = self.dockerfile
        ins, placement, created_by = self.by_diff_id.get(diff_id or "", (None, Placement.UNMATCHED, None))
        if ins is None and df is not None:
            ins = df.lineage()[0].from_line if placement is Placement.BASE_IMAGE else df.final.from_line
        return ins, placement, created_by

    def config_line(self, rule_id: str) -> Instruction | None:
        """The line an image-config finding is shown on: the last USER of the final stage
        for the root-user check, else the final FROM line."""
        df = self.dockerfile
        if df is None:
            return None
        if re.fullmatch(r"(?:AVD-?)?DS-?0*2", rule_id.strip().upper()):
            users = [i for s in df.lineage() for i in s.instructions if i.keyword == "USER"]
            if users:
                return users[-1]
        return df.final.from_line


def map_layers(entries: Sequence[HistoryEntry], dockerfile: Dockerfile | None) -> LayerMap:
    """Align the history with the Dockerfile's final stage lineage (see the module doc)."""
    result: dict[str, tuple[Instruction | None, Placement, str]] = {}
    instructions: list[Instruction] = [] if dockerfile is None else [
        i for s in dockerfile.lineage() for i in s.instructions]
    pointer = len(instructions)  # instructions[:pointer] are still unmatched
    matched_any = False
    assigned: list[tuple[HistoryEntry, Instruction | None]] = []
    for entry in reversed(entries):
        hit = None
        for k in range(pointer - 1, -1, -1):
            if _matches(entry, instructions[k]):
                hit = k
                break
        if hit is not None:
            assigned.append((entry, instructions[hit]))
            pointer = hit
            matched_any = True
            continue
        assigned.append((entry, None))
    # entries before the earliest matched instruction came with the base image
    earliest = min((e.index for e, ins in assigned if ins is not None), default=None)
    for entry, ins in assigned:
        if entry.diff_id is None:
            continue
        if ins is not None:
            result[entry.diff_id] = (ins, Placement.INSTRUCTION, entry.created_by)
        elif dockerfile is not None and matched_any and earliest is not None and entry.index > earliest:
            result[entry.diff_id] = (None, Placement.UNMATCHED, entry.created_by)
        else:
            result[entry.diff_id] = (None, Placement.BASE_IMAGE, entry.created_by)
    return LayerMap(dockerfile, result)


def instructions_of(dockerfile: Dockerfile) -> Iterable[Instruction]:
    for stage in dockerfile.stages:
        yield stage.from_line
        yield from stage.instructions
