"""What a loaded site holds: each incident once, in compact objects, whatever its history;
and a first build's parsing workers send their incidents back a few at a time."""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import shutil
import sys
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, TRANSLATED

import statuspage.content.loader as loading
from statuspage import frozenmap
from statuspage.content import patch, sources
from statuspage.content.loader import Loader, cache_for
from statuspage.model import ComponentStatus, FrozenMap, Incident, Update
from statuspage.texts import Text


def _held(root: object, kind: type) -> list:
    """The objects of ``kind`` that ``root`` holds, directly or not."""
    found, seen, todo = [], set(), [root]
    while todo:
        current = todo.pop()
        if id(current) in seen or isinstance(current, type):
            continue
        seen.add(id(current))
        if type(current) is kind:
            found.append(current)
        todo += gc.get_referents(current)
    return found


def _translation(site: Path) -> Path:
    return site / "incidents" / f"{TRANSLATED}.en.md"


def test_a_translated_incident_is_held_once_not_also_without_its_translation(site_dir):
    loader = Loader(site_dir)
    site = loader.load()
    held = [i for i in _held(loader, Incident) if i.id == TRANSLATED]
    assert held == [site.incident(TRANSLATED)]  # not also the original alone
    assert held[0].what_to_do["en"] == "Nothing, the refund is automatic."


def test_the_original_set_aside_is_parsed_again_when_its_translation_changes(site_dir):
    """The same loader (the daemon's), and a new one from the parse cache, give what a
    loader that never saw the files before gives."""
    loader = Loader(site_dir, cache=cache_for(site_dir / "build"))
    loader.load()
    loader.save()
    path = _translation(site_dir)
    path.write_text(path.read_text("utf-8").replace("Refunds have been", "Refunds were"),
                    "utf-8")
    for current in (loader, Loader(site_dir, cache=cache_for(site_dir / "build"))):
        incident = current.load().incident(TRANSLATED)
        fresh = Loader(site_dir).load().incident(TRANSLATED)
        assert incident == fresh and incident is not None and fresh is not None
        assert incident.digest == fresh.digest
        assert dict(incident.updates[0].body) == {"fr": "Remboursements effectués.",
                                                  "en": "Refunds were issued."}
    path.unlink()  # the original alone is shown again
    incident = loader.load().incident(TRANSLATED)
    assert incident is not None and "en" not in incident.what_to_do
    assert incident == Loader(site_dir).load().incident(TRANSLATED)


def test_texts_and_updates_carry_no_dict_of_their_own(site):
    incident = site.incident(TRANSLATED)
    for held in (incident, incident.updates[0], incident.title, incident.updates[0].body):
        assert not hasattr(held, "__dict__"), type(held)
    assert isinstance(incident.updates[0], Update) and isinstance(incident.title, Text)
    assert dict(incident.title) == {"fr": "Double prélèvement", "en": "Double charge"}


def test_a_view_keeps_what_it_worked_out_in_slots_not_a_dict(site):
    """The daemon keeps a view of each incident (``state/settled.py``): the dict made for
    a view's first worked-out value held 832 bytes (73 MB at 100,000 incidents,
    docs/performance.md)."""
    import copy

    from statuspage.state.view import view_of

    incident = site.incident(TRANSLATED)
    view = view_of(incident, NOW)
    fresh = [pickle.loads(pickle.dumps(view)), copy.deepcopy(view), copy.copy(view)]
    state, times, version = view.state, view.times, view.version
    with pytest.raises(AttributeError):
        object.__getattribute__(view, "__dict__")
    assert view.state is state and view.times is times and view.version is version  # once
    again = view_of(incident, NOW)
    assert (again.state, again.times, again.version) == (state, times, version)
    for copied in fresh:  # copied before they were worked out: worked out after
        assert (copied.state, copied.times, copied.version) == (state, times, version)
    assert version is not None and version.number == len(view.updates)
    assert state is not None and len(state) == 24
    assert view.digest == incident.digest  # what the view has not, its incident has


def test_a_views_state_is_short_and_says_apart_what_its_pages_show(site):
    """A view's state keys the lines and the files that show it (``web/lines.py``,
    ``web/registry.py``): the words of it (its files' digest, its reference, its status,
    its updates, its end, its promise…) were 100 characters, 10 MB of a daemon's memory
    at 100,000 incidents; a digest of them is 24."""
    from datetime import timedelta

    from statuspage.state.status import Snapshot

    views = Snapshot(site, NOW).views
    states = {view.state for view in views.values()}
    assert len(states) == len(views) > 1 and {len(state) for state in states} == {24}
    assert {view.state for view in Snapshot(site, NOW).views.values()} == states
    later = Snapshot(site, NOW + timedelta(days=60)).views  # promises passed, ends come
    moved = [i for i, view in views.items() if (view.status, view.promise, view.late,
                                                view.is_open) != (later[i].status,
                                                                  later[i].promise,
                                                                  later[i].late,
                                                                  later[i].is_open)]
    assert moved and all(later[i].state != views[i].state for i in moved)


def test_parsing_workers_send_their_incidents_back_a_few_at_a_time(site_dir, monkeypatch):
    original = site_dir / "incidents" / f"{FIBRE}.md"
    for n in range(4):  # six incidents in all
        shutil.copy(original, original.with_name(f"2026-11-0{n + 1}-copy-{n}.md"))
    sent: list[set[str]] = []

    def recorded(function, workers, tasks=None):
        results = real(function, workers, tasks)
        sent.extend({loading._incident_of(label) for label in parsed} for parsed in results)
        return results

    real = loading.forked_map
    monkeypatch.setattr(loading, "forked_map", recorded)
    monkeypatch.setattr(loading, "PARALLEL_FROM", 1)
    monkeypatch.setattr(loading, "SHARE", 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    site = Loader(site_dir).load()
    assert len(sent) == 3 and all(len(incidents) == 2 for incidents in sent)
    assert set().union(*sent) == {i.id for i in site.incidents} and len(site.incidents) == 6


def test_restored_incidents_are_equal_built_without_dataclass_fields(site_dir, monkeypatch):
    """What the parse cache restores (half a million objects at 100,000 incidents) is the
    same model, each object's fields set from names found once per class, each language
    code the one interned string."""
    site = Loader(site_dir).load()
    data = pickle.dumps(site.incidents, protocol=pickle.HIGHEST_PROTOCOL)
    asked: list[object] = []
    real = dataclasses.fields
    monkeypatch.setattr(dataclasses, "fields", lambda of: asked.append(of) or real(of))
    restored = pickle.loads(data)
    assert restored == site.incidents and asked == []
    translated = next(i for i in restored if i.id == TRANSLATED)
    assert [k is sys.intern(k) for k in translated.what_to_do] == [True, True]
    assert translated.what_to_do["en"] == "Nothing, the refund is automatic."


def test_incidents_with_the_same_components_share_one_map(site_dir, monkeypatch):
    """At 100,000 incidents, each incident's map of components was 22 MB of a daemon's
    memory for a few maps told apart: the same items in the same order, parsed or restored
    from the parse cache, are one map. One in another order, or whose status is another
    type, or whose values are not words (the desk's notes), is its own."""
    monkeypatch.setattr(frozenmap, "_SHARED_MAPS", {})  # (not full of other tests' maps)
    for n in range(2):
        (site_dir / "incidents" / f"2026-11-2{n}-twin.md").write_text(
            "---\ntitle: Jumeau\nimpact: minor\ncomponents:\n  fibre: partial_outage\n"
            "  billing: degraded_performance\nstarted: 2026-11-20 09:00\n---\n", "utf-8")
    (site_dir / "incidents" / "2026-11-22-swapped.md").write_text(
        "---\ntitle: Inversé\nimpact: minor\ncomponents:\n  billing: degraded_performance\n"
        "  fibre: partial_outage\nstarted: 2026-11-20 09:00\n---\n", "utf-8")
    cache = cache_for(site_dir / "build")
    parsed = Loader(site_dir, cache=cache)
    parsed.load()
    parsed.save()
    for site in (parsed.load(), Loader(site_dir, cache=cache).load()):  # parsed, restored
        first, second, swapped = (site.incident(f"2026-11-2{n}-{name}") for n, name in
                                  ((0, "twin"), (1, "twin"), (2, "swapped")))
        assert first.components is second.components
        assert swapped.components == first.components
        assert swapped.components is not first.components
        assert list(swapped.components) == ["billing", "fibre"]
        assert list(first.components) == ["fibre", "billing"]
    enum = FrozenMap({"fibre": ComponentStatus.PARTIAL_OUTAGE})
    assert FrozenMap({"fibre": "partial_outage"}) is not enum
    assert type(FrozenMap({"fibre": "partial_outage"})["fibre"]) is str
    assert FrozenMap({"fibre": ComponentStatus.PARTIAL_OUTAGE}) is enum
    notes = FrozenMap({"a": Text({"fr": "note"})})
    assert FrozenMap({"a": Text({"fr": "note"})}) is not notes


def test_the_files_of_a_look_hold_one_folder_string_not_each_its_path(site_dir):
    """At 100,000 incidents, each content file's own path was 16 MB of a daemon's memory:
    the files of a look (a scan, or a look brought up to date) hold one string of the
    folder, and each path is made when asked for, the one scandir gives."""
    listed = {entry.path for entry in os.scandir(site_dir / "incidents")
              if entry.name.endswith(".md") and not entry.name.startswith(".")}
    found = sources.scan(site_dir)
    assert {source.path for source in found.sources} == listed and len(listed) > 1
    assert len({id(source.folder) for source in found.sources}) == 1
    label = found.sources[0].label
    (site_dir / label).write_text((site_dir / label).read_text("utf-8") + "\n", "utf-8")
    updated, _ = sources.update(site_dir, sources.look(site_dir), {label})
    assert {source.path for source in updated.sources} == listed
    assert len({id(source.folder) for source in updated.sources}) == 2  # the file looked at


def test_a_daemons_looks_after_its_saves_hold_no_look_before_the_last(site_dir, monkeypatch):
    """Each look brought up to date after a save (``sources.update``) knew the look it was
    made from, and held it: every look since the daemon's start stayed, 1 MB each at
    100,000 incidents. It keeps that look's number only, and the patched loads still
    know a look made from their own."""
    made = []
    through = patch.patched
    monkeypatch.setattr(patch, "patched", lambda *a: made.append(through(*a)) or made[-1])
    loader = Loader(site_dir, cache=None)
    looked = sources.look(site_dir)
    loader.load(lenient=True, found=looked[0])
    path = site_dir / "incidents" / f"{FIBRE}.md"
    for number in range(5):
        path.write_text(path.read_text("utf-8") + f"\nSave {number}.\n", "utf-8")
        looked = sources.update(site_dir, looked, {f"incidents/{FIBRE}.md"})
        assert looked is not None
        site = loader.load(lenient=True, found=looked[0])
        assert f"Save {number}." in str(site.incident(FIBRE).updates[-1].body)
    assert made and all(site is not None for site in made[1:]), "the saves were not patched"
    assert len(_held([loader, looked], sources.Found)) == 1
