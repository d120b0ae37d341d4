"""A kept loader (the daemon's) goes again only through the incidents whose files changed,
and what it kept never hides a change: after each edit it loads what a new loader loads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FIBRE, TRANSLATED

from statuspage import refs
from statuspage.content import patch, sources, unchanged
from statuspage.content.loader import Loader, cache_for
from statuspage.errors import ContentError

INCIDENT = """---
title: Panne {n}
impact: minor
components: [adsl]
started: 2026-10-{day:02d} 08:00
---
## 2026-10-{day:02d} 09:00 · resolved
Réparé {n}.
"""


def _add_history(site: Path, count: int) -> None:
    for n in range(count):
        (site / "incidents" / f"2026-10-{n % 28 + 1:02d}-panne-{n}.md").write_text(
            INCIDENT.format(n=n, day=n % 28 + 1), "utf-8")


def _chains(loader: Loader, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The incidents the loader goes through its files for, from now on."""
    went: list[str] = []
    through = loader._chain

    def counted(group, *args):
        went.append(group[0].id)
        return through(group, *args)

    monkeypatch.setattr(loader, "_chain", counted)
    return went


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")


def test_a_kept_loader_goes_only_through_the_incident_that_changed(site_dir, monkeypatch):
    _add_history(site_dir, 40)
    loader = Loader(site_dir, cache=cache_for(site_dir / "build"))
    first = loader.load()
    went = _chains(loader, monkeypatch)
    again = loader.load()
    assert went == [] and again.incidents == first.incidents
    assert all(a is b for a, b in zip(again.incidents, first.incidents, strict=True))
    _edit(site_dir / "incidents" / f"{FIBRE}.md", "Un câble a été coupé", "Une fibre a été coupée")
    changed = loader.load()
    assert went == [FIBRE]
    assert "Une fibre a été coupée" in changed.incident(FIBRE).updates[0].body["fr"]
    assert changed.incidents == Loader(site_dir).load().incidents


def _outcome(loader: Loader, found: sources.Found | None = None) -> tuple:
    """What a strict load gives: the incidents and warnings, or the errors."""
    try:
        site = loader.load(found=found)
    except ContentError as err:
        return ("errors", sorted(map(str, err.problems)))
    return ("site", site.incidents, tuple(map(str, site.warnings)),
            [i.digest for i in site.incidents])


def _steps(site: Path):
    """Edits of every kind a kept result could hide, one after the other."""
    incidents = site / "incidents"
    translation = incidents / f"{TRANSLATED}.en.md"
    yield lambda: _edit(incidents / f"{FIBRE}.md", "Lyon 3e", "Lyon 7e")
    yield lambda: translation.rename(incidents / f".{translation.name}")  # hidden: gone
    yield lambda: (incidents / f".{translation.name}").rename(translation)
    yield lambda: _edit(translation, "Refunds", "Credits")
    yield lambda: _edit(site / "content" / "site.yaml", "languages: [fr, en]",
                        "languages: [en, fr]")  # the translation is now an error
    yield lambda: _edit(site / "content" / "site.yaml", "languages: [en, fr]",
                        "languages: [fr, en]")
    yield lambda: _edit(incidents / f"{FIBRE}.md", "impact: major", "impact: [major")
    yield lambda: _edit(incidents / f"{FIBRE}.md", "impact: [major", "impact: major")
    yield lambda: (incidents / f"{TRANSLATED}.md").rename(incidents / f".{TRANSLATED}.md")
    yield lambda: (incidents / f".{TRANSLATED}.md").rename(incidents / f"{TRANSLATED}.md")
    yield lambda: os.utime(incidents / "2026-10-03-panne-2.md", ns=(0, 0))  # same bytes
    # It starts earlier (it moves to the end of the list), then as it did.
    yield lambda: _edit(incidents / "2026-10-02-panne-1.md", "started: 2026-10-02 08:00",
                        "started: 2026-09-15 08:00")
    yield lambda: _edit(incidents / "2026-10-02-panne-1.md", "started: 2026-09-15 08:00",
                        "started: 2026-10-02 08:00")
    yield lambda: (incidents / "2026-10-04-panne-3.md").unlink()


def test_what_a_kept_loader_kept_never_hides_a_change(site_dir):
    _add_history(site_dir, 5)
    kept = Loader(site_dir, cache=cache_for(site_dir / "build"))
    assert _outcome(kept)[0] == "site"
    for number, step in enumerate(_steps(site_dir)):
        step()
        assert _outcome(kept) == _outcome(Loader(site_dir)), f"after step {number}"


def test_a_kept_loader_sorts_the_incidents_only_when_one_moved(site_dir, monkeypatch):
    """An update that leaves every incident's start as it was (a daemon's usual save)
    keeps the last load's order; one that moves an incident sorts them again."""
    _add_history(site_dir, 5)
    kept = Loader(site_dir)
    kept.load()
    sorts = []
    monkeypatch.setattr(unchanged, "sorted", lambda *a, **k: sorts.append(1) or sorted(*a, **k),
                        raising=False)
    _edit(site_dir / "incidents" / f"{FIBRE}.md", "Lyon 3e", "Lyon 7e")
    found = kept.load().incidents
    assert not sorts and found == Loader(site_dir).load().incidents
    sorts.clear()
    _edit(site_dir / "incidents" / "2026-10-02-panne-1.md", "started: 2026-10-02 08:00",
          "started: 2026-09-15 08:00")
    found = kept.load().incidents
    assert sorts and found == Loader(site_dir).load().incidents


def test_a_load_patched_after_a_save_is_what_a_new_loader_loads(site_dir, monkeypatch):
    """The daemon's way: each look brought up to date for the files that changed only
    (``sources.update``), the kept loader patching its last site when it can
    (``patch.py``): after each edit of every kind, what a new loader loads; and the edits
    of one incident's text are patched, not loaded whole."""
    _add_history(site_dir, 5)
    kept = Loader(site_dir)
    look = sources.look(site_dir)
    kept.load(found=look[0])
    made = []
    through = patch.patched
    monkeypatch.setattr(patch, "patched", lambda *a: made.append(through(*a)) or made[-1])
    translation = site_dir / "incidents" / f"{TRANSLATED}.en.md"
    fibre = site_dir / "incidents" / f"{FIBRE}.md"
    patched_steps = [
        lambda: _edit(site_dir / "incidents" / f"{FIBRE}.md", "Lyon 3e", "Lyon 7e"),
        lambda: _edit(translation, "Refunds", "Credits"),
        lambda: _edit(site_dir / "incidents" / "2026-10-03-panne-2.md", "Réparé 2",
                      "Réparé deux"),
        # A warning comes (a place its original does not name), then goes.
        lambda: _edit(translation, "---\nwho_is", '---\nareas: {"75001": Paris}\nwho_is'),
        lambda: _edit(translation, 'areas: {"75001": Paris}\n', ""),
        # An editor's files named with the save, as the system reports them.
        lambda: (_edit(fibre, "Lyon 7e", "Lyon 8e"), (site_dir / "incidents" / "4913").touch(),
                 (site_dir / "incidents" / f"{FIBRE}.md~").touch()),
    ]
    # Another incident takes the fibre outage's reference by hand: the outage moves to its
    # next one (not patched), then each is edited.
    holder = site_dir / "incidents" / "2026-10-04-panne-3.md"
    moved = [lambda: _edit(holder, "impact: minor", f"impact: minor\nref: {refs.ref_of(FIBRE)}"),
             lambda: _edit(fibre, "Lyon 8e", "Lyon 9e"),
             lambda: _edit(holder, "Réparé 3", "Réparé trois")]
    for number, step in enumerate([*patched_steps, *moved, *_steps(site_dir)]):
        step()
        full = sources.look(site_dir)
        changed = set(sources.differences(look[1], full[1]))
        # The system names an editor's files too (vim's 4913, a backup~): no content files.
        changed |= {f"incidents/{path.name}" for path in (site_dir / "incidents").iterdir()
                    if not path.name.endswith(".md")}
        look = sources.update(site_dir, look, changed) or full
        outcome = _outcome(kept, look[0])
        assert made[-1] is not None or number >= len(patched_steps), \
            f"step {number} was not patched"
        assert outcome == _outcome(Loader(site_dir)), f"after step {number}"
    # What a broken file falls back to (a lenient load) is its version patched in last.
    _edit(fibre, "Lyon 9e", "Lyon 10e")  # (its reference free again: the holder is gone)
    look = sources.update(site_dir, look, {f"incidents/{FIBRE}.md"}) or sources.look(site_dir)
    assert kept.load(found=look[0]) and made[-1] is not None
    _edit(site_dir / "incidents" / f"{FIBRE}.md", "impact: major", "impact: [major")
    look = sources.update(site_dir, look, {f"incidents/{FIBRE}.md"}) or sources.look(site_dir)
    fallen = {i.id: i for i in kept.load(lenient=True, found=look[0]).incidents}[FIBRE]
    assert "Lyon 10e" in str(fallen.who_is_affected)



def test_loads_that_share_a_number_hold_the_same_incidents(site_dir):
    """``Site.same_ids``: a load patched from the last one shares its number, and two loads
    that share one hold the same incidents' ids (the daemon then looks for no removed
    incident), over edits of every kind."""
    _add_history(site_dir, 5)
    kept = Loader(site_dir)
    look = sources.look(site_dir)
    site = kept.load(lenient=True, found=look[0])
    ids = {site.same_ids: {i.id for i in site.incidents}}
    shared = 0
    for step in [lambda: _edit(site_dir / "incidents" / "2026-10-03-panne-2.md", "Réparé 2",
                               "Réparé deux"), *_steps(site_dir)]:
        step()
        full = sources.look(site_dir)
        look = sources.update(site_dir, look, set(sources.differences(look[1], full[1]))) \
            or full
        try:
            site = kept.load(lenient=True, found=look[0])
        except ContentError:  # (site.yaml broken)
            continue
        assert site.same_ids
        shared += site.same_ids in ids
        assert ids.setdefault(site.same_ids, {i.id for i in site.incidents}) == \
            {i.id for i in site.incidents}
    assert shared >= 2 and len(ids) >= 3  # some loads patched, others not
