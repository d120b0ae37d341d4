"""Incremental builds write exactly what a full build of the same content at the same moment
writes, whatever happened in between: a property over random sequences of edits."""

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

from statuspage import cli
from statuspage.content.loader import load_site
from statuspage.freeze import build as building
from statuspage.freeze.build import build

EDITS = ["new", "update", "resolve", "maintenance", "translate", "untranslate", "delete",
         "site", "later", "much later", "code", "areas"]


def tree(folder: Path) -> dict[str, str]:
    """The site's files (not the builder's own dotfiles) and a digest of each."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


class Site:
    """The shipped example site in a folder, edited as staff would, at a moving moment."""

    def __init__(self, root: Path, monkeypatch):
        self.root = root
        self.now = NOW
        self.count = 0
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
        chosen = ids[pick % len(ids)] if ids else None
        if kind == "new":
            self.cli("new", f"Panne {self.count}", "-c", "fibre", "-m", "Nous enquêtons.",
                     "--next-update", "+3h", "--id", f"panne-{self.count}")
        elif kind == "update" and chosen:
            self.cli("update", chosen, "--status", "identified", "-m", f"Suite {self.count}.")
        elif kind == "resolve" and chosen:
            self.cli("resolve", chosen)
        elif kind == "maintenance":
            self.cli("maintenance", f"Travaux {self.count}", "-c", "adsl", "--start", "+2h",
                     "--end", "+5h", "-m", "Coupures brèves.", "--id", f"travaux-{self.count}")
        elif kind == "translate":
            untranslated = self.incidents(translated=False)
            if untranslated:
                target = untranslated[pick % len(untranslated)]
                (self.root / "incidents" / f"{target}.en.md").write_text(
                    f"---\ntitle: Translated {self.count}\n---\n", encoding="utf-8")
        elif kind == "untranslate":
            translated = self.incidents(translated=True)
            if translated:
                (self.root / "incidents" / f"{translated[pick % len(translated)]}.en.md").unlink()
        elif kind == "delete" and chosen:
            for path in (self.root / "incidents").glob(f"{chosen}.*"):
                path.unlink()
        elif kind == "site":
            path = self.root / "content" / "site.yaml"
            path.write_text(path.read_text("utf-8").replace("feed_entries", "feed_entries")
                            + f"# edit {self.count}\n", encoding="utf-8")
        elif kind == "areas" and chosen:  # moved to another place, or everywhere again
            path = self.root / "incidents" / f"{chosen}.md"
            text = re.sub(r"\nareas: .*", "", path.read_text("utf-8"), count=1)
            if pick % 3:
                text = text.replace("\ntitle:", f'\nareas: ["{69000 + pick % 7}", "13"]\ntitle:', 1)
            path.write_text(text, encoding="utf-8")
        elif kind == "later":
            self.now += timedelta(hours=pick % 30 + 1)
        elif kind == "much later":
            self.now += timedelta(days=pick % 40 + 1)
        elif kind == "code":  # a new version of the package, or an edited template
            digest = f"code-{self.count}"
            self.monkeypatch.setattr(building, "code_digest", lambda: digest)
            import statuspage.content.loader

            self.monkeypatch.setattr(statuspage.content.loader, "code_digest", lambda: digest)


@settings(max_examples=6, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 1000)), min_size=3,
                max_size=7))
def test_an_incremental_build_is_a_full_build(tmp_path_factory, monkeypatch, edits):
    root = tmp_path_factory.mktemp("site")
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, root / part)
    with monkeypatch.context() as patch:
        site = Site(root, patch)
        build(root, root / "build", now=site.now)
        for kind, pick in edits:
            site.edit(kind, pick)
            incremental = build(root, root / "build", now=site.now)
            assert incremental.pages == len(tree(root / "build"))
            full = build(root, root / "full", now=site.now, full=True)
            assert full.rendered == full.pages
            assert tree(root / "build") == tree(root / "full"), (kind, site.now)


def test_one_update_renders_a_few_files_and_keeps_the_rest(example_dir, monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    first = build(example_dir, now=NOW)
    assert first.rendered == first.pages
    again = build(example_dir, now=NOW)
    kept_once = again.pages - again.rendered
    assert again.rendered <= 12, again  # the home pages, the 404, the API
    runner = CliRunner()
    fibre = next(i.id for i in load_site(example_dir).incidents if "fibre" in i.id
                 and "lyon" in i.id)
    result = runner.invoke(cli.main, ["--site", str(example_dir), "update", fibre,
                                      "--status", "monitoring", "-m", "Réparé."])
    assert result.exit_code == 0, result.output
    after = build(example_dir, now=NOW)
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
    build(example_dir, now=NOW)
    assert (spare / ".statuspage-build").read_bytes() == (out / ".statuspage-build").read_bytes()
    published = tree(out)
    assert tree(spare) == published
    for name in published:
        assert (spare / name).stat().st_ino == (out / name).stat().st_ino, name
    linked = []
    monkeypatch.setattr(building.tree, "link_many",
                        lambda source, target, paths, fresh=False: linked.extend(paths))
    fibre = next(i.id for i in load_site(example_dir).incidents if "fibre" in i.id)
    result = CliRunner().invoke(cli.main, ["--site", str(example_dir), "update", fibre,
                                           "--status", "monitoring", "-m", "Réparé."])
    assert result.exit_code == 0, result.output
    build(example_dir, now=NOW)
    assert linked == []  # every unchanged file was already in the spare
    incremental = tree(out)
    build(example_dir, now=NOW, full=True, out=example_dir / "full")
    assert incremental == tree(example_dir / "full")


def test_a_code_change_renders_everything(example_dir, monkeypatch):
    build(example_dir, now=NOW)
    monkeypatch.setattr(building, "code_digest", lambda: "another version")
    again = build(example_dir, now=NOW)
    assert again.rendered == again.pages


def test_a_full_rebuild_replaces_every_file_and_keeps_the_folders(example_dir, monkeypatch,
                                                                  tmp_path):
    """Over a built site, a build that renders everything (a code change, --full) writes
    every file anew, in the folders already there in both trees (making and removing a
    folder costs twenty times a file), and leaves nothing of what is gone."""
    out = example_dir / "build"
    spare = example_dir / ".statuspage-spare-build"
    build(example_dir, now=NOW)
    gone = sorted((example_dir / "incidents").glob("*.md"))[0]
    for path in (example_dir / "incidents").glob(gone.name.split(".")[0] + ".*"):
        path.unlink()
    kept = next(i.id for i in load_site(example_dir).incidents)
    folders = {name: (tree_ / "incidents" / kept).stat().st_ino
               for name, tree_ in (("out", out), ("spare", spare))}
    files = {(out / "incidents" / kept / "index.html").stat().st_ino}
    monkeypatch.setattr(building, "code_digest", lambda: "another version")
    again = build(example_dir, now=NOW)
    assert again.rendered == again.pages
    # The spare (the site before) became the new site, and the site before the spare again.
    assert (out / "incidents" / kept).stat().st_ino == folders["spare"]
    assert (spare / "incidents" / kept).stat().st_ino == folders["out"]
    assert (out / "incidents" / kept / "index.html").stat().st_ino not in files
    for folder in (out, spare):
        assert not (folder / "incidents" / gone.name.split(".")[0]).exists()
    build(example_dir, now=NOW, out=tmp_path / "fresh")
    assert tree(out) == tree(spare) == tree(tmp_path / "fresh")
    for name in tree(out):
        assert (spare / name).stat().st_ino == (out / name).stat().st_ino, name


@pytest.mark.parametrize("workers", [1, 2])
def test_a_pool_of_processes_writes_the_same_files(example_dir, monkeypatch, tmp_path, workers):
    monkeypatch.setattr(building, "PARALLEL_FROM", 10)
    out = tmp_path / f"out-{workers}"
    build(example_dir, out, now=NOW, workers=workers)
    reference = tmp_path / "reference"
    monkeypatch.setattr(building, "PARALLEL_FROM", 10**9)
    build(example_dir, reference, now=NOW)
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
    monkeypatch.setattr(building, "PARALLEL_FROM", 10)
    out = tmp_path / "out"
    build(example_dir, out, now=NOW, workers=2, full=True)
    build(example_dir, out, now=NOW, workers=2, full=True)
    assert made.read_text().split() == [str(os.getpid())]


def test_parsing_on_every_core_gives_the_same_site(example_dir, monkeypatch):
    import statuspage.content.loader as loading

    (example_dir / "incidents" / "2026-11-25-broken.md").write_text("oops\n", encoding="utf-8")
    monkeypatch.setattr(loading, "PARALLEL_FROM", 10**9)
    alone = loading.Loader(example_dir).load(lenient=True)
    monkeypatch.setattr(loading, "PARALLEL_FROM", 1)
    together = loading.Loader(example_dir).load(lenient=True)
    assert together.incidents == alone.incidents and together.errors == alone.errors
    assert [i.digest for i in together.incidents] == [i.digest for i in alone.incidents]
    assert together.warnings == alone.warnings


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
        build(site_dir, site_dir / "build", now=moment, site=loaded)
        assert feed.exists() == followed, days
        assert ("/incidents/2026-05-01-old/updates.atom" in page.read_text("utf-8")) == followed, \
            days
        build(site_dir, tmp_path / "full", now=moment, site=loaded, full=True)
        assert tree(site_dir / "build") == tree(tmp_path / "full"), days


def test_content_kept_in_memory_builds_as_a_full_build_after_each_edit(example_dir,
                                                                        monkeypatch,
                                                                        tmp_path):
    """The daemon's way: one loader in memory (it re-reads only the files that changed,
    the others stay the same objects, their views too), a build after each edit, at a
    moving moment; each compared with a full build."""
    from statuspage.content.loader import Loader

    site = Site(example_dir, monkeypatch)
    loader = Loader(example_dir)
    for number, (kind, pick) in enumerate([("update", 1), ("later", 5), ("new", 0),
                                           ("resolve", 2), ("much later", 3), ("update", 0),
                                           ("translate", 1), ("delete", 3)]):
        site.edit(kind, pick)
        loaded = loader.load(lenient=True)
        build(example_dir, example_dir / "build", now=site.now, site=loaded)
        build(example_dir, tmp_path / "full", now=site.now, site=loaded, full=True)
        assert tree(example_dir / "build") == tree(tmp_path / "full"), (number, kind)


def test_many_files_are_linked_into_a_fresh_tree_by_every_core(tmp_path: Path, monkeypatch):
    """Linking a whole site (a first build's mirror) is shared out to forked workers; each
    file is the same inode in both trees, each folder made, however the work was split."""
    from statuspage.freeze import tree

    source, target = tmp_path / "out", tmp_path / "spare"
    paths = [f"{lang}incidents/{n:03d}/{name}" for lang in ("", "en/") for n in range(9)
             for name in ("index.html", "updates.atom")] + ["index.html", "api/v2/summary.json"]
    for path in paths:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(path, encoding="utf-8")
    shares: list[int] = []
    forked_map = tree.forked_map
    monkeypatch.setattr(tree, "forked_map", lambda job, n: shares.append(n) or forked_map(job, n))
    monkeypatch.setattr(tree, "LINKS_PER_WORKER", 5)
    monkeypatch.setattr(tree.os, "sched_getaffinity", lambda pid: {0, 1, 2})
    target.mkdir()
    tree.link_many(source, target, paths, fresh=True)
    assert shares == [3]
    linked = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert linked == sorted(paths)
    assert all((target / p).stat().st_ino == (source / p).stat().st_ino for p in paths)
