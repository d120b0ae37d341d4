"""Benchmark builds on a synthetic site: full, without change, after one update, the daemon.

    python benchmarks/build.py --incidents 10000 [--languages fr,en] [--seed 1] [--keep DIR]
    python benchmarks/build.py --site DIR      # an existing site instead

Generates a valid site (Europe/Paris, 20 components in 4 groups, N incidents over the
three years before ``now``, a third of them translated when English is listed, ~2% still
open; the same seed gives the same site, byte for byte). Then, each in a fresh process so
that its peak memory is its own: the first build (full, no cache), a rebuild without
change, a rebuild after one update, a full rebuild over the built site, and the daemon's
save-to-live latency (``statuspage run``: an update saved, timed until its page shows
it). One figure per line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmark this tree

from statuspage.freeze.build import BuildOptions, build  # noqa: E402

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


def generate(root: Path, count: int, seed: int, now: datetime,
             languages: list[str] | None = None) -> Stats:
    """Languages: French first, always; English translations (a third) when listed; other
    languages show the original text."""
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


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def phase(root: Path, name: str, now: datetime, workers: int | None) -> dict:
    """One measured step, in this (fresh) process: a full build, a rebuild without change,
    a rebuild after one update, a full rebuild over the built site (``--full``, or what a
    new version of the package costs). Prints its figures as JSON."""
    out = root / "build"
    if name == "full":  # the first build: no cache, no previous site
        for leftover in (out, out.with_name(".statuspage-spare-build"),
                         out.with_name(".statuspage-cache-build")):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            leftover.unlink(missing_ok=True) if leftover.is_file() else None
        os.sync()  # the removal's writes done now, not during the timed build
    if name == "update":
        update_one(root, now)
    started = time.perf_counter()
    result = build(root, BuildOptions(out=out, now=now, full=name in ("full", "rebuild"),
                                      workers=workers))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "pages": result.pages, "rendered": result.rendered,
            "incidents": incidents(root),
            "rss_mb": peak_mb(), "workers_rss_mb": peak_mb(resource.RUSAGE_CHILDREN),
            "warnings": len(result.warnings)}


def incidents(root: Path) -> int:
    return sum(1 for path in (root / "incidents").glob("*.md") if path.name.count(".") == 1)


def update_one(root: Path, now: datetime, text: str = "Nouvelle mise à jour.") -> str:
    """Add an update to the newest open incident (else the newest), as the CLI does."""
    from statuspage.content.loader import load_site
    from statuspage.edit.writer import append_update
    from statuspage.state.status import Snapshot

    site = load_site(root)
    snap = Snapshot(site, now)
    target = (snap.open_incidents or list(snap.published))[0]
    status = "in_progress" if target.is_maintenance else "monitoring"
    append_update(root, site.config, target.id, status, text, now)
    return target.id


def daemon_latency(root: Path, now: datetime, runs: int = 3) -> dict:
    """Start ``statuspage run``, save an update, and time until the page shows it."""
    import subprocess

    from statuspage.content.loader import load_site
    from statuspage.state.status import Snapshot

    out = root / "build"
    log = root / "daemon.log"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with log.open("w") as stream:
        process = subprocess.Popen([sys.executable, "-m", "statuspage", "--site", str(root),
                                    "run", "--every", "1h"], stdout=stream,
                                   stderr=subprocess.STDOUT, env=env)
    latencies = []
    try:
        wait(lambda: re.search(r"rebuilt \S+ \(start\)", log.read_text()), 900,
             "the first build")
        site = load_site(root)
        target = (Snapshot(site, datetime.now(UTC)).open_incidents
                  or list(Snapshot(site, datetime.now(UTC)).published))[0]
        page = out / "incidents" / target.id / "index.html"
        for run in range(runs):
            text = f"Mise à jour numéro {run} du {time.time():.0f}."
            time.sleep(1.5)  # between two saves, like people
            update_one(root, datetime.now(UTC), text)
            saved = time.perf_counter()  # the file is written: the save is done
            wait(lambda text=text: text in page.read_text(encoding="utf-8"), 120,
                 "the update online")
            latencies.append(time.perf_counter() - saved)
        status = Path(f"/proc/{process.pid}/status").read_text()
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status)[1]) / 1024
    finally:
        process.terminate()
        process.wait(30)
    return {"latencies": latencies, "rss_mb": hwm}


def wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    raise SystemExit(f"timed out waiting for {what}")


def run_phase(root: Path, name: str, now: datetime, workers: int | None) -> dict:
    import subprocess

    command = [sys.executable, __file__, "--phase", name, "--site", str(root),
               "--now", now.isoformat()]
    if workers:
        command += ["--workers", str(workers)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--incidents", type=int, metavar="N",
                        help="generate a site of N incidents")
    source.add_argument("--site", type=Path, metavar="DIR",
                        help="measure an existing site instead (its build/ is replaced)")
    parser.add_argument("--languages", default="fr,en",
                        help="the generated site's languages, French first (default fr,en)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write the generated site to DIR and keep it")
    parser.add_argument("--now", type=parse_now, default=DEFAULT_NOW,
                        help="the build's 'now', ISO 8601; naive means Europe/Paris "
                             f"(default {DEFAULT_NOW.isoformat()})")
    parser.add_argument("--workers", type=int, help="processes for a full build (default: "
                        "every core)")
    parser.add_argument("--no-daemon", action="store_true",
                        help="skip the daemon's save-to-live measure")
    parser.add_argument("--phase", choices=["full", "nochange", "update", "rebuild"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(phase(args.site.resolve(), args.phase, args.now, args.workers)))
        return 0
    if args.incidents is not None and args.incidents < 0:
        parser.error("--incidents must be 0 or more")
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    if languages[:1] != ["fr"]:
        parser.error("--languages: French first (the generated text is French)")

    if args.site:
        root = args.site.resolve()
    elif args.keep:
        root = args.keep.resolve()
        if root.exists() and any(root.iterdir()):
            parser.error(f"--keep {root}: the folder is not empty")
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="statuspage-bench-"))
    try:
        if args.incidents is not None:
            started = time.perf_counter()
            stats = generate(root, args.incidents, args.seed, args.now, languages)
            print(f"incidents:         {stats.incidents} ({stats.translated} translated, "
                  f"{stats.open} open, {stats.postmortems} with a postmortem, "
                  f"{stats.updates} updates), languages {', '.join(languages)}")
            print(f"files generated:   {stats.files}, in {time.perf_counter() - started:.2f} s")
        full = run_phase(root, "full", args.now, args.workers)
        print(f"pages:             {full['pages']}")
        per = full["seconds"] / max(full["incidents"], 1) * 1000
        print(f"full build:        {full['seconds']:.2f} s, {per:.2f} ms per incident; "
              f"peak {full['rss_mb']:.0f} MB, workers {full['workers_rss_mb']:.0f} MB each "
              "at most")
        size, files = folder_size(root / "build")
        print(f"build folder:      {size / 1e6:.1f} MB, {files} files")
        for name, label in (("nochange", "first rebuild"), ("nochange", "no-change rebuild"),
                            ("update", "one-update rebuild")):
            found = run_phase(root, name, args.now, args.workers)
            print(f"{label + ':':<19}{found['seconds']:.2f} s ({found['rendered']} rendered); "
                  f"peak {found['rss_mb']:.0f} MB")
        found = run_phase(root, "rebuild", args.now, args.workers)
        print(f"full rebuild:      {found['seconds']:.2f} s over the built site (--full); "
              f"peak {found['rss_mb']:.0f} MB")
        if not args.no_daemon:
            daemon = daemon_latency(root, args.now)
            shown = ", ".join(f"{s:.2f}" for s in daemon["latencies"])
            print(f"daemon save→live:  {shown} s (1 s polling included); "
                  f"peak {daemon['rss_mb']:.0f} MB")
        if args.keep or args.site:
            print(f"site in:           {root}")
        return 0
    finally:
        if not (args.keep or args.site):
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
