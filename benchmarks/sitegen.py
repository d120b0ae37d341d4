"""The synthetic site of benchmarks/build.py: a telecom's status page and its history.

Europe/Paris, 20 components in 4 groups, N incidents over the three years before
``now``, a third of them translated when English is listed, ~2% still open; the same seed
(and ``now``) gives the same site, byte for byte.

An open incident promises its next update: by default a few hours after ``now``; with
``promises="overdue"``, a few hours after its last update, which is always before the day
of ``now``, so a daemon started at any later moment finds every promise late and reminds
staff of each (as many reminders as open incidents: 2,000 at 100,000 incidents).
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Paris")
DEFAULT_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TZ)
# Local hours used for every time written: far from the 02:00-03:00 DST changes.
FIRST_HOUR, LAST_HOUR = 9, 20
PROMISES = ("ahead", "overdue")

GROUPS = {
    "internet": ({"fr": "Internet", "en": "Internet"}, [
        ("fibre", "Fibre", "Fibre broadband"),
        ("adsl", "ADSL", "ADSL broadband"),
        ("vdsl", "VDSL", "VDSL broadband"),
        ("wifi", "Wi-Fi de la box", "Home Wi-Fi"),
        ("dns", "Résolution DNS", "DNS resolution"),
    ]),
    "mobile": ({"fr": "Mobile", "en": "Mobile"}, [
        ("voice", "Appels mobiles", "Mobile calls"),
        ("sms", "SMS et MMS", "Text messages"),
        ("data-4g", "Internet mobile 4G", "4G mobile data"),
        ("data-5g", "Internet mobile 5G", "5G mobile data"),
        ("roaming", "Itinérance à l'étranger", "Roaming abroad"),
    ]),
    "tv": ({"fr": "Télévision", "en": "TV"}, [
        ("live-tv", "Chaînes en direct", "Live channels"),
        ("replay", "Replay", "Catch-up TV"),
        ("vod", "Vidéo à la demande", "Video on demand"),
        ("tv-guide", "Guide des programmes", "TV guide"),
        ("recording", "Enregistrements", "Recordings"),
    ]),
    "account": ({"fr": "Espace client", "en": "Customer area"}, [
        ("billing", "Facturation", "Billing"),
        ("payments", "Paiements en ligne", "Online payments"),
        ("app", "Application mobile", "Mobile app"),
        ("login", "Connexion", "Sign-in"),
        ("support-chat", "Chat avec le support", "Support chat"),
    ]),
}
COMPONENTS = [cid for _, items in GROUPS.values() for cid, _, _ in items]
NAMES = {cid: (fr, en) for _, items in GROUPS.values() for cid, fr, en in items}

SEVERITY = ["degraded_performance", "partial_outage", "major_outage"]
IMPACT = {"degraded_performance": "minor", "partial_outage": "major", "major_outage": "critical"}
PLACES = ["Lyon", "Paris", "Marseille", "Lille", "Nantes", "Bordeaux", "Toulouse", "Strasbourg",
          "Rennes", "Nice", "Grenoble", "Dijon"]
PROBLEMS = [
    ("Coupure", "Outage"), ("Lenteurs", "Slowness"), ("Perturbation", "Disruption"),
    ("Panne", "Failure"), ("Interruption", "Interruption"),
]
CAUSES = [
    ("un câble sectionné lors de travaux de voirie", "a cable cut during road works"),
    ("une mise à jour logicielle défectueuse", "a faulty software update"),
    ("une panne électrique dans un centre de données", "a power failure in a data centre"),
    ("une saturation du réseau de collecte", "congestion in the backhaul network"),
    ("un équipement défaillant chez un partenaire", "a failed device at a partner"),
]

FR = {
    "investigating": "Nous constatons un incident ({what}) sur {comp} à {place} et nous enquêtons. "
                     "Merci de votre patience.",
    "identified": "La cause est identifiée : {cause}. Nos équipes interviennent sur place.\n\n"
                  "- les clients concernés sont prévenus par SMS ;\n"
                  "- aucune action n'est nécessaire de votre part.",
    "monitoring": "Un correctif est en place. Le service revient progressivement ; nous "
                  "surveillons la situation.",
    "resolved": "Le service est rétabli pour tous les clients. Si le problème persiste, "
                "redémarrez votre équipement ou consultez [l'aide en ligne]"
                "(https://example.com/aide/{n}).",
    "postmortem": "### Ce qui s'est passé\n\nL'incident était dû à {cause}. Durée totale : "
                  "{hours} heures.\n\n### Ce que nous changeons\n\n"
                  "1. une surveillance renforcée ;\n2. une procédure d'intervention plus rapide.",
}
EN = {
    "investigating": "We have noticed {what} affecting {comp} in {place} and are "
                     "investigating. Thank you for your patience.",
    "identified": "The cause is identified: {cause}. Our teams are on site.\n\n"
                  "- affected customers are told by text message;\n"
                  "- you do not need to do anything.",
    "monitoring": "A fix is in place. Service is coming back gradually; we are watching "
                  "closely.",
    "resolved": "Service is restored for every customer. If the problem persists, restart "
                "your equipment or see [online help](https://example.com/help/{n}).",
    "postmortem": "### What happened\n\nThe incident was caused by {cause}. Total duration: "
                  "{hours} hours.\n\n### What we are changing\n\n"
                  "1. closer monitoring;\n2. a faster response procedure.",
}


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def stamp(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M}"


def daytime(when: datetime) -> datetime:
    """Move a local time forward into FIRST_HOUR..LAST_HOUR (no DST ambiguity there)."""
    if when.hour < FIRST_HOUR:
        return when.replace(hour=FIRST_HOUR, minute=when.minute)
    if when.hour >= LAST_HOUR:
        return (when + timedelta(days=1)).replace(hour=FIRST_HOUR, minute=when.minute)
    return when


@dataclass
class Stats:
    files: int = 0
    incidents: int = 0
    translated: int = 0
    open: int = 0
    postmortems: int = 0
    updates: int = 0
    open_ids: list[str] = field(default_factory=list)


@dataclass
class Draw:
    """What the random generator chose for one incident, in the order it chose it."""

    n: int
    is_open: bool
    started: datetime
    chosen: list[str]
    statuses: dict[str, str]
    place: str
    problem: tuple[str, str]
    cause: tuple[str, str]
    timeline: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def hours(self) -> int:
        return max(1, round((self.timeline[-1][0] - self.started).total_seconds() / 3600))

    def components(self, lang: int) -> str:
        """The chosen components' names, in French (0) or English (1)."""
        return ", ".join(NAMES[c][lang] for c in self.chosen)


def write_site_yaml(root: Path, languages: list[str]) -> None:
    lines = [
        "name: {fr: Statut Exemple Télécom, en: Example Telecom Status}",
        "url: https://status.example.com",
        "timezone: Europe/Paris",
        f"languages: [{', '.join(languages)}]",
        "support:",
        '  phone: "3900"',
        "  url: https://example.com/help",
        "groups:",
    ]
    for gid, (name, _) in GROUPS.items():
        lines += [f"  - id: {gid}", f"    name: {{fr: {q(name['fr'])}, en: {q(name['en'])}}}"]
    lines.append("components:")
    for gid, (_, items) in GROUPS.items():
        for cid, fr, en in items:
            lines += [
                f"  - id: {cid}",
                f"    group: {gid}",
                f"    name: {{fr: {q(fr)}, en: {q(en)}}}",
                f"    description: {{fr: {q(fr + ' pour les particuliers.')}, "
                f"en: {q(en + ' for home customers.')}}}",
            ]
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "content" / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _draw(n: int, rng: random.Random, now: datetime, is_open: bool) -> Draw:
    """The start, services, place, problem and cause of incident ``n``."""
    today = now.replace(hour=0, minute=0)
    if is_open:  # started in the last few days, before today: every update is in the past
        day = today - timedelta(days=rng.randint(1, 3))
    else:  # leave room after the start for the updates and a postmortem
        day = today - timedelta(days=rng.randint(14, 3 * 365))
    # An open incident starts in the morning and its (short-spaced) updates stay on that day.
    last_start_hour = FIRST_HOUR + 3 if is_open else LAST_HOUR - 3
    started = day.replace(hour=rng.randint(FIRST_HOUR, last_start_hour),
                          minute=rng.randrange(0, 60, 5))
    chosen = rng.sample(COMPONENTS, rng.randint(1, 3))
    statuses = {cid: rng.choice(SEVERITY) for cid in chosen}
    return Draw(n, is_open, started, chosen, statuses, rng.choice(PLACES),
                rng.choice(PROBLEMS), rng.choice(CAUSES))


def _timeline(draw: Draw, rng: random.Random) -> None:
    """The updates' times and statuses, oldest first."""
    if draw.is_open:
        flow = ["investigating", "identified", "monitoring"][:rng.randint(1, 3)]
    else:
        flow = ["investigating", "identified", "monitoring", "resolved"]
        if rng.random() < 0.25:
            flow.append("postmortem")
    when = draw.started + timedelta(minutes=rng.randint(5, 30))
    for status in flow:
        if status == "postmortem":
            when = daytime(when + timedelta(days=rng.randint(2, 6)))
        draw.timeline.append((when, status))
        gap = rng.randint(10, 90) if draw.is_open else rng.randint(20, 6 * 60)
        when = daytime(when + timedelta(minutes=gap))


def _front(draw: Draw, rng: random.Random, now: datetime, promises: str) -> list[str]:
    """The original's front matter, its lines."""
    main = draw.chosen[0]
    place = draw.place
    front = [
        "---",
        f"title: {q(f'{draw.problem[0]} {NAMES[main][0]} à {place}')}",
        f"impact: {IMPACT[max(draw.statuses.values(), key=SEVERITY.index)]}",
        "components:",
        *(f"  {cid}: {status}" for cid, status in draw.statuses.items()),
        f"started: {stamp(draw.started)}",
    ]
    if draw.is_open:
        hours = timedelta(hours=rng.randint(1, 6))
        # Overdue: after the last update (which does not keep it), before the day of now.
        promise = draw.timeline[-1][0] + hours if promises == "overdue" else \
            daytime(now + hours)
        front.append(f"next_update: {stamp(promise)}")
    comp_fr = draw.components(0)
    return front + [
        f"who_is_affected: {q(f'Clients {comp_fr} dans la région de {place}.')}",
        f"what_to_do: {q('Pas besoin d’appeler : le service revient sans action de votre part.')}",
        "---",
    ]


def _summary(draw: Draw, lang: int) -> str:
    place, n = draw.place, draw.n
    if lang == 0:
        return (
            f"Certains clients de {place} ne peuvent plus utiliser {draw.components(0)} "
            f"normalement.\n\nCe qui est touché :\n\n"
            + "".join(f"- **{NAMES[c][0]}** à {place}\n" for c in draw.chosen)
            + f"\nPlus d'informations sur [notre page d'aide](https://example.com/aide/{n}).\n\n"
            "Nous mettrons cette page à jour à chaque étape."
        )
    return (
        f"Some customers in {place} cannot use {draw.components(1)} normally.\n\n"
        f"What is affected:\n\n"
        + "".join(f"- **{NAMES[c][1]}** in {place}\n" for c in draw.chosen)
        + f"\nMore on [our help page](https://example.com/help/{n}).\n\n"
        "We will update this page at every step."
    )


def _updates(draw: Draw, lang: int) -> list[str]:
    """The updates, newest first as the file lists them, in French (0) or English (1)."""
    texts = (FR, EN)[lang]
    out = []
    for when, status in reversed(draw.timeline):
        body = texts[status].format(
            what=draw.problem[lang].lower(), comp=draw.components(lang), place=draw.place,
            cause=draw.cause[lang], n=draw.n, hours=draw.hours,
        )
        out += [f"## {stamp(when)} · {status}", body, ""]
    return out


def incident_files(n: int, rng: random.Random, now: datetime, is_open: bool,
                   translate: bool, promises: str = "ahead") -> tuple[str, str, str | None, Stats]:
    """(id, original text, English translation or None, per-incident stats)."""
    draw = _draw(n, rng, now, is_open)
    main = draw.chosen[0]
    problem_fr, problem_en = draw.problem
    slug = f"{problem_en.lower()}-{main}-{draw.place.lower()}"
    incident_id = f"{draw.started:%Y-%m-%d}-{slug}-{n:05d}"
    _timeline(draw, rng)
    original = "\n".join([*_front(draw, rng, now, promises), _summary(draw, 0), "",
                          *_updates(draw, 0)])
    translation = None
    if translate:
        comp_en = draw.components(1)
        translation = "\n".join([
            "---",
            f"title: {q(f'{problem_en} of {NAMES[main][1]} in {draw.place}')}",
            f"who_is_affected: {q(f'{comp_en} customers around {draw.place}.')}",
            f"what_to_do: {q('No need to call: service comes back without any action.')}",
            "---",
            _summary(draw, 1),
            "",
            *_updates(draw, 1),
        ])
    stats = Stats(updates=len(draw.timeline),
                  postmortems=int(draw.timeline[-1][1] == "postmortem"))
    return incident_id, original, translation, stats


def generate(root: Path, count: int, seed: int, now: datetime,
             languages: list[str] | None = None, promises: str = "ahead") -> Stats:
    """Languages: French first, always; English translations (a third) when listed; other
    languages show the original text. ``promises``: "ahead" of ``now``, or "overdue"."""
    if promises not in PROMISES:
        raise ValueError(f"promises: {promises!r}, not one of {PROMISES}")
    languages = languages or ["fr", "en"]
    rng = random.Random(seed)
    write_site_yaml(root, languages)
    incidents = root / "incidents"
    incidents.mkdir(parents=True, exist_ok=True)
    total = Stats(files=1)
    open_count = max(1, round(count * 0.02)) if count else 0
    open_at = set(rng.sample(range(count), open_count))
    for n in range(count):
        is_open = n in open_at
        translate = rng.random() < 1 / 3 and "en" in languages
        incident_id, original, translation, stats = incident_files(
            n, rng, now, is_open, translate, promises)
        (incidents / f"{incident_id}.md").write_text(original, encoding="utf-8")
        total.files += 1
        if translation is not None:
            (incidents / f"{incident_id}.en.md").write_text(translation, encoding="utf-8")
            total.files += 1
            total.translated += 1
        total.incidents += 1
        if is_open:
            total.open += 1
            total.open_ids.append(incident_id)
        total.postmortems += stats.postmortems
        total.updates += stats.updates
    return total


def site_zone(root: Path) -> ZoneInfo:
    """The site's time zone, from ``timezone:`` in its site.yaml (UTC when it says none)."""
    text = (root / "content" / "site.yaml").read_text(encoding="utf-8")
    found = re.search(r"^timezone:\s*[\"']?([\w/+-]+)", text, re.MULTILINE)
    return ZoneInfo(found[1] if found else "UTC")


def add_update(root: Path, incident_id: str, when: datetime, text: str) -> None:
    """Save an update above the newest one, as a person in an editor would: with the
    newest one's status, at ``when`` (to the minute, in the site's zone), the file
    replaced in one step (a reader never sees half of it)."""
    path = root / "incidents" / f"{incident_id}.md"
    content = path.read_text(encoding="utf-8")
    newest = re.search(r"^## [^\n]*· *(\w+) *$", content, re.MULTILINE)
    status = newest[1] if newest else "investigating"
    at = newest.start() if newest else len(content)
    block = f"## {stamp(when.astimezone(site_zone(root)))} · {status}\n{text}\n\n"
    if not newest and not content.endswith("\n\n"):
        block = "\n" + block
    draft = root / f".bench-{path.name}"
    draft.write_text(content[:at] + block + content[at:], encoding="utf-8")
    os.replace(draft, path)
