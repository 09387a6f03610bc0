"""A project's own virtual environment for the licence inventory tests.

``python -m venv`` (offline) gives pip and setuptools only (made here without them,
so the inventory is exactly the packages given: secscan runs pip-licenses with
``--with-system``); nothing else can be installed without an index or a wheel builder
here.  So the project's dependencies are installed the way an
installer leaves them (PEP 376/627: a ``.dist-info`` folder with ``METADATA``,
``INSTALLER`` and ``RECORD``), which is exactly what pip-licenses reads.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def make_project_env(path: Path, packages: dict[str, str]) -> Path:
    """A venv at ``path`` holding ``packages`` (name → licence); its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True,
                   capture_output=True, timeout=300)
    python = path / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    for name, licence in packages.items():
        info = site / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nLicense: {licence}\n"
                                       f"Classifier: License :: OSI Approved :: MIT License\n", encoding="utf-8")
        (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
        (info / "RECORD").write_text(f"{info.name}/METADATA,,\n{info.name}/INSTALLER,,\n{info.name}/RECORD,,\n",
                                     encoding="utf-8")
    return python
