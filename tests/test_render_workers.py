"""What a full build's forked render workers hold: each stretches of the plan, one
incident's pages together, and not the texts of the pages they rendered long before
(``freeze/rendering.py``; the memory figures are in docs/performance.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import NOW

from statuspage import markup
from statuspage.content.loader import load_site
from statuspage.errors import BuildError
from statuspage.freeze import rendering
from statuspage.freeze.rendering import make_app, on_every_core, page_of
from statuspage.web import outputs, snapshot

PARENT = os.getpid()


@pytest.fixture
def planned(example_dir: Path, tmp_path: Path):
    """The example's app and every file of its site, in the plan's order."""
    site = load_site(example_dir)
    app = make_app(site, NOW, tmp_path / "out")
    return app, list(outputs(app, snapshot(app, site, NOW)))


def _share_of(_app, share: list) -> list[int]:
    """Which share each output is in (a pool's worker may take both shares, one after the
    other): the list's address, the same in the worker as in the parent that made it."""
    assert os.getpid() != PARENT
    return [id(share)] * len(share)


def _stretches(todo, pids) -> int:
    """Into how many stretches of one worker's the incidents' files fall."""
    incidents = [pid for output, pid in zip(todo, pids, strict=True)
                 if "incident_id" in output.values]
    return 1 + sum(1 for one, next_ in zip(incidents, incidents[1:], strict=False)
                   if one != next_)


def test_each_worker_renders_stretches_of_the_plan(planned, monkeypatch):
    """Not every other incident: a worker copies what it reads of the parent's memory, and
    an incident's objects lie near the next one's. A page's languages go together."""
    app, todo = planned
    monkeypatch.setattr(rendering, "PARALLEL_FROM", 10)
    monkeypatch.setattr(rendering, "STRETCHES", 1)
    shares = on_every_core(app, todo, 2, _share_of)
    assert len(set(shares)) == 2
    assert _stretches(todo, shares) <= 2, "the incidents in two stretches at most"
    by_page: dict[tuple, set[int]] = {}
    for output, share in zip(todo, shares, strict=True):
        by_page.setdefault(page_of(output), set()).add(share)
    assert len(by_page) >= 20
    assert all(len(found) == 1 for found in by_page.values()), "a page's languages together"
    largest = max(sum(1 for o in todo if page_of(o) == page) for page in by_page)
    half = -(-len(todo) // 2)
    assert max(shares.count(share) for share in set(shares)) <= half + largest, "about half"
    # The incidents' files alone: half to each, one stretch after the other.
    files = [output for output in todo if "incident_id" in output.values]
    shares = on_every_core(app, files, 2, _share_of)
    assert _stretches(files, shares) == 2
    half = -(-len(files) // 2)
    assert max(shares.count(share) for share in set(shares)) <= half + largest
    # In more stretches, dealt in turn: the parts that cost more are shared out too.
    monkeypatch.setattr(rendering, "STRETCHES", 2)
    shares = on_every_core(app, files, 2, _share_of)
    assert _stretches(files, shares) == 4
    assert max(shares.count(share) for share in set(shares)) <= half + largest


def _rendered_then_held(app, share) -> list[int]:
    """Render ``share`` as a build does; then how many converted texts this process holds."""
    paths = rendering._render_batch(app, share)
    return [markup.render.cache_info().currsize] * len(paths)


def test_a_worker_forgets_the_texts_of_the_pages_it_rendered_before(planned, monkeypatch):
    """Past ``WORKER_TEXTS``: they die with it anyway, and kept they grew with the site
    (100,000 incidents: hundreds of MB per worker). Below it, a text shown on several pages
    far apart converts once. The parent, a daemon, keeps its own from one build to the
    next."""
    app, todo = planned
    monkeypatch.setattr(rendering, "PARALLEL_FROM", 10)
    monkeypatch.setattr(rendering, "COLLECT_EVERY", 4)
    markup.forget()
    keeping = on_every_core(app, todo, 2, _rendered_then_held)
    monkeypatch.setattr(rendering, "WORKER_TEXTS", 10)
    forgetting = on_every_core(app, todo, 2, _rendered_then_held)
    for kept, forgot in ((keeping[0], forgetting[0]), (keeping[-1], forgetting[-1])):
        assert kept > 20
        assert forgot < kept / 2
    # In this process (a daemon's few files, in the process that keeps them), all stay.
    markup.forget()
    held = _rendered_then_held(app, todo[:300])
    assert held[0] > 20
    monkeypatch.setattr(rendering, "COLLECT_EVERY", 10**9)
    markup.forget()
    assert _rendered_then_held(app, todo[:300])[0] == held[0]


def test_a_batch_is_frozen_in_runs_that_each_forget_their_files(planned, tmp_path,
                                                               monkeypatch):
    """Frozen-Flask keeps each file's URL and path to the end of its run: a worker's batch
    (220,000 files at 100,000 incidents) goes through it ``FREEZE_RUN`` files at a time,
    and writes what one run writes; two outputs at one address still fail, runs apart."""
    app, todo = planned
    todo = [output for output in todo if output.same_as is None]
    runs: list[int] = []
    make_freezer = rendering.make_freezer

    def counted(app_, outputs_):
        runs.append(len(outputs_))
        return make_freezer(app_, outputs_)

    monkeypatch.setattr(rendering, "make_freezer", counted)
    monkeypatch.setattr(rendering, "FREEZE_RUN", 7)
    in_runs = rendering._render_batch(app, todo)
    assert runs == [7] * (len(todo) // 7) + ([len(todo) % 7] if len(todo) % 7 else [])
    out = Path(app.config["FREEZER_DESTINATION"])
    written = {path: (out / path).read_bytes() for path in in_runs}
    assert len(written) == len(todo)
    monkeypatch.setattr(rendering, "FREEZE_RUN", 10**9)
    assert rendering._render_batch(app, todo) == in_runs
    assert {path: (out / path).read_bytes() for path in in_runs} == written
    monkeypatch.setattr(rendering, "FREEZE_RUN", 7)
    with pytest.raises(BuildError, match="two outputs share an address"):
        rendering.render(app, [*todo[:10], todo[0]], 1)
