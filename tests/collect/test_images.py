"""`secscan run --image`: the real trivy on small images the tests write themselves.

The images (tests/support/images.py) are a ``docker save`` archive and an OCI layout
with an /etc/os-release, a dpkg status file with GPL packages, a site-packages holding
requests 2.19.0 (vulnerable in tests/fixtures/advisories), a GitHub token added in one
layer and deleted in the next, and a config that runs as root.  pip-audit audits the
image's Python packages against the local OSV server, as it does the project's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secscan.collect.images import ImageKind, image_spec
from secscan.collect.images.dockerfile import Placement, history, map_layers, parse_dockerfile
from secscan.collect.scan import scan
from secscan.commands.run import apply_policy
from secscan.decide.policy import load_policy
from secscan.emit.sarif_writer import github_problems
from support.advisories import pip_audit_expectation
from support.images import SAMPLE_DOCKERFILE, fake_token, sample_image, write_docker_archive, write_oci_layout
from support.osv_server import OsvServer
from support.paths import TESTS

pytestmark = [pytest.mark.trivy, pytest.mark.pip_audit]  # the real scanners these tests run

ADVISORIES = TESTS / "fixtures" / "advisories"
REQUESTS_IDS = {vid for (name, vid) in pip_audit_expectation() if name == "requests"}  # requests 2.19.0


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(needle))


@pytest.fixture(scope="module")
def osv():
    with OsvServer.from_directory(ADVISORIES) as server:
        yield server


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("images") / "repo"
    (root / "app").mkdir(parents=True)
    (root / "Dockerfile").write_text(SAMPLE_DOCKERFILE, encoding="utf-8")
    (root / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    (root / "app" / "main.py").write_text("print('hello')\n", encoding="utf-8")
    write_docker_archive(sample_image(), root / "dist" / "app.tar")
    return root


@pytest.fixture(scope="module")
def result(repo, osv):
    spec = image_spec("dist/app.tar", base=repo)
    return scan(repo, scanners=["pip-audit"], options={"pip-audit": {"osv_url": osv.base_url}}, images=[spec])


def _image(result, tool: str = "trivy"):
    return [f for f in result.findings if f.tool == tool and f.properties.get("image") == "app"]


def test_the_image_is_scanned_beside_the_repository(result) -> None:
    assert set(result.runs) == {"pip-audit", "image app/trivy", "image app/pip-audit"}
    assert all(r.status == "ok" for r in result.runs.values()), {k: r.line() for k, r in result.runs.items()}
    argv = result.runs["image app/trivy"].command_line
    assert " image " in f" {argv} " and "--input" in argv and "--image-config-scanners misconfig,secret" in argv
    kinds = {(f.category.value, f.rule_id) for f in _image(result)}
    assert {("secret", "github-pat"), ("misconfig", "DS-0002"), ("license", "GPL-3.0-or-later")} <= kinds


def test_findings_point_at_the_dockerfile_line_that_made_their_layer(result) -> None:
    text = SAMPLE_DOCKERFILE
    secret = next(f for f in _image(result) if f.rule_id == "github-pat")
    assert (secret.path, secret.line) == ("Dockerfile", _line_of(text, "COPY deploy.env"))
    assert secret.location.snippet is None
    assert secret.properties["path_in_image"] == "app/deploy.env"
    assert secret.properties["layer"].startswith("sha256:")
    assert secret.properties["layer_created_by"].startswith("COPY deploy.env")
    assert secret.properties["placement"] == Placement.INSTRUCTION.value
    # deleted by the next layer, yet still in the image: the finding says so
    assert secret.properties["deleted_by"].startswith("RUN /bin/sh -c rm /app/deploy.env")
    assert secret.properties["deleted_in_layer"] != secret.properties["layer"]
    assert "deleted by a later layer" in secret.message
    bash = next(f for f in _image(result) if f.category.value == "license" and f.package.name == "bash")
    assert (bash.path, bash.line, bash.properties["placement"]) == ("Dockerfile", _line_of(text, "FROM"), "base-image")
    root_user = next(f for f in _image(result) if f.rule_id == "DS-0002")
    assert (root_user.line, root_user.properties["placement"]) == (_line_of(text, "FROM"), "image-config")
    audited = _image(result, "pip-audit")
    assert audited and {f.line for f in audited} == {_line_of(text, "RUN pip install")}
    assert {f.properties["path_in_image"] for f in audited} == {
        "usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA"}


def test_image_python_packages_get_the_projects_audit_without_trivys_db(result) -> None:
    audited = _image(result, "pip-audit")
    assert {f.rule_id for f in audited} == REQUESTS_IDS
    assert all(f.severity.label != "unknown" for f in audited)  # rated from the advisories, as the project's
    run = result.runs["image app/trivy"]
    assert run.report.not_audited == [f"{name} {version} (image app: OS package, no trivy vulnerability database)"
                                      for name, version in (("bash", "5.2.15"), ("coreutils", "9.1"),
                                                            ("libc6", "2.36"), ("zlib1g", "1.2.13.dfsg"))]
    assert "4 dependencies NOT audited" in run.line()
    assert any("4 OS packages (debian 12.5) were NOT checked" in n.message for n in run.report.notifications)


def test_sarif_has_a_category_per_image_and_no_secret(result, tmp_path, sarif_validator) -> None:
    out = tmp_path / "out.sarif"
    result.write_sarif(out)
    log = json.loads(out.read_text(encoding="utf-8"))
    cats = {(r["tool"]["driver"]["name"], r["automationDetails"]["id"]) for r in log["runs"]}
    assert cats == {("pip-audit", "secscan/pip-audit/"), ("pip-audit", "secscan/pip-audit/image/app/"),
                    ("trivy", "secscan/trivy/image/app/")}
    trivy_run = next(r for r in log["runs"] if r["automationDetails"]["id"] == "secscan/trivy/image/app/")
    assert trivy_run["properties"]["secscan/image"] == "app"
    notes = trivy_run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["level"] == "warning" and "NOT checked for vulnerabilities" in n["message"]["text"] for n in notes)
    for res in trivy_run["results"]:
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "Dockerfile"
        assert "secscan/x/layer" in res["properties"] or res["properties"]["secscan/x/placement"] == "image-config"
    assert not list(sarif_validator.iter_errors(log))
    assert github_problems(log) == []
    from support.multitool import validate  # Microsoft's validator with GitHub's ingestion rules

    problems = validate(out, tmp_path)
    assert [p for p in problems if p["rule"].startswith("GH") or p["level"] == "error"] == [], problems
    assert fake_token() not in out.read_text(encoding="utf-8")
    assert fake_token()[4:12] not in out.read_text(encoding="utf-8")


def test_fingerprints_survive_a_rebuild_and_the_oci_layout_form(result, repo, osv, tmp_path) -> None:
    """Rebuilt later (new created time → new image digest), tagged anew, saved as an OCI
    layout: the same contents give the same fingerprints."""
    write_oci_layout(sample_image(created="2026-03-01T12:00:00Z", repo_tags=("app:2.0",)), tmp_path / "oci",
                     ref_name="app:2.0")
    spec = image_spec(f"app={tmp_path / 'oci'}", base=repo)
    assert (spec.kind, spec.name) == (ImageKind.LAYOUT, "app")
    again = scan(repo, scanners=["pip-audit"], options={"pip-audit": {"osv_url": osv.base_url}}, images=[spec])
    before = {f.fingerprint for f in result.findings if f.properties.get("image")}
    after = {f.fingerprint for f in again.findings if f.properties.get("image")}
    assert before and before == after
    oci_secret = next(f for f in again.findings if f.rule_id == "github-pat")
    assert oci_secret.properties["deleted_by"].startswith("RUN /bin/sh -c rm")
    digests = {f.properties["layer"] for f in again.findings if f.properties.get("layer")}
    assert not any(d.split(":", 1)[1] in fp for d in digests for fp in after)


def test_licence_scope_leaves_os_packages_of_images_out_by_default(result, tmp_path) -> None:
    findings, decision = apply_policy(result, load_policy("default"))
    gpl = [f for f in findings if f.category.value == "license" and f.package and f.package.name in ("bash", "coreutils")]
    assert gpl == []
    outside = {k: n for k, n in decision.excluded_by.items() if k.startswith("licenses.scope")}
    assert outside == {"licenses.scope (image-os not in project)": 4,  # counted, not silently dropped
                       "licenses.scope (image-packages not in project)": 1}
    assert not [b for b in decision.blocking if b.finding.category.value == "license"]
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nfail_on: critical\nlicenses:\n  scope: [project, image-os]\n  deny: ['GPL-*']\n",
                      encoding="utf-8")
    _findings, strict = apply_policy(result, load_policy(policy))
    denied = {b.finding.package.name for b in strict.blocking if b.finding.rule_id == "license/denied"}
    assert denied == {"bash", "coreutils"}
    assert not strict.passed


def test_a_package_vulnerable_in_the_image_and_the_lockfile_is_one_issue_seen_by_both(result) -> None:
    findings, decision = apply_policy(result, load_policy("default"))
    repo_side = {f.rule_id: f for f in findings if f.tool == "pip-audit" and not f.properties.get("image")}
    image_side = {f.rule_id: f for f in findings if f.tool == "pip-audit" and f.properties.get("image")}
    assert set(repo_side) == set(image_side) == REQUESTS_IDS
    for rule, f in repo_side.items():
        assert f.seen_by == ("image app/pip-audit",)
        assert image_side[rule].seen_by == ("pip-audit",)
    requests_blockers = [b for b in decision.blocking if b.finding.package and b.finding.package.name == "requests"]
    assert len(requests_blockers) == len({b.finding.rule_id for b in requests_blockers})  # one issue each


def test_dockerfile_of_a_multi_stage_build_and_the_classic_builder() -> None:
    text = ("FROM python:3.12 AS build\nRUN pip wheel -w /w requests\n\nFROM debian:12 AS base\nRUN apt-get update && \\\n"
            "    apt-get install -y curl\nFROM base\nCOPY --from=build /w /w\nUSER app\n")
    df = parse_dockerfile(text)
    config = {"rootfs": {"diff_ids": ["sha256:os", "sha256:curl", "sha256:wheels"]},
              "history": [{"created_by": "/bin/sh -c #(nop) ADD file:ab12 in / "},
                          {"created_by": "/bin/sh -c apt-get update &&     apt-get install -y curl"},
                          {"created_by": "/bin/sh -c #(nop) COPY dir:0f1e2d in /w "},
                          {"created_by": "/bin/sh -c #(nop)  USER app", "empty_layer": True}]}
    layers = map_layers(history(config), df)
    assert layers.place("sha256:os")[0].start_line == 4  # FROM debian:12 AS base: where the base came in
    assert layers.place("sha256:os")[1] is Placement.BASE_IMAGE
    assert (layers.place("sha256:curl")[0].start_line, layers.place("sha256:curl")[0].end_line) == (5, 6)
    assert layers.place("sha256:wheels")[0].start_line == 8
    assert layers.config_line("DS-0002").start_line == 9  # the USER line


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secscan", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_cli_run_with_an_image_writes_its_category_and_gates(repo, osv, tmp_path) -> None:
    out = tmp_path / "out.sarif"
    proc = _cli("run", ".", "--scanners", "pip-audit", "--osv-url", osv.base_url, "--image", "dist/app.tar",
                "--dockerfile", "Dockerfile", "--sarif", str(out), "--format", "json", "-q", cwd=repo)
    assert proc.returncode == 1, proc.stderr  # requests' high and critical advisories block
    summary = json.loads(proc.stdout)
    assert summary["scanners"]["image app/trivy"] == "ok"
    cats = {r["automationDetails"]["id"] for r in json.loads(out.read_text(encoding="utf-8"))["runs"]}
    assert "secscan/trivy/image/app/" in cats and "secscan/pip-audit/image/app/" in cats


@pytest.mark.parametrize("value, words", [
    ("dist/missing.tar", "image archive dist/missing.tar not found"),
    ("app", None),  # a daemon/registry reference: accepted here, trivy says whether it exists
    ("./dist", "not an OCI image layout"),
    ("Not A Ref!", "neither an image archive"),
])
def test_image_values_are_checked_before_scanning(repo, value, words) -> None:
    if words is None:
        assert image_spec(value, base=repo).kind is ImageKind.REFERENCE
        return
    proc = _cli("run", ".", "--scanners", "bandit", "--image", value, "-q", cwd=repo)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_images_in_the_settings_file(repo, tmp_path) -> None:
    from secscan.commands.run import RunRequest

    (repo / "secscan.yml").write_text("images:\n  - ref: dist/app.tar\n    name: web\n    dockerfile: Dockerfile\n",
                                      encoding="utf-8")
    try:
        req = RunRequest.from_cli(path=repo, scanners=None, skip=None, require=None, timeout=None, jobs=None,
                                  sarif=None, fmt=None, policy=None, baseline=None, config=None, options=(),
                                  osv_url=None, safety_db=None, online=False)
        assert [(s.name, s.kind, s.dockerfile.name) for s in req.images] == [("web", ImageKind.ARCHIVE, "Dockerfile")]
        (repo / "secscan.yml").write_text("images:\n  - ref: dist/app.tar\n    tag: x\n", encoding="utf-8")
        proc = _cli("run", ".", "--scanners", "bandit", "-q", cwd=repo)
        assert proc.returncode == 2 and "images[0]: unknown key 'tag'" in proc.stderr
    finally:
        (repo / "secscan.yml").unlink()


def test_an_unreachable_image_reference_fails_closed(repo, tmp_path) -> None:
    proc = _cli("run", ".", "--scanners", "bandit", "--image", "127.0.0.1:9/nothing/here:1.0",
                "--sarif", str(tmp_path / "o.sarif"), "--timeout", "60", "-q", cwd=repo)
    assert proc.returncode == 3, proc.stderr
    assert "image 127.0.0.1:9/nothing/here/trivy: failed: image 127.0.0.1:9/nothing/here:1.0" in proc.stderr


def test_a_registry_reference_is_pulled_and_scanned_like_the_archive(result, repo, osv, tmp_path) -> None:
    """``--image NAME=HOST/REPO:TAG``: trivy pulls from a registry (a local one speaking the
    OCI distribution API); the same contents under the same name give the same findings."""
    from support.registry import Registry

    layout = write_oci_layout(sample_image(), tmp_path / "oci")
    with Registry({"team/app": (layout, "1.0")}) as registry:
        spec = image_spec(f"app={registry.host}/team/app:1.0", base=repo)
        assert spec.kind is ImageKind.REFERENCE
        pulled = scan(repo, scanners=["pip-audit"], options={"pip-audit": {"osv_url": osv.base_url}}, images=[spec])
        assert any(r.startswith("GET /v2/team/app/manifests/1.0") for r in registry.requests)
        assert any("/blobs/sha256:" in r for r in registry.requests)
    run = pulled.runs["image app/trivy"]
    assert run.status == "ok", run.line()
    assert "--input" not in run.command_line and run.command_line.endswith(f"{registry.host}/team/app:1.0")
    assert {f.fingerprint for f in pulled.findings if f.properties.get("image")} == \
        {f.fingerprint for f in result.findings if f.properties.get("image")}
    assert image_spec("ghcr.io/org/app:1.2@sha256:" + "ab" * 32, base=repo).name == "ghcr.io/org/app"


def test_the_dockerfile_is_found_when_there_is_one_to_choose(tmp_path) -> None:
    from secscan.collect.images.dockerfile import find_dockerfile

    for sub in ("docker/web", "docker/worker", ".venv/lib/x"):
        (tmp_path / sub).mkdir(parents=True)
        (tmp_path / sub / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    assert find_dockerfile(tmp_path) is None  # two candidates: ambiguous, never a guess
    assert find_dockerfile(tmp_path, "ghcr.io/org/worker") == tmp_path / "docker" / "worker" / "Dockerfile"
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    assert find_dockerfile(tmp_path, "worker") == tmp_path / "Dockerfile"
    with pytest.raises(Exception, match="not a Dockerfile"):
        parse_dockerfile("# only a comment\n", "docs/Dockerfile")


def test_vulnerabilities_of_a_real_trivy_image_report_point_at_the_from_line() -> None:
    """trivy's own golden report of an image scan with its vulnerability DB (the corpus):
    OS package vulnerabilities of the base layer land on FROM, fingerprints hold no digest."""
    from secscan.collect.images import ImageSpec
    from secscan.collect.images.run import read_image_report
    from secscan.findings import RawReport
    from support.corpus import CORPUS

    path = CORPUS / "trivy" / "trivy__alpine-310.json.golden"
    spec = ImageSpec(ref="alpine-310.tar.gz", kind=ImageKind.REFERENCE, name="alpine")
    df = parse_dockerfile("FROM alpine:3.10\nRUN echo hi\n")
    parsed, _inv = read_image_report(RawReport(path.read_bytes(), str(path)), spec, df)
    vulns = [f for f in parsed.findings if f.category.value == "dependency"]
    assert len(vulns) == 4
    for f in vulns:
        assert (f.path, f.line, f.properties["placement"]) == ("Dockerfile", 1, "base-image")
        assert f.properties["layer"] == "sha256:03901b4a2ea88eeaad62dbe59b072b28b6efa00491962b8741081c5df50c65e0"
        assert f.package.manifest == "Dockerfile" and f.properties["image"] == "alpine"
    # rebuilt: a new image id and layer digests, the same packages
    rebuilt = path.read_bytes().replace(b"961769676411f0", b"0000000000000a").replace(b"03901b4a2ea88e", b"1111111111111b")
    again, _ = read_image_report(RawReport(rebuilt, str(path)), spec, df)
    assert [f.fingerprint for f in again.findings] == [f.fingerprint for f in parsed.findings]
    assert {f.properties["placement"] for f in again.findings if f.category.value == "dependency"} == {"base-image"}
