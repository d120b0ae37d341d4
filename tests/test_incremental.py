"""Incremental builds write exactly what a full build of the same content at the same moment
writes, whatever happened in between: a property over random sequences of edits, and the
same property over fixed sequences, one per known edge case of what a file depends on."""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import NOW, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage import cli, model
from statuspage.content import sources
from statuspage.content.loader import Loader, load_site
from statuspage.freeze import build as building
from statuspage.freeze import rendering
from statuspage.freeze import tree as freeze_tree
from statuspage.freeze.build import BuildOptions, build
from statuspage.freeze.caches import Caches
from statuspage.freeze.tree import Manifest
from statuspage.state import chunks as viewing
from statuspage.state import runs


@pytest.fixture(autouse=True)
def runs_of_two(monkeypatch):
    """The example's incidents in runs of two (``state/runs.py``): a build reuses some runs
    whole, works out others again, and keeps the files of some without looking; and their
    views in chunks of two (``chunks.views_at``), some taken whole."""
    monkeypatch.setattr(runs, "RUN", 2)
    monkeypatch.setattr(viewing, "CHUNK", 2)


def tree(folder: Path) -> dict[str, str]:
    """The site's files (not the builder's own dotfiles) and a digest of each."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


class Looking:
    """A kept loader fed as the daemon feeds it: each look brought up to date for the files
    that changed only (``sources.update``), so that a load may patch the last one."""

    def __init__(self, root: Path):
        self.root, self.loader = root, Loader(root)
        self.look = sources.look(root)

    def load(self, lenient: bool = False) -> model.Site:
        full = sources.look(self.root)
        changed = set(sources.differences(self.look[1], full[1]))
        self.look = sources.update(self.root, self.look, changed) or full
        return self.loader.load(lenient=lenient, found=self.look[0])


class Site:
    """The shipped example site in a folder, edited as staff would, at a moving moment.
    ``edit(kind, pick)``: one of ``EDITS``, on the incident ``pick`` chooses."""

    def __init__(self, root: Path, monkeypatch):
        self.root = root
        self.now = NOW
        self.count = 0
        self.made: list[str] = []  # the incidents it made, oldest first
        self.monkeypatch = monkeypatch
        monkeypatch.setattr(cli, "_now", lambda: self.now)

    def cli(self, *args: str) -> None:
        result = CliRunner().invoke(cli.main, ["--site", str(self.root), *args])
        assert result.exit_code in (0, 1, 2), result.output  # refusals are fine, crashes not

    def incidents(self, translated: bool | None = None) -> list[str]:
        names = sorted(p.name for p in (self.root / "incidents").glob("*.md"))
        ids = [n[:-3] for n in names if n.count(".") == 1]
        if translated is None:
            return ids
        return [i for i in ids if (f"{i}.en.md" in names) == translated]

    def edit(self, kind: str, pick: int) -> None:
        self.count += 1
        ids = self.incidents()
        getattr(self, "_" + kind.replace(" ", "_"))(ids[pick % len(ids)] if ids else None, pick)

    def _new(self, chosen, pick: int) -> None:
        self.made.append(f"panne-{self.count}")
        self.cli("new", f"Panne {self.count}", "-c", "fibre", "-m", "Nous enquêtons.",
                 "--next-update", "+3h", "--id", self.made[-1])

    def _update(self, chosen, pick: int) -> None:
        if chosen:
            self.cli("update", chosen, "--status", "identified", "-m", f"Suite {self.count}.")

    def _outage(self, chosen, pick: int) -> None:
        """A service's status changes: the last incident made (else one) now stops ADSL."""
        target = self.made[-1] if self.made else chosen
        if target:
            self.cli("update", target, "-c", "adsl:major_outage", "-m", "L'ADSL aussi.")

    def _resolve(self, chosen, pick: int) -> None:
        if chosen:
            self.cli("resolve", chosen)

    def _maintenance(self, chosen, pick: int) -> None:
        self.cli("maintenance", f"Travaux {self.count}", "-c", "adsl", "--start", "+2h",
                 "--end", "+5h", "-m", "Coupures brèves.", "--id", f"travaux-{self.count}")

    def _far_maintenance(self, chosen, pick: int) -> None:
        """Announced now, an hour past the upcoming horizon (upcoming_days: 30), on a
        service without incidents today (its page's bars stay the same as time passes)."""
        self.cli("maintenance", f"Travaux {self.count}", "-c", "mobile-data", "--start",
                 "+30d1h", "--end", "+30d3h", "-m", "Annoncés tôt.", "--id",
                 f"travaux-{self.count}")

    def _translate(self, chosen, pick: int) -> None:
        untranslated = self.incidents(translated=False)
        if untranslated:
            target = untranslated[pick % len(untranslated)]
            (self.root / "incidents" / f"{target}.en.md").write_text(
                f"---\ntitle: Translated {self.count}\n---\n", encoding="utf-8")

    def _untranslate(self, chosen, pick: int) -> None:
        translated = self.incidents(translated=True)
        if translated:
            (self.root / "incidents" / f"{translated[pick % len(translated)]}.en.md").unlink()

    def _delete(self, chosen, pick: int) -> None:
        for path in (self.root / "incidents").glob(f"{chosen}.*") if chosen else ():
            path.unlink()

    def _site(self, chosen, pick: int) -> None:
        path = self.root / "content" / "site.yaml"
        path.write_text(path.read_text("utf-8") + f"# edit {self.count}\n", encoding="utf-8")

    def _areas(self, chosen, pick: int) -> None:
        """Moved to another place, or everywhere again."""
        if not chosen:
            return
        path = self.root / "incidents" / f"{chosen}.md"
        text = re.sub(r"\nareas: .*", "", path.read_text("utf-8"), count=1)
        if pick % 3:
            text = text.replace("\ntitle:", f'\nareas: ["{69000 + pick % 7}", "13"]\ntitle:', 1)
        path.write_text(text, encoding="utf-8")

    def _rename(self, chosen, pick: int) -> None:
        """A service's name changes in site.yaml: every line that names it."""
        path = self.root / "content" / "site.yaml"
        path.write_text(path.read_text("utf-8").replace(
            "{fr: Fibre, en: Fibre broadband}", f"{{fr: Fibre {self.count}, en: Fibre broadband}}"),
            encoding="utf-8")

    def _later(self, chosen, pick: int) -> None:
        self.now += timedelta(hours=pick % 30 + 1)

    def _much_later(self, chosen, pick: int) -> None:
        self.now += timedelta(days=pick % 40 + 1)

    def _code(self, chosen, pick: int) -> None:
        """A new version of the package, or an edited template."""
        digest = f"code-{self.count}"
        self.monkeypatch.setattr(freeze_tree, "code_digest", lambda: digest)
        import statuspage.content.loader

        self.monkeypatch.setattr(statuspage.content.loader, "code_digest", lambda: digest)


EDITS = ["new", "update", "outage", "resolve", "maintenance", "far maintenance", "translate",
         "untranslate", "delete", "site", "later", "much later", "code", "areas"]


def copy_of_the_example(root: Path) -> Path:
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, root / part)
    return root


@settings(max_examples=6, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 1000)), min_size=3,
                max_size=7))
def test_an_incremental_build_is_a_full_build(tmp_path_factory, monkeypatch, edits):
    root = copy_of_the_example(tmp_path_factory.mktemp("site"))
    with monkeypatch.context() as patch:
        site = Site(root, patch)
        build(root, BuildOptions(out=root / "build", now=site.now))
        for kind, pick in edits:
            site.edit(kind, pick)
            incremental = build(root, BuildOptions(out=root / "build", now=site.now))
            assert incremental.pages == len(tree(root / "build"))
            full = build(root, BuildOptions(out=root / "full", now=site.now, full=True))
            assert full.rendered == full.pages
            assert tree(root / "build") == tree(root / "full"), (kind, site.now)


# What each file shows changes with these, each in a way a missing dependency hides: a
# fixed sequence of edits for each, built as the daemon builds (the content and what the
# builds keep in memory), each build compared with a full build that reused nothing.
KNOWN = {
    # the component pages list the maintenance coming up within upcoming_days: two hours
    # later, on the same day, it is
    "crossing the upcoming horizon": [("far maintenance", 0), ("later", 1)],
    # the promised time passes: said late (the pages, the banner, the feeds)
    "a promise passing": [("new", 0), ("later", 3)],
    # the services' statuses: badges, component pages, the headline
    "a service changing status": [("new", 0), ("outage", 0)],
    # an incident's texts in another language (the example's are all translated: one is
    # taken away first): its pages, the lists that name it
    "a translation added": [("untranslate", 0), ("translate", 0)],
    # a list's line of an incident is kept by its state (web/lines.py): each thing a line
    # shows changes once, the moment pages listing it rendered again each time
    "a list's lines": [("new", 0), ("update", 0), ("areas", 1), ("rename", 0),
                       ("untranslate", 0), ("translate", 0), ("resolve", 0), ("later", 1)],
    # a run's files are kept without a look only when the spare's map was written with
    # them: after an update, the spare holds the incident as it was two builds before
    "a run kept whole": [("update", 2), ("later", 1), ("later", 1), ("update", 4),
                         ("update", 2), ("later", 1)],
    # 90 days after it ended, an incident loses its own feeds: its run, the same objects,
    # is planned again for its new facts
    "an incident no longer followed": [("resolve", 0), ("later", 1), ("much later", 39),
                                       ("much later", 39), ("much later", 39)],
}


@pytest.mark.parametrize("edits", KNOWN.values(), ids=KNOWN.keys())
def test_an_incremental_build_is_a_full_build_across_the_known_edge_cases(tmp_path, monkeypatch,
                                                                        edits):
    root = copy_of_the_example(tmp_path / "site")
    site = Site(root, monkeypatch)
    loader, caches = Looking(root), Caches()
    build(root, BuildOptions(out=root / "build", now=site.now), site=loader.load(), caches=caches)
    for kind, pick in edits:
        site.edit(kind, pick)
        build(root, BuildOptions(out=root / "build", now=site.now),
              site=loader.load(lenient=True), caches=caches)
        build(root, BuildOptions(out=tmp_path / "full", now=site.now, full=True))
        assert tree(root / "build") == tree(tmp_path / "full"), (kind, site.now)


def test_one_update_renders_a_few_files_and_keeps_the_rest(example_dir, monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    first = build(example_dir, BuildOptions(now=NOW))
    assert first.rendered == first.pages
    again = build(example_dir, BuildOptions(now=NOW))
    kept_once = again.pages - again.rendered
    assert again.rendered <= 12, again  # the home pages, the 404, the API
    runner = CliRunner()
    fibre = next(i.id for i in load_site(example_dir).incidents if "fibre" in i.id
                 and "lyon" in i.id)
    result = runner.invoke(cli.main, ["--site", str(example_dir), "update", fibre,
                                      "--status", "monitoring", "-m", "Réparé."])
    assert result.exit_code == 0, result.output
    after = build(example_dir, BuildOptions(now=NOW))
    assert again.rendered < after.rendered < after.pages / 2
    assert after.pages - after.rendered < kept_once
    page = (example_dir / "build" / "incidents" / fibre / "index.html").read_text("utf-8")
    assert "Réparé." in page


def test_a_full_build_leaves_the_spare_the_next_build_starts_from(example_dir, monkeypatch):
    """After a first (or full) build, the spare beside build/ is the published site as hard
    links, with its marker: the build after an update links nothing anew, and is still the
    same bytes as a full build."""
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    out = example_dir / "build"
    spare = example_dir / ".statuspage-spare-build"
    build(example_dir, BuildOptions(now=NOW))
    kept, live = Manifest.read(spare), Manifest.read(out)  # its own map, a copy of out's
    assert kept is not None and live is not None and kept.tree != live.tree
    assert (kept.inputs, kept.edition, kept.files) == (live.inputs, live.edition, live.files)
    published = tree(out)
    assert tree(spare) == published
    for name in published:
        assert (spare / name).stat().st_ino == (out / name).stat().st_ino, name
    linked = []
    link_many = building.tree.link_many

    def recorded(source, target, paths, fresh=False, to=None):
        if source != target:  # (from out; a copy is linked within the spare)
            linked.extend(paths)
        link_many(source, target, paths, fresh, to)

    monkeypatch.setattr(building.tree, "link_many", recorded)
    fibre = next(i.id for i in load_site(example_dir).incidents if "fibre" in i.id)
    result = CliRunner().invoke(cli.main, ["--site", str(example_dir), "update", fibre,
                                           "--status", "monitoring", "-m", "Réparé."])
    assert result.exit_code == 0, result.output
    build(example_dir, BuildOptions(now=NOW))
    assert linked == []  # every unchanged file was already in the spare
    incremental = tree(out)
    build(example_dir, BuildOptions(now=NOW, full=True, out=example_dir / "full"))
    assert incremental == tree(example_dir / "full")


@pytest.mark.parametrize("per_worker", [10**9, 1])
def test_a_short_address_in_lower_case_is_its_capitals_file(example_dir, monkeypatch,
                                                           per_worker):
    """The lower case short address is a link to the capitals' page: in a first build
    (all in bulk, by forked workers when there are many: ``per_worker``), and in a build
    after an update and a full one (one by one, over the spare of the build before)."""
    monkeypatch.setattr(freeze_tree, "LINKS_PER_WORKER", per_worker)
    monkeypatch.setattr(freeze_tree.os, "sched_getaffinity", lambda pid: {0, 1})
    out = example_dir / "build"

    def pairs() -> list[tuple[Path, Path]]:
        found = [(out / "r" / name.upper() / "index.html", out / "r" / name / "index.html")
                 for name in sorted(p.name for p in (out / "r").iterdir())
                 if name != name.upper() and (out / "r" / name / "index.html").exists()]
        assert len(found) >= 3
        return found

    build(example_dir, BuildOptions(now=NOW))
    for capitals, lower in pairs():
        assert lower.stat().st_ino == capitals.stat().st_ino, lower
    fibre = next(i for i in load_site(example_dir).incidents if "fibre" in i.id)
    result = CliRunner().invoke(cli.main, ["--site", str(example_dir), "update", fibre.id,
                                           "--status", "monitoring", "-m", "Réparé."])
    assert result.exit_code == 0, result.output
    for options in (BuildOptions(now=NOW), BuildOptions(now=NOW, full=True)):
        build(example_dir, options)
        for capitals, lower in pairs():
            assert lower.stat().st_ino == capitals.stat().st_ino, lower
            assert lower.read_bytes() == capitals.read_bytes()
    assert fibre.reference.lower() in {lower.parent.name for _, lower in pairs()}


def test_a_code_change_renders_everything(example_dir, monkeypatch):
    build(example_dir, BuildOptions(now=NOW))
    monkeypatch.setattr(freeze_tree, "code_digest", lambda: "another version")
    again = build(example_dir, BuildOptions(now=NOW))
    assert again.rendered == again.pages


def test_a_full_rebuild_replaces_every_file_and_keeps_the_folders(example_dir, monkeypatch,
                                                                  tmp_path):
    """Over a built site, a build that renders everything (a code change, --full) writes
    every file anew, in the folders already there in both trees (making and removing a
    folder costs twenty times a file), and leaves nothing of what is gone."""
    out = example_dir / "build"
    spare = example_dir / ".statuspage-spare-build"
    build(example_dir, BuildOptions(now=NOW))
    gone = sorted((example_dir / "incidents").glob("*.md"))[0]
    for path in (example_dir / "incidents").glob(gone.name.split(".")[0] + ".*"):
        path.unlink()
    kept = next(i.id for i in load_site(example_dir).incidents)
    folders = {name: (tree_ / "incidents" / kept).stat().st_ino
               for name, tree_ in (("out", out), ("spare", spare))}
    files = {(out / "incidents" / kept / "index.html").stat().st_ino}
    monkeypatch.setattr(freeze_tree, "code_digest", lambda: "another version")
    again = build(example_dir, BuildOptions(now=NOW))
    assert again.rendered == again.pages
    # The spare (the site before) became the new site, and the site before the spare again.
    assert (out / "incidents" / kept).stat().st_ino == folders["spare"]
    assert (spare / "incidents" / kept).stat().st_ino == folders["out"]
    assert (out / "incidents" / kept / "index.html").stat().st_ino not in files
    for folder in (out, spare):
        assert not (folder / "incidents" / gone.name.split(".")[0]).exists()
    build(example_dir, BuildOptions(now=NOW, out=tmp_path / "fresh"))
    assert tree(out) == tree(spare) == tree(tmp_path / "fresh")
    for name in tree(out):
        assert (spare / name).stat().st_ino == (out / name).stat().st_ino, name


@pytest.mark.parametrize("workers", [1, 2])
def test_a_pool_of_processes_writes_the_same_files(example_dir, monkeypatch, tmp_path, workers):
    monkeypatch.setattr(rendering, "PARALLEL_FROM", 10)
    out = tmp_path / f"out-{workers}"
    build(example_dir, BuildOptions(out=out, now=NOW, workers=workers))
    reference = tmp_path / "reference"
    monkeypatch.setattr(rendering, "PARALLEL_FROM", 10**9)
    build(example_dir, BuildOptions(out=reference, now=NOW))
    assert tree(out) == tree(reference)


def test_the_converter_is_built_once_before_the_workers_fork(example_dir, monkeypatch,
                                                              tmp_path):
    """Not once in each worker of each build (a daemon's): a Markdown built in any of the
    processes is written down, and only the parent builds one, once."""
    import os

    import statuspage.markup as markup

    made = tmp_path / "made"

    class Counted(markup.markdown.Markdown):
        def __init__(self, *args, **kwargs):
            with made.open("a") as handle:
                handle.write(f"{os.getpid()}\n")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(markup.markdown, "Markdown", Counted)
    monkeypatch.delattr(markup._local, "md", raising=False)  # as in a new process
    monkeypatch.setattr(rendering, "PARALLEL_FROM", 10)
    out = tmp_path / "out"
    build(example_dir, BuildOptions(out=out, now=NOW, workers=2, full=True))
    build(example_dir, BuildOptions(out=out, now=NOW, workers=2, full=True))
    assert made.read_text().split() == [str(os.getpid())]


def test_a_settled_incident_that_stops_being_followed_loses_its_feeds(site_dir, tmp_path):
    """Its view is the same object build after build of the content kept in memory (the
    daemon's), but the day its own feeds end its page and files change: what the builder
    reused for it is not reused then. Each build is compared with a full one."""
    from statuspage.state.status import FOLLOW_DAYS

    resolved = NOW - timedelta(days=200)
    (site_dir / "incidents" / "2026-05-01-old.md").write_text(
        "---\ntitle: Ancienne panne\nimpact: minor\ncomponents: [fibre]\n"
        f"started: {resolved - timedelta(hours=2):%Y-%m-%d %H:%M}\n---\n"
        f"## {resolved:%Y-%m-%d %H:%M} · resolved\nC'est réparé.\n", "utf-8")
    feed = site_dir / "build" / "incidents" / "2026-05-01-old" / "updates.atom"
    page = site_dir / "build" / "incidents" / "2026-05-01-old" / "index.html"
    loaded = load_site(site_dir)
    for days, followed in ((FOLLOW_DAYS - 2, True), (FOLLOW_DAYS - 1, True),
                           (FOLLOW_DAYS + 1, False), (FOLLOW_DAYS + 2, False)):
        moment = resolved + timedelta(days=days)
        build(site_dir, BuildOptions(out=site_dir / "build", now=moment), site=loaded)
        assert feed.exists() == followed, days
        assert ("/incidents/2026-05-01-old/updates.atom" in page.read_text("utf-8")) == followed, \
            days
        build(site_dir, BuildOptions(out=tmp_path / "full", now=moment, full=True), site=loaded)
        assert tree(site_dir / "build") == tree(tmp_path / "full"), days


def test_content_kept_in_memory_builds_as_a_full_build_after_each_edit(example_dir,
                                                                        monkeypatch,
                                                                        tmp_path):
    """The daemon's way: one loader in memory (it re-reads only the files that changed,
    the others stay the same objects, their views too), what it keeps from one build to
    the next (``Caches``: the app too, made once), a build after each edit, at a moving
    moment; each compared with a full build."""
    from statuspage.content.loader import Loader

    made: list[object] = []
    create = rendering.create_app
    monkeypatch.setattr(rendering, "create_app", lambda *a, **k: made.append(create(*a, **k))
                        or made[-1])
    site = Site(example_dir, monkeypatch)
    loader, caches = Loader(example_dir), Caches()
    for number, (kind, pick) in enumerate([("update", 1), ("later", 5), ("new", 0),
                                           ("resolve", 2), ("much later", 3), ("update", 0),
                                           ("translate", 1), ("delete", 3)]):
        site.edit(kind, pick)
        loaded = loader.load(lenient=True)
        build(example_dir, BuildOptions(out=example_dir / "build", now=site.now), site=loaded,
              caches=caches)
        build(example_dir, BuildOptions(out=tmp_path / "full", now=site.now, full=True),
                                        site=loaded)
        assert tree(example_dir / "build") == tree(tmp_path / "full"), (number, kind)
    assert len(made) == 1 + 8 and caches.app is made[0]  # kept builds: one; full ones: one each


def test_a_build_reuses_only_what_its_caller_keeps(example_dir, monkeypatch, tmp_path):
    """The plans of incidents whose views are kept are kept in the caller's caches (the
    daemon's), from one build to the next; builds without them, in the same process, start
    from nothing."""
    from statuspage.freeze import plan as planning
    from statuspage.state.view import settled_from

    planned: list[str] = []
    real = planning.incident_outputs
    monkeypatch.setattr(planning, "incident_outputs", lambda app, snap, view, found: (
        planned.append(view.id) or real(app, snap, view, found)))
    site, caches = load_site(example_dir), Caches()
    second = timedelta(seconds=1)
    settle = max(settled_from(i, site.config.promise_grace) for i in site.incidents) - NOW
    counts = []
    for kept, later in ((caches, 0 * second), (caches, second), (caches, settle),
                        (None, settle), (None, settle)):
        planned.clear()
        build(example_dir, BuildOptions(out=tmp_path / "out", now=NOW + later),
              site=site, caches=kept)
        counts.append(len(planned))
    everyone = counts[0]
    assert counts[1] == 0  # a moment later no time an incident names has come: none again
    assert 0 < counts[2] < everyone  # once all have settled: those that settled since only
    assert counts[3:] == [everyone, everyone]


@pytest.mark.parametrize("before", [0, 2], ids=["after a first build", "on a built site"])
def test_the_update_after_a_kept_build_looks_at_its_own_run_only(tmp_path, monkeypatch,
                                                                 before):
    """A first build makes the spare from the site it published (``tree.mirror``); a kept
    build on a site built before (its spare too, as a daemon starts) looks at each file
    once and finds the runs whose files the output holds. Either way, the update after it
    keeps the other runs' files without a look."""
    from statuspage.freeze import plan as planning

    root = copy_of_the_example(tmp_path / "site")
    site = Site(root, monkeypatch)
    for _ in range(before):  # one-off builds: the output and its spare
        build(root, BuildOptions(out=root / "build", now=site.now))
    made: list[planning.Plan] = []
    real = planning.plan
    monkeypatch.setattr(planning, "plan", lambda *args: (
        found := real(*args), made.append(found[0]))[0])
    loader, caches = Looking(root), Caches()
    build(root, BuildOptions(out=root / "build", now=site.now), site=loader.load(),
          caches=caches)
    site.edit("update", 0)
    build(root, BuildOptions(out=root / "build", now=site.now),
          site=loader.load(lenient=True), caches=caches)
    first, update = made
    assert not first.kept and update.kept  # runs of two: most of the example's
    assert len(update.items) + sum(map(len, update.kept + update.found)) == update.total
    build(root, BuildOptions(out=tmp_path / "full", now=site.now, full=True))
    assert tree(root / "build") == tree(tmp_path / "full")


def test_the_runs_the_spare_holds_keep_only_their_ids(tmp_path, monkeypatch):
    """Once a build finds the spare holding a run's files, the kept plans hold their ids
    alone, no outputs (``RunPlan.slim``). Such a run is planned again, whole, when the
    spare no longer holds it (removed here) and when it changes; the site stays the same
    bytes as a full build."""
    from statuspage.freeze import plan as planning

    root = copy_of_the_example(tmp_path / "site")
    site, out = Site(root, monkeypatch), root / "build"
    made: list[dict] = []
    real = planning.plan
    monkeypatch.setattr(planning, "plan", lambda *args: (
        found := real(*args), made.append(found[1]))[0])
    loader, caches = Looking(root), Caches()

    def kept_build():
        build(root, BuildOptions(out=out, now=site.now), site=loader.load(lenient=True),
              caches=caches)

    kept_build()
    kept_build()
    first, second = made
    assert all(run.files is not None for run in first.values())
    slim = [number for number, run in second.items() if run.files is None]
    assert len(slim) > len(second) / 2  # runs of two: most of the example's
    assert all(not second[number].plans and second[number].ids for number in slim)
    # Packed, they are the same ids, as many, in the same order.
    assert all(isinstance(second[number].ids, planning.Ids) for number in slim)
    assert all(list(second[number].ids) == first[number].ids and
               len(second[number].ids) == len(first[number].ids) for number in slim)
    some = next(iter(first[slim[0]].ids))
    assert some in second[slim[0]].ids and some + "&x=1" not in second[slim[0]].ids

    shutil.rmtree(freeze_tree.spare_of(out))
    site.edit("update", 0)
    kept_build()
    assert all(run.files is not None for run in made[-1].values())
    site.edit("resolve", 3)
    kept_build()
    kept_build()
    assert any(run.files is None for run in made[-1].values())
    # A caller starting on the built site (a daemon's start) keeps the ids alone of the
    # runs it finds both trees holding, from its first build.
    loader, caches = Looking(root), Caches()
    kept_build()
    assert sum(run.files is None for run in made[-1].values()) > len(made[-1]) / 2
    site.edit("update", 1)
    kept_build()
    build(root, BuildOptions(out=tmp_path / "full", now=site.now, full=True))
    assert tree(out) == tree(tmp_path / "full")
