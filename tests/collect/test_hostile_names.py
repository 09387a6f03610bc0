"""File names a scanner reports as they are on disk: bytes that are not UTF-8 (Python's
tools write them as lone surrogates) and a line break in a name.  The run's report
passes the same boundary checks as ``secscan convert``: before, a live bandit run with
such a file was an internal error while writing the SARIF, and the line break reached
the console and the SARIF as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

needs_bytes_names = pytest.mark.skipif(sys.platform != "linux", reason="a file name of any bytes is Linux's")


@needs_bytes_names
@pytest.mark.bandit
def test_names_that_are_not_utf8_or_hold_a_line_break_are_cleaned_not_a_crash(tmp_path, sarif_validator):
    tree = tmp_path / "tree"
    tree.mkdir()
    with open(os.path.join(os.fsencode(tree), b"bad\xff\xfename.py"), "wb") as fh:
        fh.write(b"import os\nos.system(input())\n")
    (tree / "evil\n::error::x.py").write_text("exec(input())\n")
    (tree / "ok.py").write_text("eval(input())\n")
    out = tmp_path / "out.sarif"
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(tree), "--scanners", "bandit",
                           "--no-cache", "--offline", "--sarif", str(out)],
                          capture_output=True, timeout=300, check=False)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 1, stderr  # findings that block, not an internal error (4)
    assert "internal error" not in stderr
    assert not any(line.startswith("::error::x.py") for line in stderr.splitlines())
    log = json.loads(out.read_bytes())
    sarif_validator.validate(log)
    uris = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for r in log["runs"][0]["results"]})
    assert uris == ["bad%EF%BF%BD%EF%BF%BDname.py", "evil%EF%BF%BD%3A%3Aerror%3A%3Ax.py", "ok.py"]
