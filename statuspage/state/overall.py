"""The page's overall status: the rule that reads it from the components and what is open,
and the one table of its words, for the API, the pages and the badge."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from statuspage.model import ComponentStatus, _


class Indicator(StrEnum):
    """The page's overall status, as Statuspage names it."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"

    @property
    def description(self) -> str:
        """Statuspage's words, which the API keeps (its clients may compare them)."""
        return WORDS[self].description

    @property
    def headline(self) -> str:
        """The pages' words: the same, in sentence case."""
        return WORDS[self].headline

    @property
    def badge(self) -> str:
        """The badge's few words."""
        return WORDS[self].badge

    @property
    def like(self) -> ComponentStatus:
        """The component status it is shown as (the badge's colour)."""
        return WORDS[self].like


class Words(NamedTuple):
    description: str
    headline: str
    badge: str
    like: ComponentStatus


# Every wording of the overall status, untranslated (each reader translates it).
WORDS = {
    Indicator.NONE: Words(_("All Systems Operational"), _("All systems operational"),
                          ComponentStatus.OPERATIONAL.label, ComponentStatus.OPERATIONAL),
    Indicator.MINOR: Words(_("Minor Service Outage"), _("Minor service outage"),
                           _("Minor outage"), ComponentStatus.DEGRADED_PERFORMANCE),
    Indicator.MAJOR: Words(_("Partial System Outage"), _("Partial system outage"),
                           ComponentStatus.PARTIAL_OUTAGE.label,
                           ComponentStatus.PARTIAL_OUTAGE),
    Indicator.CRITICAL: Words(_("Major Service Outage"), _("Major service outage"),
                              ComponentStatus.MAJOR_OUTAGE.label, ComponentStatus.MAJOR_OUTAGE),
    Indicator.MAINTENANCE: Words(_("Service Under Maintenance"), _("Service under maintenance"),
                                 ComponentStatus.UNDER_MAINTENANCE.label,
                                 ComponentStatus.UNDER_MAINTENANCE),
}


def worst(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    """The most severe of ``statuses`` (operational when there is none)."""
    return max(statuses, key=lambda s: s.severity, default=ComponentStatus.OPERATIONAL)


def indicator_of(statuses: dict[str, ComponentStatus], open_incidents: int,
                 open_maintenance: int) -> Indicator:
    """The overall status: the worst component's, else minor while an incident is open
    (its services may all work), else maintenance while one is in progress."""
    values = set(statuses.values())
    if ComponentStatus.MAJOR_OUTAGE in values:
        return Indicator.CRITICAL
    if ComponentStatus.PARTIAL_OUTAGE in values:
        return Indicator.MAJOR
    if ComponentStatus.DEGRADED_PERFORMANCE in values or open_incidents:
        return Indicator.MINOR
    if open_maintenance:
        return Indicator.MAINTENANCE
    return Indicator.NONE
