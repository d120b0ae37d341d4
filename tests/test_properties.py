"""Properties: any front matter gives a model or located errors, and a model that loads
renders every page (check ok ⇒ build ok); times written read back to the same instant."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import markdown
import yaml
from conftest import NOW, TESTS
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from statuspage import markup
from statuspage.content.incident import parse_incident
from statuspage.content.loader import load_config, load_site
from statuspage.content.reading import decode
from statuspage.errors import Problems
from statuspage.freeze.checking import render_check
from statuspage.markup import EXTENSIONS
from statuspage.model import EMPTY_TEXT, IncidentStatus, Site, Update
from statuspage.state.view import visible_updates
from statuspage.times import EARLIEST, LATEST, TimeError, format_time, parse_time, parse_when

BASIC = TESTS / "sites" / "basic"
CONFIG = load_config(BASIC)
SITE = load_site(BASIC)

KEYS = ["title", "impact", "components", "started", "next_update", "who_is_affected",
        "what_to_do", "maintenance", "start", "end", "fr", "en", "fibre", "adsl"]
WORDS = ["none", "minor", "major", "critical", "fibre", "adsl", "billing", "partial_outage",
         "2026-11-25 10:00", "2026-11-25 10:00:30+01:00", "2026-11-26 11:00Z", "", " ",
         "9999-01-01 00:00", "2026-11-25 10:00+25:00", "<script>x</script>", "[x](javascript:1)"]
scalars = st.one_of(st.sampled_from(WORDS), st.text(max_size=20), st.integers(),
                    st.booleans(), st.none(), st.floats(allow_nan=False))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=4)),
    max_leaves=12)
front_matters = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), values,
                                max_size=8)
headings = st.builds("## {} · {}\n{}\n".format,
                     st.sampled_from(["2026-11-25 10:05", "2026-11-25 09:00", "2026-11-24 10:00",
                                      "2026-11-25 10:05:30-03:00", "x"]),
                     st.sampled_from(["investigating", "identified", "resolved", "scheduled",
                                      "in_progress", "completed", "cancelled", "nope"]),
                     st.text(max_size=40))


@st.composite
def front_matter_texts(draw) -> str:
    """YAML as staff might (mis)write it: dumped values, sometimes with anchors and aliases,
    stray bytes, or a base that is valid."""
    data = draw(front_matters)
    if draw(st.booleans()):
        data = {"title": "Panne", "impact": "minor", "components": ["fibre"],
                "started": "2026-11-25 10:00", **data}
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=draw(st.booleans()))
    if draw(st.integers(0, 4)) == 0:
        text += "x: &a [1, 2]\ny: *a\n"
    if draw(st.integers(0, 4)) == 0:
        text += draw(st.text(max_size=30))
    return text


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(front_matter_texts(), st.lists(headings, max_size=3))
def test_any_front_matter_gives_located_errors_or_a_site_that_renders(meta, updates):
    text = f"---\n{meta}---\n{''.join(updates)}"
    problems = Problems("incidents/2026-11-25-x.md")
    # Read as the loader reads a file: what it refuses (a control character, which feeds
    # cannot hold) is refused there, at its line, before parsing.
    read = decode(text.encode(), problems)
    incident = None if read is None else parse_incident("2026-11-25-x", problems.path, read,
                                                        CONFIG, problems)
    if incident is None:
        assert problems.errors
        # Lines as the reading counts them: a lone "\r" ends one (``decode``), and so do
        # the breaks YAML knows besides "\n" (NEL, LS, PS) in its positions. Counting "\n"
        # alone failed about one run in a hundred (a drawn text holding one).
        lines = len(re.split("\r\n|[\r\n\x85\u2028\u2029]", text))
        for problem in problems.errors:
            assert problem.path == problems.path and 1 <= problem.line <= lines, problem
        return
    assert not problems.errors
    site = Site(CONFIG, (incident, *SITE.incidents))
    assert render_check(site, NOW) == []


zones = st.sampled_from([ZoneInfo(name) for name in (
    "Europe/Paris", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
    "Pacific/Kiritimati", "America/St_Johns")])
# Hypothesis takes naive bounds and adds the zone.
FIRST, LAST = datetime(1971, 1, 1), datetime(2199, 12, 1)  # noqa: DTZ001
instants = st.datetimes(min_value=FIRST, max_value=LAST, timezones=st.just(UTC)).map(
    lambda t: t.replace(microsecond=0))


@given(instants, zones)
def test_a_time_written_reads_back_to_the_same_instant(moment, tz):
    written = format_time(moment, tz)
    assert parse_time(written, tz) == moment
    assert parse_when(written, tz, NOW) == moment
    assert format_time(parse_time(written, tz), tz) == written


@given(instants, zones, st.booleans())
def test_an_offset_written_is_kept(moment, tz, offset):
    written = format_time(moment, tz, offset=offset)
    parsed = parse_time(written, tz)
    assert parsed == moment
    if offset:
        assert parsed.utcoffset() == moment.astimezone(tz).utcoffset()


@given(st.text(max_size=40), zones)
def test_any_when_is_a_time_in_range_or_a_time_error(text, tz):
    try:
        moment = parse_when(text, tz, NOW)
    except TimeError:
        return
    assert moment.tzinfo is not None and EARLIEST <= moment <= LATEST


@given(st.integers(0, 3650 * 24), st.integers(0, 59))
def test_delays_count_real_time_from_now(hours, minutes):
    text = f"+{hours}h{minutes}m"
    assume(hours or minutes)
    delay = timedelta(hours=hours, minutes=minutes)
    try:
        moment = parse_when(text, ZoneInfo("Europe/Paris"), NOW)
    except TimeError as err:
        assert delay > timedelta(days=3650) and "at most ten years" in str(err)
    else:
        assert moment - NOW == delay


PLAIN_MARKDOWN = markdown.Markdown(extensions=EXTENSIONS, output_format="html",
                                   extension_configs={"tables": {"use_align_attribute": True}})
brackety = st.lists(st.sampled_from(["[", "]", "(", ")", "!", "a", " ", "\n", "*", "`", '"',
                                     "](", "![", "[^", "\\[", "\n\n", "- ", "[a]: http://x\n",
                                     "<http://x>", "| "]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(brackety)
def test_links_are_read_as_python_markdown_reads_them(text):
    """The linear scan for a "[" 's closing "]" gives Python-Markdown's own answers."""
    assert markup._markdown().convert(text) == PLAIN_MARKDOWN.reset().convert(text)


def test_a_paragraph_of_unclosed_brackets_converts_in_linear_time():
    # The process's own CPU time, not the wall clock: other work on a shared machine does
    # not count against it, and a quadratic conversion (it never ended) still fails.
    started = time.process_time()
    markup._markdown().convert("[" * 50_000 + "\n\n" + "![" * 20_000)  # was: never ends
    assert time.process_time() - started < 2


@given(st.lists(st.integers(0, 50), max_size=30), st.integers(-5, 55))
def test_the_updates_published_by_a_moment_are_those_at_or_before_it(minutes, at):
    incident = _with_updates([NOW + timedelta(minutes=m) for m in minutes])
    moment = NOW + timedelta(minutes=at)
    assert visible_updates(incident, moment) == tuple(
        u for u in incident.updates if u.time <= moment)


def test_asking_at_each_update_time_is_not_quadratic():
    """The API asks for the status at each update's time: a scan of every update each
    time took minutes at 20,000 updates."""
    incident = _with_updates([NOW + timedelta(seconds=s) for s in range(10_000)])
    started = time.process_time()
    for update in incident.updates:
        assert visible_updates(incident, update.time)[0] is update
    assert time.process_time() - started < 2


def _with_updates(times: list[datetime]):
    updates = sorted((Update(t, IncidentStatus.INVESTIGATING, EMPTY_TEXT) for t in times),
                     key=lambda u: u.time, reverse=True)
    return replace(SITE.incidents[0], updates=tuple(updates))


def _headings_line_by_line(lines: list[str]) -> list:
    """``document.headings`` with every line read: what the quick skip of lines that are
    neither a heading nor a fence must give."""
    from statuspage.content import document
    found, fence = [], None
    for index, line in enumerate(lines):
        fence, heading = document._read_line(index, line, fence)
        if heading is not None:
            found.append(heading)
    return found


line_parts = st.sampled_from(["", " ", "  ", "   ", "    ", "\t", "#", "##", "###", "`", "```",
                              "````", "~~~", "~", "2026-11-26 10:00", " · ", "identified",
                              "x", "\r", "\n", "## 2026-11-26 10:00 · resolved", "  ```",
                              " ~~~~", "   ```", "    ```"])


@given(st.lists(st.lists(line_parts, max_size=5).map("".join), max_size=30))
@settings(max_examples=400, deadline=None)
def test_the_headings_are_those_every_line_matched_gives(lines: list[str]):
    from statuspage.content import document
    assert list(document.headings(lines)) == _headings_line_by_line(lines)
