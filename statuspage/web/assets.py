"""Static files under content-hashed names (style.3f2a1b9c0d.css), cacheable forever: the
package's, and the site's logo."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Response, abort, g, send_from_directory

STATIC = Path(__file__).resolve().parent / "static"
A_YEAR = 365 * 24 * 3600


@cache
def names(folder: Path = STATIC) -> dict[str, str]:
    """Each static file's name → its name with a hash of its content.

    The name changes when the content does, so browsers and CDNs may keep a file forever.
    """
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        stem, dot, suffix = name.rpartition(".")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        found[name] = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    return found


def view(hashed: str, folder: Path = STATIC):
    """A stylesheet or script of the package (of ``folder``), or the site's logo (from
    content/)."""
    logo = g.site.config.logo
    if logo is not None and hashed == logo.hashed:
        response = Response(logo.data, mimetype=logo.media_type)
        response.cache_control.public = True
        response.cache_control.max_age = A_YEAR
        return response
    real = {v: k for k, v in names(folder).items()}.get(hashed)
    if real is None:
        abort(404)
    return send_from_directory(folder, real, max_age=A_YEAR)

