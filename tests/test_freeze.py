"""The frozen site as a table: URL → file under the build folder → text it must contain.

Like Frozen-Flask's own tests/test_frozen_flask.py. The basic site is built once per
module; the tests that change content or break the build use their own copy.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, TRANSLATED
from flask import Response
from flask.testing import EnvironBuilder

import statuspage.freeze.rendering
from statuspage.content.loader import Loader
from statuspage.errors import BuildError, ContentError
from statuspage.freeze.build import BuildOptions, BuildResult, build
from statuspage.freeze.rendering import make_app, make_freezer
from statuspage.refs import ref_of
from statuspage.web import assets

SITES = Path(__file__).resolve().parent / "sites"
BILLING = "2026-11-20-double-charge"


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """tests/sites/basic, frozen once for the whole module."""
    root = tmp_path_factory.mktemp("freeze")
    shutil.copytree(SITES / "basic", root / "site")
    return build(root / "site", BuildOptions(out=root / "out", now=NOW))


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file of a build folder, by relative path, with its bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def staging_left(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(".build-*"))


def canonical(html: str) -> str:
    found = re.search(r'<link rel="canonical" href="([^"]*)"', html)
    assert found, "no canonical link"
    return found.group(1)


class _LangOf(HTMLParser):
    """The language of the element around a given piece of text (nearest ``lang``)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, needle: str):
        super().__init__(convert_charrefs=True)
        self.needle = needle
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.needle in data:
            self.found.append(next((lang for _, lang in reversed(self.stack) if lang), None))


def langs_of(html: str, text: str) -> list[str | None]:
    parser = _LangOf(text)
    parser.feed(html)
    parser.close()
    return parser.found


# URL → file it is frozen to → a piece of text the file must contain.
# UI strings are translated elsewhere: these pieces come from the content files or the markup.
PAGES = [
    ("/", "index.html", '<html lang="fr">'),
    ("/", "index.html", '<section class="overall ind-major"'),
    ("/", "index.html", f'<a href="/incidents/{FIBRE}/">Coupure fibre à Lyon</a>'),
    ("/", "index.html", "Un câble a été coupé par des travaux."),
    ("/", "index.html", "Clients fibre de Lyon 3e."),
    ("/", "index.html", "Utilisez vos données mobiles."),
    ("/", "index.html", '<time datetime="2026-11-26T06:40:00+01:00"'),
    ("/", "index.html", '<time datetime="2026-11-26T18:00:00+01:00"'),
    ("/", "index.html", '<a href="/en/" lang="en" hreflang="en">'),
    ("/", "index.html", '<link rel="stylesheet" href="/static/style.'),
    ("/en/", "en/index.html", '<html lang="en">'),
    ("/en/", "en/index.html", '<a href="/en/components/fibre/">Fibre broadband</a>'),
    ("/en/", "en/index.html", '<a href="/" lang="fr" hreflang="fr">'),
    ("/en/", "en/index.html", "Un câble a été coupé par des travaux."),
    (f"/incidents/{FIBRE}/", f"incidents/{FIBRE}/index.html", "<h1>Coupure fibre à Lyon</h1>"),
    (f"/incidents/{FIBRE}/", f"incidents/{FIBRE}/index.html",
     "Nous enquêtons sur une coupure fibre à Lyon."),
    (f"/incidents/{FIBRE}/", f"incidents/{FIBRE}/index.html",
     f'<strong class="ref-code">{ref_of(FIBRE)}</strong>'),
    (f"/incidents/{FIBRE}/", f"incidents/{FIBRE}/index.html",
     f'<link rel="canonical" href="https://status.test.example/incidents/{FIBRE}/">'),
    (f"/en/incidents/{FIBRE}/", f"en/incidents/{FIBRE}/index.html", '<html lang="en">'),
    (f"/en/incidents/{FIBRE}/", f"en/incidents/{FIBRE}/index.html",
     '<h1><span lang="fr">Coupure fibre à Lyon</span> '
     '<small class="untranslated">(not yet translated)</small></h1>'),
    (f"/incidents/{BILLING}/", f"incidents/{BILLING}/index.html", "<h1>Double prélèvement</h1>"),
    (f"/incidents/{BILLING}/", f"incidents/{BILLING}/index.html", "Remboursements effectués."),
    (f"/incidents/{BILLING}/", f"incidents/{BILLING}/index.html",
     '<time datetime="2026-11-24T17:30:00+01:00"'),
    (f"/en/incidents/{BILLING}/", f"en/incidents/{BILLING}/index.html", "<h1>Double charge</h1>"),
    (f"/en/incidents/{BILLING}/", f"en/incidents/{BILLING}/index.html",
     "Customers charged on 20 November."),
    (f"/en/incidents/{BILLING}/", f"en/incidents/{BILLING}/index.html",
     f'<link rel="canonical" href="https://status.test.example/en/incidents/{BILLING}/">'),
    ("/history/", "history/index.html", '<a href="/history/2026/11/">'),
    ("/history/2026/11/", "history/2026/11/index.html", "Coupure fibre à Lyon"),
    ("/history/2026/11/", "history/2026/11/index.html", "Double prélèvement"),
    ("/en/history/2026/11/", "en/history/2026/11/index.html", "Double charge"),
    ("/components/fibre/", "components/fibre/index.html", "La fibre à la maison."),
    ("/components/fibre/", "components/fibre/index.html", "Coupure fibre à Lyon"),
    ("/components/adsl/", "components/adsl/index.html", "<h1>ADSL</h1>"),
    ("/en/components/billing/", "en/components/billing/index.html", "<h1>Billing</h1>"),
    ("/en/components/billing/", "en/components/billing/index.html", "Double charge"),
    ("/404.html", "404.html", '<html lang="fr">'),
    ("/404.html", "404.html", '<a href="/history/">'),
    ("/404.html", "404.html", '<p class="overall status-line ind-major"><span class="ic" '
     'aria-hidden="true"></span><a href="/">Fibre\u00a0: panne partielle'),
    ("/en/404.html", "en/404.html", '<html lang="en">'),
    ("/en/404.html", "en/404.html", "<h1>Page not found</h1>"),
    ("/en/404.html", "en/404.html", '<a href="/en/">Fibre broadband: partial outage'),
    (f"/static/{assets.names()['style.css']}", f"static/{assets.names()['style.css']}",
     ".ind-major"),
]


@pytest.mark.parametrize(("url", "path", "expected"), PAGES)
def test_page(frozen: BuildResult, url: str, path: str, expected: str):
    file = frozen.out / path
    assert file.is_file(), f"{url} was not frozen to {path}"
    assert expected in file.read_text("utf-8")


def test_every_url_of_the_table_is_frozen(frozen: BuildResult):
    files = set(snapshot(frozen.out))
    assert {path for _, path, _ in PAGES} <= files
    assert frozen.pages >= len({path for _, path, _ in PAGES})
    assert frozen.warnings == ()
    assert staging_left(frozen.out) == []


def test_incident_timeline_newest_first(frozen: BuildResult):
    html = (frozen.out / "incidents" / FIBRE / "index.html").read_text("utf-8")
    timeline = html[html.index('<ol class="timeline">'):]
    assert timeline.index("Un câble a été coupé") < timeline.index("Nous enquêtons")
    assert timeline.index("us-identified") < timeline.index("us-investigating")


def test_english_page_of_translated_incident(frozen: BuildResult):
    html = (frozen.out / "en" / "incidents" / BILLING / "index.html").read_text("utf-8")
    assert "Refunds have been issued." in html
    assert "Remboursements effectués." not in html
    # The translation leaves the 21 November update out: it falls back to French, marked so.
    assert langs_of(html, "Le lot du 19 novembre a été envoyé deux fois.") == ["fr"]
    # Translated text is in the page's language, not marked.
    assert langs_of(html, "Refunds have been issued.") == ["en"]


def test_content_error_leaves_old_site(site_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    build(site_dir, BuildOptions(out=out, now=NOW))
    before = snapshot(out)
    incident = site_dir / "incidents" / f"{FIBRE}.md"
    text = incident.read_text("utf-8")
    assert "\n  fibre: partial_outage\n" in text
    incident.write_text(text.replace("\n  fibre: partial_outage\n", "\n  tv: partial_outage\n"),
                        "utf-8")

    with pytest.raises(ContentError) as caught:
        build(site_dir, BuildOptions(out=out, now=NOW))

    message = caught.value.format_message()
    assert f"incidents/{FIBRE}.md:5:" in message
    assert "'tv'" in message
    assert snapshot(out) == before
    assert staging_left(out) == []


def test_content_error_on_first_build_writes_nothing(site_dir: Path, tmp_path: Path):
    (site_dir / "incidents" / "2026-11-27-bad.md").write_text(
        "---\ntitle: x\nimpact: huge\ncomponents: [fibre]\nstarted: 2026-11-26 10:00\n---\n",
        "utf-8")
    out = tmp_path / "out"
    with pytest.raises(ContentError, match=r"incidents/2026-11-27-bad\.md:3:"):
        build(site_dir, BuildOptions(out=out, now=NOW))
    assert not out.exists()
    assert staging_left(out) == []


def _freezer_that_fails_midway(app, todo):
    """The real freezer, plus one page that does not exist: some pages are written first."""
    freezer = real_make_freezer(app, todo)

    @freezer.register_generator
    def missing():
        yield "pages.incident", {"lang": None, "incident_id": "no-such-incident"}

    return freezer


def _freezer_that_cannot_start(app, todo):
    raise OSError(28, "No space left on device")


real_make_freezer = statuspage.freeze.rendering.make_freezer


def _freezer_with_a_misnamed_page(app, todo):
    """The real freezer, plus a page whose name says HTML while it answers plain text."""
    app.add_url_rule("/odd.html", "odd", lambda: Response("plain", mimetype="text/plain"))
    freezer = real_make_freezer(app, todo)

    @freezer.register_generator
    def odd():
        yield "odd", {}

    return freezer


@pytest.mark.parametrize(("make_freezer", "cause"), [
    (_freezer_that_fails_midway, "no-such-incident"),
    (_freezer_that_cannot_start, "No space left on device"),
    (_freezer_with_a_misnamed_page, "'odd.html' (type text/html) does not match Content-Type: "
                                    "text/plain"),
])
def test_build_error_leaves_old_site(site_dir: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch, make_freezer, cause: str):
    out = tmp_path / "out"
    build(site_dir, BuildOptions(out=out, now=NOW))
    before = snapshot(out)
    # A change that would show if the failed build were published.
    incident = site_dir / "incidents" / f"{FIBRE}.md"
    incident.write_text(incident.read_text("utf-8").replace("Lyon", "Lille"), "utf-8")
    monkeypatch.setattr(statuspage.freeze.rendering, "make_freezer", make_freezer)

    with pytest.raises(BuildError) as caught:
        build(site_dir, BuildOptions(out=out, now=NOW))

    assert cause in caught.value.format_message()
    assert str(out) in caught.value.format_message()
    assert snapshot(out) == before
    assert staging_left(out) == []


def test_rebuild_replaces_the_site(site_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    build(site_dir, BuildOptions(out=out, now=NOW))
    (site_dir / "incidents" / f"{BILLING}.md").unlink()
    (site_dir / "incidents" / f"{BILLING}.en.md").unlink()

    build(site_dir, BuildOptions(out=out, now=NOW))

    assert not (out / "incidents" / BILLING).exists()
    assert not (out / "en" / "incidents" / BILLING).exists()
    assert (out / "incidents" / FIBRE / "index.html").is_file()
    assert staging_left(out) == []


@pytest.mark.parametrize(("url", "base"), [
    ("https://status.other.example", "https://status.other.example"),
    ("https://status.other.example/", "https://status.other.example"),
    ("https://other.example/status", "https://other.example/status"),
])
def test_url_override(site_dir: Path, tmp_path: Path, url: str, base: str):
    result = build(site_dir, BuildOptions(out=tmp_path / "out", url=url, now=NOW))
    fr = (result.out / "incidents" / FIBRE / "index.html").read_text("utf-8")
    en = (result.out / "en" / "incidents" / FIBRE / "index.html").read_text("utf-8")
    assert canonical(fr).startswith(url)
    assert canonical(fr) == f"{base}/incidents/{FIBRE}/"
    assert canonical(en) == f"{base}/en/incidents/{FIBRE}/"


HOSTILE = """\
---
title: "<script>alert(1)</script> Incident piégé"
impact: minor
components: [adsl]
started: 2026-11-25 10:00
who_is_affected: "Tous <img src=x onerror=alert(1)>"
what_to_do: "[Cliquez](javascript:alert(1))"
---
Résumé <script>alert(1)</script> avec <img src=x onerror=alert(1)>.

<script>alert(1)</script>

[x](javascript:alert(1)) <a href="#" onclick="alert(1)">ici</a>

## 2026-11-25 10:30 · identified
<a href="#" onclick="alert(1)">ici</a> et <script>alert(1)</script>

<img src=x onerror=alert(1)>

[x](javascript:alert(1)) [y](JavaScript:alert(1))

<div onclick="alert(1)">bloc</div>
"""

HOSTILE_EN = """\
---
title: "<script>alert(1)</script> Trapped incident"
---
Summary <img src=x onerror=alert(1)> [x](javascript:alert(1))

## 2026-11-25 10:30 · identified
<script>alert(1)</script> <a href="#" onclick="alert(1)">here</a>
"""


OUR_SCRIPT = re.compile(r'<script src="/static/lookup\.[0-9a-f]{10}\.js" defer></script>')
# The embed banner's inline script (its one piece of data: the component ids, as JSON).
BANNER_SCRIPT = re.compile(r'<script>\n\(function\(d\)\{var r=d\.documentElement,K=\[[^<\]]*\],'
                           r'.*?</script>', re.DOTALL)


def test_hostile_content_is_neutralised(site_dir: Path, tmp_path: Path):
    hostile_id = "2026-11-25-hostile"
    (site_dir / "incidents" / f"{hostile_id}.md").write_text(HOSTILE, "utf-8")
    (site_dir / "incidents" / f"{hostile_id}.en.md").write_text(HOSTILE_EN, "utf-8")

    result = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW))

    assert result.warnings, "stripped HTML should be reported as warnings"
    assert all(f"incidents/{hostile_id}" in str(w) for w in result.warnings)
    assert (result.out / "incidents" / hostile_id / "index.html").is_file()
    for path, content in snapshot(result.out).items():
        # our own scripts, the lookup box's and the embed banner's, are the only ones
        text = OUR_SCRIPT.sub("", content.decode("utf-8"))
        if path.endswith("embed/banner.html"):
            text = BANNER_SCRIPT.sub("", text, count=1)
        text = text.lower()
        for banned in ("<script", "onerror", "onclick", "javascript:"):
            assert banned not in text, f"{banned} in {path}"

    fr = (result.out / "incidents" / hostile_id / "index.html").read_text("utf-8")
    en = (result.out / "en" / "incidents" / hostile_id / "index.html").read_text("utf-8")
    index = (result.out / "index.html").read_text("utf-8")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; Incident piégé</h1>" in fr
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Incident piégé ·" in fr  # <title>
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; Trapped incident</h1>" in en
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Incident piégé</a>" in index
    # What is safe survives: the text around the stripped parts, and the harmless link.
    assert "Résumé" in fr and ">ici</a>" in fr


def test_check_locates_a_page_that_cannot_render_on_one_core_or_two(site_dir, monkeypatch):
    """``check`` renders every page as the build would; on two cores it finds the same."""
    from statuspage import markup
    from statuspage.content.loader import load_site
    from statuspage.freeze.checking import render_check

    (site_dir / "incidents" / "2026-11-26-boom.md").write_text(
        "---\ntitle: Panne\nimpact: minor\ncomponents: [fibre]\nstarted: 2026-11-26 09:00\n"
        "---\n## 2026-11-26 09:30 · investigating\nBOOM ici.\n", "utf-8")
    real = markup.render

    def render(text: str):
        if "BOOM" in text:
            raise RuntimeError("no such filter")
        return real(text)

    monkeypatch.setattr(markup, "render", render)
    site = load_site(site_dir)
    found = {}
    for workers, parallel_from in ((1, 10**9), (2, 1)):
        monkeypatch.setattr(statuspage.freeze.rendering, "PARALLEL_FROM", parallel_from)
        found[workers] = sorted(map(str, render_check(site, NOW, workers=workers)))
    assert found[1] == found[2]
    located = [p for p in found[1] if p.startswith("incidents/2026-11-26-boom.md:1: ")]
    assert len(located) >= 2  # its page in each language (and its feeds)
    assert all("cannot be rendered: RuntimeError: no such filter" in p for p in found[1])
    assert "the page /en/incidents/2026-11-26-boom/ cannot be rendered" in " ".join(located)


def test_after_a_build_check_renders_the_pages_a_build_would_render(site_dir, monkeypatch,
                                                                    runner):
    """At 100,000 incidents ``check`` rendered all 421,222 pages (3 minutes). A page the
    last build made for the same key is linked by the next build, not rendered: check
    renders the others (a new incident's, the lists, the moment's), and still finds one
    that cannot render; without a build to compare with, it renders every page."""
    from statuspage import cli, markup
    from statuspage.freeze import checking

    monkeypatch.setattr(cli, "_now", lambda: NOW)
    build(site_dir, BuildOptions(now=NOW))
    (site_dir / "incidents" / "2026-11-26-boom.md").write_text(
        "---\ntitle: Panne\nimpact: minor\ncomponents: [fibre]\nstarted: 2026-11-26 09:00\n"
        "---\n## 2026-11-26 09:30 · investigating\nBOOM ici.\n", "utf-8")
    real_render, real_check = markup.render, checking._check_one

    def render(text: str):
        if "BOOM" in text:
            raise RuntimeError("no such filter")
        return real_render(text)

    monkeypatch.setattr(markup, "render", render)
    checked: list[str] = []
    monkeypatch.setattr(checking, "_check_one", lambda freezer, site, url:
                        checked.append(url) or real_check(freezer, site, url))
    unchanged = f"/incidents/{TRANSLATED}/"
    for built in (True, False):
        if not built:
            shutil.rmtree(site_dir / "build")
        checked.clear()
        result = runner.invoke(cli.main, ["--site", str(site_dir), "check"])
        assert result.exit_code == 1, result.output
        assert "incidents/2026-11-26-boom.md:1: the page /en/incidents/2026-11-26-boom/ " \
            "cannot be rendered: RuntimeError: no such filter" in result.stderr
        assert "/incidents/2026-11-26-boom/" in checked and "/" in checked
        assert (unchanged in checked) is not built
    assert len(checked) > 95


def test_check_renders_the_public_pages_of_an_incident_with_a_desk_note_as_a_build_would(
        site_dir, monkeypatch, runner):
    """The desk's loader mixes a desk note's digest into its incident's: the public pages
    of that incident must be compared with the public build as the public loader gives
    them, or each check renders them again."""
    from statuspage import cli
    from statuspage.freeze import checking

    monkeypatch.setattr(cli, "_now", lambda: NOW)
    (site_dir / "incidents" / f"{FIBRE}.internal.md").write_text("---\nsay: Rien.\n---\n",
                                                                  "utf-8")
    build(site_dir, BuildOptions(now=NOW))
    real_check = checking._check_one
    checked: list[tuple[bool, str]] = []
    monkeypatch.setattr(checking, "_check_one", lambda freezer, site, url:
                        checked.append((bool(site.internal), url)) or
                        real_check(freezer, site, url))
    result = runner.invoke(cli.main, ["--site", str(site_dir), "check"])
    assert result.exit_code == 0, result.output
    public = [url for desk, url in checked if not desk]
    assert "/" in public and f"/incidents/{FIBRE}/" not in public
    assert (True, f"/incidents/{FIBRE}/") in checked  # the desk edition: never built here


@pytest.mark.parametrize("base", ["https://status.example.com/", "https://example.com/statut/"])
@pytest.mark.parametrize("url", ["/", "/incidents/2026-11-26-fibre-lyon/", "/r/KH93B9/",
                                 "/components/t%C3%A9l%C3%A9/", "/components/télé/",
                                 "/api/v2/summary.json", "/search?q=a%20b&r=é"])
def test_each_page_is_fetched_in_the_environment_werkzeug_makes(site_dir: Path, base: str,
                                                                 url: str):
    """The freezer builds each page's WSGI environment from one made once: it must be the
    one Flask's test_request_context makes for that address, key for key."""
    app = make_app(Loader(site_dir).load(), NOW, site_dir / "out")
    app.config["FREEZER_BASE_URL"] = base
    freezer = make_freezer(app, [])
    freezer.environ("/other/")  # another address first: the shared part must not keep it
    builder = EnvironBuilder(app, url, base_url=base)
    expected = builder.get_environ()
    builder.close()
    got = freezer.environ(url)
    streams = ("wsgi.input", "wsgi.errors")
    assert {k: v for k, v in got.items() if k not in streams} == \
        {k: v for k, v in expected.items() if k not in streams}
    assert got["wsgi.input"].read() == b""
    assert got["wsgi.input"] is not freezer.environ(url)["wsgi.input"]
