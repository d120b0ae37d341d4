"""Benchmark a full build on a synthetic site.

    python benchmarks/build.py --incidents 1000 [--seed 1] [--keep DIR] [--now WHEN]

Generates a valid site (languages fr and en, Europe/Paris, 20 components in 4 groups,
N incidents over the three years before ``now``, a third of them translated, ~2% still
open), builds it with statuspage.build.build() and prints the figures, one per line.
The same seed gives the same site, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmark this tree

from statuspage.build import build  # noqa: E402
from statuspage.errors import ContentError, StatusPageError  # noqa: E402

TZ = ZoneInfo("Europe/Paris")
DEFAULT_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TZ)
# Local hours used for every time written: far from the 02:00-03:00 DST changes.
FIRST_HOUR, LAST_HOUR = 9, 20

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


def write_site_yaml(root: Path) -> None:
    lines = [
        "name: {fr: Statut Exemple Télécom, en: Example Telecom Status}",
        "url: https://status.example.com",
        "timezone: Europe/Paris",
        "languages: [fr, en]",
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


def incident_files(n: int, rng: random.Random, now: datetime, is_open: bool,
                   translate: bool) -> tuple[str, str, str | None, Stats]:
    """(id, original text, English translation or None, per-incident stats)."""
    stats = Stats()
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
    impact = IMPACT[max(statuses.values(), key=SEVERITY.index)]
    place = rng.choice(PLACES)
    problem_fr, problem_en = rng.choice(PROBLEMS)
    cause_fr, cause_en = rng.choice(CAUSES)
    main = chosen[0]
    slug = f"{problem_en.lower()}-{main}-{place.lower()}"
    incident_id = f"{started:%Y-%m-%d}-{slug}-{n:05d}"

    # Chronological updates; the file lists them newest first.
    if is_open:
        flow = ["investigating", "identified", "monitoring"][:rng.randint(1, 3)]
    else:
        flow = ["investigating", "identified", "monitoring", "resolved"]
        if rng.random() < 0.25:
            flow.append("postmortem")
    timeline = []
    when = started + timedelta(minutes=rng.randint(5, 30))
    for status in flow:
        if status == "postmortem":
            when = daytime(when + timedelta(days=rng.randint(2, 6)))
        timeline.append((when, status))
        gap = rng.randint(10, 90) if is_open else rng.randint(20, 6 * 60)
        when = daytime(when + timedelta(minutes=gap))
    hours = max(1, round((timeline[-1][0] - started).total_seconds() / 3600))

    words = {
        "what_fr": problem_fr.lower(), "what_en": problem_en.lower(),
        "place": place, "cause_fr": cause_fr, "cause_en": cause_en, "n": n, "hours": hours,
    }
    comp_fr = ", ".join(NAMES[c][0] for c in chosen)
    comp_en = ", ".join(NAMES[c][1] for c in chosen)

    front = [
        "---",
        f"title: {q(f'{problem_fr} {NAMES[main][0]} à {place}')}",
        f"impact: {impact}",
        "components:",
        *(f"  {cid}: {status}" for cid, status in statuses.items()),
        f"started: {stamp(started)}",
    ]
    if is_open:
        front.append(f"next_update: {stamp(daytime(now + timedelta(hours=rng.randint(1, 6))))}")
    front += [
        f"who_is_affected: {q(f'Clients {comp_fr} dans la région de {place}.')}",
        f"what_to_do: {q('Pas besoin d’appeler : le service revient sans action de votre part.')}",
        "---",
    ]
    summary_fr = (
        f"Certains clients de {place} ne peuvent plus utiliser {comp_fr} normalement.\n\n"
        f"Ce qui est touché :\n\n"
        + "".join(f"- **{NAMES[c][0]}** à {place}\n" for c in chosen)
        + f"\nPlus d'informations sur [notre page d'aide](https://example.com/aide/{n}).\n\n"
        "Nous mettrons cette page à jour à chaque étape."
    )
    summary_en = (
        f"Some customers in {place} cannot use {comp_en} normally.\n\n"
        f"What is affected:\n\n"
        + "".join(f"- **{NAMES[c][1]}** in {place}\n" for c in chosen)
        + f"\nMore on [our help page](https://example.com/help/{n}).\n\n"
        "We will update this page at every step."
    )

    def updates(texts: dict, lang: str) -> list[str]:
        out = []
        for when, status in reversed(timeline):
            body = texts[status].format(
                what=words[f"what_{lang}"], comp=comp_fr if lang == "fr" else comp_en,
                place=place, cause=words[f"cause_{lang}"], n=n, hours=hours,
            )
            out += [f"## {stamp(when)} · {status}", body, ""]
        return out

    original = "\n".join([*front, summary_fr, "", *updates(FR, "fr")])
    translation = None
    if translate:
        translation = "\n".join([
            "---",
            f"title: {q(f'{problem_en} of {NAMES[main][1]} in {place}')}",
            f"who_is_affected: {q(f'{comp_en} customers around {place}.')}",
            f"what_to_do: {q('No need to call: service comes back without any action.')}",
            "---",
            summary_en,
            "",
            *updates(EN, "en"),
        ])
    stats.updates = len(timeline)
    stats.postmortems = int(flow[-1] == "postmortem")
    return incident_id, original, translation, stats


def generate(root: Path, count: int, seed: int, now: datetime) -> Stats:
    rng = random.Random(seed)
    write_site_yaml(root)
    incidents = root / "incidents"
    incidents.mkdir(parents=True, exist_ok=True)
    total = Stats(files=1)
    open_count = max(1, round(count * 0.02)) if count else 0
    open_at = set(rng.sample(range(count), open_count))
    for n in range(count):
        is_open = n in open_at
        translate = rng.random() < 1 / 3
        incident_id, original, translation, stats = incident_files(n, rng, now, is_open,
                                                                   translate)
        (incidents / f"{incident_id}.md").write_text(original, encoding="utf-8")
        total.files += 1
        if translation is not None:
            (incidents / f"{incident_id}.en.md").write_text(translation, encoding="utf-8")
            total.files += 1
            total.translated += 1
        total.incidents += 1
        total.open += is_open
        total.postmortems += stats.postmortems
        total.updates += stats.updates
    return total


def folder_size(folder: Path) -> tuple[int, int]:
    size = files = 0
    for path in folder.rglob("*"):
        if path.is_file():
            size += path.stat().st_size
            files += 1
    return size, files


def parse_now(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=TZ)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, required=True, metavar="N",
                        help="number of incidents to generate")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write the site to DIR and keep it (default: a temporary folder)")
    parser.add_argument("--now", type=parse_now, default=DEFAULT_NOW,
                        help="the build's 'now', ISO 8601; naive means Europe/Paris "
                             f"(default {DEFAULT_NOW.isoformat()})")
    args = parser.parse_args(argv)
    if args.incidents < 0:
        parser.error("--incidents must be 0 or more")

    if args.keep:
        root = args.keep.resolve()
        if root.exists() and any(root.iterdir()):
            parser.error(f"--keep {root}: the folder is not empty")
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="statuspage-bench-"))
    try:
        started = time.perf_counter()
        stats = generate(root, args.incidents, args.seed, args.now)
        generated_in = time.perf_counter() - started

        started = time.perf_counter()
        try:
            result = build(root, out=root / "build", now=args.now)
        except ContentError as err:
            print(f"build failed: the generated content is invalid "
                  f"({len(err.problems)} problems):", file=sys.stderr)
            for problem in err.problems[:50]:
                print(f"  {problem}", file=sys.stderr)
            return 1
        except StatusPageError as err:
            print(f"build failed: {err.format_message()}", file=sys.stderr)
            return 1
        wall = time.perf_counter() - started

        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        size, files = folder_size(result.out)
        print(f"incidents:         {stats.incidents} ({stats.translated} translated, "
              f"{stats.open} open, {stats.postmortems} with a postmortem, "
              f"{stats.updates} updates)")
        print(f"files generated:   {stats.files} (site.yaml + incident files), "
              f"in {generated_in:.2f} s")
        print(f"pages written:     {result.pages}")
        print(f"wall time:         {wall:.2f} s (load + build)")
        print(f"peak memory:       {peak_mb:.1f} MB (ru_maxrss)")
        print(f"build folder:      {size / 1e6:.1f} MB, {files} files")
        if result.warnings:
            print(f"content warnings:  {len(result.warnings)}")
        if args.keep:
            print(f"site kept in:      {root}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
