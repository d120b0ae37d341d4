"""Gettext catalogs: every UI string translated in fr and en, placeholders kept, pages localised."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import REPO

from statuspage import i18n
from statuspage.i18n import translations

CATALOGS = REPO / "statuspage" / "translations"
LANGUAGES = ("fr", "en")
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "en": "nplurals=2; plural=(n != 1);"}

# Looked up by statuspage/cli.py (resolve) with translations(lang).gettext(text), not marked
# with `_`, so extraction does not see them.
EXTRA_MSGIDS: dict[str, str | tuple[str, str]] = {
    "This incident has been resolved.": "This incident has been resolved.",
    "This maintenance is complete.": "This maintenance is complete.",
}

# %(name)s / %(num)d, and any other "%" (a lone one breaks newstyle gettext's `%` formatting).
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%.?", re.DOTALL)


def _method_map() -> tuple[list[tuple[str, str]], dict]:
    # parse_mapping_cfg is Babel >= 2.15; parse_mapping (deprecated there) before it.
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (REPO / "babel.cfg").open(encoding="utf-8") as handle:
        return parse(handle, "babel.cfg")


def _in_package(path: str) -> bool:
    """Walk only statuspage/ (not .git, tests, benchmarks, ...), skipping caches."""
    parts = Path(path).resolve().relative_to(REPO).parts
    return parts[0] == "statuspage" and not any(p.startswith((".", "__")) for p in parts)


def extracted_msgids() -> dict[str, str | tuple[str, str]]:
    """msgid -> the message as extracted: a string, or (singular, plural) for ngettext."""
    method_map, options_map = _method_map()
    found: dict[str, str | tuple[str, str]] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        REPO, method_map, options_map, directory_filter=_in_package
    ):
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
            if singular and plural:
                found[singular] = (singular, plural)
        elif message:
            found.setdefault(message, message)
    return found


MSGIDS = {**extracted_msgids(), **EXTRA_MSGIDS}


def load_catalog(lang: str) -> Catalog:
    with (CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_extraction_finds_python_labels_and_templates():
    assert len(MSGIDS) > 50
    assert "Partial System Outage" in MSGIDS  # statuspage/state/status.py
    assert "Investigating" in MSGIDS  # statuspage/model.py
    assert "Current incidents" in MSGIDS  # templates
    assert MSGIDS["%(num)d incident"] == ("%(num)d incident", "%(num)d incidents")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_header(lang):
    catalog = load_catalog(lang)
    assert str(catalog.locale) == lang
    assert catalog.charset == "utf-8"
    assert catalog.plural_forms == PLURAL_FORMS[lang]
    assert not catalog.fuzzy


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_translated_with_same_placeholders(lang):
    catalog = load_catalog(lang)
    problems = []
    for msgid, source in MSGIDS.items():
        message = catalog.get(msgid)
        if message is None or not message.string:
            problems.append(f"missing: {msgid!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if isinstance(source, tuple):
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if len(forms) != catalog.num_plurals or not all(forms):
                problems.append(f"plural forms {forms!r} for {msgid!r}")
            expected = placeholders(source[0]) | placeholders(source[1])
        else:
            forms = (message.string,)
            expected = placeholders(source)
        for form in forms:
            if placeholders(form) != expected:
                problems.append(f"placeholders {placeholders(form)} != {expected} in {form!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_stale_messages(lang):
    keys = [m.id[0] if isinstance(m.id, tuple) else m.id for m in load_catalog(lang) if m.id]
    stale = [key for key in keys if key not in MSGIDS]
    assert not stale, f"in {lang} but no longer in the code: {stale}"


def test_english_catalog_is_identity():
    for message in load_catalog("en"):
        if message.id:
            assert message.string == message.id


def test_runtime_lookup_uses_catalogs():
    fr = translations("fr")
    assert fr.gettext("Partial System Outage") == "Panne partielle des services"
    assert fr.gettext("This incident has been resolved.") == "Cet incident est résolu."
    assert fr.ngettext("%(num)d incident", "%(num)d incidents", 0) == "%(num)d incident"
    assert fr.ngettext("%(num)d incident", "%(num)d incidents", 2) == "%(num)d incidents"
    assert translations("en").gettext("This maintenance is complete.") == (
        "This maintenance is complete."
    )


def test_french_page(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html
    # the headline names the service and its state (a no-break space before the colon)
    assert "Fibre\u00a0: panne partielle — les autres services fonctionnent</h1>" in html
    assert "Incidents en cours" in html
    assert "1 incident en cours." in html
    assert "Current incidents" not in html
    assert "partial outage" not in html


def test_english_page(client):
    response = client.get("/en/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Fibre broadband: partial outage — the other services are working</h1>" in html
    assert "Current incidents" in html
    assert "1 incident in progress." in html
    assert "panne partielle" not in html


def test_french_typography_in_the_catalog():
    """A no-break space before : ; ! ?, and one word for planned maintenance ("prévue")."""
    for message in load_catalog("fr"):
        for text in (message.string if isinstance(message.string, tuple) else
                     (message.string,)):
            assert not re.search(r" [:;!?]", text), text
            assert not re.search(r"(?i)programm|planifi", text), text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_duration_is_worded_as_babel_words_it_each_time(lang: str):
    """Each count of days, hours and minutes worded once (``i18n._units``): the same words
    as Babel's for each duration, at most two units, in each language."""
    from datetime import timedelta

    from babel.dates import format_timedelta

    locale = i18n.babel_locale(lang)

    def babel(delta: timedelta) -> str:
        minutes = int(delta.total_seconds() // 60)
        parts = [(minutes // 1440, 86400), (minutes // 60 % 24, 3600), (minutes % 60, 60)]
        shown = [format_timedelta(timedelta(seconds=n * unit), format="short", locale=locale,
                                  threshold=1) for n, unit in parts if n]
        return " ".join(shown[:2]) or format_timedelta(timedelta(0), format="short",
                                                       locale=locale)

    for seconds in [0, 59, 60, 61, 3599, 3600, 3660, 86399, 86400, 90061, 2 * 86400 + 59,
                    45 * 86400, 400 * 86400 + 5 * 3600, *range(0, 3 * 86400, 4321)]:
        delta = timedelta(seconds=seconds)
        assert i18n.format_duration(delta, lang) == babel(delta), seconds
