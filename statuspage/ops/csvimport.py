"""``statuspage subscribers import``: a list of subscribers from a CSV file, every row
checked before any is stored."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from statuspage.content.emails import address_problem
from statuspage.errors import StatusPageError
from statuspage.ops.subscribers import ALL, COMPONENT, INCIDENT


def read_csv(path: Path, languages: Iterable[str], components: set[str],
             incidents: set[str]) -> list[tuple[str, str, str, str]]:
    """(email, lang, kind, target) of each row of a CSV file with the columns ``email``,
    ``lang`` and, optionally, ``component`` or ``incident``; every bad row is said with its
    line, and nothing is read when there is one."""
    languages = tuple(languages)
    rows, problems = [], []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "email" not in reader.fieldnames:
                raise StatusPageError(f"{path}:1: the first line must name the columns: "
                                      "email,lang and optionally component or incident")
            for row in reader:
                line = reader.line_num
                email = (row.get("email") or "").strip()
                lang = (row.get("lang") or "").strip() or languages[0]
                component = (row.get("component") or "").strip()
                incident = (row.get("incident") or "").strip()
                if address_problem(email):
                    problems.append(f"{path}:{line}: {email[:60]!r}: not an e-mail address")
                elif lang not in languages:
                    problems.append(f"{path}:{line}: unknown language {lang[:20]!r} "
                                    f"(languages: {', '.join(languages)})")
                elif component and incident:
                    problems.append(f"{path}:{line}: a component or an incident, not both")
                elif component and component not in components:
                    problems.append(f"{path}:{line}: unknown component {component[:60]!r}")
                elif incident and incident not in incidents:
                    problems.append(f"{path}:{line}: unknown incident {incident[:60]!r}")
                else:
                    kind = COMPONENT if component else INCIDENT if incident else ALL
                    rows.append((email, lang, kind, component or incident))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise StatusPageError(f"{path}: cannot be read as UTF-8 CSV ({err})") from None
    if problems:
        raise StatusPageError("\n".join(problems[:20]) + (
            f"\n… and {len(problems) - 20} more" if len(problems) > 20 else "")
            + "\nnothing imported: fix these rows")
    return rows
