"""site.yaml's logo: and accent:, built into the site, and refused with a located error when
the colour fails WCAG AA or the file is missing, too big, out of content/ or not of its type;
an SVG re-written with only what draws."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from conftest import NOW
from hypothesis import given, settings
from hypothesis import strategies as st
from serving import serving

from statuspage import cli
from statuspage.content import branding

PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"
LOGO = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">'
        b'<rect width="120" height="40" fill="#0b5cad"/></svg>')


def brand(site_dir: Path, lines: str, logo: bytes | None = LOGO, name: str = "logo.svg"):
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + lines, encoding="utf-8")
    if logo is not None:
        (site_dir / "content" / name).write_bytes(logo)


def invoke(site_dir: Path, *args: str):
    return CliRunner().invoke(cli.main, ["--site", str(site_dir), *args])


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def test_the_logo_and_accent_are_in_every_page(site_dir):
    brand(site_dir, 'logo: logo.svg\naccent: {light: "#0b5cad", dark: "#79c0ff"}\n')
    assert invoke(site_dir, "build").exit_code == 0
    out = site_dir / "build"
    (logo,) = (out / "static").glob("logo.*.svg")
    assert logo.read_bytes() == LOGO
    assert re.fullmatch(r"logo\.[0-9a-f]{10}\.svg", logo.name)
    for page, name in (("index.html", "Statut Test"), ("en/index.html", "Test Status"),
                       ("history/index.html", "Statut Test")):
        html = (out / page).read_text(encoding="utf-8")
        assert f'<img src="/static/{logo.name}" alt="{name}" height="40">' in html
        assert "--link:#0b5cad" in html and "--link:#79c0ff" in html
    # A new logo: a new name, and every page points to it.
    (site_dir / "content" / "logo.svg").write_bytes(LOGO.replace(b"#0b5cad", b"#000000"))
    assert invoke(site_dir, "build").exit_code == 0
    (new,) = (out / "static").glob("logo.*.svg")
    assert new.name != logo.name
    assert f'src="/static/{new.name}"' in (out / "en" / "index.html").read_text("utf-8")


def test_without_branding_the_header_is_the_name(site_dir):
    assert invoke(site_dir, "build").exit_code == 0
    html = (site_dir / "build" / "index.html").read_text(encoding="utf-8")
    assert '<p class="name"><a href="/">Statut Test</a></p>' in html
    assert "<style>" not in html and not list((site_dir / "build" / "static").glob("logo.*"))


@pytest.mark.parametrize("lines, logo, expected", [
    ('accent: "#ffcc00"\n', None,
     "content/site.yaml:21: accent: #ffcc00 on the light scheme's background (#ffffff) has a "
     "contrast of 1.5:1; links need 4.5:1 (WCAG AA): choose a darker one, or one per scheme"),
    ('accent: "#0b5cad"\n', None,
     "content/site.yaml:21: accent: #0b5cad on the dark scheme's background (#0d1117) has a "
     "contrast of 2.8:1"),
    ('accent: {light: "#0b5cad", dark: "#1b1f24"}\n', None,
     "content/site.yaml:21: accent.dark: #1b1f24 on the dark scheme's background"),
    ("accent: '#12'\n", None, "content/site.yaml:21: accent: '#12' is not a colour"),
    ("logo: missing.svg\n", None, "content/site.yaml:21: logo: content/missing.svg cannot be "
                                  "read: no such file or directory"),
    ("logo: ../secret.svg\n", None, "content/site.yaml:21: logo: '../secret.svg': give a path "
                                    "under content/"),
    ("logo: logo.bmp\n", b"BM", "content/site.yaml:21: logo: 'logo.bmp': a logo is one of"),
    ("logo: logo.svg\n", b"<html><body>x</body></html>", "not an SVG"),
    ("logo: logo.svg\n", b'<!DOCTYPE svg [<!ENTITY j "javascript:">]><svg xmlns="http://www.'
     b'w3.org/2000/svg"><a href="&j;alert(1)"/></svg>',
     "content/site.yaml:21: logo: content/logo.svg: has a DOCTYPE with declarations (entities)"),
    ("logo: logo.svg\n", b'<svg xmlns="http://www.w3.org/2000/svg"><a href="&j;x"/></svg>',
     "logo: content/logo.svg: not a valid SVG (line 1: undefined entity)"),
    ("logo: logo.png\n", PNG + b"0" * 600_000, "is larger than 512 KB"),
    ("logo: logo.png\n", LOGO, "logo: content/logo.png is not a PNG image: export it again"),
    ("logo: logo.jpg\n", PNG, "logo: content/logo.jpg is not a JPEG image"),
    ("logo: logo.gif\n", b"GIF87", "logo: content/logo.gif is not a GIF image"),
    ("logo: logo.webp\n", b"RIFF0000WEBQ", "logo: content/logo.webp is not a WebP image"),
])
def test_branding_that_cannot_be_is_a_located_error(site_dir, lines, logo, expected):
    name = re.search(r"logo: (\S+)", lines)
    brand(site_dir, lines, logo, name.group(1) if name and logo else "logo.svg")
    for command in ("check", "build"):
        result = invoke(site_dir, command)
        assert result.exit_code == 1, result.output
        assert expected in result.output, result.output
        assert "Traceback" not in result.output
    assert not (site_dir / "build").exists()


def test_contrast_is_wcag_2():
    assert branding.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert branding.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert branding.contrast("#ffffff", "#ffffff") == pytest.approx(1)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">%s</svg>'
RECT = b'<rect width="30" height="40"/>'


@pytest.mark.parametrize("inside, removed", [
    (b'<a xlink:href="java&#9;script:alert(1)">' + RECT + b"</a>", "removed href"),
    (b'<a href="java&#10;script:alert(1)">' + RECT + b"</a>", "removed href"),
    (b'<a href=" JaVaScRiPt:alert(1)">' + RECT + b"</a>", "removed href"),
    (b'<a><animate attributeName="href" to="javascript:alert(1)"/>' + RECT + b"</a>",
     "removed <animate>"),
    (b'<a><set attributeName="xlink:href" to="javascript:alert(1)"/>' + RECT + b"</a>",
     "removed <set>"),
    (b"<script>alert(1)</script>" + RECT, "removed <script>"),
    (b'<g onload="alert(1)" onclick="alert(1)">' + RECT + b"</g>", "removed onload, onclick"),
    (b'<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>' + RECT,
     "removed <foreignObject>"),
    (b'<use href="other.svg#a"/>' + RECT, "removed href"),
    (b'<rect style="fill: url(https://example.com/x.svg#f)" width="3" height="4"/>',
     "removed style"),
    (b"<style>@import url(https://example.com/x.css);</style>" + RECT, "removed <style>"),
    (b'<image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/>' + RECT, "removed <image>"),
])
def test_a_logo_keeps_only_what_draws(site_dir, inside, removed):
    """The SVG is re-written from an allow-list: what could run script, link, animate or
    load a file is left out, and check says what."""
    brand(site_dir, "logo: logo.svg\n", SVG % inside)
    result = invoke(site_dir, "check")
    assert result.exit_code == 0, result.output
    assert (f"content/site.yaml:21: logo: content/logo.svg: {removed}: a logo may not run "
            "script, link, animate or load other files (warning)") in result.output
    assert invoke(site_dir, "check", "--strict").exit_code == 1
    assert invoke(site_dir, "build").exit_code == 0
    (logo,) = (site_dir / "build" / "static").glob("logo.*.svg")
    written = logo.read_bytes().replace(b' xmlns="http://www.w3.org/2000/svg"', b"").lower()
    assert b"<rect" in written
    for payload in (b"script", b"alert", b" on", b"href", b"animate", b"<set", b"foreign",
                    b"http", b"@import", b"image"):
        assert payload not in written, payload


def test_what_drawing_programs_write_is_kept_or_dropped_without_a_word(site_dir):
    logo = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- Generator: Adobe Illustrator -->\n'
            b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            b' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
            b'inkscape:version="1.3" viewBox="0 0 120 40" xml:space="preserve">'
            b'<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
            b"</metadata><defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"#000\"/>"
            b'</linearGradient><style>.a{fill:url(#g)}</style></defs>'
            b'<g class="a" fill="url(#g)"><path id="p" d="M0 0h120v40z"/></g>'
            b'<use xlink:href="#p" x="5"/><text x="1" y="30">A &amp; B</text></svg>')
    brand(site_dir, "logo: logo.svg\n", logo)
    result = invoke(site_dir, "check")
    assert result.exit_code == 0 and "logo" not in result.output, result.output
    assert invoke(site_dir, "build").exit_code == 0
    (built,) = (site_dir / "build" / "static").glob("logo.*.svg")
    assert built.read_bytes() == (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" xml:space="preserve">'
        b'<defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient>'
        b'<style>.a{fill:url(#g)}</style></defs><g class="a" fill="url(#g)">'
        b'<path id="p" d="M0 0h120v40z"/></g><use href="#p" x="5"/>'
        b'<text x="1" y="30">A &amp; B</text></svg>')


@pytest.mark.parametrize("name, data", [
    ("logo.png", PNG + b"rest"), ("logo.jpg", b"\xff\xd8\xff\xe0JFIF"),
    ("logo.gif", b"GIF89a..."), ("logo.webp", b"RIFF\x10\0\0\0WEBPVP8 "),
])
def test_a_raster_logo_of_its_type_is_copied_as_it_is(site_dir, name, data):
    brand(site_dir, f"logo: {name}\n", data, name)
    assert invoke(site_dir, "build").exit_code == 0
    (logo,) = (site_dir / "build" / "static").glob("logo.*")
    assert logo.read_bytes() == data and logo.suffix == name[4:]


@pytest.mark.parametrize("kind", ["link to a file", "link through a folder", "folder",
                                  "link to a folder"])
def test_a_logo_is_a_file_of_content(site_dir, tmp_path, kind):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "secret.png").write_bytes(PNG + b"secret")
    content = site_dir / "content"
    if kind == "link to a file":
        (content / "logo.png").symlink_to(secret / "secret.png")
        lines, expected = "logo: logo.png\n", (
            f"content/site.yaml:21: logo: content/logo.png leads out of content/ (a link to "
            f"{secret / 'secret.png'}): put the logo itself in content/")
    elif kind == "link through a folder":
        (content / "up").symlink_to(secret)
        lines, expected = "logo: up/secret.png\n", "logo: content/up/secret.png leads out of"
    elif kind == "folder":
        (content / "logo.png").mkdir()
        lines, expected = "logo: logo.png\n", (
            "content/site.yaml:21: logo: content/logo.png is a folder: name the logo file "
            "itself, e.g. logo: logo.svg")
    else:
        (content / "logo.png").symlink_to(secret)
        lines, expected = "logo: logo.png\n", "logo: content/logo.png leads out of content/"
    brand(site_dir, lines, None)
    for command in ("check", "build"):
        result = invoke(site_dir, command)
        assert result.exit_code == 1, result.output
        assert expected in result.output and "Traceback" not in result.output, result.output
    assert not (site_dir / "build").exists()


def test_a_link_inside_content_is_followed(site_dir):
    (site_dir / "content" / "images").mkdir()
    (site_dir / "content" / "images" / "brand.svg").write_bytes(LOGO)
    (site_dir / "content" / "logo.svg").symlink_to("images/brand.svg")
    brand(site_dir, "logo: logo.svg\n", None)
    assert invoke(site_dir, "build").exit_code == 0
    (logo,) = (site_dir / "build" / "static").glob("logo.*.svg")
    assert logo.read_bytes() == LOGO


@pytest.mark.browser
def test_no_payload_of_a_logo_runs_when_it_is_opened(site_dir, page):
    """Each payload is a link over a quarter of the logo: opened on its own (the site's
    origin) and clicked everywhere, the logo runs nothing."""
    payloads = [
        b'<a xlink:href="java&#9;script:alert(1)"><rect width="30" height="40"/></a>',
        b'<a href="java&#10;script:alert(2)"><rect x="30" width="30" height="40"/></a>',
        b'<a><animate attributeName="href" to="javascript:alert(3)" dur="0.01s" fill="freeze"/>'
        b'<rect x="60" width="30" height="40"/></a>',
        b'<a><set attributeName="xlink:href" to="javascript:alert(4)"/>'
        b'<rect x="90" width="30" height="40"/></a>',
        b"<script>alert(5)</script>",
        b'<rect width="1" height="1" onload="alert(6)"/><image href="x" onerror="alert(7)"/>',
    ]
    brand(site_dir, "logo: logo.svg\n",
          b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
          b'width="120" height="40">' + b"".join(payloads) + b"</svg>")
    assert invoke(site_dir, "build").exit_code == 0
    out = site_dir / "build"
    (logo,) = (out / "static").glob("logo.*.svg")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    with serving(root=out) as (url, _server):
        response = page.goto(f"{url}/static/{logo.name}")
        assert response is not None and response.ok
        page.wait_for_timeout(100)  # the animation's end: it would have set the link
        for x in (15, 45, 75, 105):
            page.mouse.click(x, 20)
        page.wait_for_load_state()
        assert page.url.endswith(logo.name)
    assert dialogs == []


NAMES = ["svg", "g", "a", "rect", "script", "animate", "set", "foreignObject", "style", "use",
         "text", "image", "html:script", "x:g"]
ATTRIBUTE_NAMES = ["href", "xlink:href", "onload", "style", "fill", "x", "attributeName", "to",
                   "values", "x:href", "xml:space"]
VALUES = st.sampled_from(["#a", " #a ", "javascript:alert(1)", "java&#9;script:x", "url(#a)",
                          "url(https://example.com/)", "@import 'x'", "a&amp;b", "&#10;#a",
                          "expression(x)", "\\75rl(x)", "'\"<>"])


@st.composite
def svg_trees(draw, depth: int = 0) -> str:
    name = "svg" if depth == 0 else draw(st.sampled_from(NAMES))
    attributes = draw(st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), VALUES, max_size=4))
    inside = draw(st.lists(svg_trees(depth + 1), max_size=3)) if depth < 3 else []
    text = draw(st.sampled_from(["", "t", "a &amp; b", "@import url(x)", "<![CDATA[<x>]]>"]))
    declared = (' xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
                ' xmlns:html="http://www.w3.org/1999/xhtml" xmlns:x="http://example.com/x"'
                if depth == 0 else "")
    written = "".join(f' {key}="{value.replace(chr(34), "&quot;").replace("<", "&lt;")}"'
                      for key, value in attributes.items())
    return f"<{name}{declared}{written}>{text}{''.join(inside)}</{name}>"


@settings(max_examples=300, deadline=None)
@given(svg_trees())
def test_a_rewritten_logo_holds_only_the_allow_list(svg):
    cleaned, _ = branding.clean_svg(svg.encode())
    assert branding.clean_svg(cleaned) == (cleaned, [])  # written once, it stays as it is
    root = ElementTree.fromstring(cleaned)
    for element in root.iter():
        namespace, _, name = element.tag[1:].partition("}")
        assert namespace == branding.SVG_NS and name in branding.ELEMENTS
        if name == "style":
            assert branding._safe_css(element.text or "")
        for key, value in element.attrib.items():
            assert key in branding.ATTRIBUTES or key.endswith("}space"), key
            assert key != "href" or branding.FRAGMENT.fullmatch(value), value
            assert "url(" not in branding.LOCAL_URL.sub("", value), value


@pytest.mark.parametrize("data", [b"", b"<", b"\xff\xfe", b"<svg>" * 10_000, b"<?xml?>",
                                  b"<svg xmlns:a='x'><a:b/></svg>", b"<svg/><svg/>"])
def test_a_broken_svg_is_refused_not_a_traceback(data):
    try:
        branding.clean_svg(data)
    except branding.SVGRefused as err:
        assert "SVG" in str(err)
