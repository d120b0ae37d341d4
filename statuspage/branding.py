"""The site's look: ``logo:`` (a file under content/) and ``accent:`` (a colour), checked.

The accent colours the links, the focus ring and the header's rule; it must keep the
WCAG AA contrast (4.5:1 for text) on the light and the dark scheme's background, so one
colour for both, or one per scheme. The logo is copied under a content-hashed name (cached
forever, like the stylesheet) and shown in the header with the site's name as its text
alternative. An SVG logo is refused when it could run script (opened on its own, an SVG
is a page of the site's origin).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from statuspage.model import LOGO_TYPES, Accent, Logo
from statuspage.schema import Reading

BACKGROUNDS = {"light": "#ffffff", "dark": "#0d1117"}  # style.css's --bg of each scheme
AA = 4.5  # WCAG 2 contrast for normal text
COLOUR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
LOGO_MAX_BYTES = 512_000


# -- the accent --------------------------------------------------------------------------

def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(one: str, two: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _full(colour: str) -> str:
    digits = colour[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def read_accent(reading: Reading, value: Any, path) -> Any:
    """``accent: "#0b5cad"`` (both schemes) or ``accent: {light: "#0b5cad", dark: "#79c0ff"}``."""
    given: dict[str, Any]
    if isinstance(value, str):
        given = {"light": value, "dark": value}
    elif isinstance(value, dict):
        reading.problems.unknown_keys(value, list(BACKGROUNDS), *path)
        given = {scheme: value.get(scheme) for scheme in BACKGROUNDS}
    else:
        return reading.error('expected a colour such as "#0b5cad", or {light: …, dark: …}',
                             path)
    colours = {}
    for scheme, colour in given.items():
        where = path if isinstance(value, str) else (*path, scheme)
        if not isinstance(colour, str) or not COLOUR.fullmatch(colour):
            return reading.error(f"{colour!r} is not a colour such as \"#0b5cad\" (quote it: "
                                 "YAML reads # as a comment)", where)
        colours[scheme] = _full(colour)
        ratio = contrast(colours[scheme], BACKGROUNDS[scheme])
        if ratio < AA:
            hint = "a darker one" if scheme == "light" else "a lighter one"
            if isinstance(value, str):
                hint += ', or one per scheme: accent: {light: "#…", dark: "#…"}'
            return reading.error(
                f"{colour} on the {scheme} scheme's background ({BACKGROUNDS[scheme]}) has a "
                f"contrast of {ratio:.1f}:1; links need {AA}:1 (WCAG AA): choose {hint}", where)
    return Accent(**colours)


# -- the logo ----------------------------------------------------------------------------

def read_logo_path(reading: Reading, value: Any, path) -> Any:
    """The logo's path under content/, checked for its form (the file is read later)."""
    if not isinstance(value, str) or not value.strip():
        return reading.error("expected a file under content/, e.g. logo: logo.svg", path)
    relative = PurePosixPath(value.strip())
    if relative.is_absolute() or ".." in relative.parts:
        return reading.error(f"{value!r}: give a path under content/, e.g. logo: logo.svg",
                             path)
    if relative.suffix.lower() not in LOGO_TYPES:
        return reading.error(f"{value!r}: a logo is one of {', '.join(LOGO_TYPES)}", path)
    return Logo(relative.as_posix())


def load_logo(content: Path, logo: Logo) -> tuple[Logo | None, str | None]:
    """The logo with its bytes, or (None, why not)."""
    try:
        fd = os.open(content / logo.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        return None, f"content/{logo.path} cannot be read: {(err.strerror or str(err)).lower()}"
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, f"content/{logo.path} is not a regular file"
        data = handle.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        return None, (f"content/{logo.path} is larger than {LOGO_MAX_BYTES // 1000} KB: a "
                      "logo shown at 2 rem high needs far less")
    if logo.path.lower().endswith(".svg"):
        problem = svg_problem(data)
        if problem:
            return None, f"content/{logo.path}: {problem}"
    return Logo(logo.path, data), None


UNSAFE_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed"}


def svg_problem(data: bytes) -> str | None:
    """Why an SVG could run script or is not an SVG, or None."""
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data.upper():
        return "has a DOCTYPE or entities: export it as plain SVG"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as err:
        return f"not a valid SVG ({err})"
    if root.tag.rpartition("}")[2] != "svg":
        return "not an SVG (its root element is not <svg>)"
    for element in root.iter():
        name = element.tag.rpartition("}")[2].lower()
        if name in UNSAFE_ELEMENTS:
            return f"has a <{name}> element: a logo may not run script; remove it"
        for attribute, attribute_value in element.attrib.items():
            local = attribute.rpartition("}")[2].lower()
            if local.startswith("on"):
                return f"has an {local} attribute: a logo may not run script; remove it"
            if local == "href" and attribute_value.strip().lower().startswith(
                    ("javascript:", "data:text/html")):
                return "links to script: a logo may not run script; remove the link"
    return None

