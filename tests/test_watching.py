"""The files the system reports changed (``watching.Watcher``), and a look brought up to
date for them only (``sources.update``): the same as a full look, for much less."""

from __future__ import annotations

import os
import random
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FIBRE
from serving import wait_for

from statuspage.content import sources
from statuspage.files import write_atomic
from statuspage.ops.watching import Watcher, unchanged

TEXT = "---\ntitle: {fr: Panne, en: Outage}\n---\n"


class Folder:
    """incidents/ (and content/) changed at random, with the labels each change touched:
    those the system would report (a hidden file's name is not one)."""

    def __init__(self, root: Path, rng: random.Random):
        self.root, self.rng = root, rng
        self.incidents = root / "incidents"
        self.touched: set[str] = set()

    def name(self) -> str:
        """A name seen before or new: the changes meet each other's files."""
        stem = f"2026-01-{self.rng.randrange(1, 7):02d}-x"
        return stem + self.rng.choice([".md", ".md", ".en.md", ".internal.md", ".markdown",
                                       ".MKD", ".txt"])

    def entry(self) -> str | None:
        names = sorted(p.name for p in self.incidents.iterdir() if not p.name.startswith("."))
        return self.rng.choice(names) if names else None

    def touch(self, *names: str) -> None:
        self.touched.update(f"incidents/{name}" for name in names)

    def clear(self, name: str) -> None:
        path = self.incidents / name
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        elif os.path.lexists(path):
            path.unlink()

    def change(self) -> None:
        getattr(self, self.rng.choice([
            "create", "edit", "save", "delete", "rename", "hidden", "folder", "dangling",
            "fifo", "content"]))()

    def create(self) -> None:
        name = self.name()
        self.clear(name)
        (self.incidents / name).write_text(TEXT, "utf-8")
        self.touch(name)

    def edit(self) -> None:  # in place: the same inode, a larger size
        name = self.entry()
        if name is not None and (self.incidents / name).is_file():
            with open(self.incidents / name, "a", encoding="utf-8") as handle:
                handle.write("more\n")
            self.touch(name)

    def save(self) -> None:  # by rename, from a hidden temporary file
        name = self.name()
        self.clear(name)
        write_atomic(self.incidents / name, TEXT.encode() * self.rng.randrange(1, 3))
        self.touch(name)

    def delete(self) -> None:
        name = self.entry()
        if name is not None:
            self.clear(name)
            self.touch(name)

    def rename(self) -> None:
        name, target = self.entry(), self.name()
        if name is not None and name != target:
            self.clear(target)
            os.rename(self.incidents / name, self.incidents / target)
            self.touch(name, target)

    def hidden(self) -> None:  # an editor's swap file: reported by no one
        (self.incidents / f".{self.name()}.swp").write_text("swap", "utf-8")

    def folder(self) -> None:
        name = self.rng.choice([self.name(), "notes"])
        self.clear(name)
        (self.incidents / name).mkdir()
        self.touch(name)

    def dangling(self) -> None:
        name = self.name()
        self.clear(name)
        os.symlink("nowhere", self.incidents / name)
        self.touch(name)

    def fifo(self) -> None:
        name = self.name()
        self.clear(name)
        os.mkfifo(self.incidents / name)
        self.touch(name)

    def content(self) -> None:  # content/ is looked at again whatever the labels
        extra = self.root / "content" / "extra.yaml"
        if extra.exists():
            extra.unlink()
        else:
            extra.write_text("a: 1\n", "utf-8")


@pytest.mark.parametrize("seed", range(40))
def test_a_look_brought_up_to_date_for_the_files_touched_is_a_full_look(site_dir, seed):
    rng = random.Random(seed)
    folder = Folder(site_dir, rng)
    for _ in range(rng.randrange(0, 8)):  # a history before the first look
        folder.change()
    before = sources.look(site_dir)
    for _ in range(3):  # each look brought up to date from the one before
        folder.touched = set()
        for _ in range(rng.randrange(1, 7)):
            folder.change()
        kept = list(before[0].sources)
        updated = sources.update(site_dir, before, folder.touched)
        fresh = sources.look(site_dir)
        assert updated is not None
        assert updated[0] == fresh[0]  # the sources in order, the errors, the warnings
        assert updated[1] == fresh[1]
        assert sources.differences(before[1], updated[1], folder.touched) \
            == sources.differences(before[1], fresh[1])
        was = {source.label: source for source in kept}
        assert all(source is was[source.label] for source in updated[0].sources
                   if source.label not in folder.touched)
        assert before[0].sources == kept  # the look it started from is left as it was
        before = updated


@pytest.mark.parametrize("seed", range(20))
def test_the_files_are_unchanged_exactly_when_a_full_look_would_find_the_same(site_dir,
                                                                              seed):
    """The daemon's look every 30th second at every file, and a rebuild no look asked
    for, make a new look only when a file changed (``unchanged``, which holds nothing of
    each file): a full look finds every change it finds, and no other (an editor's swap
    file, which no look reads, is none)."""
    rng = random.Random(seed)
    folder = Folder(site_dir, rng)
    files = sources.look(site_dir)[1]
    assert unchanged(site_dir, files)
    for _ in range(25):
        folder.change()
        now = sources.look(site_dir)[1]
        assert unchanged(site_dir, files) == (now == files), sources.differences(files, now)
        assert unchanged(site_dir, now)
        files = now
    folder.hidden()
    assert unchanged(site_dir, files)
    assert not unchanged(site_dir, {**files, "incidents/gone.md": (1, 2, 3)})
    shutil.rmtree(site_dir / "incidents")
    assert not unchanged(site_dir, files)


def test_only_a_full_look_will_do_when_incidents_cannot_be_listed(site_dir):
    before = sources.look(site_dir)
    assert sources.update(site_dir, before, {"incidents/notes/x.md"}) is None
    assert sources.update(site_dir, before, {"content/site.yaml"}) is None
    (site_dir / "incidents").rename(site_dir / "elsewhere")
    assert sources.update(site_dir, before, {f"incidents/{FIBRE}.md"}) is None
    missing = sources.look(site_dir)
    assert missing[0].folder is not None
    (site_dir / "elsewhere").rename(site_dir / "incidents")
    assert sources.update(site_dir, missing, set()) is None


class Reports:
    """What a started Watcher reported: the labels taken, or None for everything."""

    def __init__(self, root: Path):
        self.woken = threading.Event()
        self.watcher = Watcher(root, self.woken.set)
        self.taken: set[str] | None = set()

    def __enter__(self) -> Reports:
        assert self.watcher.take() is None  # not watching yet: everything
        assert self.watcher.start()
        assert self.watcher.take() == set()
        return self

    def __exit__(self, *exc) -> None:
        self.watcher.stop()

    def quiet(self) -> bool:
        """Whether nothing woke the watcher's reader for 0.3 s (what it took is dropped)."""
        self.woken.clear()
        time.sleep(0.3)
        self.watcher.take()
        return not self.woken.is_set()

    def wait(self, expected: set[str] | None) -> set[str] | None:
        """What was taken once ``expected`` was (None: everything)."""
        self.taken = set()

        def seen() -> bool:
            labels = self.watcher.take()
            self.taken = None if labels is None or self.taken is None else self.taken | labels
            return self.taken is None if expected is None else \
                self.taken is None or expected <= self.taken

        wait_for(seen, 5, f"{expected} reported")
        time.sleep(0.1)  # what else the change brings
        labels = self.watcher.take()
        return None if labels is None or self.taken is None else self.taken | labels


def test_the_watcher_names_the_content_files_it_reports(site_dir):
    incidents = site_dir / "incidents"
    fibre = f"incidents/{FIBRE}.md"
    with Reports(site_dir) as reports:
        write_atomic(incidents / f"{FIBRE}.md", TEXT.encode())  # the hidden end is no file
        assert reports.wait({fibre}) == {fibre}
        (incidents / f"{FIBRE}.md").rename(incidents / "2026-11-27-moved.md")
        assert reports.wait({fibre, "incidents/2026-11-27-moved.md"}) \
            == {fibre, "incidents/2026-11-27-moved.md"}
        (incidents / "2026-11-27-moved.md").write_text(TEXT, "utf-8")  # in place
        assert reports.wait({"incidents/2026-11-27-moved.md"}) \
            == {"incidents/2026-11-27-moved.md"}
        # (the in-place write's last events may come late on a loaded machine: quiet first)
        wait_for(reports.quiet, 10, "the watcher quiet")
        (incidents / ".swap").write_text("x", "utf-8")
        time.sleep(0.3)
        assert not reports.woken.is_set() and reports.watcher.take() == set()


@pytest.mark.parametrize("change", ["folder", "site.yaml", "incidents"])
def test_what_the_watcher_cannot_name_as_one_content_file_is_a_look_at_everything(
        site_dir, change):
    with Reports(site_dir) as reports:
        if change == "folder":
            (site_dir / "incidents" / "notes").mkdir()
        elif change == "site.yaml":
            site = site_dir / "content" / "site.yaml"
            site.write_text(site.read_text("utf-8") + "\n", "utf-8")
        else:
            (site_dir / "incidents").rename(site_dir / "elsewhere")
        assert reports.wait(None) is None


def test_a_stamp_is_one_number_that_changes_with_the_size_the_time_or_the_inode(tmp_path):
    """A daemon holds a stamp per content file, in its look and its loader: three numbers
    in a tuple took 176 bytes each (30 MB at 170,000 files), one number takes 64."""
    from types import SimpleNamespace

    from statuspage.content.stamps import size_and_time, stamp_of

    path = tmp_path / "a.md"
    path.write_text("x", "utf-8")
    info = os.stat(path)
    stamp = stamp_of(info)
    assert type(stamp) is int and sys.getsizeof(stamp) <= 64
    assert size_and_time(stamp) == (info.st_size, info.st_mtime_ns)
    top = (1 << 64) - 1
    cases = [(size, moment, inode) for size in (0, 1, top) for moment in (-1, 0, 1, 1 << 62)
             for inode in (0, 1, top)]
    stamps = {stamp_of(SimpleNamespace(st_size=size, st_mtime_ns=moment, st_ino=inode))
              for size, moment, inode in cases}
    assert len(stamps) == len(cases)  # each one its own
    for size, moment, inode in cases:
        assert size_and_time(stamp_of(SimpleNamespace(st_size=size, st_mtime_ns=moment,
                                                      st_ino=inode))) == (size, moment)
