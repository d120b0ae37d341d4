"""The file maps of the built trees in their SQLite store (freeze/manifeststore.py): a
build writes only the rows that changed; a build stopped at any step, a corrupt or
foreign store, an older marker leave the next build correct."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import NOW, REPO

from statuspage.content.edition import DESK
from statuspage.errors import BuildError
from statuspage.freeze import manifeststore
from statuspage.freeze.build import BuildOptions, build
from statuspage.freeze.caches import Caches
from statuspage.freeze.tree import MARKER, Manifest

SPARE = ".statuspage-spare-build"
STORE = ".statuspage-manifest-build"
UPDATE = "\n## 2026-11-26 11:30 · monitoring\nRéparé.\n"


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MARKER}


def update(site: Path) -> None:
    """One update of the open incident: a few of the site's files change."""
    with (site / "incidents" / "2026-11-26-fibre-lyon.md").open("a", encoding="utf-8") as f:
        f.write(UPDATE)


def full(site: Path) -> dict[str, bytes]:
    """The site as a full build makes it, from nothing, elsewhere."""
    out = site / "full"
    shutil.rmtree(out, ignore_errors=True)
    build(site, BuildOptions(now=NOW, full=True, out=out))
    made = files(out)
    shutil.rmtree(out)
    return made


@pytest.fixture
def built(site_dir: Path) -> Path:
    """The basic site built twice: a spare that is a complete site of its own."""
    build(site_dir, BuildOptions(now=NOW))
    build(site_dir, BuildOptions(now=NOW))
    return site_dir


def test_an_update_writes_only_the_rows_that_changed(site_dir, monkeypatch):
    built = site_dir
    settled = (built / "incidents" / "2026-11-20-double-charge.md").read_text("utf-8")
    for day in range(1, 16):  # a history: pages that an update of today leaves alone
        name = f"2026-10-{day:02d}"
        (built / "incidents" / f"{name}-old.md").write_text(settled.replace("2026-11-20", name),
                                                           "utf-8")
    build(built, BuildOptions(now=NOW))
    written = []
    original = Manifest.write
    monkeypatch.setattr(Manifest, "write",
                        lambda self, *a, **k: written.append(original(self, *a, **k)))
    update(built)
    result = build(built, BuildOptions(now=NOW))
    # The rows of the files rendered, linked or gone, and the tree's generation: not the
    # whole map (checked: writing every row, as a full build does, fails here).
    assert result.rendered <= written[0] < result.pages / 2
    stored = Manifest.read(built / "build")
    assert stored is not None and stored.generation is not None
    assert files(built / "build") == full(built)
    # The map stored is the one of the files: the next build, from the store alone, is
    # right too.
    update(built)
    build(built, BuildOptions(now=NOW))
    assert files(built / "build") == full(built)


def test_a_daemon_reads_each_map_once(built, monkeypatch):
    caches = Caches()
    build(built, BuildOptions(now=NOW), caches=caches)  # reads the maps of both trees
    loads = []
    original = manifeststore.load
    monkeypatch.setattr(manifeststore, "load", lambda *a: loads.append(a) or original(*a))
    for _ in range(2):
        update(built)
        build(built, BuildOptions(now=NOW), caches=caches)
    assert loads == []
    assert files(built / "build") == full(built)


KILL = {  # where the build dies → the code run in its process before it builds
    "in the store's transaction": "manifeststore._insert = lambda *a: os._exit(9)",
    "after the store, before the marker": "Manifest.mark = lambda *a, **k: os._exit(9)",
    "after the swap, in the mirror": "manifeststore.copy = lambda *a: os._exit(9)",
}


@pytest.mark.parametrize("where", list(KILL))
def test_a_build_killed_at_any_step_leaves_the_next_one_right(site_dir, where):
    """Killed (no clean-up: the process ends at once), a build leaves the site that was
    there, and the next build makes the right one."""
    if where != "after the swap, in the mirror":  # (the first build of a site mirrors)
        build(site_dir, BuildOptions(now=NOW))
        update(site_dir)
    before = files(site_dir / "build") if (site_dir / "build").exists() else None
    code = (f"import os, sys; sys.path.insert(0, {str(REPO / 'tests')!r})\n"
            "from conftest import NOW\nfrom pathlib import Path\n"
            "from statuspage.freeze import manifeststore\n"
            "from statuspage.freeze.tree import Manifest\n"
            "from statuspage.freeze.build import BuildOptions, build\n"
            f"{KILL[where]}\nbuild(Path({str(site_dir)!r}), BuildOptions(now=NOW))\n")
    killed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert killed.returncode == 9, killed.stderr
    if before is not None:
        assert files(site_dir / "build") == before  # untouched
        assert not (site_dir / SPARE / MARKER).exists()
    build(site_dir, BuildOptions(now=NOW))  # right, and its maps right: so is the next
    update(site_dir)
    build(site_dir, BuildOptions(now=NOW))
    assert files(site_dir / "build") == full(site_dir)


def _garbage(store: Path, other: Path) -> None:
    store.write_bytes(b"not a database" * 100)


def _foreign(store: Path, other: Path) -> None:
    """Another output's store, of the same format: it names other trees."""
    shutil.copy2(other, store)


def _shared(store: Path, other: Path) -> None:
    """Readable by others: maybe planted, never read."""
    store.chmod(0o644)


@pytest.mark.parametrize("spoil", [_garbage, _foreign, _shared])
def test_a_store_that_is_not_ours_is_never_believed(built, spoil):
    other = built / "other"
    build(built, BuildOptions(now=NOW, out=other))
    spoil(built / STORE, built / (".statuspage-manifest-other"))
    update(built)
    result = build(built, BuildOptions(now=NOW))
    assert result.rendered == result.pages  # nothing it names is trusted
    assert files(built / "build") == full(built)
    assert Manifest.read(built / "build") is not None  # a store of ours again
    assert (built / STORE).stat().st_mode & 0o777 == 0o600


def test_a_marker_of_the_version_before_means_nothing_reusable(built):
    """VERSION 2 held the whole map in the marker: read as no map (its first bytes only),
    without error; the edition it names still guards the folder."""
    for folder in (built / "build", built / SPARE):
        old = {"version": 2, "inputs": "x", "edition": "public",
               "files": {f"page?n={n}": [f"p/{n}/index.html", "k"] for n in range(2000)}}
        (folder / MARKER).write_text(json.dumps(old, separators=(",", ":")), "utf-8")
        assert Manifest.read(folder) is None
        assert Manifest.edition_of(folder) == "public"
    with pytest.raises(BuildError, match="holds the public edition"):
        build(built, BuildOptions(now=NOW, out=built / "build", edition=DESK))
    update(built)
    result = build(built, BuildOptions(now=NOW))
    assert result.rendered == result.pages
    assert files(built / "build") == full(built)
    assert Manifest.read(built / "build") is not None


def test_a_desk_and_a_public_output_side_by_side_each_have_their_store(built):
    """Each output's maps are in its own store: a build of one never drops the other's
    (checked: with one store for both, the public build after the desk's renders all)."""
    desk = built / "build-desk"
    build(built, BuildOptions(now=NOW, out=desk, edition=DESK))
    assert (built / ".statuspage-manifest-build-desk").is_file()
    assert Manifest.read(desk) is not None and Manifest.read(built / "build") is not None
    result = build(built, BuildOptions(now=NOW))
    assert result.rendered < result.pages / 2  # its maps were there: it kept most files
    assert Manifest.read(desk) is not None


def test_the_second_map_read_shares_the_rows_equal_to_the_first(built):
    """The output's and the spare's maps, read by one caller, hold each equal row and each
    id once; each is the map it would be read alone."""
    update(built)
    build(built, BuildOptions(now=NOW))  # one page differs between the two trees
    out, spare = built / "build", built / SPARE
    alone = [Manifest.read(folder).files for folder in (out, spare)]
    known = manifeststore.Manifests()
    first, second = (Manifest.read(folder, known).files for folder in (out, spare))
    assert [first, second] == alone
    same = [i for i in first if first[i] == second.get(i)]
    assert 0 < len(same) < len(first)
    assert all(first[i] is second[i] for i in same)
    # An id both maps hold is one string.
    assert len({id(i) for i in first} | {id(i) for i in second}) == len(first.keys() | second)
    # And the rows of one key (a page's languages) hold one string of it.
    for files_ in (first, second, *alone):
        keys = [key for key in files_.values() if key is not None]
        assert len({id(key) for key in keys}) == len(set(keys)) < len(keys)


def test_a_caller_keeps_one_map_per_tree(built):
    """A caller that builds again and again (the daemon) keeps, of each tree, the map its
    marker names: the output's and the spare's, not the generations before them."""
    caches = Caches()
    for minutes in range(1, 5):
        update(built)
        build(built, BuildOptions(now=NOW + timedelta(minutes=minutes)), caches=caches)
        named = {(marker["tree"], marker["generation"]) for marker in (
            json.loads((folder / MARKER).read_text("utf-8"))
            for folder in (built / "build", built / SPARE))}
        assert set(caches.manifests) == named
    build(built, BuildOptions(now=NOW + timedelta(minutes=4), full=True, out=built / "full"))
    assert files(built / "build") == files(built / "full")


def test_a_map_holds_each_files_key_and_its_store_the_paths(built, monkeypatch):
    """At 100,000 incidents the paths were 65 MB of a daemon's memory: a map read holds
    each file's key, and the store gives the paths of the files asked for, one by one or
    in one pass over the tree's rows."""
    manifest = Manifest.read(built / "build")
    assert manifest is not None
    every = manifest.paths(built / STORE)
    assert every.keys() == manifest.files.keys()
    assert sorted(every.values()) == sorted(files(built / "build"))
    assert all(key is None or len(key) < 40 and "/" not in key for key in manifest.files.values())
    some = sorted(every)[::7]
    for at_once in (len(every), 1):
        monkeypatch.setattr(manifeststore, "PATHS_ONE_BY_ONE", at_once)
        assert manifest.paths(built / STORE, [*some, "not.a.file?"]) == \
            {id_: every[id_] for id_ in some}


def _removed(store: Path, other: Path) -> None:
    store.unlink()


@pytest.mark.parametrize("spoil", [_removed, _garbage])
def test_a_daemon_whose_store_went_between_builds_makes_every_file_again(built, spoil):
    """The maps a daemon keeps from build to build name their files' paths only in the
    store: when it goes (removed, or corrupt) between two builds, the next makes every file
    again rather than fail, and the one after it reuses them again."""
    caches = Caches()
    build(built, BuildOptions(now=NOW), caches=caches)
    spoil(built / STORE, built / STORE)
    update(built)
    result = build(built, BuildOptions(now=NOW), caches=caches)
    assert result.rendered == result.pages
    assert files(built / "build") == full(built)
    update(built)
    result = build(built, BuildOptions(now=NOW), caches=caches)
    assert result.rendered < result.pages
    assert files(built / "build") == full(built)


def test_a_store_found_corrupt_as_it_is_written_is_made_anew_whole(built, monkeypatch):
    """A store that reads but turns out corrupt when written (a bad page the reads did
    not touch) is made anew; the paths of the files the build kept are only there, so
    they are read from it first: the build publishes, and the next reuses its files."""
    written = manifeststore._save
    calls = []

    def corrupt_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return written(*args)

    monkeypatch.setattr(manifeststore, "_save", corrupt_once)
    update(built)
    result = build(built, BuildOptions(now=NOW))
    assert len(calls) == 2 and result.rendered < result.pages
    assert files(built / "build") == full(built)
    update(built)
    result = build(built, BuildOptions(now=NOW))
    assert result.rendered < result.pages
    assert files(built / "build") == full(built)


def _maps(site: Path, caches: Caches) -> tuple[Manifest, Manifest]:
    """The maps ``caches`` keeps of the output and of its spare, as their markers name them."""
    found = []
    for folder in (site / "build", site / SPARE):
        marker = json.loads((folder / MARKER).read_text("utf-8"))
        found.append(caches.manifests[(marker["tree"], marker["generation"])])
    return found[0], found[1]


def test_a_build_makes_the_spares_map_its_own_without_copying_it(site_dir):
    """A daemon's build changes the spare's map, kept from the build before, into the map of
    what it publishes, rather than copying it (440,000 rows at 100,000 incidents, at every
    update); but not when the output's map is that same one (a full build left both trees
    one map, ``tree.mirror``): it is copied, and the output's stays as its files are."""
    built, caches = site_dir, Caches()
    build(built, BuildOptions(now=NOW), caches=caches)  # the first: a spare mirrored
    out, spare = _maps(built, caches)
    assert out.files is spare.files
    shared = dict(out.files)
    update(built)
    build(built, BuildOptions(now=NOW), caches=caches)
    published, before = _maps(built, caches)
    assert before is out and before.files == shared
    assert published.files is not shared and published.files != shared
    assert files(built / "build") == full(built)
    update(built)
    build(built, BuildOptions(now=NOW), caches=caches)
    again, _ = _maps(built, caches)
    assert again.files is before.files
    assert again.files == manifeststore.load(built / STORE, again.tree, again.generation)
    assert files(built / "build") == full(built)
