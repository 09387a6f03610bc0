"""What a pull request changed: the base it is compared with, the files and the lines.

Why a module of its own: pull-request mode (``secscan run --changed-since REF``) must
know exactly what changed, and must never guess.  A base that is not in the clone (a
shallow ``actions/checkout``) is an error that says which ``git fetch`` to run — a
silent full pass or a silent empty diff would both read as "nothing new".

- The base is the **merge base** of ``REF`` and ``HEAD`` (what ``git diff REF...HEAD``
  compares): commits that landed on the base branch after the pull request forked are
  not the pull request's.  On GitHub's ``refs/pull/N/merge`` checkout the merge base
  with ``origin/BASE`` is the base branch's tip, so the diff is the merge's.
- The files are the working tree against that commit (``git diff MERGE_BASE``: in CI
  the tree is ``HEAD``; on a laptop uncommitted edits count too) plus untracked files
  that are not ignored.  Deleted files are listed but have nothing to scan.
- The lines are the added/modified line ranges of each file (``--unified=0`` hunks):
  a finding there is annotated; a new finding elsewhere is counted only.

Renames are followed (git's rename detection): a file moved (and perhaps edited) is
compared with its old self — its changed lines are the edited ones, and the base's
findings in the old path are re-fingerprinted under the new one, so moving a file does
not make its old findings new.  Git runs with ``safe.directory`` for this checkout only
(a ``container:`` job's checkout belongs to another user) and never asks for input.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from secscan.errors import ConfigError

PR_EVENTS = ("pull_request", "pull_request_target")
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_GIT_TIMEOUT = 300.0


class BaseMissing(ConfigError):
    """The base of the comparison is not in this clone (exit 2, with the fetch to run)."""


class Status(Enum):
    """What happened to a file between the base and the working tree."""

    ADDED = "added"
    MODIFIED = "modified"
    RENAMED = "renamed"  # moved, perhaps edited too (old_path says from where)
    DELETED = "deleted"


@dataclass(frozen=True)
class ChangedFile:
    path: str  # repo-relative POSIX path (in the working tree; the old path if deleted)
    status: Status
    # 1-based inclusive (start, end) ranges of added/modified lines in the new file
    lines: tuple[tuple[int, int], ...] = ()
    old_path: str | None = None  # a renamed file's path in the base

    @property
    def base_path(self) -> str:
        """The file's path in the base."""
        return self.old_path or self.path

    def touches(self, start: int | None, end: int | None = None) -> bool:
        """Whether a finding on lines start..end is on a changed line (an added
        file: every line)."""
        if self.status is Status.ADDED:
            return True
        if start is None:
            return False
        last = end if end is not None and end >= start else start
        return any(a <= last and start <= b for a, b in self.lines)


@dataclass(frozen=True)
class ChangeSet:
    """The comparison a pull-request run makes."""

    base_ref: str  # what was asked for (``origin/main``)
    base_commit: str  # the merge base of base_ref and HEAD
    head_commit: str
    files: tuple[ChangedFile, ...] = ()
    source: str = "--changed-since"  # or "GITHUB_BASE_REF" when chosen automatically
    prefix: str = ""  # the scanned directory inside the repository ("" or "sub/dir/")
    by_path: Mapping[str, ChangedFile] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.by_path:
            object.__setattr__(self, "by_path", {f.path: f for f in self.files})

    @property
    def present(self) -> list[str]:
        """Changed files that exist in the working tree (what per-file scanners read)."""
        return [f.path for f in self.files if f.status is not Status.DELETED]

    @property
    def renamed(self) -> dict[str, str]:
        """old path → new path of the files moved since the base."""
        return {f.old_path: f.path for f in self.files if f.old_path}

    @property
    def commit_range(self) -> str:
        """The commits of the pull request, for ``git log`` (gitleaks)."""
        return f"{self.base_commit}..{self.head_commit}"

    def repo_path(self, path: str) -> str:
        """A scanned path as the repository names it (what GitHub annotates)."""
        return f"{self.prefix}{path}"

    def on_changed_line(self, path: str | None, start: int | None, end: int | None = None) -> bool:
        changed = self.by_path.get(path or "")
        return changed is not None and changed.touches(start, end)

    def describe(self) -> dict[str, object]:
        """What the SARIF records about the comparison (no machine path)."""
        return {"baseRef": self.base_ref, "baseCommit": self.base_commit, "headCommit": self.head_commit,
                "changedFiles": len(self.files), "chosenBy": self.source}


def requested_base(changed_since: str | None, env: Mapping[str, str] | None = None,
                   full_scan: bool = False) -> tuple[str, str] | None:
    """(ref, how it was chosen), or None for a full scan.  ``--changed-since REF`` wins;
    else, on a GitHub pull request (``GITHUB_EVENT_NAME`` pull_request or
    pull_request_target with ``GITHUB_BASE_REF``), ``origin/$GITHUB_BASE_REF``."""
    if full_scan:
        return None
    if changed_since:
        return changed_since, "--changed-since"
    env = os.environ if env is None else env
    base = env.get("GITHUB_BASE_REF", "").strip()
    if env.get("GITHUB_EVENT_NAME", "") in PR_EVENTS and base:
        return f"origin/{base}", "GITHUB_BASE_REF"
    return None


def _git_env(repo: Path) -> dict[str, str]:
    from secscan.scanners.gitleaks import safe_directory_env

    env = dict(os.environ)
    env.update(safe_directory_env(env, repo))
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_LFS_SKIP_SMUDGE": "1", "LC_ALL": "C"})
    return env


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """``git -C repo ARGS`` (bytes out); a failure is a ConfigError with git's words."""
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=_git_env(repo),
                              stdin=subprocess.DEVNULL, timeout=_GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise ConfigError("pull-request mode needs git, and git is not on PATH") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"git {args[0]} took more than {_GIT_TIMEOUT:.0f} s") from None
    if check and proc.returncode != 0:
        raise ConfigError(f"git {' '.join(args[:2])}: {_first(proc.stderr) or f'exit {proc.returncode}'}")
    return proc


def is_shallow(repo: Path) -> bool:
    """Whether the clone's history stops early (``git clone --depth N``: what
    ``actions/checkout`` makes by default, fetch-depth 1): the commits before its
    boundary are not in it, so nothing can read them.  False when git cannot say
    (not a work tree: the caller's own git command reports that)."""
    try:
        proc = git(repo, "rev-parse", "--is-shallow-repository", check=False)
    except ConfigError:
        return False
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def _first(data: bytes) -> str:
    from secscan.emit.escape import printable

    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return printable(line.strip(), 300)
    return ""


def _fetch_hint(ref: str, shallow: bool) -> str:
    remote, _, branch = ref.partition("/")
    if remote == "origin" and branch:
        fetch = f"git fetch --no-tags origin {branch}:refs/remotes/origin/{branch}"
    else:
        fetch = f"git fetch origin {ref}"
    more = " (this clone is shallow: add --unshallow, or use fetch-depth: 0 in actions/checkout)" if shallow else \
        " (or use fetch-depth: 0 in actions/checkout)"
    return f"run `{fetch}`{more}"


def resolve(repo: str | Path, ref: str, source: str = "--changed-since") -> ChangeSet:
    """The merge base of ``ref`` and HEAD, and the files and lines changed since it.

    Raises :class:`BaseMissing` (exit 2) when ``repo`` is not a git work tree, ``ref``
    is not in the clone, or the clone's history stops before the merge base."""
    root = Path(repo).resolve()
    top = git(root, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0:
        raise BaseMissing(f"{source} {ref}: {repo} is not a git work tree ({_first(top.stderr)})")
    shallow = is_shallow(root)
    base = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if base.returncode != 0:
        raise BaseMissing(f"{source} {ref}: no such commit in this clone — {_fetch_hint(ref, shallow)}")
    head = git(root, "rev-parse", "--verify", "HEAD^{commit}", check=False)
    if head.returncode != 0:
        raise BaseMissing(f"{source} {ref}: HEAD is not a commit ({_first(head.stderr)})")
    merge = git(root, "merge-base", base.stdout.decode().strip(), "HEAD", check=False)
    if merge.returncode != 0:
        why = "the history stops before they meet" if shallow else "they share no history"
        raise BaseMissing(f"{source} {ref}: no merge base with HEAD ({why}) — {_fetch_hint(ref, shallow)}")
    merge_base = merge.stdout.decode().strip()
    head_sha = head.stdout.decode().strip()
    if source == "GITHUB_BASE_REF" and merge_base == head_sha:
        # a pull request has commits of its own: HEAD being the base means the checkout
        # is the base branch (pull_request_target checks it out by default) — an empty
        # diff here would pass every pull request unseen
        raise BaseMissing(f"{source} {ref}: HEAD is the base commit itself, so the checkout is not the pull "
                          "request's (pull_request_target checks out the base branch: give actions/checkout "
                          "ref: ${{ github.event.pull_request.head.sha }}, or pass --changed-since)")
    files = _changed_files(root, merge_base)
    return ChangeSet(base_ref=ref, base_commit=merge_base, head_commit=head_sha,
                     files=tuple(files), source=source, prefix=_prefix(root))


def _prefix(root: Path) -> str:
    """The scanned directory's path inside its repository (``""`` at the top)."""
    return git(root, "rev-parse", "--show-prefix").stdout.decode("utf-8", "surrogateescape").strip()


def _changed_files(root: Path, merge_base: str) -> list[ChangedFile]:
    # --relative: paths relative to the scanned directory (which may be a sub-directory
    # of the repository: then only its files count, as only they are scanned)
    status = git(root, "diff", "--name-status", "-z", "-M", "--relative", merge_base, "--", ".")
    fields = [f.decode("utf-8", "surrogateescape") for f in status.stdout.split(b"\0")]
    found: dict[str, Status] = {}
    moved: dict[str, str] = {}  # new path → old path
    i = 0
    while i < len(fields) - 1:
        code = fields[i]
        if not code:
            break
        if code[0] in "RC":  # "R086" old new (a copy "C" is a new file that resembles another)
            old, new = fields[i + 1], fields[i + 2]
            found[new] = Status.RENAMED if code[0] == "R" else Status.ADDED
            if code[0] == "R":
                moved[new] = old
            i += 3
            continue
        found[fields[i + 1]] = {"A": Status.ADDED, "D": Status.DELETED}.get(code[0], Status.MODIFIED)
        i += 2
    untracked = git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", ".")
    for raw in untracked.stdout.split(b"\0"):
        if raw:
            found.setdefault(raw.decode("utf-8", "surrogateescape"), Status.ADDED)
    edited = (Status.MODIFIED, Status.RENAMED)
    lines = _changed_lines(root, merge_base) if any(s in edited for s in found.values()) else {}
    return [ChangedFile(path, st, tuple(lines.get(path, ())), moved.get(path)) for path, st in sorted(found.items())]


def _changed_lines(root: Path, merge_base: str) -> dict[str, list[tuple[int, int]]]:
    """Added/modified line ranges per file, from the ``@@ -a,b +c,d @@`` headers of a
    zero-context diff (``d`` = 0 is a pure deletion: no new line to point at)."""
    diff = git(root, "diff", "--unified=0", "-M", "--no-color", "--no-ext-diff", "--relative",
               merge_base, "--", ".").stdout
    out: dict[str, list[tuple[int, int]]] = {}
    current: str | None = None
    for line in diff.split(b"\n"):
        if line.startswith(b"+++ "):
            name = line[4:]
            current = name[2:].decode("utf-8", "surrogateescape") if name.startswith(b"b/") else None
            if current is not None and current.startswith('"'):
                current = None  # a quoted (unusual) name: the file is still changed, just not line-mapped
            continue
        match = _HUNK.match(line)
        if match and current is not None:
            start, count = int(match.group(1)), int(match.group(2) or 1)
            if count:
                out.setdefault(current, []).append((start, start + count - 1))
    return out


@contextmanager
def base_checkout(repo: str | Path, commit: str, workroot: str | Path | None = None) -> Iterator[Path]:
    """A detached ``git worktree`` of ``commit`` in a private temporary directory, for
    scanning the base with the same scanners; removed afterwards (and pruned, so the
    repository keeps no record of it).  LFS files stay pointers, as in a default
    ``actions/checkout``."""
    import shutil
    import tempfile

    root = Path(repo).resolve()
    top = Path(git(root, "rev-parse", "--show-toplevel").stdout.decode("utf-8", "surrogateescape").strip())
    prefix = _prefix(root)
    tmp = Path(tempfile.mkdtemp(prefix="secscan-base-", dir=workroot))
    tree = tmp / "base"
    try:
        git(top, "worktree", "add", "--detach", "--force", str(tree), commit)
        yield tree / prefix if prefix else tree
    finally:
        git(top, "worktree", "remove", "--force", str(tree), check=False)
        shutil.rmtree(tmp, ignore_errors=True)
        git(top, "worktree", "prune", check=False)


# settings the per-file scanners may read from the scanned directory
_SETTINGS = (".semgrepignore", ".bandit", "pyproject.toml", "setup.cfg", "tox.ini", ".gitignore")


@contextmanager
def base_files(repo: str | Path, commit: str, paths: Iterable[str],
               workroot: str | Path | None = None) -> Iterator[Path]:
    """Only ``paths`` (relative to the scanned directory) as they are in ``commit``,
    with the scanned directory's settings files, in a private temporary directory.

    Why: the per-file scanners read only the changed files, and checking out a whole
    tree (6,725 files for Django) costs more than scanning one file.  The contents are
    git's blobs as committed (``git cat-file --batch``: no checkout filters run, so
    nothing is fetched); a path the base lacks is simply absent."""
    import shutil
    import tempfile

    root = Path(repo).resolve()
    prefix = _prefix(root)
    # a name with a newline cannot be asked for on cat-file's line-based input: left out,
    # its findings then count as new (never hidden)
    wanted = sorted(p for p in set(paths) | set(_SETTINGS) if "\n" not in p)
    tmp = Path(tempfile.mkdtemp(prefix="secscan-base-", dir=workroot))
    tree = tmp / "base"
    tree.mkdir()
    try:
        spec = "".join(f"{commit}:{prefix}{p}\n" for p in wanted).encode("utf-8", "surrogateescape")
        try:
            proc = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input=spec,
                                  capture_output=True, env=_git_env(root), timeout=_GIT_TIMEOUT, check=False)
        except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"git cat-file: {exc.__class__.__name__}") from None
        if proc.returncode != 0:
            raise ConfigError(f"git cat-file: {_first(proc.stderr) or f'exit {proc.returncode}'}")
        _write_blobs(proc.stdout, wanted, tree)
        yield tree
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_blobs(out: bytes, wanted: list[str], tree: Path) -> None:
    """Write each blob of a ``cat-file --batch`` answer (``<oid> blob <size>\\n<data>\\n``,
    or ``<spec> missing\\n``) to its path under ``tree``."""
    pos = 0
    for rel in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or not header[2].isdigit():
            continue  # "missing" (not in the base) or "ambiguous"
        size = int(header[2])
        data = out[pos:pos + size]
        pos += size + 1
        if header[1] != b"blob":
            continue  # a directory or a submodule at that path
        target = (tree / rel).resolve()
        if not target.is_relative_to(tree.resolve()):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
