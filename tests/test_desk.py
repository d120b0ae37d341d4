"""The support desk edition: internal files, `note`, the desk build, and never a byte of
them in the public site (every file of it, after full and incremental builds, and
through the daemon)."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIBRE, NOW, PARIS, TRANSLATED

from statuspage import cli
from statuspage.content import edition as desk
from statuspage.content.loader import load_site
from statuspage.errors import ContentError, StatusPageError
from statuspage.freeze.build import MARKER, BuildOptions, build
from statuspage.freeze.tree import Manifest
from statuspage.ops.daemon import Daemon, RunOptions
from statuspage.refs import ref_of
from statuspage.web import create_app

# One canary per internal field and note, for both incidents (open and resolved).
CANARIES = {
    FIBRE: {"say_fr": "CanarySayFrFibre", "say_en": "CanarySayEnFibre", "do": "CanaryDoFibre",
            "tag": "CanaryTagFibre", "note1": "CanaryNoteOneFibre",
            "note2": "CanaryNoteTwoFibre"},
    TRANSLATED: {"say_fr": "CanarySayFrBill", "say_en": "CanarySayEnBill",
                 "do": "CanaryDoBill", "tag": "CanaryTagBill", "note1": "CanaryNoteOneBill",
                 "note2": "CanaryNoteTwoBill"},
}
ALL = [c for found in CANARIES.values() for c in found.values()]
WHEN = "2026-11-26 12:00"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def run(site_dir: Path, *args: str, input: str | None = None, ok: bool = True):
    result = CliRunner().invoke(cli.main, ["--site", str(site_dir), *args], input=input,
                                catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def internal_path(site_dir: Path, incident_id: str) -> Path:
    return site_dir / "incidents" / f"{incident_id}.internal.md"


def add_canaries(site_dir: Path) -> None:
    """Notes through the CLI (creating the files), then the fields written by hand."""
    for incident_id, canary in CANARIES.items():
        run(site_dir, "note", incident_id, "-m", f"Premier appel : {canary['note1']}.")
        run(site_dir, "note", ref_of(incident_id), input=f"Rappel {canary['note2']}\n")
        path = internal_path(site_dir, incident_id)
        text = path.read_text(encoding="utf-8")
        fields = (f"say: {{fr: 'Dites {canary['say_fr']}', en: 'Say {canary['say_en']}'}}\n"
                  f"do: Geste commercial **{canary['do']}**\n"
                  f"tags: [facturation, {canary['tag']}]\n---\n")
        path.write_text(text.replace("---\n## ", fields + "## ", 1), encoding="utf-8")


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of a built folder, by its path inside it (the marker too)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leaks(folder: Path) -> list[str]:
    """Each canary found in any byte of any file, in any case."""
    found = []
    for name, data in files_of(folder).items():
        lowered = data.lower()
        for canary in ALL:
            if canary.encode() in data or canary.lower().encode() in lowered:
                found.append(f"{canary} in {name}")
    return found


def assert_public_has_every_kind_of_file(folder: Path) -> None:
    names = set(files_of(folder))
    for expected in ("index.html", "404.html", "updates.atom", "updates.rss", "history.rss",
                     "maintenance.ics", "api/v2/summary.json", "badge.svg",
                     "embed/status.js", "embed/banner.html", f"incidents/{FIBRE}/index.html",
                     f"en/incidents/{TRANSLATED}/index.html",
                     f"incidents/{FIBRE}/updates.atom"):
        assert expected in names, expected


def assert_desk_has_every_canary(folder: Path) -> None:
    text = "\n".join(data.decode("utf-8", "replace") for data in files_of(folder).values())
    missing = [canary for canary in ALL if canary not in text]
    assert not missing


@pytest.fixture
def canary_site(site_dir: Path) -> Path:
    add_canaries(site_dir)
    return site_dir


# -- the format and `note` ----------------------------------------------------------------

def test_note_creates_the_file_then_puts_each_note_on_top(site_dir):
    result = run(site_dir, "note", FIBRE, "-m", "Le client a déjà appelé deux fois.")
    path = internal_path(site_dir, FIBRE)
    assert result.output.splitlines()[:2] == [f"{FIBRE}: 1 internal note in {path}",
                                              "  title: Coupure fibre à Lyon"]
    # the unique start of the id (in a script, at least its date and first word)
    run(site_dir, "note", FIBRE[:16], input="Escalade au N2 faite.\n")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n# Internal: never published.")
    body = text.split("\n---\n", 1)[1]
    assert body == ("## 2026-11-26 12:00\nEscalade au N2 faite.\n\n"
                    "## 2026-11-26 12:00\nLe client a déjà appelé deux fois.\n")
    site = desk.load_site(site_dir)
    notes = site.internal[FIBRE].notes
    assert [n.body for n in notes] == ["Escalade au N2 faite.",
                                       "Le client a déjà appelé deux fois."]
    assert not list((site_dir / "incidents").glob(".*"))  # no temporary file left


def test_note_keeps_the_fields_and_older_notes(site_dir):
    path = internal_path(site_dir, FIBRE)
    path.write_text("---\nsay: Tout revient ce soir.\ntags: [fibre]\n---\n"
                    "## 2026-11-26 09:00\nAncienne note.\n", encoding="utf-8")
    run(site_dir, "note", ref_of(FIBRE).lower(), "-m", "Nouvelle note.")
    assert path.read_text(encoding="utf-8") == (
        "---\nsay: Tout revient ce soir.\ntags: [fibre]\n---\n"
        "## 2026-11-26 12:00\nNouvelle note.\n\n## 2026-11-26 09:00\nAncienne note.\n")


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "-m", "x"], "no incident 'nope'"),
    ([FIBRE, "-m", "Texte\n## 2026-11-26 10:00\nsuite"], "is a level-2 heading"),
    ([FIBRE, "-m", "   "], "no message"),
])
def test_note_refusals_write_nothing(site_dir, args, message):
    result = run(site_dir, "note", *args, ok=False)
    assert result.exit_code == 1
    assert message in result.output
    assert not internal_path(site_dir, FIBRE).exists()


def test_note_on_a_broken_file_says_where_and_leaves_it(site_dir):
    path = internal_path(site_dir, FIBRE)
    path.write_text("---\nsay: ok\nwho: x\n---\n", encoding="utf-8")
    result = run(site_dir, "note", FIBRE, "-m", "x", ok=False)
    assert result.exit_code == 1
    assert f"incidents/{FIBRE}.internal.md:3: unknown key 'who'" in result.output
    assert path.read_text(encoding="utf-8") == "---\nsay: ok\nwho: x\n---\n"


BAD = [
    ("---\nsay: ok\nescalate: yes\n---\n",
     "3: unknown key 'escalate' (allowed: do, say, tags)"),
    ("---\nsay: {fr: a, de: b}\n---\n",
     "2: say.de: unknown language 'de' (languages: fr, en)"),
    ("---\ndo: ''\n---\n",
     "2: do: empty; what may an agent do (a goodwill gesture, an escalation)?"),
    ("---\ntags: facturation\n---\n",
     "2: tags: expected a list of words, e.g. tags: [billing, refund]"),
    ("---\ntags: [a, {b: c}]\n---\n", "2: tags: each tag is a word or a few"),
    ("---\n---\n## hier soir\nNote.\n",
     "3: note heading '## hier soir' is not a time: write it as '## YYYY-MM-DD HH:MM'"),
    ("---\n---\n## 2026-11-26 10:00\n\n## 2026-11-26 09:00\nNote.\n",
     "3: empty note under '## 2026-11-26 10:00'"),
    ("---\n---\nUne note sans titre.\n",
     "3: text outside a note: put it under a heading"),
    ("---\nsay: [unclosed\n---\n", "3: invalid YAML"),
    ("say: ok\n", "1: missing front matter"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_check_locates_errors_in_internal_files(site_dir, text, message):
    internal_path(site_dir, FIBRE).write_text(text, encoding="utf-8")
    result = run(site_dir, "check", ok=False)
    assert result.exit_code == 1
    assert f"incidents/{FIBRE}.internal.md:{message}" in result.output


def test_an_internal_file_without_its_incident_is_an_error(site_dir):
    internal_path(site_dir, "2026-11-26-fibre-lyo").write_text("---\n---\n", encoding="utf-8")
    result = run(site_dir, "check", ok=False)
    assert result.exit_code == 1
    assert ("incidents/2026-11-26-fibre-lyo.internal.md:1: internal notes without an incident: "
            "incidents/2026-11-26-fibre-lyo.md does not exist") in result.output
    (site_dir / "incidents" / f"{FIBRE}.en.internal.md").write_text("---\n---\n", "utf-8")
    result = run(site_dir, "check", ok=False)
    assert (f"incidents/{FIBRE}.en.internal.md:1: internal notes are one file per incident, "
            f"not per language: name this file incidents/{FIBRE}.internal.md (say: and do: "
            "take a text per language, e.g. say: {en: …})") in result.output


def test_the_public_loader_never_reads_internal_files(site_dir):
    """A broken or orphan internal file is nothing to the public build: not an unknown
    translation, not an error, not content."""
    internal_path(site_dir, FIBRE).write_text("---\nsay: [broken\n---\n", encoding="utf-8")
    internal_path(site_dir, "orphan").write_text("---\n---\n", encoding="utf-8")
    with pytest.raises(ContentError):
        desk.load_site(site_dir)
    with_files = load_site(site_dir)
    assert build(site_dir, BuildOptions(now=NOW)).pages > 0
    assert with_files == load_site_without_internal(site_dir)


def load_site_without_internal(site_dir: Path):
    for path in (site_dir / "incidents").glob("*.internal.md"):
        path.unlink()
    return load_site(site_dir)


# -- the editions -------------------------------------------------------------------------

def test_canaries_are_in_the_desk_edition_and_in_no_byte_of_the_public_site(canary_site):
    run(canary_site, "build", "--now", WHEN)
    run(canary_site, "build", "--edition", "desk", "--now", WHEN)
    public, desk_out = canary_site / "build", canary_site / "build-desk"
    assert_public_has_every_kind_of_file(public)
    assert leaks(public) == []
    assert_desk_has_every_canary(desk_out)
    assert Manifest.read(public).edition == "public"
    assert Manifest.read(desk_out).edition == "desk"


def test_the_public_site_is_the_same_with_or_without_internal_files(site_dir, canary_site,
                                                                     tmp_path):
    run(canary_site, "build", "--now", WHEN, "--out", str(tmp_path / "with"))
    load_site_without_internal(canary_site)
    run(canary_site, "build", "--now", WHEN, "--out", str(tmp_path / "without"), "--full")
    with_, without = files_of(tmp_path / "with"), files_of(tmp_path / "without")
    with_.pop(MARKER)
    without.pop(MARKER)
    assert with_ == without


def test_incremental_builds_of_both_editions(canary_site, tmp_path):
    """Notes added between builds: the public site stays free of them, and the desk's
    incremental build writes what a full one writes."""
    run(canary_site, "build", "--now", WHEN)
    run(canary_site, "build", "--edition", "desk", "--now", WHEN)
    run(canary_site, "note", FIBRE, "-m", "Encore CanaryLateNote.")
    ALL.append("CanaryLateNote")
    try:
        run(canary_site, "build", "--now", WHEN)
        result = run(canary_site, "build", "--edition", "desk", "--now", WHEN)
        assert "kept)" in result.output and " 0 kept" not in result.output
        assert leaks(canary_site / "build") == []
        assert_desk_has_every_canary(canary_site / "build-desk")
        run(canary_site, "build", "--edition", "desk", "--now", WHEN, "--full",
            "--out", str(tmp_path / "full-desk"))
        incremental = files_of(canary_site / "build-desk")
        full = files_of(tmp_path / "full-desk")
        incremental.pop(MARKER)
        full.pop(MARKER)
        assert incremental == full
    finally:
        ALL.remove("CanaryLateNote")


def test_building_one_edition_over_the_other_is_refused(canary_site):
    run(canary_site, "build", "--now", WHEN)
    run(canary_site, "build", "--edition", "desk", "--now", WHEN)
    before = files_of(canary_site / "build")
    result = run(canary_site, "build", "--edition", "desk", "--out",
                 str(canary_site / "build"), ok=False)
    assert result.exit_code == 1
    assert re.search(r"build holds the public edition \(its \.statuspage-build says so\): "
                     r"refusing to build the desk edition over it; choose another --out",
                     result.output)
    assert files_of(canary_site / "build") == before
    result = run(canary_site, "build", "--out", str(canary_site / "build-desk"), ok=False)
    assert result.exit_code == 1
    assert "build-desk holds the desk edition" in result.output
    with pytest.raises(StatusPageError, match="--desk-out .* is the public site's folder"):
        Daemon(canary_site, RunOptions(canary_site / "build", desk_out=canary_site / "build"))


@pytest.mark.parametrize("inside", ["desk", "incidents/desk"])
def test_the_desk_is_never_built_inside_the_public_site(canary_site, inside):
    """A folder inside build/ is served with the public site: refused before any byte is
    written there (no lock file either), and the daemon refuses such folders at start."""
    run(canary_site, "build", "--now", WHEN)
    before = files_of(canary_site / "build")
    nested = canary_site / "build" / inside
    result = run(canary_site, "build", "--edition", "desk", "--out", str(nested), ok=False)
    assert result.exit_code == 1
    assert re.search(r"build/(incidents/)?desk is inside \S+/build, which holds the public "
                     r"edition \(its \.statuspage-build says so\): refusing to build the desk "
                     r"edition there", result.output), result.output
    assert files_of(canary_site / "build") == before
    assert leaks(canary_site / "build") == []
    run(canary_site, "build", "--edition", "desk", "--now", WHEN)
    result = run(canary_site, "build", "--out", str(canary_site / "build-desk" / "public"),
                 ok=False)
    assert "inside" in result.output and "which holds the desk edition" in result.output
    for public_out, desk_out in (("build", "build/desk"), ("build/site", "build")):
        with pytest.raises(StatusPageError, match="are one inside the other"):
            Daemon(canary_site, RunOptions(canary_site / public_out,
                                           desk_out=canary_site / desk_out))


def test_git_ignores_what_the_builds_leave_beside_the_content(tmp_path):
    """init's .gitignore: `git add -A` after building both editions (twice: a previous
    build is kept beside each, the desk's too) adds the content only."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    site = tmp_path / "site"
    run(site, "init", str(site))
    incident = next(p.stem for p in (site / "incidents").glob("*.md"))
    run(site, "note", incident, "-m", "CanaryGitNote")
    for _ in range(2):
        run(site, "build")
        run(site, "build", "--edition", "desk")
    assert (site / desk.DESK.folder).is_dir()
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    listed = subprocess.run(["git", "-C", str(site), "status", "--porcelain",
                             "--untracked-files=all"], check=True, capture_output=True,
                            text=True).stdout.split("\n")
    assert sorted(line[3:] for line in listed if line) == [
        ".gitignore", "content/site.yaml", "content/templates/billing-error.md",
        "content/templates/network-outage.md", f"incidents/{incident}.internal.md",
        f"incidents/{incident}.md"]


def test_desk_pages_are_marked_internal_and_have_no_public_outputs(canary_site):
    run(canary_site, "build", "--edition", "desk", "--now", WHEN)
    out = canary_site / "build-desk"
    names = set(files_of(out))
    assert not {n for n in names if n.endswith((".rss", ".atom", ".ics", ".svg"))}
    assert not {n for n in names if n.startswith(("api/", "embed/", "en/api/", "en/embed/"))}
    assert "robots.txt" in names and (out / "robots.txt").read_text() == \
        "User-agent: *\nDisallow: /\n"
    pages = [n for n in names if n.endswith(".html")]
    assert len(pages) > 20
    for name in pages:
        html = (out / name).read_text(encoding="utf-8")
        assert '<meta name="robots" content="noindex">' in html, name
        assert "desk-banner" in html, name
        assert "updates.atom" not in html and "maintenance.ics" not in html, name
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "Interne — ne pas diffuser" in home
    assert "Internal — do not share" in (out / "en" / "index.html").read_text(encoding="utf-8")
    # the agent's card: what to say first, then who is affected, what to do, the reference
    card = home.split('class="desk-card"', 1)[1].split("</article>", 1)[0]
    order = [card.index(s) for s in ("Dites CanarySayFrFibre", "Qui est concerné",
                                     "CanaryDoFibre", ref_of(FIBRE), "CanaryTagFibre")]
    assert order == sorted(order)
    assert TRANSLATED not in home.split('class="desk-card"', 1)[1].split("</section>")[0]
    page = (out / "en" / "incidents" / TRANSLATED / "index.html").read_text(encoding="utf-8")
    block = page.split('<section class="internal"', 1)[1].split("</section>", 1)[0]
    assert "Say CanarySayEnBill" in block and "<strong>CanaryDoBill</strong>" in block
    assert block.index("CanaryNoteTwoBill") < block.index("CanaryNoteOneBill")  # newest first


def test_nothing_public_links_to_the_desk(canary_site):
    run(canary_site, "build", "--now", WHEN)
    for name, data in files_of(canary_site / "build").items():
        assert b"build-desk" not in data and b"/desk/" not in data, name
        assert b"desk-banner" not in data and b"internal" not in data.lower(), name


def test_the_search_index_finds_by_reference_tag_component_and_words(canary_site):
    site = desk.load_site(canary_site)
    client = create_app(site, now=NOW, edition=desk.DESK).test_client()
    entries = {e["ref"]: e for e in client.get("/en/desk/search.json").get_json()["incidents"]}
    fibre, bill = entries[ref_of(FIBRE)], entries[ref_of(TRANSLATED)]
    assert fibre["id"] == FIBRE and fibre["open"] and not bill["open"]  # resolved ones too
    assert fibre["tags"] == ["facturation", "CanaryTagFibre"]
    assert fibre["components"] == ["fibre"] and fibre["names"] == ["Fibre broadband"]
    assert fibre["url"] == f"/en/incidents/{FIBRE}/"
    assert "canarynoteonefibre" in fibre["text"] and "lyon" in fibre["text"]
    assert "canarydobill" in bill["text"]
    assert "facturation" in bill["text"]  # the component's French name, folded


def test_the_public_app_shows_nothing_internal_even_given_the_desk_site(canary_site):
    site = desk.load_site(canary_site)
    assert site.internal
    client = create_app(site, now=NOW).test_client()
    for url in ("/", f"/incidents/{FIBRE}/", f"/en/incidents/{TRANSLATED}/"):
        html = client.get(url).get_data(as_text=True)
        assert not [c for c in ALL if c in html], url
    assert client.get("/desk/search.json").status_code == 404


def test_a_public_build_given_the_desk_site_shows_nothing_internal(canary_site):
    build(canary_site, BuildOptions(now=NOW), site=desk.load_site(canary_site))
    assert leaks(canary_site / "build") == []


def test_build_refuses_an_unknown_edition(site_dir):
    with pytest.raises(ValueError, match="unknown edition 'staff'"):
        desk.named("staff")
    result = run(site_dir, "build", "--edition", "staff", ok=False)
    assert result.exit_code == 2


def test_the_desk_preview_reads_the_notes_as_they_change(canary_site):
    """statuspage serve --edition desk: the live site, internal files re-read on change."""
    app = create_app(desk.DESK.live_site(canary_site), edition=desk.DESK)
    client = app.test_client()
    page = client.get(f"/incidents/{FIBRE}/").get_data(as_text=True)
    assert "CanaryNoteTwoFibre" in page and "Interne — ne pas diffuser" in page
    run(canary_site, "note", FIBRE, "-m", "Vu en direct.")
    assert "Vu en direct." in client.get(f"/incidents/{FIBRE}/").get_data(as_text=True)
    public = create_app(desk.PUBLIC.live_site(canary_site)).test_client()
    assert "CanaryNoteTwoFibre" not in public.get(f"/incidents/{FIBRE}/").get_data(as_text=True)


# -- the daemon ---------------------------------------------------------------------------

def test_the_daemon_keeps_both_editions_current_and_the_public_one_clean(canary_site, caplog,
                                                                          monkeypatch):
    monkeypatch.chdir(canary_site)
    caplog.set_level(logging.INFO, logger="statuspage.ops.daemon")
    now = [NOW]
    daemon = Daemon(canary_site, RunOptions(desk_out=canary_site / "build-desk"),
                    clock=lambda: now[0])
    daemon.start(paused=True)
    try:
        assert leaks(canary_site / "build") == []
        assert_desk_has_every_canary(canary_site / "build-desk")
        run(canary_site, "note", FIBRE, "-m", "Par le démon : CanaryDaemonNote.")
        now[0] = NOW + timedelta(minutes=1)
        daemon.poll()
        assert "CanaryDaemonNote" in (canary_site / "build-desk" / "incidents" / FIBRE /
                                      "index.html").read_text(encoding="utf-8")
        ALL.append("CanaryDaemonNote")
        try:
            assert leaks(canary_site / "build") == []
        finally:
            ALL.remove("CanaryDaemonNote")
        # A broken internal file: the desk keeps its last good notes, the public site goes on.
        path = internal_path(canary_site, FIBRE)
        path.write_text(path.read_text(encoding="utf-8").replace("say: {", "say: {{", 1),
                        encoding="utf-8")
        now[0] = NOW + timedelta(minutes=2)
        daemon.poll()
        messages = [r.getMessage() for r in caplog.records if r.name == "statuspage.ops.daemon"]
        assert any(m.startswith("content error (") and f"{FIBRE}.internal.md" in m
                   for m in messages)
        assert any(m.startswith("rebuilt build-desk/ (") and "keeping the broken files" in m
                   for m in messages[-3:])
        assert "CanaryDaemonNote" in (canary_site / "build-desk" / "incidents" / FIBRE /
                                      "index.html").read_text(encoding="utf-8")
        assert leaks(canary_site / "build") == []
        assert Manifest.read(canary_site / "build-desk").edition == "desk"
    finally:
        daemon.stop()


def test_the_daemon_writes_its_period_into_the_desk(canary_site, monkeypatch):
    """The desk calls itself stale after twice the daemon's --every; built by hand, after
    twice the daemon's default."""
    monkeypatch.chdir(canary_site)
    build(canary_site, BuildOptions(out=canary_site / "by-hand", now=NOW, edition=desk.DESK))
    assert 'data-stale-after="600"' in (canary_site / "by-hand" / "index.html").read_text(
        encoding="utf-8")
    daemon = Daemon(canary_site, RunOptions(every=timedelta(minutes=2),
                                            desk_out=canary_site / "build-desk"),
                    clock=lambda: NOW)
    daemon.start(paused=True)
    try:
        home = (canary_site / "build-desk" / "en" / "index.html").read_text(encoding="utf-8")
        assert 'data-stale-after="240"' in home
    finally:
        daemon.stop()


# -- the search box, in a browser ---------------------------------------------------------

@pytest.mark.browser
def test_the_search_box_finds_by_tag_reference_service_and_words(canary_site, chromium):
    from conftest import browser_context
    from playwright.sync_api import expect
    from serving import serving

    run(canary_site, "build", "--edition", "desk", "--now", WHEN)
    requests: list[str] = []
    with serving(root=canary_site / "build-desk") as (url, server):
        for context in browser_context(chromium):
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(url + "/en/")
            box = page.locator("#desk-q")
            results = page.locator("#desk-results li")
            for typed, expected in (("canarytagbill", TRANSLATED), (ref_of(FIBRE).lower(), FIBRE),
                                    ("billing", TRANSLATED), ("fibre cable", FIBRE),
                                    ("CanaryNoteTwoFibre", FIBRE)):
                box.fill(typed)
                expect(results).to_have_count(1)
                expect(results.locator("a")).to_have_attribute(
                    "href", f"/en/incidents/{expected}/")
            box.fill("nothing-like-this")
            expect(page.locator("#desk-count")).to_have_text("No incident matches.")
            results.first.wait_for(state="detached")
    assert all(r.startswith(url) for r in requests)  # nothing loaded from elsewhere


@pytest.mark.browser
def test_the_search_box_shows_only_the_latest_search(canary_site, chromium):
    """Typed before the index arrives (a slow line): it is fetched once, and only what
    matches the whole of what was typed shows, not each keystroke's results. A reference
    read out in pieces is one reference."""
    from conftest import browser_context
    from playwright.sync_api import expect
    from serving import serving

    run(canary_site, "build", "--edition", "desk", "--now", WHEN)
    held = []
    with serving(root=canary_site / "build-desk") as (url, _server):
        for context in browser_context(chromium):
            page = context.new_page()
            page.route("**/desk/search.json", lambda route: held.append(route))  # answered later
            page.goto(url + "/en/")
            box = page.locator("#desk-q")
            box.press_sequentially("fibre cable")
            page.wait_for_timeout(100)
            assert len(held) == 1
            for route in held:
                route.continue_()
            results = page.locator("#desk-results li")
            expect(page.locator("#desk-count")).to_have_text("One incident found.")
            expect(results).to_have_count(1)
            expect(results.locator("a")).to_have_attribute("href", f"/en/incidents/{FIBRE}/")
            reference = ref_of(TRANSLATED)
            for typed in (f"{reference[:3].lower()} {reference[3:].lower()}",
                          f"{reference[:3]}-{reference[3:]}"):
                box.fill(typed)
                expect(results).to_have_count(1)
                expect(results.locator("a")).to_have_attribute(
                    "href", f"/en/incidents/{TRANSLATED}/")


def test_the_shipped_example_has_notes_for_the_desk(example_dir: Path):
    """Every incident of the example has its internal file, valid, so that the README's
    example shows the desk with something in it; the public build never shows them."""
    site = desk.load_site(example_dir)
    assert not site.warnings
    assert {i.id for i in site.incidents} == set(site.internal)
    for found in site.internal.values():
        assert found.say.get_in("fr", "fr").value and found.say.get_in("en", "fr").lang == "en"
        assert found.do.get_in("fr", "fr").value and found.tags and found.notes
    result = CliRunner().invoke(cli.main, ["--site", str(example_dir), "build", "--edition",
                                           "desk", "--now", "2026-11-26 10:00"])
    assert result.exit_code == 0, result.output
    home = (example_dir / "build-desk" / "index.html").read_text("utf-8")
    assert "Un câble de fibre a été coupé par un chantier" in home  # what to say
    assert "Environ 2 300 clients fibre touchés." in home  # the latest note
    assert CliRunner().invoke(cli.main, ["--site", str(example_dir), "build"]).exit_code == 0
    public = "".join(p.read_text("utf-8") for p in (example_dir / "build").rglob("*.html"))
    assert "INC-1126-LYON" not in public and "2 300 clients" not in public
MARSEILLE = """---
title: ADSL coupé dans le centre de Marseille
impact: minor
components: [adsl]
areas: {"130": Marseille}
started: 2026-11-25 09:00
---
## 2026-11-25 09:10 · investigating
Nous enquêtons.
"""


@pytest.mark.browser
def test_the_desk_is_built_for_a_call(example_dir, chromium):
    """The shipped example on its morning: the search box above the cases; a postcode
    inside an incident's areas, and a typo, find the Lyon fibre cut and nothing else,
    with its status, since when, its version and its places, the count as a sentence."""
    from conftest import browser_context
    from playwright.sync_api import expect
    from serving import serving

    lyon = "2026-11-26-coupure-fibre-lyon"
    (example_dir / "incidents" / "2026-11-25-marseille.md").write_text(MARSEILLE, "utf-8")
    out = build(example_dir, BuildOptions(
        out=example_dir / "build-desk", edition=desk.DESK,
        now=datetime(2026, 11, 26, 10, 0, tzinfo=PARIS), pinned=True)).out
    with serving(root=out) as (url, _server):
        for context in browser_context(chromium):
            page = context.new_page()
            page.goto(url + "/")
            box = page.locator("#desk-q")
            assert box.bounding_box()["y"] < page.locator(".desk-card").first.bounding_box()["y"]
            results = page.locator("#desk-results li")
            for typed in ("69007", "690", "lyom", "Lyom fibre", "guillotiere", ref_of(lyon)):
                box.fill(typed)
                expect(results).to_have_count(1)
                expect(results.locator("a")).to_have_attribute("href", f"/incidents/{lyon}/")
                expect(page.locator("#desk-count")).to_have_text("Un incident trouvé.")
            expect(results.first).to_contain_text("Cause identifiée")
            expect(results.first).to_contain_text("depuis le 26 nov. 2026, 06:40 CET")
            expect(results.first).to_contain_text("point n° 2 de 08:10")
            expect(results.first).to_contain_text("Lyon 3e et Lyon 7e")
            assert page.locator("#desk-found").get_attribute("aria-live") == "polite"
            box.fill("69008")  # in Lyon, not in the cut's areas
            expect(page.locator("#desk-count")).to_have_text("Aucun incident ne correspond.")
            box.fill("marseile")  # one letter missing: the Marseille incident, no other
            expect(results).to_have_count(1)
            marseille = "/incidents/2026-11-25-marseille/"
            expect(results.locator("a")).to_have_attribute("href", marseille)
            box.fill("13005")  # inside the area 130 (Marseille's 13001 to 13016)
            expect(results).to_have_count(1)
            box.fill("internet")
            expect(page.locator("#desk-count")).to_have_text(re.compile(r"^\d+ incidents trouvés"))
            # A pinned build (--now) says when it describes, and does not call itself stale.
            expect(page.locator("#desk-built")).to_contain_text("26 nov. 2026, 10:00 CET")
            expect(page.locator("#desk-stale")).to_be_hidden()


def test_the_phone_block_says_what_to_say_then_the_facts_in_order(example_dir):
    """Past the promised 18:00 with no update: the next update is late, in red, with
    what to tell the caller; each label says whose action it is."""
    out = build(example_dir, BuildOptions(
        out=example_dir / "build-desk", edition=desk.DESK,
        now=datetime(2026, 11, 26, 19, 0, tzinfo=PARIS))).out
    home = (out / "index.html").read_text("utf-8")
    card = home.split('class="desk-card"', 1)[1].split("</article>", 1)[0]
    labels = ["Quoi dire", "Depuis", "Services et lieux", "Prochaine mise à jour",
              "Version", "Qui est concerné", "Ce que le client peut faire", "Référence"]
    found = [card.find(f"<dt>{label}</dt>") for label in labels]
    assert -1 not in found and found == sorted(found), dict(zip(labels, found, strict=True))
    assert ('<dd class="late">Mise à jour attendue à '
            '<time datetime="2026-11-26T18:00:00+01:00">') in card
    assert "Dites\u00a0: «\u00a0Nous sommes en retard" in card
    assert "Lyon 3e et Lyon 7e" in card and "Fibre" in card
    assert '<dd class="version">point n° 2 de 08:10</dd>' in card
    english = (out / "en" / "index.html").read_text("utf-8")
    assert "<dt>What the customer can do</dt>" in english
    assert "Say: “We are late; the next update is being prepared.”" in english


@pytest.mark.browser
def test_a_desk_left_unbuilt_says_it_may_be_out_of_date(site_dir, chromium):
    from conftest import browser_context
    from playwright.sync_api import expect
    from serving import serving

    from statuspage.web.desk import STALE_AFTER

    long_ago = datetime.now(PARIS) - timedelta(seconds=2 * STALE_AFTER)
    out = build(site_dir, BuildOptions(out=site_dir / "build-desk", edition=desk.DESK,
                                       now=long_ago)).out
    with serving(root=out) as (url, _server):
        for context in browser_context(chromium):
            page = context.new_page()
            page.goto(url + "/en/")
            expect(page.locator("#desk-stale")).to_be_visible()
            expect(page.locator("#desk-stale")).to_contain_text("may be out of date")


def test_each_edition_of_the_daemon_reuses_what_its_own_last_build_worked_out(
        example_dir, monkeypatch):
    """The desk's incidents are its own objects: with one memory for both editions, each
    build would find the other's runs of views, and work out every run again."""
    from statuspage.state import runs

    monkeypatch.chdir(example_dir)
    monkeypatch.setattr(runs, "RUN", 2)
    made: list[int] = []
    real = runs.Run.__init__
    monkeypatch.setattr(runs.Run, "__init__", lambda self, *args: (
        made.append(len(args[0])), real(self, *args))[1])
    now = [NOW]
    daemon = Daemon(example_dir, RunOptions(desk_out=example_dir / "build-desk"),
                    clock=lambda: now[0])
    daemon.start(paused=True)
    try:
        everything = sum(made) // 2  # the start: each edition's views, once
        now[0] = NOW + timedelta(minutes=1)
        made.clear()
        daemon.request("later")  # both editions built again: the settled views kept
        # (the example's open incidents and maintenance are worked out again: their runs)
        assert everything > 4 and sum(made) < 2 * everything
    finally:
        daemon.stop()
