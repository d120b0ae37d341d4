"""What the home page and the not-found page say first: all is well, or which services are
not, how and where, in one sentence of the page's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from statuspage.model import ComponentStatus
from statuspage.state import status

if TYPE_CHECKING:
    from statuspage.web.languages import Language

# The pages' words for the overall status: sentence case (the API keeps Statuspage's).
HEADLINES = {indicator: indicator.headline for indicator in status.Indicator}


def headline(language: Language, snap: status.Snapshot) -> str:
    """All is well, or which services are not, how and where (up to two by name; beyond,
    the first two and the worst), and that the others work."""
    gettext = language.translations.gettext
    config = language.site.config
    troubled = [c for c in config.components
                if snap.components[c.id] != ComponentStatus.OPERATIONAL]
    if snap.indicator == status.Indicator.NONE or not troubled:
        # (an open incident whose services all work: no service to name)
        return gettext(HEADLINES[snap.indicator])
    if len(troubled) <= 2:
        text = _named(language, snap, troubled)
    else:
        text = _counted(language, snap, troubled)
    if len(troubled) < len(config.components):
        text = gettext("%(trouble)s — the other services are working") % {"trouble": text}
    return text


def _named(language: Language, snap: status.Snapshot, troubled: list) -> str:
    """One or two services by name, each with its status; where, once if shared."""
    gettext = language.translations.gettext
    found = [snap.places.get(c.id) for c in troubled]
    shared = len(set(found)) == 1  # the same places (or everywhere): said once
    named = [gettext("%(service)s: %(status)s") % {
        "service": language.plain(c.name),
        "status": _lower(gettext(snap.components[c.id].label))} for c in troubled]
    if not shared:
        named = [_somewhere(language, text, areas) for text, areas in zip(named, found,
                                                                          strict=True)]
    text = named[0] if len(named) == 1 else gettext("%(one)s; %(two)s") % {
        "one": named[0], "two": named[1]}
    return _somewhere(language, text, found[0]) if shared else text


def _counted(language: Language, snap: status.Snapshot, troubled: list) -> str:
    """The first two services, how many others, the worst status; where, when every one
    of them is somewhere in particular."""
    others = len(troubled) - 2
    text = language.translations.ngettext(
        "%(one)s, %(two)s and %(num)d other: %(status)s",
        "%(one)s, %(two)s and %(num)d others: %(status)s", others) % {
        "one": language.plain(troubled[0].name), "two": language.plain(troubled[1].name),
        "num": others,
        "status": _lower(language.translations.gettext(
            status.worst(snap.components[c.id] for c in troubled).label))}
    found = [snap.places.get(c.id) for c in troubled]
    if all(found):  # every service somewhere in particular: all those places
        text = _somewhere(language, text, tuple(a for areas in found for a in areas or ()))
    return text


def _somewhere(language: Language, text: str, areas) -> str:
    """``text`` and where: "Fibre: partial outage in Lyon 3e and Lyon 7e"."""
    if not areas:
        return text
    return language.translations.gettext("%(trouble)s in %(places)s") % {
        "trouble": text, "places": language.places(areas)}


def _lower(label: str) -> str:
    """A status label inside a sentence: "Partial outage" → "partial outage"."""
    return label[:1].lower() + label[1:]
