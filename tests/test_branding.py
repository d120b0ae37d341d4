"""site.yaml's logo: and accent:, built into the site, and refused with a located error when
the colour fails WCAG AA or the file is missing, too big or able to run script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import NOW

from statuspage import branding, cli

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
    ("logo: logo.svg\n", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
     b"</svg>", "logo: content/logo.svg: has a <script> element: a logo may not run script"),
    ("logo: logo.svg\n", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
     "logo: content/logo.svg: has an onload attribute"),
    ("logo: logo.svg\n", b"<html><body>x</body></html>", "not an SVG"),
    ("logo: logo.png\n", b"\x89PNG" + b"0" * 600_000, "is larger than 512 KB"),
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
