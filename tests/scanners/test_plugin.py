"""A third-party scanner, for real: the example of docs/scanners.md ("Adding a scanner")
is built and pip-installed (``pip install --target``, then on PYTHONPATH) as the
distribution a plugin author would publish, and secscan's commands see it through the
``secscan.scanners`` entry-point group: doctor, run, convert, the policy schema, option
typos.  A broken plugin is a one-line error naming it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "scanners.md"


def _example() -> tuple[str, str]:
    """(pyproject.toml, secscan_sectodo.py) as docs/scanners.md gives them."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Adding a scanner", 1)[1].split("\n## ", 1)[0]
    toml = re.search(r"```toml\n(.*?)```", section, re.S)
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert toml and code, "docs/scanners.md lost its plugin example"
    return toml.group(1), code.group(1)


def _install(src: Path, target: Path) -> None:
    """Build the distribution and install it into ``target``, as pip does (no index:
    secscan itself is already importable, so its dependency is not fetched)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                           "--no-build-isolation", "--target", str(target), str(src)],
                          capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr


def _env(site: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    env["SECSCAN_OFFLINE"] = "1"
    return env


def _secscan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True, env=env,
                          check=False, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugin")
    src = root / "secscan-sectodo"
    src.mkdir()
    pyproject, module = _example()
    (src / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (src / "secscan_sectodo.py").write_text(module, encoding="utf-8")
    target = root / "site"
    _install(src, target)
    assert list(target.glob("secscan_sectodo-1.0.dist-info/entry_points.txt"))
    return target


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "auth.py").write_text("def login():\n    return True  # SECURITY-TODO: check the token\n",
                                          encoding="utf-8")
    (tree / "pkg" / "notes.txt").write_text("SECURITY-TODO: not a Python file\n", encoding="utf-8")
    return tree


def test_doctor_lists_the_plugin_with_its_readiness(site: Path) -> None:
    proc = _secscan(_env(site), "doctor", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["tool"]: r for r in json.loads(proc.stdout)}
    assert rows["sectodo"] == {"tool": "sectodo", "installed": True, "version": "1.0", "ready": True,
                               "detail": "ready (works offline)"}
    assert list(rows)[-1] == "sectodo"  # after the built-in scanners


def test_run_runs_the_plugin_and_its_sarif_names_its_driver(site: Path, repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    proc = _secscan(_env(site), "run", str(repo), "--scanners", "sectodo", "--sarif", str(out),
                    "--format", "none", "--option", "sectodo.suffixes=.py")
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(out.read_text(encoding="utf-8"))["runs"]
    (run,) = [r for r in runs if r["tool"]["driver"]["name"] == "sectodo"]
    assert run["tool"]["driver"]["informationUri"] == "https://example.org/sectodo"
    results = run["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == \
        [("security-todo", "pkg/auth.py", 2)]
    assert results[0]["message"]["text"].startswith("check the token")


def test_convert_recognises_the_plugins_report(site: Path, repo: Path, tmp_path: Path) -> None:
    env = _env(site)
    report = tmp_path / "sectodo.json"
    tool = subprocess.run([sys.executable, "-m", "secscan_sectodo", str(repo), str(report), ".py", ".txt"],
                          env=env, check=False, capture_output=True, text=True, timeout=60)
    assert tool.returncode == 0, tool.stderr
    out = tmp_path / "c.sarif"
    proc = _secscan(env, "convert", str(report), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "(sectodo)" in proc.stderr
    (run,) = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert run["tool"]["driver"]["name"] == "sectodo" and len(run["results"]) == 2
    # without the plugin the same report is nobody's
    bare = dict(os.environ, SECSCAN_OFFLINE="1")
    assert _secscan(bare, "convert", str(report), "-o", str(out)).returncode == 2


def test_policy_schema_and_options_know_the_plugin(site: Path, repo: Path, tmp_path: Path) -> None:
    env = _env(site)
    code = ("import json; from secscan.decide.policy.schema import policy_schema; "
            "print(json.dumps(policy_schema()['properties']['scanners']))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    scanners = json.loads(proc.stdout)
    assert scanners["properties"]["sectodo"]["properties"]["suffixes"]["default"] == [".py"]
    assert "sectodo" in scanners["properties"]["required"]["items"]["enum"]
    sarif = tmp_path / "o.sarif"
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nscanners:\n  required: [sectodo]\n  sectodo:\n    suffixs: ['.py']\n",
                      encoding="utf-8")
    proc = _secscan(env, "run", str(repo), "--scanners", "sectodo", "--policy", str(policy), "--sarif", str(sarif))
    assert proc.returncode == 2
    assert "scanners.sectodo.suffixs: unknown key (did you mean 'suffixes'?)" in proc.stderr
    proc = _secscan(env, "run", str(repo), "--option", "sectodo.sufixes=.py", "--sarif", str(sarif))
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("sectodo has no option 'sufixes' (did you mean 'suffixes'?)")
    # the published schema does not depend on what is installed
    code = "from secscan.decide.policy.schema import schema_json; print(schema_json(), end='')"
    published = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                               check=False, timeout=60).stdout
    assert published == (REPO / "policies" / "policy.schema.json").read_text(encoding="utf-8")


BROKEN = {
    "import": ("raise ImportError('needs libfoo')\n", "cannot load: ImportError: needs libfoo"),
    "type": ("SCANNER = 42\n", "is a int, not a secscan.scanners.plugin.Scanner"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_plugin_is_a_one_line_error_naming_it(kind: str, tmp_path: Path) -> None:
    module, expected = BROKEN[kind]
    src = tmp_path / "src"
    src.mkdir()
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "secscan-broken"\nversion = "0.1"\n\n[tool.setuptools]\npy-modules = ["broken_plugin"]\n\n'
        '[project.entry-points."secscan.scanners"]\nbroken = "broken_plugin:SCANNER"\n', encoding="utf-8")
    (src / "broken_plugin.py").write_text(module, encoding="utf-8")
    site = tmp_path / "site"
    _install(src, site)
    report = REPO / "tests" / "fixtures" / "corpus" / "bandit" / "defectdojo__no_vuln.json"
    proc = _secscan(_env(site), "convert", str(report), "-o", str(tmp_path / "x.sarif"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"secscan: error: scanner plugin 'broken' (broken_plugin:SCANNER): {expected}"
    # naming a built-in scanner does not load plugins: that still works
    proc = _secscan(_env(site), "convert", str(report), "--tool", "bandit", "-o", str(tmp_path / "x.sarif"))
    assert proc.returncode == 0, proc.stderr
