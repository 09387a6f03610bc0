"""The HTML report in a real headless Chromium (Debian's ``chromium``): the page
renders, its script runs (under the page's own CSP), filtering from the URL fragment
works, scanner text cannot inject script, and the page asks for nothing over the
network.  Input: real SARIF from the corpus (CodeQL, semgrep) and real pip-audit
output through secscan's own SARIF writer."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

from secscan.emit.report import render
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"
CODEQL = CORPUS / "sarif" / "defectdojo__codeQL-output.sarif"
SEMGREP = CORPUS / "semgrep" / "defectdojo__issue_10191.sarif.json"
PIP_AUDIT = CORPUS / "pip-audit" / "defectdojo__many_vulns_new.json"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, "Debian's chromium is required: apt-get install -y chromium"
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def dump_dom(html_file: Path, fragment: str, tmp: Path) -> str:
    url = html_file.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    dom = chromium(["--virtual-time-budget=3000", "--dump-dom", url], tmp).stdout
    assert "</html>" in dom, "chromium printed no DOM"
    return dom


class Rows(HTMLParser):
    """The finding rows of the dumped DOM, and whether each is hidden."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str | None]] = []
        self.body: dict[str, str | None] = {}
        self.visible_count: str | None = None
        self._in_count = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "finding" in (a.get("class") or "").split():
            self.rows.append(a)
        if tag == "body":
            self.body = a
        self._in_count = a.get("id") == "visible-count"

    def handle_data(self, data: str) -> None:
        if self._in_count:
            self.visible_count = data.strip()
            self._in_count = False


def parse(dom: str) -> Rows:
    p = Rows()
    p.feed(dom)
    return p


def visible(p: Rows) -> list[dict[str, str | None]]:
    return [r for r in p.rows if "hidden" not in r]


def write(tmp: Path, doc: dict, name: str = "report.html") -> Path:
    out = tmp / name
    out.write_text(render(doc, "html"), encoding="utf-8")
    return out


def test_filter_from_fragment_in_real_chromium(tmp_path):
    doc = json.loads(CODEQL.read_text(encoding="utf-8"))
    results = doc["runs"][0]["results"]
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"].get("rules", [])}
    page = write(tmp_path, doc)

    # no filter: every result is a row, all visible
    p = parse(dump_dom(page, "", tmp_path))
    assert p.body.get("data-filtered") == "1", "the page script did not run"
    assert len(p.rows) == len(results) == 72  # MANIFEST.tsv: 72 findings
    assert len(visible(p)) == 72 and p.visible_count == "72"

    # text filter: count independently from the SARIF what mentions 'flask-debug'
    expected = sum(1 for r in results if "py/flask-debug" in r["ruleId"])
    assert expected > 0
    p = parse(dump_dom(page, "q=py/flask-debug", tmp_path))
    assert len(visible(p)) == expected and p.visible_count == str(expected)
    assert all(r["data-text"] and "py/flask-debug" in r["data-text"] for r in visible(p))

    # severity filter: CodeQL's 'error' level is secscan 'high' (no security-severity here)
    def level(r):
        return r.get("level") or rules.get(r["ruleId"], {}).get("defaultConfiguration", {}).get("level", "warning")
    high = sum(1 for r in results if level(r) == "error")
    p = parse(dump_dom(page, "sev=high", tmp_path))
    assert len(visible(p)) == high > 0
    assert {r["data-sev"] for r in visible(p)} == {"high"}

    # combined filter with nothing matching shows the empty note
    dom = dump_dom(page, "q=zz-no-such-text-zz&sev=high", tmp_path)
    assert visible(parse(dom)) == []
    assert re.search(r'<p id="no-match"[^>]*>', dom) and 'id="no-match" class="muted" hidden' not in dom


def test_tool_filter_on_semgrep_and_pip_audit_through_the_writer(tmp_path):
    from secscan.emit.sarif_writer import runinfo_from_reports, to_sarif
    from secscan.normalizer.finalize import normalize
    from secscan.scanners import load_report

    reports = [load_report(PIP_AUDIT), load_report(SEMGREP)]
    log = to_sarif(normalize([f for r in reports for f in r.findings]), runinfo_from_reports(reports))
    raw_audit = json.loads(PIP_AUDIT.read_text(encoding="utf-8"))
    vulns = [v for d in raw_audit["dependencies"] for v in d.get("vulns", [])]
    page = write(tmp_path, log)
    html = page.read_text(encoding="utf-8")
    # fix versions from the pip-audit report are shown
    fixes = {f for v in vulns for f in v.get("fix_versions", [])}
    assert fixes and all(f'<span class="tag">{f}</span>' in html for f in fixes)
    p = parse(dump_dom(page, "tool=pip-audit", tmp_path))
    assert len(visible(p)) == len(vulns) == 7
    semgrep_results = len(json.loads(SEMGREP.read_text(encoding="utf-8"))["runs"][0]["results"])
    p = parse(dump_dom(page, "tool=semgrep", tmp_path))
    assert len(visible(p)) == semgrep_results == 77


def test_screenshot_is_a_real_rendering(tmp_path):
    page = write(tmp_path, json.loads(CODEQL.read_text(encoding="utf-8")))
    shot = tmp_path / "shot.png"
    chromium(["--window-size=1280,1600", "--hide-scrollbars", f"--screenshot={shot}", page.resolve().as_uri()],
             tmp_path)
    assert shot.exists() and shot.stat().st_size > 20_000
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 1600)
    colours = set(pixels)
    assert len(colours) > 50, "screenshot is blank or nearly so"
    # the severity badge colours of the chart/table are on screen: high (#c62828) at least
    assert (0xC6, 0x28, 0x28) in colours


def test_scanner_text_cannot_inject_script(tmp_path):
    doc = json.loads(CODEQL.read_text(encoding="utf-8"))
    evil = "<script>document.body.setAttribute('data-pwned','1')</script><img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"
    first = doc["runs"][0]["results"][0]
    first["message"] = {"text": evil}
    rule = doc["runs"][0]["tool"]["driver"]["rules"][0]
    rule["helpUri"] = "javascript:document.body.setAttribute('data-pwned','3')"
    page = write(tmp_path, doc)
    html = page.read_text(encoding="utf-8")
    assert "<script>document.body" not in html and "&lt;script&gt;document.body" in html
    assert 'href="javascript:' not in html
    p = parse(dump_dom(page, "", tmp_path))
    assert p.body.get("data-filtered") == "1"
    assert "data-pwned" not in p.body


class Elements(HTMLParser):
    """Every element with its attributes, and the text of <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
            self._in_style = False


def test_page_requests_nothing_from_the_network(tmp_path):
    # This real semgrep report holds an XSS payload (<iframe src="javascript:…">) in a
    # snippet: it must stay text.
    doc = json.loads(SEMGREP.read_text(encoding="utf-8"))
    html = render(doc, "html")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    page = Elements()
    page.feed(html)
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"link", "iframe", "object", "embed", "base", "img", "frame", "audio", "video", "source"}
    for tag, attrs in page.elements:
        assert "src" not in attrs, (tag, attrs)
        for name, value in attrs.items():
            if value and re.match(r"\s*(https?:)?//", value):
                assert (tag, name) == ("a", "href"), (tag, name, value)
            assert not (value or "").lower().startswith("javascript:"), (tag, name)
    assert not re.search(r"@import|url\(", "".join(page.styles), re.IGNORECASE)
    assert "iframe src" in html.replace("&lt;", "<").replace("&#34;", '"')  # the payload is there, as text
    dom = Elements()
    dom.feed(dump_dom(write(tmp_path, doc), "", tmp_path))
    assert "iframe" not in {tag for tag, _ in dom.elements}


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """A tiny PNG decoder (8-bit RGB/RGBA, non-interlaced — what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        pixels.extend(tuple(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    return width, height, pixels
