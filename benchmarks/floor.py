"""The floors a build is measured against, on the site just built, in this process.

- **Physical floor**: writing the built site's files again (their bytes read beforehand)
  into a fresh folder: what any generator pays for the same output.
- **Python floor**: what a bare Python generator of the same pages would pay. Every
  content file parsed with libyaml's ``CSafeLoader`` (front matter) and every markdown
  body converted by Python-Markdown; then, for every built page, one render of a bare
  Jinja template fed that page's lines (each escaped by autoescape, as a template's
  variables are) and the result written. No Flask, no URL building, no status rules: the
  cost of the tools themselves, per page.
- **Calibration**: a fixed pure-Python workload, timed (the median of a few runs), so
  that figures taken on two machines (or on one machine under load) can be compared:
  divide by it.

CPU seconds are this process's user + system time; a build's are its own plus its
workers' (``resource.RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import hashlib
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import jinja2
import markdown
import yaml
from markupsafe import Markup

PAGE = jinja2.Template(
    "<!doctype html>\n<html lang=\"{{ lang }}\"><head><title>{{ title }}</title></head>\n"
    "<body>{% for line in lines %}{{ line }}\n{% endfor %}</body></html>\n",
    autoescape=True)
MARKUP_SUFFIXES = {".html", ".xml", ".svg"}


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def calibration(rounds: int = 5) -> float:
    """Seconds of CPU for a fixed mix of interpreter work (dicts, strings, hashing): the
    median of ``rounds`` runs, so that a run slowed by a busy neighbour does not set it."""
    return statistics.median(_workload() for _ in range(rounds))


def _workload() -> float:
    started = cpu_seconds()
    table: dict[str, int] = {}
    for n in range(400_000):
        key = f"k{n % 5000}"
        table[key] = table.get(key, 0) + len(key)
    digest = hashlib.sha256()
    for _ in range(200):
        digest.update(b"x" * 65536)
    return cpu_seconds() - started


def physical(built: Path) -> tuple[float, int]:
    """Wall seconds to write every file of ``built`` again, and how many files."""
    contents = [(path.relative_to(built), path.read_bytes())
                for path in built.rglob("*") if path.is_file()]
    target = Path(tempfile.mkdtemp(prefix="statuspage-floor-"))
    try:
        started = time.perf_counter()
        for relative, data in contents:
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return time.perf_counter() - started, len(contents)
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _front_matter(text: str) -> tuple[str, str]:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[4:end], text[end + 5:]
    return "", text


def python(site: Path, built: Path, every: int = 1) -> dict:
    """CPU seconds of the Python floor for the site's content and its built pages. With
    ``every`` above 1, only every ``every``-th content file and page (in sorted order) is
    parsed or rendered, and each part's CPU is scaled to all of them: a large site's floor
    in a fraction of its time (the cost per file and per page is what the floor is)."""
    files = sorted((site / "incidents").glob("*.md"))
    started = cpu_seconds()
    converter = markdown.Markdown(extensions=["tables", "fenced_code"])
    texts = 0
    for path in files[::every]:
        front, body = _front_matter(path.read_text(encoding="utf-8"))
        yaml.load(front, Loader=yaml.CSafeLoader)
        for text in body.split("\n## "):  # the summary, then each update, as the site does
            converter.reset().convert(text)
            texts += 1
    parsing = (cpu_seconds() - started) * _scale(len(files), every)
    texts = round(texts * _scale(len(files), every))
    pages = sorted(path for path in built.rglob("*") if path.is_file())
    target = Path(tempfile.mkdtemp(prefix="statuspage-floor-"))
    try:
        rendering_started = cpu_seconds()
        for path in pages[::every]:
            data = path.read_bytes()
            relative = path.relative_to(built)
            out = target / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix in MARKUP_SUFFIXES:
                lines = data.decode("utf-8", "replace").splitlines()
                # Markup already made (the page's own tags) is not escaped again; the words
                # in between are, once, as a template's variables are.
                shown = [Markup(line) if "<" in line else line for line in lines]
                out.write_text(PAGE.render(lang="fr", title=relative.as_posix(),
                                           lines=shown), encoding="utf-8")
            else:
                out.write_bytes(data)
        rendering = (cpu_seconds() - rendering_started) * _scale(len(pages), every)
    finally:
        shutil.rmtree(target, ignore_errors=True)
    return {"parsing": parsing, "rendering": rendering, "texts": texts, "pages": len(pages),
            "cpu": parsing + rendering, "every": every}


def _scale(count: int, every: int) -> float:
    """From the CPU of every ``every``-th of ``count`` items to all of them's."""
    sampled = len(range(0, count, every))
    return count / sampled if sampled else 1.0
