"""``statuspage init``: a new site with a commented site.yaml, one example incident and two
incident templates."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from statuspage.errors import StatusPageError
from statuspage.times import format_time

SITE_YAML = """\
# The status page's settings. Text fields take one string for every language,
# or a mapping language: text, e.g. name: {fr: Statut, en: Status}.
name: Example Status
# The public address of the site: used in feeds, the API and canonical links.
url: https://status.example.com
# IANA time zone: times written without an offset in incidents are in this zone.
timezone: UTC
# The first language is served at /, the others under /<lang>/.
languages: [en]
# Shown with every incident: where to go when the page did not answer.
support:
  phone: "+1 555 0100"
  url: https://example.com/help
# Optional groups of components.
groups:
  - id: website
    name: Website and app
# Components customers recognise. Ids: lowercase letters, digits and '-'.
components:
  - id: web
    group: website
    name: Website
    description: Our public website and online shop.
  - id: app
    group: website
    name: Mobile app
  - id: support
    name: Customer support
  - id: billing
    name: Billing and payments
  - id: network
    name: Internet access
"""

# content/templates/<name>.md: `statuspage new --template NAME "Title"` starts from one.
TEMPLATES = {
    "billing-error": """\
---
# statuspage new --template billing-error "Customers charged twice for their March bill"
# Defaults for a billing error: the options of 'statuspage new' win over them.
impact: major
components:
  billing: partial_outage
next_update: +2h
who_is_affected: Customers who pay their bill by direct debit.
what_to_do: >-
  There is nothing you need to do, no need to call us. Any amount taken in error is
  refunded automatically.
---
A billing error affects some of our customers. We are looking into the cause and will keep
you informed here.
""",
    "network-outage": """\
---
# statuspage new --template network-outage "Internet down in the north of the city" --who "…"
# Defaults for a local outage of internet access: say where with --who.
impact: major
components:
  network: partial_outage
next_update: +1h
who_is_affected: Customers in one area.
what_to_do: There is no need to restart your equipment during the outage.
---
Internet access is down in one area. Our technicians are working to find the cause.
""",
}

INCIDENT = """\
---
title: Slow pages on the website
impact: minor
components:
  web: degraded_performance
started: {started}
who_is_affected: Visitors of the website.
what_to_do: Nothing; pages load normally again.
---
Pages took up to 20 seconds to open.

## {resolved} · resolved
Pages load normally again. Sorry for the wait.

## {started} · investigating
We are looking into slow pages on the website.
"""


def scaffold(target: Path, now: datetime) -> list[Path]:
    """Write the files of a new site into ``target``; refuse to overwrite a site."""
    site_file = target / "content" / "site.yaml"
    if site_file.exists():
        raise StatusPageError(f"{site_file} already exists: this folder already holds a site")
    from zoneinfo import ZoneInfo

    utc = ZoneInfo("UTC")
    started = (now - timedelta(days=1)).replace(second=0, microsecond=0)
    resolved = started + timedelta(hours=1)
    incident = target / "incidents" / f"{started.astimezone(utc):%Y-%m-%d}-slow-website.md"
    files = {
        site_file: SITE_YAML,
        incident: INCIDENT.format(started=format_time(started, utc),
                                  resolved=format_time(resolved, utc)),
        # the builds, and what they keep beside them: the previous build (the desk's too),
        # parse caches, locks, the daemon's state
        target / ".gitignore": "build/\nbuild-desk/\n.statuspage-*\n",
        **{target / "content" / "templates" / f"{name}.md": text
           for name, text in TEMPLATES.items()},
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(text, encoding="utf-8")
    return list(files)
