"""Licence names as scanners write them → SPDX identifiers, for the licence policy.

pip-licenses (and trivy) report whatever a package declared: an SPDX expression
(``MIT OR Apache-2.0``), a trove classifier's last segment (``MIT License``), free text
from the ``License:`` metadata field (``Apache 2.0``, ``new BSD``), several classifiers
joined with ``"; "``, ``UNKNOWN``, or even a whole licence text.  A policy that says
"deny GPL-3.0-only" needs one vocabulary, so :func:`to_spdx` maps all of these to a tuple
of SPDX ids.

Decisions (the policy author should know them):

* **Empty tuple = unknown.**  ``UNKNOWN``, empty text, and any text with a part we do not
  recognize give ``()``.  A partly recognized expression (``MIT OR Foo``) is unknown too:
  silently dropping ``Foo`` could hide the one licence the policy would deny.  The policy
  decides what unknown means (it fails safe).
* **Ambiguous families become ``LicenseRef-*`` ids, never a guess.**  The classifier
  ``BSD License`` says nothing about 2 or 3 clauses (or 4, which has the advertising
  clause), so it is ``LicenseRef-BSD``; likewise unversioned ``GPL`` → ``LicenseRef-GPL``,
  ``LGPL`` → ``LicenseRef-LGPL``, ``AGPL`` → ``LicenseRef-AGPL``, ``Artistic License`` →
  ``LicenseRef-Artistic``, ``Zope Public License`` → ``LicenseRef-ZPL``, ``Public
  Domain`` → ``LicenseRef-Public-Domain``, ``Other/Proprietary License`` →
  ``LicenseRef-Proprietary``.  A policy allows them by these names.
* **One exception, by convention:** the unversioned classifier ``Apache Software
  License`` (and free-text ``Apache``/``ASL``) maps to ``Apache-2.0`` — Apache 1.x has
  not been used for new Python packages for two decades and every licence tool does the
  same.
* Classifiers without "or later" are ``-only`` (``GPLv3`` → ``GPL-3.0-only``), as in
  PEP 639's classifier table; ``+`` / "or later" → ``-or-later``.
* Deprecated SPDX ids are upgraded (``GPL-2.0+`` → ``GPL-2.0-or-later``,
  ``GPL-3.0`` → ``GPL-3.0-only``).
* SPDX expressions are tokenized (``AND``/``OR``/``WITH``/parentheses, any case); the
  result lists the licence ids (exceptions after ``WITH`` included) in order of first
  appearance, without the operators.  :func:`is_choice` tells whether the text offered
  an explicit choice (``OR``), for a policy that accepts a package when *any* of its
  licences is allowed; otherwise every listed licence must be acceptable.

The table is written here, not taken from ``license-expression``: that package is not a
dependency of secscan's core and its answer would change with its version; this module
is deterministic and covers every trove licence classifier and the free-text spellings
seen on PyPI.  Unknown spellings simply stay unknown.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["KNOWN_SPDX_IDS", "is_choice", "to_spdx"]

# SPDX ids accepted verbatim (case-insensitively).  Common ones on PyPI and the whole
# families a policy is likely to name; a valid id not listed here is "unknown".
_SPDX_IDS = """
0BSD AAL AFL-1.1 AFL-1.2 AFL-2.0 AFL-2.1 AFL-3.0 AGPL-1.0-only AGPL-1.0-or-later
AGPL-3.0-only AGPL-3.0-or-later Aladdin Apache-1.0 Apache-1.1 Apache-2.0 APSL-1.0 APSL-1.1
APSL-1.2 APSL-2.0 Artistic-1.0 Artistic-1.0-Perl Artistic-2.0 Beerware BlueOak-1.0.0
BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent BSD-3-Clause BSD-3-Clause-Clear
BSD-3-Clause-LBNL BSD-3-Clause-Modification BSD-4-Clause BSD-Source-Code BSL-1.0 BUSL-1.1
bzip2-1.0.6 CAL-1.0 CC-BY-1.0 CC-BY-2.0 CC-BY-2.5 CC-BY-3.0 CC-BY-4.0 CC-BY-NC-3.0
CC-BY-NC-4.0 CC-BY-NC-ND-3.0 CC-BY-NC-ND-4.0 CC-BY-NC-SA-3.0 CC-BY-NC-SA-4.0 CC-BY-ND-3.0
CC-BY-ND-4.0 CC-BY-SA-3.0 CC-BY-SA-4.0 CC-PDDC CC0-1.0 CDDL-1.0 CDDL-1.1 CECILL-2.0
CECILL-2.1 CECILL-B CECILL-C CNRI-Python CPAL-1.0 CPL-1.0 curl ECL-1.0 ECL-2.0 EFL-1.0
EFL-2.0 Elastic-2.0 EPL-1.0 EPL-2.0 EUPL-1.0 EUPL-1.1 EUPL-1.2 FSFAP FTL GFDL-1.1-only
GFDL-1.1-or-later GFDL-1.2-only GFDL-1.2-or-later GFDL-1.3-only GFDL-1.3-or-later
GPL-1.0-only GPL-1.0-or-later GPL-2.0-only GPL-2.0-or-later GPL-3.0-only GPL-3.0-or-later
HPND ICU IJG Imlib2 Info-ZIP IPL-1.0 ISC JSON LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1-only
LGPL-2.1-or-later LGPL-3.0-only LGPL-3.0-or-later libpng-2.0 Libpng LPL-1.02 LPPL-1.3c
MirOS MIT MIT-0 MIT-CMU MIT-Modern-Variant Motosoto MPL-1.0 MPL-1.1 MPL-2.0
MPL-2.0-no-copyleft-exception MS-PL MS-RL MulanPSL-2.0 NASA-1.3 NCSA NGPL Nokia NPL-1.0
NPL-1.1 NTP OFL-1.0 OFL-1.1 OGTSL OLDAP-2.8 OpenSSL OSL-1.0 OSL-2.0 OSL-2.1 OSL-3.0 PHP-3.0
PHP-3.01 PostgreSQL PSF-2.0 Python-2.0 Python-2.0.1 QPL-1.0 RPL-1.5 RPSL-1.0 RSCPL Ruby
SISSL Sleepycat SPL-1.0 SSPL-1.0 TCL Unicode-3.0 Unicode-DFS-2016 Unlicense UPL-1.0 Vim
VSL-1.0 W3C WTFPL X11 Xnet Zlib zlib-acknowledgement ZPL-1.1 ZPL-2.0 ZPL-2.1
Autoconf-exception-3.0 Bison-exception-2.2 Classpath-exception-2.0 Font-exception-2.0
GCC-exception-2.0 GCC-exception-3.1 LLVM-exception OCaml-LGPL-linking-exception
openvpn-openssl-exception Qt-GPL-exception-1.0 Qt-LGPL-exception-1.1 WxWindows-exception-3.1
"""
KNOWN_SPDX_IDS: frozenset[str] = frozenset(_SPDX_IDS.split())
_BY_LOWER = {i.lower(): i for i in KNOWN_SPDX_IDS}

# Deprecated SPDX ids and their current form.
_DEPRECATED = {
    "gpl-1.0": "GPL-1.0-only", "gpl-1.0+": "GPL-1.0-or-later",
    "gpl-2.0": "GPL-2.0-only", "gpl-2.0+": "GPL-2.0-or-later",
    "gpl-3.0": "GPL-3.0-only", "gpl-3.0+": "GPL-3.0-or-later",
    "lgpl-2.0": "LGPL-2.0-only", "lgpl-2.0+": "LGPL-2.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgpl-3.0": "LGPL-3.0-only", "lgpl-3.0+": "LGPL-3.0-or-later",
    "agpl-1.0": "AGPL-1.0-only", "agpl-3.0": "AGPL-3.0-only", "agpl-3.0+": "AGPL-3.0-or-later",
    "gfdl-1.3": "GFDL-1.3-only", "gfdl-1.2": "GFDL-1.2-only", "gfdl-1.1": "GFDL-1.1-only",
    "gpl-2.0-with-classpath-exception": "GPL-2.0-only WITH Classpath-exception-2.0",
    "gpl-2.0-with-gcc-exception": "GPL-2.0-only WITH GCC-exception-2.0",
    "gpl-3.0-with-gcc-exception": "GPL-3.0-only WITH GCC-exception-3.1",
    "bsd-2-clause-freebsd": "BSD-2-Clause", "bsd-2-clause-netbsd": "BSD-2-Clause",
}

# Trove classifier last segments (all of them) and frequent free-text spellings.
# Keys are compared after _key(): lower case, single spaces, no trailing full stop.
_NAMES: dict[str, tuple[str, ...]] = {
    # -- trove classifiers ("License :: ..." last segment)
    "aladdin free public license (afpl)": ("Aladdin",),
    "cc0 1.0 universal (cc0 1.0) public domain dedication": ("CC0-1.0",),
    "cecill-b free software license agreement (cecill-b)": ("CECILL-B",),
    "cecill-c free software license agreement (cecill-c)": ("CECILL-C",),
    "dfsg approved": ("LicenseRef-DFSG-approved",),
    "eiffel forum license (efl)": ("LicenseRef-EFL",),
    "free for educational use": ("LicenseRef-Free-for-educational-use",),
    "free for home use": ("LicenseRef-Free-for-home-use",),
    "free to use but restricted": ("LicenseRef-Free-to-use-but-restricted",),
    "free for non-commercial use": ("LicenseRef-Free-for-non-commercial-use",),
    "freely distributable": ("LicenseRef-Freely-distributable",),
    "freeware": ("LicenseRef-Freeware",),
    "gust font license 1.0": ("LicenseRef-GUST-Font-1.0",),
    "gust font license 2006-09-30": ("LicenseRef-GUST-Font-2006-09-30",),
    "netscape public license (npl)": ("LicenseRef-NPL",),
    "nokia open source license (nokos)": ("Nokia",),
    "academic free license (afl)": ("LicenseRef-AFL",),
    "apache software license": ("Apache-2.0",),
    "apple public source license": ("LicenseRef-APSL",),
    "artistic license": ("LicenseRef-Artistic",),
    "attribution assurance license": ("AAL",),
    "bsd license": ("LicenseRef-BSD",),
    "blue oak model license (blueoak-1.0.0)": ("BlueOak-1.0.0",),
    "boost software license 1.0 (bsl-1.0)": ("BSL-1.0",),
    "cea cnrs inria logiciel libre license, version 2.1 (cecill-2.1)": ("CECILL-2.1",),
    "cmu license (mit-cmu)": ("MIT-CMU",),
    "common development and distribution license 1.0 (cddl-1.0)": ("CDDL-1.0",),
    "common public license": ("CPL-1.0",),
    "eclipse public license 1.0 (epl-1.0)": ("EPL-1.0",),
    "eclipse public license 2.0 (epl-2.0)": ("EPL-2.0",),
    "educational community license, version 2.0 (ecl-2.0)": ("ECL-2.0",),
    "eiffel forum license": ("EFL-2.0",),  # the OSI-approved classifier: version 2
    "european union public licence 1.0 (eupl 1.0)": ("EUPL-1.0",),
    "european union public licence 1.1 (eupl 1.1)": ("EUPL-1.1",),
    "european union public licence 1.2 (eupl 1.2)": ("EUPL-1.2",),
    "gnu affero general public license v3": ("AGPL-3.0-only",),
    "gnu affero general public license v3 or later (agplv3+)": ("AGPL-3.0-or-later",),
    "gnu free documentation license (fdl)": ("LicenseRef-GFDL",),
    "gnu general public license (gpl)": ("LicenseRef-GPL",),
    "gnu general public license v2 (gplv2)": ("GPL-2.0-only",),
    "gnu general public license v2 or later (gplv2+)": ("GPL-2.0-or-later",),
    "gnu general public license v3 (gplv3)": ("GPL-3.0-only",),
    "gnu general public license v3 or later (gplv3+)": ("GPL-3.0-or-later",),
    "gnu lesser general public license v2 (lgplv2)": ("LGPL-2.0-only",),
    "gnu lesser general public license v2 or later (lgplv2+)": ("LGPL-2.0-or-later",),
    "gnu lesser general public license v3 (lgplv3)": ("LGPL-3.0-only",),
    "gnu lesser general public license v3 or later (lgplv3+)": ("LGPL-3.0-or-later",),
    "gnu library or lesser general public license (lgpl)": ("LicenseRef-LGPL",),
    "historical permission notice and disclaimer (hpnd)": ("HPND",),
    "ibm public license": ("IPL-1.0",),
    "isc license (iscl)": ("ISC",),
    "mit license": ("MIT",),
    "mit no attribution license (mit-0)": ("MIT-0",),
    "miros license (miros)": ("MirOS",),
    "motosoto license": ("Motosoto",),
    "mozilla public license 1.0 (mpl)": ("MPL-1.0",),
    "mozilla public license 1.1 (mpl 1.1)": ("MPL-1.1",),
    "mozilla public license 2.0 (mpl 2.0)": ("MPL-2.0",),
    "mulan permissive software license v2 (mulanpsl-2.0)": ("MulanPSL-2.0",),
    "nasa open source agreement v1.3 (nasa-1.3)": ("NASA-1.3",),
    "nethack general public license": ("NGPL",),
    "nokia open source license": ("Nokia",),
    "open group test suite license": ("OGTSL",),
    "open software license 3.0 (osl-3.0)": ("OSL-3.0",),
    "postgresql license": ("PostgreSQL",),
    "python license (cnri python license)": ("CNRI-Python",),
    "python software foundation license": ("PSF-2.0",),
    "qt public license (qpl)": ("QPL-1.0",),
    "ricoh source code public license": ("RSCPL",),
    "sil open font license 1.1 (ofl-1.1)": ("OFL-1.1",),
    "sleepycat license": ("Sleepycat",),
    "sun public license": ("SPL-1.0",),
    "the unlicense (unlicense)": ("Unlicense",),
    "universal permissive license (upl)": ("UPL-1.0",),
    "university of illinois/ncsa open source license": ("NCSA",),
    "vovida software license 1.0": ("VSL-1.0",),
    "w3c license": ("W3C",),
    "zero-clause bsd (0bsd)": ("0BSD",),
    "zope public license": ("LicenseRef-ZPL",),
    "zlib/libpng license": ("Zlib",),
    "other/proprietary license": ("LicenseRef-Proprietary",),
    "public domain": ("LicenseRef-Public-Domain",),
    "repoze public license": ("LicenseRef-Repoze",),
    # -- free text seen in the License: metadata field
    "mit": ("MIT",), "the mit license": ("MIT",), "the mit license (mit)": ("MIT",),
    "mit license (mit)": ("MIT",), "expat": ("MIT",), "expat license": ("MIT",),
    "mit-style": ("LicenseRef-MIT-style",),
    "bsd": ("LicenseRef-BSD",), "bsd-style": ("LicenseRef-BSD",), "bsd style": ("LicenseRef-BSD",),
    "bsd-like": ("LicenseRef-BSD",),
    "new bsd": ("BSD-3-Clause",), "new bsd license": ("BSD-3-Clause",),
    "modified bsd": ("BSD-3-Clause",), "modified bsd license": ("BSD-3-Clause",),
    "revised bsd": ("BSD-3-Clause",), "revised bsd license": ("BSD-3-Clause",),
    "simplified bsd": ("BSD-2-Clause",), "simplified bsd license": ("BSD-2-Clause",),
    "freebsd": ("BSD-2-Clause",),
    "apache": ("Apache-2.0",), "apache license": ("Apache-2.0",), "asl": ("Apache-2.0",),
    "apache software license (apache-2.0)": ("Apache-2.0",),
    "gpl": ("LicenseRef-GPL",), "gnu gpl": ("LicenseRef-GPL",), "gnu general public license": ("LicenseRef-GPL",),
    "lgpl": ("LicenseRef-LGPL",), "gnu lgpl": ("LicenseRef-LGPL",),
    "gnu lesser general public license": ("LicenseRef-LGPL",),
    "gnu library general public license": ("LicenseRef-LGPL",),
    "agpl": ("LicenseRef-AGPL",), "gnu affero general public license": ("LicenseRef-AGPL",),
    "mpl": ("LicenseRef-MPL",), "mozilla public license": ("LicenseRef-MPL",),
    "isc": ("ISC",), "isc license": ("ISC",), "iscl": ("ISC",),
    "psf": ("PSF-2.0",), "psfl": ("PSF-2.0",), "psf license": ("PSF-2.0",),
    "python software foundation": ("PSF-2.0",), "python software foundation license version 2": ("PSF-2.0",),
    "psf-2": ("PSF-2.0",), "python": ("LicenseRef-Python",),
    "zpl": ("LicenseRef-ZPL",), "zope": ("LicenseRef-ZPL",),
    "unlicense": ("Unlicense",), "the unlicense": ("Unlicense",),
    "public domain dedication": ("LicenseRef-Public-Domain",), "public-domain": ("LicenseRef-Public-Domain",),
    "cc0": ("CC0-1.0",), "cc0 1.0": ("CC0-1.0",), "cc0 1.0 universal": ("CC0-1.0",),
    "proprietary": ("LicenseRef-Proprietary",), "proprietary license": ("LicenseRef-Proprietary",),
    "commercial": ("LicenseRef-Proprietary",), "all rights reserved": ("LicenseRef-Proprietary",),
    "wtfpl": ("WTFPL",), "zlib": ("Zlib",), "zlib license": ("Zlib",),
    "boost": ("BSL-1.0",), "boost software license": ("BSL-1.0",),
    "eclipse public license": ("LicenseRef-EPL",), "epl": ("LicenseRef-EPL",),
    "hpnd": ("HPND",), "postgresql": ("PostgreSQL",), "ncsa": ("NCSA",),
    "sspl": ("SSPL-1.0",), "server side public license": ("SSPL-1.0",),
    "elastic license 2.0": ("Elastic-2.0",),
}

_UNKNOWN_WORDS = {"", "unknown", "none", "null", "n/a", "na", "undefined", "noassertion", "other",
                  "license", "see license", "see license file", "see license.txt", "see license.md",
                  "dual license", "custom", "file license", "osi approved"}

# Versioned free text: "GPLv3+", "GNU GPL v2 or later", "LGPL-2.1", "Apache 2.0",
# "Apache License, Version 2.0", "MPL 2.0", "BSD 3-Clause", "3-clause BSD".
_GNU = re.compile(
    r"^(?:the\s+)?(?:gnu\s+)?(?P<kind>a?gpl|lgpl|affero\s+general\s+public|lesser\s+general\s+public|"
    r"library\s+general\s+public|general\s+public)(?:\s+licen[cs]e)?"
    r"[\s,\-]*(?:v(?:ersion)?\.?\s*)?(?P<ver>[123](?:\.[01])?)(?:\.0)?"
    r"\s*(?P<later>\+|\s*(?:or|and)\s*(?:any\s+)?later(?:\s+version)?|-or-later)?"
    r"(?:\s*only|-only)?(?:\s*\([^)]*\))?$")
_APACHE = re.compile(r"^(?:the\s+)?(?:apache|asl)(?:\s+software)?(?:\s+licen[cs]e)?[\s,\-]*"
                     r"(?:v(?:ersion)?\.?\s*)?(?P<ver>[12])(?:\.(?P<minor>[01]))?(?:\.0)?(?:\s*\([^)]*\))?$")
_MPL = re.compile(r"^(?:mozilla\s+public\s+licen[cs]e|mpl)[\s,\-]*(?:v(?:ersion)?\.?\s*)?"
                  r"(?P<ver>1\.0|1\.1|2\.0|1|2)(?:\s*\([^)]*\))?$")
_BSD = re.compile(r"^(?:(?P<n1>[0-4])[\s\-]*clause[\s\-]+bsd|bsd[\s\-]*(?:licen[cs]e)?[\s\-]*\(?(?P<n2>[0-4])[\s\-]*clause\)?)"
                  r"(?:\s+licen[cs]e)?(?:\s*\([^)]*\))?$")
_ZPL = re.compile(r"^(?:zope\s+public\s+licen[cs]e|zpl)[\s,\-]*(?:v(?:ersion)?\.?\s*)?(?P<ver>2\.1|2\.0|1\.1|2)(?:\s*\([^)]*\))?$")
_EPL = re.compile(r"^(?:eclipse\s+public\s+licen[cs]e|epl)[\s,\-]*(?:v(?:ersion)?\.?\s*)?(?P<ver>[12])(?:\.0)?$")

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_OPERATORS = {"and", "or", "with"}


def _key(text: str) -> str:
    return " ".join(text.strip().lower().split()).rstrip(".")


def _gnu(m: re.Match[str]) -> tuple[str, ...]:
    kind = m.group("kind")
    if kind.startswith(("lgpl", "lesser", "library")):
        family = "LGPL"
    elif kind.startswith(("agpl", "affero")):
        family = "AGPL"
    else:
        family = "GPL"
    ver = m.group("ver")
    if "." not in ver:
        ver += ".0"
    spdx = f"{family}-{ver}-{'or-later' if m.group('later') else 'only'}"
    return (spdx,) if spdx in KNOWN_SPDX_IDS else ()


def _free_text(key: str) -> tuple[str, ...]:
    """Versioned spellings the table cannot list one by one."""
    m = _GNU.match(key)
    if m:
        return _gnu(m)
    m = _APACHE.match(key)
    if m:
        minor = m.group("minor") or "0"
        spdx = f"Apache-{m.group('ver')}.{minor}"
        return (spdx,) if spdx in KNOWN_SPDX_IDS else ()
    m = _MPL.match(key)
    if m:
        ver = m.group("ver")
        return (f"MPL-{ver if '.' in ver else ver + '.0'}",)
    m = _BSD.match(key)
    if m:
        spdx = f"BSD-{m.group('n1') or m.group('n2')}-Clause"
        return (spdx,) if spdx in KNOWN_SPDX_IDS else ()
    m = _ZPL.match(key)
    if m:
        ver = m.group("ver")
        return (f"ZPL-{ver if '.' in ver else ver + '.0'}",)
    m = _EPL.match(key)
    if m:
        return (f"EPL-{m.group('ver')}.0",)
    return ()


def _spdx_id(token: str) -> str | None:
    """One SPDX id (case-insensitive; deprecated ids upgraded), or None."""
    low = token.lower()
    if low in _BY_LOWER:
        return _BY_LOWER[low]
    if low in _DEPRECATED:
        return _DEPRECATED[low]
    if low.startswith(("licenseref-", "documentref-")) and len(token) > 11:
        return token
    if low.endswith("+") and low[:-1] in _BY_LOWER:  # "MPL-2.0+", "LGPL-2.1-only+" is not a thing
        base = _BY_LOWER[low[:-1]]
        later = base.replace("-only", "-or-later")
        return later if later in KNOWN_SPDX_IDS else base
    return None


def _expression(text: str) -> tuple[str, ...]:
    """Ids of an SPDX expression, or () if any operand is not a known id."""
    ids: list[str] = []
    tokens = _TOKEN.findall(text)
    if not tokens:
        return ()
    for token in tokens:
        if token in ("(", ")") or token.lower() in _OPERATORS:
            continue
        spdx = _spdx_id(token)
        if spdx is None:
            return ()
        for part in spdx.split(" WITH "):  # deprecated "-with-…-exception" ids expand
            if part not in ids:
                ids.append(part)
    return tuple(ids)


def _single(text: str) -> tuple[str, ...]:
    """One licence name (not a "; "-joined list)."""
    text = text.strip()
    if text.lower().startswith("license :: "):
        text = text.split(" :: ")[-1]
    key = _key(text)
    if key in _UNKNOWN_WORDS:
        return ()
    if key in _NAMES:
        return _NAMES[key]
    found = _free_text(key)
    if found:
        return found
    found = _expression(text)
    if found:
        return found
    # "Apache 2.0 or MIT", "MIT/Apache-2.0": free-text names joined by operators
    parts = [p for p in re.split(r"\s+(?:or|and)\s+|\s*/\s*|\s*,\s*", text, flags=re.IGNORECASE) if p.strip()]
    if len(parts) > 1:
        ids: list[str] = []
        for part in parts:
            sub = _NAMES.get(_key(part)) or _free_text(_key(part)) or _expression(part)
            if not sub:
                return ()
            ids.extend(i for i in sub if i not in ids)
        return tuple(ids)
    return ()


def _licence_text(text: str) -> tuple[str, ...]:
    """A whole licence text pasted into the metadata: recognize its title line only."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:3]
    for line in lines:
        ids = _single(line)
        if ids:
            return ids
    head = " ".join(lines).lower()
    if "apache license" in head and "version 2.0" in head:
        return ("Apache-2.0",)
    return ()


@lru_cache(maxsize=4096)
def to_spdx(name: str | None) -> tuple[str, ...]:
    """SPDX ids of a licence name as a scanner wrote it; ``()`` when unknown.

    ``"MIT License"`` → ``("MIT",)``; ``"MIT OR Apache-2.0"`` → ``("MIT", "Apache-2.0")``;
    ``"BSD License; MIT License"`` (pip-licenses joins classifiers with ``"; "``) →
    ``("LicenseRef-BSD", "MIT")``; ``"UNKNOWN"`` → ``()``.  Any unrecognized part makes
    the whole answer unknown (see the module docstring).
    """
    if name is None:
        return ()
    text = str(name).strip()
    if not text:
        return ()
    if "\n" in text or len(text) > 200:
        return _licence_text(text)
    ids: list[str] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        found = _single(part)
        if not found:
            return ()
        ids.extend(i for i in found if i not in ids)
    return tuple(ids)


def is_choice(name: str | None) -> bool:
    """True when the text offers alternatives (an ``OR`` expression, "Apache 2.0 or
    MIT").  Several "; "-joined classifiers are *not* a stated choice — a package may
    mean "dual licensed" or "parts under each" — so a policy must accept all of them."""
    if not name:
        return False
    text = " ".join(str(name).split())
    if _key(text) in _NAMES or _free_text(_key(text)):
        return False  # "GNU Library or Lesser General Public License (LGPL)", "GPLv2 or later"
    return bool(re.search(r"\s(?:OR|or)\s", text))
