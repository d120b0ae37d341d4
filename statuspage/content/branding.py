"""The site's look: ``logo:`` (a file under content/) and ``accent:`` (a colour), checked.

The accent colours the links, the focus ring and the header's rule; it must keep the
WCAG AA contrast (4.5:1 for text) on the light and the dark scheme's background, so one
colour for both, or one per scheme. The logo is copied under a content-hashed name (cached
forever, like the stylesheet) and shown in the header with the site's name as its text
alternative. An SVG logo is re-written from an allow-list of what draws (opened on its own,
an SVG is a page of the site's origin: it must not run script); a raster logo must be an
image of its type. The logo is read from content/ alone: a link out of it is refused.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any
from xml.parsers import expat

from statuspage.content.schema import Reading
from statuspage.errors import listed
from statuspage.model import LOGO_TYPES, Accent, Logo

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


# What a raster logo's first bytes are, by type: a file named .png must be a PNG.
MAGIC: dict[str, tuple[re.Pattern[bytes], str]] = {
    ".png": (re.compile(rb"\x89PNG\r\n\x1a\n"), "PNG"),
    ".jpg": (re.compile(rb"\xff\xd8\xff"), "JPEG"),
    ".jpeg": (re.compile(rb"\xff\xd8\xff"), "JPEG"),
    ".gif": (re.compile(rb"GIF8[79]a"), "GIF"),
    ".webp": (re.compile(rb"RIFF.{4}WEBP", re.DOTALL), "WebP"),
}


def load_logo(content: Path, logo: Logo) -> tuple[Logo | None, str | None]:
    """The logo with its bytes (an SVG's re-written from an allow-list), and what is wrong:
    (None, why not), or (the logo, what the SVG lost) or (the logo, None)."""
    name = f"content/{logo.path}"
    data, problem = _read_inside(content, logo.path, name)
    if data is None:
        return None, problem
    if len(data) > LOGO_MAX_BYTES:
        return None, (f"{name} is larger than {LOGO_MAX_BYTES // 1000} KB: a logo shown at "
                      "2 rem high needs far less")
    suffix = PurePosixPath(logo.path).suffix.lower()
    if suffix != ".svg":
        magic, kind = MAGIC[suffix]
        if not magic.match(data):
            return None, f"{name} is not a {kind} image: export it again as {kind}"
        return Logo(logo.path, data), None
    try:
        data, dropped = clean_svg(data)
    except SVGRefused as err:
        return None, f"{name}: {err}"
    if dropped:
        return Logo(logo.path, data), (f"{name}: removed {listed(dropped, 8)}: a logo may not "
                                       "run script, link, animate or load other files")
    return Logo(logo.path, data), None


def _read_inside(content: Path, relative: str, name: str) -> tuple[bytes | None, str | None]:
    """The bytes of ``content/relative``, or (None, why not): a link may lead elsewhere in
    content/, never out of it (the logo is copied into the public site)."""
    try:
        base = content.resolve(strict=True)
        target = (content / relative).resolve(strict=True)
    except (OSError, RuntimeError) as err:  # RuntimeError: a loop of links
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        return None, f"{name} cannot be read: {reason.lower()}"
    if not target.is_relative_to(base):
        return None, (f"{name} leads out of content/ (a link to {target}): put the logo "
                      "itself in content/")
    try:  # the final name is opened as resolved: not a link swapped in since
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError as err:
        return None, f"{name} cannot be read: {(err.strerror or str(err)).lower()}"
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return None, f"{name} is a folder: name the logo file itself, e.g. logo: logo.svg"
        if not stat.S_ISREG(mode):
            return None, f"{name} is not a regular file"
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(LOGO_MAX_BYTES + 1), None
    finally:
        os.close(fd)


# -- the SVG allow-list ------------------------------------------------------------------
# An SVG opened on its own is a page of the site's origin: rather than look for what could
# run script (javascript: hides behind entities, tabs and newlines; <set> and <animate>
# can write an href), the logo is re-written from its parsed tree with only what draws.

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ELEMENTS = frozenset("""
    svg g defs symbol use title desc a switch style
    path rect circle ellipse line polyline polygon text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker filter
    feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
    feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
    feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence
""".split())
ATTRIBUTES = frozenset("""
    id class style lang role aria-label aria-labelledby aria-describedby aria-hidden focusable
    version baseProfile viewBox preserveAspectRatio x y x1 y1 x2 y2 cx cy r rx ry fx fy fr
    width height d points pathLength transform href
    fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-dasharray stroke-dashoffset stroke-opacity opacity color display
    visibility clip-path clip-rule mask filter overflow paint-order vector-effect
    mix-blend-mode isolation transform-origin transform-box shape-rendering text-rendering
    image-rendering color-interpolation color-interpolation-filters color-rendering
    marker-start marker-mid marker-end
    font-family font-size font-size-adjust font-weight font-style font-variant font-stretch
    text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing
    word-spacing text-decoration writing-mode direction unicode-bidi dx dy rotate textLength
    lengthAdjust startOffset method spacing side
    stop-color stop-opacity flood-color flood-opacity lighting-color offset
    gradientUnits gradientTransform spreadMethod patternUnits patternContentUnits
    patternTransform clipPathUnits maskUnits maskContentUnits markerWidth markerHeight
    markerUnits refX refY orient
    filterUnits primitiveUnits in in2 result stdDeviation edgeMode mode type values
    tableValues slope intercept amplitude exponent operator k1 k2 k3 k4 radius
    baseFrequency numOctaves seed stitchTiles scale xChannelSelector yChannelSelector order
    kernelMatrix divisor bias targetX targetY kernelUnitLength preserveAlpha surfaceScale
    specularConstant specularExponent diffuseConstant azimuth elevation z pointsAtX
    pointsAtY pointsAtZ limitingConeAngle
""".split())
# What drawing programs leave in an SVG (their settings, its metadata): dropped unsaid.
EDITOR_NAMESPACES = ("http://www.inkscape.org/", "http://inkscape.sourceforge.net/",
                     "http://sodipodi.sourceforge.net/", "http://ns.adobe.com/",
                     "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://purl.org/dc/",
                     "http://creativecommons.org/", "http://web.resource.org/cc/",
                     "http://www.bohemiancoding.com/sketch/", "http://www.figma.com/")
FRAGMENT = re.compile(r"#[A-Za-z_][\w.:-]*")
XML_VALUE = re.compile(r"[A-Za-z0-9-]{1,35}")  # xml:space="preserve", xml:lang="fr-CA"
# url(#id) is a gradient, a clip, a filter of the logo itself; any other url( loads a file.
LOCAL_URL = re.compile(r"""url\(\s*(["']?)#[A-Za-z_][\w.:-]*\1\s*\)""", re.IGNORECASE)
UNSAFE_CSS = re.compile(r"url\(|image(-set)?\(|src\(|expression|javascript|binding|behavior|"
                        r"[\\@<]", re.IGNORECASE)


class SVGRefused(ValueError):
    """An SVG that cannot be read safely: not XML, not an SVG, or with entities."""


def clean_svg(data: bytes) -> tuple[bytes, list[str]]:
    """The SVG re-written with only the allowed elements and attributes, and what was left
    out (``<script>``, ``onload``: each name once); raise SVGRefused when it cannot be."""
    writer = _SVGWriter()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.ordered_attributes = True
    parser.StartDoctypeDeclHandler = _doctype
    parser.EntityDeclHandler = _entity
    parser.SkippedEntityHandler = _skipped
    parser.StartElementHandler = writer.start
    parser.EndElementHandler = writer.end
    parser.CharacterDataHandler = writer.text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        raise SVGRefused(f"not a valid SVG (line {err.lineno}: "
                         f"{expat.ErrorString(err.code)})") from None
    return "".join(writer.out).encode("utf-8"), list(dict.fromkeys(writer.dropped))


def _doctype(name, system_id, public_id, has_internal_subset) -> None:
    if has_internal_subset:
        raise SVGRefused("has a DOCTYPE with declarations (entities): export it as plain SVG")


def _entity(*args) -> None:
    raise SVGRefused("declares entities: export it as plain SVG")


def _skipped(name, is_parameter_entity) -> None:
    raise SVGRefused(f"uses the entity &{name}; that it does not define: export it as plain "
                     "SVG")


def _split(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition(" ")
    return namespace, local


def _quiet(namespace: str) -> bool:
    """A drawing program's namespace: what is in it is dropped without a word."""
    return namespace.startswith(EDITOR_NAMESPACES)


def _kept(namespace: str, local: str, value: str) -> tuple[str, str] | None:
    """The attribute as it is written, or None when it is left out."""
    if local == "href" and namespace in ("", XLINK_NS):  # xlink's: SVG 2 needs no prefix
        return ("href", value.strip()) if FRAGMENT.fullmatch(value.strip()) else None
    if namespace == XML_NS and local in ("space", "lang"):
        return (f"xml:{local}", value) if XML_VALUE.fullmatch(value) else None
    if namespace or local not in ATTRIBUTES:
        return None
    if local == "style":
        return (local, value) if _safe_css(value) else None
    return (local, value) if "url(" not in LOCAL_URL.sub("", value).lower() else None


def _attribute(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
            .replace("\r", "&#13;"))


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("\r", "&#13;")


def _safe_css(css: str) -> bool:
    return not UNSAFE_CSS.search(LOCAL_URL.sub("", css))


class _SVGWriter:
    """Writes the kept elements as the parser reads them; a dropped element goes with all
    it holds."""

    def __init__(self):
        self.out: list[str] = []
        self.dropped: list[str] = []
        # The kept elements open: local name, where it starts, and whether its parent's
        # start tag was still waiting for its '>' (a <style> dropped at its end undoes both).
        self.open: list[tuple[str, int, bool]] = []
        self.skipping = 0  # depth inside a dropped element
        self.pending = False  # a start tag written without its '>' yet (it may be empty)
        self.css: list[str] | None = None  # the text of a <style> being read

    def start(self, name: str, attributes: list[str]) -> None:
        namespace, local = _split(name)
        if not self.out and not self.skipping:
            if local != "svg" or namespace not in ("", SVG_NS):
                raise SVGRefused("not an SVG (its root element is not <svg>)")
        elif self.skipping or namespace not in ("", SVG_NS) or local not in ELEMENTS \
                or self.css is not None:
            if not self.skipping and not _quiet(namespace) and local != "metadata":
                self.dropped.append(f"<{local}>")
            self.skipping += 1
            return
        self.open.append((local, len(self.out), self.pending))
        self._close_tag()
        root = ' xmlns="http://www.w3.org/2000/svg"' if not self.out else ""
        self.out.append(f"<{local}{root}{self._attributes(attributes)}")
        self.pending = True
        if local == "style":
            self.css = []

    def _attributes(self, flat: list[str]) -> str:
        written: dict[str, str] = {}
        for name, value in zip(flat[::2], flat[1::2], strict=True):
            namespace, local = _split(name)
            kept = _kept(namespace, local, value)
            if kept is None:
                if not _quiet(namespace):
                    self.dropped.append(local)
                continue
            written.setdefault(*kept)  # href and xlink:href both: the first
        return "".join(f' {key}="{_attribute(value)}"' for key, value in written.items())

    def end(self, name: str) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        local, begun, parent_pending = self.open.pop()
        if local == "style":
            css, self.css = "".join(self.css or ()), None
            if not _safe_css(css):
                del self.out[begun:]
                self.pending = parent_pending
                self.dropped.append("<style>")
                return
        self.out.append("/>" if self.pending else f"</{local}>")
        self.pending = False

    def text(self, data: str) -> None:
        if self.skipping or not self.open:
            return
        self._close_tag()
        self.out.append(_text(data))
        if self.css is not None:
            self.css.append(data)

    def _close_tag(self) -> None:
        if self.pending:
            self.out.append(">")
            self.pending = False
