"""The package itself, as an input: what every parsed file and built page depends on."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
SOURCES = {".py", ".html", ".js", ".css", ".po", ".svg"}


@cache
def code_digest() -> str:
    """A digest of the package's code, templates, stylesheet and catalogs: a change to any
    of them (an upgrade, an edited template) makes caches and previous builds stale."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in SOURCES and "__pycache__" not in path.parts and path.is_file():
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]
