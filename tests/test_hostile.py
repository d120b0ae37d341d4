"""Hostile and odd content: every problem is a located message with exit 1, never a
traceback, and the published site stays byte for byte as it was; what the format allows
builds.

Issue 35's cases that need fixtures of their own are beside them: the workers of a
killed build (test_forking.py), a killed publish's order, a desk build sent to a public
bucket and a storage that never answers (test_publish.py)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIBRE, NOW, PARIS, REPO, TESTS, TRANSLATED
from slowfs import hanging_file

from statuspage import cli, files

GOOD = "---\ntitle: Panne\nimpact: minor\ncomponents: [fibre]\nstarted: 2026-11-25 10:00\n---\n"


def incident(front: str, body: str = "## 2026-11-25 10:05 · investigating\nOn regarde.\n") -> str:
    return f"---\n{front}---\n{body}"


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels + 1):
        refs = ",".join([f"*a{n - 1}"] * 9)
        lines.append(f"a{n}: &a{n} [{refs}]")
    return "\n".join(lines) + "\n"


FRONT = "impact: minor\ncomponents: [fibre]\nstarted: 2026-11-25 10:00\n"
UPDATE = "## 2026-11-25 10:05 · investigating\n"


# What a case may do to a path instead of writing text to it.
def _remove(path: Path) -> None:
    shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def _as_file(path: Path) -> None:
    _remove(path)
    path.write_text("not a folder\n", encoding="utf-8")


def _as_folder(path: Path) -> None:
    path.mkdir()


def _link_loop(path: Path) -> None:
    _remove(path)
    path.symlink_to(path.name)


def _link_out(path: Path) -> None:  # to a file outside the site
    path.symlink_to("/etc/passwd")


def _folder_link_out(path: Path) -> None:  # a folder of content/ that is a link out of it
    outside = path.parent.parent.parent / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    path.symlink_to(outside)

# What no message may print: a terminal would act on it, or a line would end inside it.
UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                         "\ud800-\udfff]")

# name → (files to write under the site, the expected located message)
HOSTILE = {
    "alias bomb": ({"incidents/x.md": incident("title: x\n" + FRONT + alias_bomb(7))},
                   "incidents/x.md:7: YAML alias *a0 is not allowed in content"),
    "alias bomb in site.yaml": ({"content/site.yaml": "+" + alias_bomb(9)},
                                "content/site.yaml:2: YAML alias *a0 is not allowed"),
    "terminal escape in an update": (
        {"incidents/x.md": incident("title: x\n" + FRONT,
                                    "## 2026-11-25 10:05 · investigating\nErreur \x1b[31mrouge\n")},
        "incidents/x.md:8: control character U+001B (invisible, and not allowed in feeds): "
        "delete it"),
    "unit separator in a title": ({"incidents/x.md": incident("title: a\x1fb\n" + FRONT)},
                                  "incidents/x.md:2: control character U+001F"),
    "NUL in site.yaml": ({"content/site.yaml": "name: x\x00\n"},
                         "content/site.yaml:1: control character U+0000"),
    "empty title": ({"incidents/x.md": incident('title: ""\n' + FRONT)},
                    "incidents/x.md:2: title: empty; give the incident a title"),
    "blank title": ({"incidents/x.md": incident('title: "   "\n' + FRONT)},
                    "incidents/x.md:2: title: empty;"),
    "bare title key": ({"incidents/x.md": incident("title:\n" + FRONT)},
                       "incidents/x.md:2: title: empty;"),
    "empty title in one language": (
        {"incidents/x.md": incident('title: {fr: "", en: x}\n' + FRONT)},
        "incidents/x.md:2: title: empty;"),
    "empty title in a translation": (
        {"incidents/2026-11-26-fibre-lyon.en.md": '---\ntitle: ""\n---\n'},
        "incidents/2026-11-26-fibre-lyon.en.md:2: title: empty;"),
    "a line break in a title": ({"incidents/x.md": incident('title: "Coupure\\nfibre"\n' + FRONT)},
                                "incidents/x.md:2: title: a line break in a text of one line: "
                                "write it on one line"),
    "a title in lines": ({"incidents/x.md": incident("title: |\n  Coupure\n  fibre\n" + FRONT)},
                         "incidents/x.md:2: title: a line break"),
    "a line separator in one language's title": (
        {"incidents/x.md": incident('title: {fr: x, en: "a\\u2028b"}\n' + FRONT)},
        "incidents/x.md:2: title: a line break"),
    "a paragraph separator in a title": ({"incidents/x.md": incident('title: "a\\Pb"\n' + FRONT)},
                                         "incidents/x.md:2: title: a line break"),
    "a next-line character in a title": ({"incidents/x.md": incident('title: "a\\Nb"\n' + FRONT)},
                                         "incidents/x.md:2: title: a line break"),
    "a line break in a translation's title": (
        {"incidents/2026-11-26-fibre-lyon.en.md": '---\ntitle: "Fibre\\r\\ncut"\n---\n'},
        "incidents/2026-11-26-fibre-lyon.en.md:2: title: a line break"),
    "impact as a list": ({"incidents/x.md": incident("title: x\nimpact: [major]\ncomponents: "
                                                     "[fibre]\nstarted: 2026-11-25 10:00\n")},
                         "incidents/x.md:3: impact: expected one of none, minor, major, critical"),
    "impact as a mapping": ({"incidents/x.md": incident("title: x\nimpact: {a: b}\ncomponents: "
                                                        "[fibre]\nstarted: 2026-11-25 10:00\n")},
                            "incidents/x.md:3: impact: expected one of"),
    "component status as a list": (
        {"incidents/x.md": incident("title: x\nimpact: minor\ncomponents: {fibre: [a]}\n"
                                    "started: 2026-11-25 10:00\n")},
        "incidents/x.md:4: components: unknown status 'list' for 'fibre'"),
    "component status as a mapping": (
        {"incidents/x.md": incident("title: x\nimpact: minor\ncomponents:\n  fibre: {a: b}\n"
                                    "started: 2026-11-25 10:00\n")},
        "incidents/x.md:5: components: unknown status 'dict' for 'fibre'"),
    "components mixed list": (
        {"incidents/x.md": incident("title: x\nimpact: minor\ncomponents: [fibre, {tv: x}, "
                                    "[adsl]]\nstarted: 2026-11-25 10:00\n")},
        "incidents/x.md:4: components: each item of the list is a component id"),
    "offset +25:00": ({"incidents/x.md": incident("title: x\nimpact: minor\ncomponents: [fibre]"
                                                  "\nstarted: 2026-11-25 10:00+25:00\n")},
                      "incidents/x.md:5: started: invalid time '2026-11-25 10:00+25:00': the "
                      "offset +25:00 is not one a time zone uses"),
    "offset +01:99": ({"incidents/x.md": incident("title: x\nimpact: minor\ncomponents: [fibre]"
                                                  "\nstarted: 2026-11-25 10:00+01:99\n")},
                      "incidents/x.md:5: started: invalid time '2026-11-25 10:00+01:99'"),
    "offset in a heading": ({"incidents/x.md": incident(
        "title: x\n" + FRONT, "## 2026-11-25 10:05+25:00 · investigating\nx\n")},
        "incidents/x.md:7: invalid time '2026-11-25 10:05+25:00'"),
    "year 1": ({"incidents/x.md": incident("title: x\nimpact: minor\ncomponents: [fibre]\n"
                                           "started: 0001-01-01 00:00\n")},
               "incidents/x.md:5: started: invalid time '0001-01-01 00:00': times go from "
               "1970 to 2200"),
    "year 9999": ({"incidents/x.md": incident("title: x\nimpact: minor\ncomponents: [fibre]\n"
                                              "started: 9999-12-31 23:59\n")},
                  "times go from 1970 to 2200"),
    "next update in year 9999": ({"incidents/x.md": incident(
        "title: x\n" + FRONT + "next_update: 9999-12-31 23:59\n")}, "incidents/x.md:6: "
        "next_update: invalid time '9999-12-31 23:59': times go from 1970 to 2200"),
    "upcoming_days 999999": ({"content/site.yaml+": "upcoming_days: 999999\n"},
                             "content/site.yaml:21: upcoming_days: expected a whole number "
                             "from 1 to 3650"),
    "upcoming_days of 5,000 digits": ({"content/site.yaml+": f"upcoming_days: {'9' * 5000}\n"},
                                      "content/site.yaml:21: upcoming_days: expected a whole "
                                      "number from 1 to 3650"),
    "feed_entries as a superscript": ({"content/site.yaml+": "feed_entries: ²\n"},
                                      "content/site.yaml:21: feed_entries: expected a whole "
                                      "number from 1 to 1000, e.g. feed_entries: 50"),
    "feed_entries as a circled digit": ({"content/site.yaml+": "feed_entries: ①\n"},
                                        "content/site.yaml:21: feed_entries: expected a whole "
                                        "number"),
    "feed_entries in Arabic-Indic digits": ({"content/site.yaml+": "feed_entries: ٥٠\n"},
                                            "content/site.yaml:21: feed_entries: expected a "
                                            "whole number"),
    "timezone a folder of the zone database": (
        {"content/site.yaml~": ("timezone: Europe/Paris", "timezone: Europe")},
        "content/site.yaml:3: timezone: 'Europe' is a region, not a zone: name one of its "
        "zones, e.g. Europe/Paris"),
    "timezone a file of the zone database": (
        {"content/site.yaml~": ("timezone: Europe/Paris", "timezone: zone1970.tab")},
        "content/site.yaml:3: timezone: unknown zone 'zone1970.tab' (use an IANA name"),
    "timezone too long for a file name": (
        {"content/site.yaml~": ("timezone: Europe/Paris", "timezone: " + "a" * 300)},
        "content/site.yaml:3: timezone: unknown zone 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'…"),
    "incidents missing": ({"incidents": _remove}, "incidents/: missing: create the folder (it "
                                                  "stays empty until the first incident), or "
                                                  "put it back"),
    "incidents a file": ({"incidents": _as_file}, "incidents:1: is a file, not a folder: move "
                                                  "it away and create the folder incidents/"),
    "incidents a loop of links": ({"incidents": _link_loop},
                                  "incidents/: cannot be read: too many levels of symbolic "
                                  "links: give the user who runs statuspage access to it"),
    "content missing": ({"content": _remove}, "content/: missing: put the folder back, or "
                                              "create it with site.yaml"),
    "content a file": ({"content": _as_file}, "content:1: is a file, not a folder: move it "
                                              "away and create the folder content/ with "
                                              "site.yaml"),
    "site.yaml missing": ({"content/site.yaml": _remove}, "content/site.yaml: missing: put it "
                                                          "back, or create it"),
    "logo a folder": ({"content/site.yaml+": "logo: logo.svg\n", "content/logo.svg": _as_folder},
                      "content/site.yaml:21: logo: content/logo.svg is a folder: name the logo "
                      "file itself"),
    "logo a link out of the site": ({"content/site.yaml+": "logo: logo.png\n",
                                     "content/logo.png": _link_out},
                                    "content/site.yaml:21: logo: content/logo.png leads out of "
                                    "content/ (a link to /etc/passwd): put the logo itself in "
                                    "content/"),
    "logo through a folder linked out of the site": (
        {"content/site.yaml+": "logo: up/secret.png\n", "content/up": _folder_link_out},
        "content/site.yaml:21: logo: content/up/secret.png leads out of content/"),
    "logo a PNG that is not one": ({"content/site.yaml+": "logo: logo.png\n",
                                    "content/logo.png": "<svg/>"},
                                   "content/site.yaml:21: logo: content/logo.png is not a PNG "
                                   "image"),
    "logo with entities": ({"content/site.yaml+": "logo: logo.svg\n", "content/logo.svg":
                            '<!DOCTYPE svg [<!ENTITY j "javascript:">]><svg xmlns="http://'
                            'www.w3.org/2000/svg"><a href="&j;alert(1)"/></svg>'},
                           "content/site.yaml:21: logo: content/logo.svg: has a DOCTYPE with "
                           "declarations (entities)"),
    "deep nesting": ({"incidents/x.md": incident("title: x\n" + FRONT + "who_is_affected: "
                                                 + "[" * 1000 + "\n")},
                     "incidents/x.md:6: nested more than 16 levels deep"),
    "nesting past the limit": ({"incidents/x.md": incident("title: x\n" + FRONT + "what_to_do: "
                                                           + "[" * 20 + "\n")},
                               "incidents/x.md:6: nested more than 16 levels deep"),
    "duplicate key": ({"incidents/x.md": incident("title: x\ntitle: y\n" + FRONT)},
                      "incidents/x.md:3: duplicate key 'title' (first on line 2): keep one"),
    "duplicate language": ({"content/site.yaml~": ("languages: [fr, en]",
                                                   "languages: [fr, en, en]")},
                           "content/site.yaml:4: languages: 'en' is listed twice"),
    "21 languages": ({"content/site.yaml~": ("languages: [fr, en]", "languages: [fr, en, de, es, "
                                             "it, pt, nl, pl, sv, da, fi, nb, cs, sk, hu, ro, "
                                             "bg, el, hr, sl, et]")},
                     "content/site.yaml:4: languages: 21 languages: at most 20 (each is a whole "
                     "edition of the site); keep those your customers read"),
    "1,037 languages": ({"content/site.yaml~": ("languages: [fr, en]", "languages: [fr, en, "
                                                + ", ".join(f"fr-{n}" for n in range(1035))
                                                + "]")},
                        "content/site.yaml:4: languages: 1037 languages: at most 20"),
    "a language twice in two cases": (
        {"content/site.yaml~": ("languages: [fr, en]", "languages: [fr, en, pt-BR, pt-br]")},
        "content/site.yaml:4: languages: 'pt-br' is listed twice (as 'pt-BR': case does not "
        "count); keep one"),
    "501 components": ({"content/site.yaml+": "".join(f"  - id: c{n}\n    name: C{n}\n"
                                                      for n in range(498))},
                       "content/site.yaml:11: components: 501 components: at most 500, each "
                       "shown on every page: group the small ones"),
    "5,000 components": ({"content/site.yaml+": "".join(f"  - {{id: c{n}, name: C{n}}}\n"
                                                        for n in range(4997))},
                         "content/site.yaml:11: components: 5000 components: at most 500"),
    "a terminal escape in a file name": ({"incidents/\x1b]0;pwned\x07.md": GOOD},
                                         "incidents/\\x1b]0;pwned\\x07.md:1: "),
    "a file name that forges a line": ({"incidents/x\n2026-11-26-fibre-lyon.md:3: ok.md": GOOD},
                                       "incidents/x\\n2026-11-26-fibre-lyon.md:3: ok.md:1: "),
    "a file name that reorders the line": ({"incidents/x\u202e.md": GOOD},
                                           "incidents/x\\u202e.md:1: "),
    "a file name that is not UTF-8": ({os.fsdecode(b"incidents/2026-11-25-\xff.md"): GOOD},
                                      "incidents/2026-11-25-\\xff.md:1: "),
    "phone as a list": ({"content/site.yaml~": ('phone: "3900"', "phone: [1, 2]")},
                        "content/site.yaml:6: support.phone: expected a single value"),
    "empty site name": ({"content/site.yaml~": ("name: {fr: Statut Test, en: Test Status}",
                                                'name: ""')},
                        "content/site.yaml:1: name: empty; give the page a name"),
    "empty component name": ({"content/site.yaml~": ("name: ADSL", 'name: ""')},
                             "content/site.yaml:18: components.name: empty;"),
    "group as a list": ({"content/site.yaml~": ("group: internet\n    name: ADSL",
                                                "group: [internet]\n    name: ADSL")},
                        "content/site.yaml:17: components.group: ['internet'] is not an id"),
    "upper-case extension": ({"incidents/2026-11-25-x.MD": GOOD},
                             "incidents/2026-11-25-x.MD:1: not read: content files end in .md;"
                             " rename it 2026-11-25-x.md"),
    ".markdown extension": ({"incidents/2026-11-25-x.markdown": GOOD},
                            "rename it 2026-11-25-x.md"),
    "id ending in a newline": ({"incidents/2026-11-25-x\n.md": GOOD},
                               "is not a slug: rename the file"),
    "default language translation": ({"incidents/2026-11-26-fibre-lyon.fr.md": "---\n---\n"},
                                     "incidents/2026-11-26-fibre-lyon.fr.md:1: fr is the default "
                                     "language: its text belongs in "
                                     "incidents/2026-11-26-fibre-lyon.md itself"),
    "control character": ({"incidents/x.md": incident("title: \x07bell\n" + FRONT)},
                          "incidents/x.md:2: control character U+0007"),
    "control character as a YAML escape": (
        {"incidents/x.md": incident('title: "a\\x1bb"\n' + FRONT)},
        "incidents/x.md:2: title: control character U+001B"),
    "second document": ({"incidents/x.md": incident("title: x\n...\n" + FRONT)},
                        "incidents/x.md:"),
    "a key that is a list": ({"incidents/x.md": incident("? [a]\n: b\ntitle: x\n" + FRONT)},
                             "incidents/x.md:2: invalid YAML: a key must be a plain word"),
    "front matter only dashes": ({"incidents/x.md": "---\n---\n"},
                                 "incidents/x.md:2: front matter: expected fields"),
    "a list as front matter": ({"incidents/x.md": "---\n- a\n---\n"},
                               "incidents/x.md:2: front matter: expected fields"),
    "empty file": ({"incidents/x.md": ""}, "incidents/x.md:1: missing front matter"),
    "site.yaml is a list": ({"content/site.yaml": "- a\n"},
                            "content/site.yaml:1: expected a mapping of settings"),
    "no components": ({"content/site.yaml": "name: x\n"},
                      "content/site.yaml:1: components: missing; list at least one component"),
    "too big": ({"incidents/x.md": GOOD + "x" * 1_000_001}, "incidents/x.md:1: larger than 1 MB"),
    "maintenance window reversed with seconds": (
        {"incidents/x.md": incident("title: x\ncomponents: [fibre]\nmaintenance: {start: "
                                    "2026-12-01 04:09:45, end: 2026-12-01 04:09:25}\n",
                                    "## 2026-11-25 10:05 · scheduled\nx\n")},
        "maintenance: end is before start"),
    "site url with a query": ({"content/site.yaml~": ("url: https://status.test.example",
                                                      'url: "https://x.example/?a=1"')},
                              "content/site.yaml:2: url: 'https://x.example/?a=1' has a query "
                              "or a fragment"),
    "next update before started": ({"incidents/x.md": incident(
        "title: x\n" + FRONT + "next_update: 2026-11-25 09:00+02:00\n")},
        "incidents/x.md:6: next_update: 2026-11-25 08:00+01:00 is before started "
        "(2026-11-25 10:00+01:00): promise a time to come, or remove it"),
    "an id too long for a file name": ({"incidents/2026-11-25-" + "a" * 240 + ".md": GOOD},
                                       "(the file name) is 251 characters long: at most 100"),
    "a component id too long": ({"content/site.yaml~": ("id: adsl", "id: " + "b" * 300)},
                                "components.id: the id bbbbbbbbbbbbbbbbbbbb… is 300 characters "
                                "long: at most 100"),
    "tags that never close": ({"incidents/x.md": incident(
        "title: x\n" + FRONT, "## 2026-11-25 10:05 · investigating\nok\n\n" + "<a " * 20_000)},
        "incidents/x.md:10: too many '<' or '[' that open nothing"),
    "links that never close": ({"incidents/x.md": incident(
        "title: x\n" + FRONT, "## 2026-11-25 10:05 · investigating\n" + "[](" * 20_000)},
        "incidents/x.md:8: too many '<' or '[' that open nothing"),
    "many texts that are each slow": ({"incidents/x.md": incident(
        "title: x\n" + FRONT + "who_is_affected: " + "'" + "[" * 2_000 + "'\n",
        "".join(f"## 2026-11-25 10:{59 - n:02d} · investigating\n" + "[" * 1_000 + "\n"
                for n in range(10)))},
        "incidents/x.md:19: too many '<' or '[' that open nothing"),
    # Markdown Python-Markdown takes minutes on, or overflows the stack with: refused at the
    # line it starts on, before it is converted (issue 35, 9 and 10; the sizes reported).
    "3,000 nested dashes (was a RecursionError)": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "- " * 3_000 + "x\n")},
        "incidents/x.md:8: lists or quotes nested 3000 deep: at most 16 levels"),
    "100,000 nested list items": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "- " * 100_000 + "x\n")},
        "incidents/x.md:8: lists or quotes nested 100000 deep: at most 16 levels"),
    "50,000 nested ordered items": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "1. " * 50_000 + "x\n")},
        "incidents/x.md:8: lists or quotes nested 50000 deep"),
    "indented lists": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "".join(
            " " * n + "- x\n" for n in range(1_400)))},
        "incidents/x.md:72: lists or quotes nested 17 deep: at most 16 levels"),
    "quotes in a summary": (
        {"incidents/x.md": incident("title: x\n" + FRONT, "ok\n\n" + "> " * 20 + "x\n")},
        "incidents/x.md:9: lists or quotes nested 20 deep"),
    "many backticks": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "`a" * 200_000 + "\n")},
        "incidents/x.md:8: too many * _ ` & \\ or line breaks in one paragraph"),
    "many entities": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "&amp;" * 150_000 + "\n")},
        "incidents/x.md:8: too many * _ ` & \\ or line breaks in one paragraph"),
    "runs of *": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "".join(
            "*" * (n % 4 + 1) + "a" for n in range(100_000)) + "\n")},
        "incidents/x.md:8: too many * _ ` & \\ or line breaks in one paragraph"),
    "thousands of ### headings": (
        {"incidents/x.md": incident("title: x\n" + FRONT,
                                    UPDATE + "ok\n\nok\n" + "### h\n" * 5_000)},
        "incidents/x.md:10: too many headings or rules (#, ---, ===) without a blank line"),
    "rules without blank lines": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "x\n---\n" * 5_000)},
        "incidents/x.md:8: too many headings or rules"),
    "fences that never close": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "ok\n" + "```a\n" * 20_000)},
        "incidents/x.md:9: too many ``` or ~~~ lines that open a code fence never closed"),
    "a long list": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "- x\n" * 200_000)},
        "incidents/x.md:8: too much markdown in one file"),
    "&#xfffe; in an update": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "ok\nA &#xfffe; B\n")},
        "incidents/x.md:9: &#xfffe; stands for U+FFFE, which a page or a feed cannot hold: "
        "delete it"),
    "&#1; in a summary": ({"incidents/x.md": incident("title: x\n" + FRONT, "a *&#1;*\n")},
                          "incidents/x.md:7: &#1; stands for U+0001"),
    "&#xFFFF; in what to do": (
        {"incidents/x.md": incident("title: x\n" + FRONT + "what_to_do: 'Call &#xFFFF;'\n")},
        "incidents/x.md:6: &#xFFFF; stands for U+FFFF"),
    "&#xd800; in a link": (
        {"incidents/x.md": incident("title: x\n" + FRONT, UPDATE + "[a](https://x/&#xd800;)\n")},
        "incidents/x.md:8: &#xd800; stands for U+D800"),
    "a reference past the last character": (
        {"incidents/x.md": incident("title: x\n" + FRONT,
                                    UPDATE + "<b>&#x" + "f" * 5000 + "</b>\n")},
        "stands for no character, which a page or a feed cannot hold"),
    "an update in year 2201": ({"incidents/x.md": incident(
        "title: x\n" + FRONT, "## 2201-01-01 10:05 · investigating\nx\n")},
        "incidents/x.md:7: invalid time '2201-01-01 10:05': times go from 1970 to 2200"),
}


def _write(site: Path, files: dict) -> None:
    for name, text in files.items():
        if callable(text):
            text(site / name)
        elif name.endswith("+"):
            path = site / name[:-1]
            path.write_text(path.read_text("utf-8") + text, encoding="utf-8")
        elif name.endswith("~"):
            path = site / name[:-1]
            old, new = text
            current = path.read_text("utf-8")
            assert old in current, old
            path.write_text(current.replace(old, new, 1), encoding="utf-8")
        else:
            (site / name).write_bytes(text.encode("utf-8"))


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The basic test site, built once; each test gets a copy."""
    site = tmp_path_factory.mktemp("built") / "site"
    shutil.copytree(TESTS / "sites" / "basic", site)
    result = CliRunner().invoke(cli.main, ["--site", str(site), "build"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return site


@pytest.fixture
def site(built, tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    copy = tmp_path / "site"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def invoke(site: Path, *args: str):
    return CliRunner().invoke(cli.main, ["--site", str(site), *args])


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_content_gives_a_located_error_and_keeps_the_site(site, name):
    files, expected = HOSTILE[name]
    _write(site, files)
    before = _snapshot(site / "build")
    for command in ("check", "build", "list"):
        result = invoke(site, command)
        # with a broken incident file, list shows what the daemon still publishes, and exits
        # 2 as the writing commands do; without a readable incidents/ it lists nothing: 1
        file_error = result.stderr.startswith("incidents/") and \
            not result.stderr.startswith("incidents/:")
        code = 2 if command == "list" and file_error else 1
        assert result.exit_code == code, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            (command, result.exception)
        assert "Traceback" not in result.output
        assert expected in result.output, (command, result.output)
        assert not UNPRINTABLE.search(result.output), (command, result.output)
    assert _snapshot(site / "build") == before


def test_an_alias_bomb_is_refused_at_once(site):
    _write(site, {"incidents/x.md": incident("title: x\n" + FRONT + alias_bomb(9))})
    started = datetime.now(PARIS)
    assert invoke(site, "check").exit_code == 1
    assert datetime.now(PARIS) - started < timedelta(seconds=5)


@pytest.mark.parametrize("kind", ["dangling link", "editor lock", "link loop", "fifo",
                                  "device link", "hidden file", "link to a name too long"])
def test_files_that_are_not_content_are_skipped_without_blocking(site, kind):
    folder = site / "incidents"
    if kind == "dangling link":
        (folder / "2026-11-25-gone.md").symlink_to(folder / "nowhere.md")
    elif kind == "editor lock":  # Emacs: a dangling link named .#<file>
        (folder / ".#2026-11-26-fibre-lyon.md").symlink_to("user@host.1234:1700000000")
    elif kind == "link loop":
        (folder / "2026-11-25-loop.md").symlink_to(folder / "2026-11-25-loop.md")
    elif kind == "fifo":
        os.mkfifo(folder / "2026-11-25-fifo.md")
    elif kind == "device link":
        (folder / "2026-11-25-zero.md").symlink_to("/dev/zero")
    elif kind == "link to a name too long":
        (folder / "2026-11-25-long.md").symlink_to("a" * 300)
    else:
        (folder / ".2026-11-25-x.md").write_text("not content", encoding="utf-8")
    result = invoke(site, "check")
    assert result.exit_code == 0, result.output
    if kind in ("editor lock", "hidden file"):
        assert _warnings(result.output) == []
    else:
        assert "skipped:" in result.output and _warnings(result.output)
    assert invoke(site, "build").exit_code == 0
    strict = invoke(site, "check", "--strict")
    assert strict.exit_code == 1  # the test site's French-only text, at least
    assert bool(_warnings(strict.output)) == (kind not in ("editor lock", "hidden file"))


def _warnings(output: str) -> list[str]:
    """The warnings, but for the test site's text not yet in English."""
    return [line for line in output.splitlines()
            if line.endswith("(warning)") and "no English text" not in line]


# What a real postmortem may hold, and more: every kind of markdown the limits weigh.
POSTMORTEM = "\n\n".join([
    "### What happened\n\nOn **25 November** at 09:58 a *fibre* cut near `LYO-3` took "
    "[the Lyon ring](https://status.example.com/lyon) down; see &laquo;details&raquo; below.",
    *(f"Paragraph {n}: customers on the **Lyon 3e** exchange lost service; our team "
      f"rerouted _traffic_ via `PAR-{n}`, then [restored](https://x.example/{n}) it." for n in
      range(150)),
    "### Timeline\n\n" + "".join(f"- 10:{n % 60:02d}: step **{n}** (`ok`)\n" for n in range(300)),
    "### Affected exchanges\n\n| exchange | customers | restored |\n|---|---:|---|\n" + "".join(
        f"| LYO-{n} | {n * 37} | 12:{n % 60:02d} |\n" for n in range(200)),
    "### Logs\n\n```text\n" + "".join(f"2026-11-25T10:{n % 60:02d}:00Z link down * [x] <a>\n"
                                      for n in range(3_000)) + "```",
    "> We are sorry.\n> > Quoted from the **field team**:\n> > - it took *long*\n"
    "> > - too long\n\n---\n\nThanks \\* 2  \nThe NOC",
])

# What the format allows must build, and check must say so first.
ALLOWED = {
    "seconds": incident("title: x\nimpact: minor\ncomponents: [fibre]\n"
                        "started: 2026-11-25 10:00:30\n",
                        "## 2026-11-25 10:00:45 · investigating\nx\n"),
    "offsets at the bounds": incident("title: x\nimpact: minor\ncomponents: [fibre]\n"
                                      "started: 2026-11-25 10:00+14:00\n",
                                      "## 2026-11-25 10:00-12:00 · investigating\nx\n"),
    "fenced code with a language": incident(
        "title: x\n" + FRONT, "## 2026-11-25 10:05 · investigating\n```python\nprint(1)\n```\n"),
    "unicode everywhere": incident("title: {fr: \"Panne ⚡ 日本語 \U0001F600\", en: Outage}\n"
                                   + FRONT + "who_is_affected: \"Tous — وداعا\"\n"),
    "markup in a title": incident('title: "<b>Bold</b> & <script>alert(1)</script>"\n' + FRONT),
    "no update yet": incident("title: x\n" + FRONT, ""),
    "an empty update": incident("title: x\n" + FRONT, "## 2026-11-25 10:05 · investigating\n"),
    "a far future promise": incident("title: x\n" + FRONT + "next_update: 2200-12-31 23:00\n"),
    "a maintenance far ahead": incident(
        "title: x\ncomponents: [fibre]\nmaintenance: {start: 2200-12-01 01:00, end: "
        "2200-12-31 23:00}\n", "## 2026-11-25 10:05 · scheduled\nx\n"),
    "brackets that never close": incident(
        "title: x\n" + FRONT, "## 2026-11-25 10:05 · investigating\n" + "[" * 2_000 + "\n\n"
        + "![" * 1_000 + "\n\n" + "*[" * 1_000 + "\n"),
    "quotes and lists nested to the limit": incident(
        "title: x\n" + FRONT, "## 2026-11-25 10:05 · investigating\n" + "> " * 16 + "deep\n\n"
        + "".join("    " * n + "- item\n" for n in range(16)) + "\n" + "1. " * 16 + "x\n"),
    "a long postmortem": incident("title: x\n" + FRONT, "## 2026-11-25 10:05 · postmortem\n"
                                  + POSTMORTEM),
}


@pytest.mark.parametrize("name", list(ALLOWED))
def test_what_the_format_allows_builds(site, name):
    (site / "incidents" / "2026-11-25-x.md").write_text(ALLOWED[name], encoding="utf-8")
    result = invoke(site, "check")
    assert result.exit_code == 0, result.output
    result = invoke(site, "build")
    assert result.exit_code == 0, result.output
    assert (site / "build" / "index.html").is_file()


# A logo that would run script when opened (the site's origin): re-written without it, and
# check names what was left out (tests/test_branding.py opens the result in Chromium).
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'
LOGO_PAYLOADS = {
    "a link with a tab in javascript:": ('<a xlink:href="java&#9;script:alert(1)"><rect '
                                         'width="9" height="9"/></a>', "removed href"),
    "a link with a newline in javascript:": ('<a href="java&#10;script:alert(1)"><rect '
                                             'width="9" height="9"/></a>', "removed href"),
    "an href animated to javascript:": ('<a><animate attributeName="href" to="javascript:'
                                        'alert(1)"/><rect width="9" height="9"/></a>',
                                        "removed <animate>"),
    "an href set to javascript:": ('<a><set attributeName="xlink:href" to="javascript:alert(1)"'
                                   '/><rect width="9" height="9"/></a>', "removed <set>"),
}


@pytest.mark.parametrize("name", list(LOGO_PAYLOADS))
def test_a_logo_that_would_run_script_is_published_without_it(site, name):
    inside, removed = LOGO_PAYLOADS[name]
    _write(site, {"content/site.yaml+": "logo: logo.svg\n",
                  "content/logo.svg": SVG.format(inside)})
    result = invoke(site, "check")
    assert result.exit_code == 0, result.output
    assert f"content/site.yaml:21: logo: content/logo.svg: {removed}: a logo may not run " \
           "script" in result.output
    assert invoke(site, "build").exit_code == 0
    (logo,) = (site / "build" / "static").glob("logo.*.svg")
    assert b"script" not in logo.read_bytes() and b"<rect" in logo.read_bytes()


# -- the commands that write ----------------------------------------------------------------



@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_site_yaml_that_is_not_a_file_is_a_located_error(site, kind):
    path = site / "content" / "site.yaml"
    path.unlink()
    path.mkdir() if kind == "folder" else os.mkfifo(path)
    before = _snapshot(site / "build")
    for command in ("check", "build", "list"):
        result = invoke(site, command)
        assert result.exit_code == 1 and not isinstance(result.exception, OSError), \
            result.exception
        assert ("content/site.yaml:1: is a folder, not a content file" if kind == "folder" else
                "content/site.yaml:1: not a regular file") in result.output, result.output
    assert _snapshot(site / "build") == before


@pytest.mark.parametrize("command", ["update", "resolve", "note"])
def test_commands_on_an_id_too_long_for_their_files_say_so(site, command):
    long_id = "2026-11-25-" + "a" * 240
    (site / "incidents" / f"{long_id}.md").write_text(GOOD, encoding="utf-8")
    result = invoke(site, command, long_id, "-m", "x")
    assert result.exit_code == 1 and f"no incident {long_id!r}" in result.output, \
        result.exception
    assert invoke(site, "new", "Panne", "-c", "fibre", "-m", "x", "--id", "b" * 98).exit_code == 1


def test_a_url_with_a_query_is_refused_on_the_command_line(site):
    result = invoke(site, "build", "--url", "https://x.example/status?a=1")
    assert result.exit_code == 1 and "--url: 'https://x.example/status?a=1' has a query" in \
        result.output, result.output


def test_seconds_given_are_kept_and_written_only_when_not_zero(site):
    result = invoke(site, "maintenance", "Travaux", "-c", "fibre", "--start",
                    "2026-12-01T04:09:25+00:00", "--end", "2026-12-01T04:09:45+00:00", "-m", "x",
                    "--id", "travaux")
    assert result.exit_code == 0, result.output
    text = (site / "incidents" / "travaux.md").read_text("utf-8")
    assert "  start: 2026-12-01 05:09:25\n  end: 2026-12-01 05:09:45\n" in text
    result = invoke(site, "update", FIBRE, "--status", "identified", "-m", "x",
                    "--next-update", "2026-11-26 18:30:00")
    assert result.exit_code == 0, result.output
    assert "next_update: 2026-11-26 18:30\n" in (site / "incidents" / f"{FIBRE}.md").read_text(
        "utf-8")


@pytest.mark.parametrize("when", ["2026-12-01T04:09:25.5+00:00", "+99999d",
                                  "2026-11-30 10:00+25:00", "0001-01-01 10:00"])
def test_odd_times_on_the_command_line_are_refused_cleanly(site, when):
    result = invoke(site, "update", FIBRE, "--status", "identified", "-m", "x",
                    "--next-update", when)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "invalid" in result.output


@pytest.mark.parametrize("message", [
    "Fixed?\n## 2026-12-01 23:00 · resolved\nAll good",
    "Titre\n## Suite",
])
def test_a_message_cannot_forge_an_update(site, message):
    path = site / "incidents" / f"{FIBRE}.md"
    before = path.read_bytes()
    result = invoke(site, "update", FIBRE, "--status", "identified", "-m", message)
    assert result.exit_code == 1
    assert "line 2 of the message" in result.output and "use ### for a sub-heading" in \
        result.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("args", [
    ["update", FIBRE, "--status", "identified", "-m", "Erreur \x1b[31m503\x1b[0m"],
    ["new", "Panne\x1f TV", "-c", "fibre", "-m", "On regarde."],
])
def test_a_control_character_on_the_command_line_is_refused(site, args):
    before = _snapshot(site / "incidents")
    result = invoke(site, *args)
    assert result.exit_code == 1
    assert "control character U+001" in result.output and "delete it" in result.output
    assert _snapshot(site / "incidents") == before


def test_a_message_with_an_unclosed_fence_cannot_swallow_the_timeline(site):
    path = site / "incidents" / f"{FIBRE}.md"
    before = path.read_bytes()
    result = invoke(site, "update", FIBRE, "--status", "identified", "-m", "Voir :\n```\nlog")
    assert result.exit_code == 1
    assert "unclosed ``` code fence" in result.output
    assert path.read_bytes() == before


def test_a_command_changes_all_its_files_or_none(site):
    original = site / "incidents" / f"{FIBRE}.md"
    translation = site / "incidents" / f"{FIBRE}.en.md"
    translation.write_text("---\ntitle: Fibre\n---\n## 2026-11-26 08:10 · nope\nx\n", "utf-8")
    before = original.read_bytes(), translation.read_bytes()
    result = invoke(site, "resolve", FIBRE)
    assert result.exit_code == 1
    assert f"incidents/{FIBRE}.en.md:4:" in result.output
    assert (original.read_bytes(), translation.read_bytes()) == before
    translation.write_text("---\ntitle: Fibre\n---\n", "utf-8")
    assert invoke(site, "resolve", FIBRE).exit_code == 0  # the retry works once it is fixed


def test_line_endings_and_bom_are_kept_in_every_file(site):
    original = site / "incidents" / f"{FIBRE}.md"
    translation = site / "incidents" / f"{FIBRE}.en.md"
    original.write_bytes(b"\xef\xbb\xbf" + original.read_bytes())
    translation.write_bytes(b"---\r\ntitle: Fibre cut\r\n---\r\n")
    assert invoke(site, "update", FIBRE, "--status", "identified", "-m", "x").exit_code == 0
    assert original.read_bytes().startswith(b"\xef\xbb\xbf---\n")
    assert invoke(site, "resolve", FIBRE).exit_code == 0
    data = translation.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and b"resolved\r\nThis incident" in data


def test_temporary_files_of_a_killed_command_are_removed_by_the_next(site):
    folder = site / "incidents"
    stale = folder / f".{FIBRE}.md.k3x9_q2z"
    stale.write_text("half", encoding="utf-8")
    lock = folder / ".#notes.md"  # an editor's: not ours
    lock.symlink_to("user@host.1:1")
    assert invoke(site, "update", FIBRE, "--status", "identified", "-m", "x").exit_code == 0
    assert not stale.exists()
    assert lock.is_symlink()


def test_serve_refuses_a_port_that_cannot_be(site):
    result = invoke(site, "serve", "--port", "99999")
    assert result.exit_code == 2
    assert "99999 is not in the range 1<=x<=65535" in result.output


# -- builds ----------------------------------------------------------------------------------

@pytest.mark.parametrize("content", ["none", "a future maintenance"])
def test_a_new_site_builds_and_says_all_is_well(site, content):
    for path in (site / "incidents").iterdir():
        path.unlink()
    if content != "none":
        (site / "incidents" / "2027-01-10-travaux.md").write_text(
            "---\ntitle: Travaux\ncomponents: [fibre]\nmaintenance: {start: 2027-01-10 01:00, "
            "end: 2027-01-10 03:00}\n---\n", encoding="utf-8")
    assert invoke(site, "check").exit_code == 0
    result = invoke(site, "build")
    assert result.exit_code == 0, result.output
    home = (site / "build" / "index.html").read_text("utf-8")
    assert "Tous les services fonctionnent normalement" in home
    english = (site / "build" / "en" / "index.html").read_text("utf-8")
    assert "All systems operational" in english  # sentence case (the API: Statuspage's)


def test_a_killed_build_leaves_nothing_behind_after_the_next(site):
    """Killed half-way, a build leaves its spare folder without a marker (and, before this
    version, a staging folder): the next build trusts neither."""
    assert invoke(site, "build").exit_code == 0  # now there is a spare: the site before
    spare = site / ".statuspage-spare-build"
    (spare / ".statuspage-build").unlink()
    (spare / "index.html").write_text("half a page", encoding="utf-8")
    (spare / "incidents" / "left-over").mkdir()
    stale = site / ".build-build-dead1234"
    (stale / "incidents").mkdir(parents=True)
    result = invoke(site, "build")
    assert result.exit_code == 0, result.output
    assert "removed .build-build-dead1234, left by a build that was stopped" in result.output
    assert not stale.exists()
    assert (spare / ".statuspage-build").is_file()
    assert "half a page" not in (spare / "index.html").read_text("utf-8")
    assert not (spare / "incidents" / "left-over").exists()
    assert {p.name for p in site.iterdir() if p.name.startswith(".")} == {
        ".statuspage-cache-build", ".statuspage-key", ".statuspage-lock-build",
        ".statuspage-manifest-build", ".statuspage-refs-index", ".statuspage-spare-build"}


def test_two_builds_of_one_folder_take_turns(site):
    import fcntl
    import threading

    fd = os.open(site / ".statuspage-lock-build", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another build holds the folder
    done = []
    other = threading.Thread(target=lambda: done.append(invoke(site, "build")))
    other.start()
    other.join(1.0)
    assert other.is_alive() and not done  # it waits
    os.close(fd)
    other.join(30)
    assert done and done[0].exit_code == 0, done[0].output


def test_a_cache_that_cannot_be_saved_is_said_and_the_site_still_built(site):
    cache = site / ".statuspage-cache-build"
    cache.unlink(missing_ok=True)
    cache.mkdir()  # cannot be replaced by a file
    (site / "incidents" / "2026-11-25-x.md").write_text(GOOD, encoding="utf-8")
    result = invoke(site, "build")
    assert result.exit_code == 0, result.output
    assert "the parse cache could not be saved" in result.output
    assert "left as it was" not in result.output
    assert (site / "build" / "incidents" / "2026-11-25-x" / "index.html").is_file()


# -- folders that go missing or cannot be read ----------------------------------------------

def test_an_unreadable_incidents_folder_is_a_located_error(site):
    folder = site / "incidents"
    folder.chmod(0)
    try:
        if os.access(folder, os.R_OK):
            pytest.skip("this user reads any folder (root): 'incidents a loop of links' "
                        "covers the same error")
        before = _snapshot(site / "build")
        for command in ("check", "build"):
            result = invoke(site, command)
            assert result.exit_code == 1 and "Traceback" not in result.output
            assert "incidents/: cannot be read: permission denied: give the user who runs " \
                   "statuspage access to it (chmod u+rx incidents)" in result.output
        assert _snapshot(site / "build") == before
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("folder", ["incidents", "content"])
def test_the_daemon_keeps_the_last_good_site_while_a_folder_is_gone(site, folder, caplog):
    """A folder missing for a moment (a checkout, an rsync) is a content error, not a site
    without incidents: the daemon publishes the last good content until it is back."""
    import logging

    from statuspage.freeze.build import build
    from statuspage.ops.daemon import Daemon

    caplog.set_level(logging.INFO, logger="statuspage.ops.daemon")
    daemon = Daemon(site, clock=lambda: NOW, build=build)
    daemon.start(paused=True)
    try:
        page = site / "build" / "incidents" / FIBRE / "index.html"
        assert page.is_file()
        (site / folder).rename(site / f"{folder}.moved")
        daemon.poll()
        messages = [r.getMessage() for r in caplog.records if r.name == "statuspage.ops.daemon"]
        assert any(message.startswith("content error (") and f"{folder}/: missing:" in message
                   for message in messages), messages
        assert page.is_file()
        (site / f"{folder}.moved").rename(site / folder)
    finally:
        daemon.stop()


def test_the_daemon_logs_a_changed_files_name_escaped(site, caplog):
    """A name with a terminal escape or a newline reaches the log as escapes: it can neither
    act on the terminal that reads the log nor forge a line of its own."""
    import logging

    from statuspage.freeze.build import build
    from statuspage.ops.daemon import Daemon

    caplog.set_level(logging.INFO, logger="statuspage.ops.daemon")
    daemon = Daemon(site, clock=lambda: NOW, build=build)
    daemon.start(paused=True)
    try:
        (site / "incidents" / "x\x1b]0;pwned\x07\nforged.md").write_text("x", "utf-8")
        daemon.poll()
        messages = [r.getMessage() for r in caplog.records if r.name == "statuspage.ops.daemon"]
        assert any("incidents/x\\x1b]0;pwned\\x07\\nforged.md changed" in m
                   for m in messages), messages
        assert not any("\x1b" in m or "\n" in m for m in messages)
    finally:
        daemon.stop()


class _Payload:
    """What a planted parse cache would run when unpickled: make a folder."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


def _plant(cache: Path, payload: _Payload, key: bytes | None = None) -> None:
    import hmac
    import pickle

    data = pickle.dumps({"code": "x", "parsed": payload, "good": {}})
    signature = hmac.new(key, data, hashlib.sha256).digest() if key else b""
    cache.write_bytes(signature + data)  # unsigned: the pickle alone, as before signing


@pytest.mark.parametrize("how", ["unsigned", "signed, another owner",
                                 "signed with a key others can read"])
def test_a_planted_parse_cache_is_never_unpickled(site, tmp_path, how):
    """Issue 35.17: a .statuspage-cache-* planted in a world-writable output parent ran
    code as the building user. Only a cache file of the user, signed with the site's
    private key, is read."""
    marker = tmp_path / "ran"
    cache, key_file = site / ".statuspage-cache-build", site / ".statuspage-key"
    key = key_file.read_bytes() if how != "unsigned" else b""
    if how == "unsigned":
        _plant(cache, _Payload(marker))
    elif how == "signed, another owner":
        if os.geteuid() != 0:
            pytest.skip("only root can give a file to another user")
        _plant(cache, _Payload(marker), key)
        os.chown(cache, 65534, 65534)
    else:
        key_file.chmod(0o644)
        _plant(cache, _Payload(marker), key)
    (site / "incidents" / "2026-11-25-x.md").write_text(GOOD, encoding="utf-8")
    for command in ("build", "check", "list"):
        result = invoke(site, command)
        assert result.exit_code == 0, (command, result.output)
        assert not marker.exists(), command
    assert (site / "build" / "incidents" / "2026-11-25-x" / "index.html").is_file()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_uid == os.geteuid()  # replaced by the build's own


def _as_user() -> list[str]:
    """The prefix that runs a command under the file permissions of an ordinary user: root
    without its power to read and write any file (as root, a folder's mode stops nothing)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's file powers")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]


def _statuspage(site: Path, *args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([*_as_user(), sys.executable, "-m", "statuspage", "--site",
                           str(site), *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, **options)


UNWRITABLE = {  # what is made read-only → the path the message names
    "the site folder": (".", "the folder that holds build/ is not writable by this user"),
    "the lock file": (".statuspage-lock-build",
                      "the lock file of the builds of build/ is not writable by this user"),
    "the spare": (".statuspage-spare-build",
                  "each build of build/ writes here, and it is not writable by this user"),
    "the build folder": ("build",
                         "each build of build/ writes here, and it is not writable by this user"),
}


@pytest.mark.parametrize("what", list(UNWRITABLE))
def test_check_and_build_agree_on_an_output_that_cannot_be_written(site, what):
    """Issue 35.9, 35.11: a read-only lock file or output parent gave check ok, then a
    traceback from build. Both now say where, and how to fix it; the site stays."""
    name, message = UNWRITABLE[what]
    (site / "incidents" / "2026-11-25-x.md").write_text(GOOD, encoding="utf-8")
    target = (site / name).resolve()
    before = _snapshot(site / "build")
    mode = target.stat().st_mode
    target.chmod(mode & ~0o222)
    try:
        for command in ("check", "build"):
            result = _statuspage(site, command)
            assert result.returncode == 1, (command, result.stdout, result.stderr)
            assert "Traceback" not in result.stderr
            assert f"{target}: {message}: give the user who builds write access to it, or " \
                   "choose another --out" in result.stderr, (command, result.stderr)
    finally:
        target.chmod(mode)
    assert _snapshot(site / "build") == before


def test_a_daemon_whose_output_cannot_be_written_says_so_once_a_rebuild(site, tmp_path):
    """Issue 35.9: a read-only lock file gave a traceback at every rebuild of the daemon,
    then a second one for the fallback to the last good content."""
    log = tmp_path / "daemon.log"
    with log.open("w", encoding="utf-8") as stream:
        daemon = subprocess.Popen(
            [*_as_user(), sys.executable, "-m", "statuspage", "--site", str(site), "run",
             "--every", "1h"], env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=stream, stderr=subprocess.STDOUT)
    lock = site / ".statuspage-lock-build"
    try:
        _wait_for(lambda: "INFO rebuilt " in log.read_text("utf-8"), "the first build")
        lock.chmod(0o444)
        files.write_atomic(site / "incidents" / "2026-11-25-x.md", GOOD.encode())
        _wait_for(lambda: "not rebuilt" in log.read_text("utf-8"), "the failed rebuild")
        files.write_atomic(site / "incidents" / "2026-11-25-y.md", GOOD.encode())
        _wait_for(lambda: log.read_text("utf-8").count("not rebuilt") >= 2, "the next one")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
        lock.chmod(0o644)
    text = log.read_text("utf-8")
    assert "Traceback" not in text
    failures = [line for line in text.splitlines() if "not rebuilt" in line]
    assert len(failures) == 2, failures  # one line a rebuild: no fallback to the same end
    assert f"{lock}: the lock file of the builds of build/ is not writable by this user" \
        in failures[0]
    assert failures[0].endswith("; the site online stays as it was")


def _wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def test_an_internal_note_that_breaks_the_desk_fails_check(site):
    """Issue 35.14: check rendered the public edition only, so an internal note that
    breaks the desk's pages passed it (and a daemon with --desk-out stopped updating the
    desk)."""
    (site / "incidents" / f"{FIBRE}.internal.md").write_text(
        "---\nsay: Rien.\n---\n## 2026-11-26 10:00\n" + "- " * 3000 + "x\n", encoding="utf-8")
    # In processes of their own: a RecursionError inside Python-Markdown leaves the
    # thread's converter broken (every later text comes out unconverted).
    for command in (("check",), ("build", "--edition", "desk")):
        result = _statuspage(site, *command)
        assert result.returncode == 1, (command, result.stderr)
        assert "Traceback" not in result.stderr, (command, result.stderr)
    assert f"incidents/{FIBRE}." in _statuspage(site, "check").stderr  # its file, or its page
    assert _statuspage(site, "build").returncode == 0  # the public site never reads it


@pytest.mark.parametrize("how", ["200 MB", "unreadable"])
def test_check_and_the_desk_build_agree_on_an_internal_file_they_cannot_use(site, how):
    """Issue 35.11: check (which validates both editions) and the desk build give the same
    located error; the public build, which never reads internal files, is not held up."""
    path = site / "incidents" / f"{FIBRE}.internal.md"
    path.write_text("---\nsay: Rien.\n---\n", encoding="utf-8")
    if how == "200 MB":
        os.truncate(path, 200_000_000)
        expected = f"incidents/{FIBRE}.internal.md:1: larger than 1 MB"
    else:
        path.chmod(0)
        expected = f"incidents/{FIBRE}.internal.md:1: cannot be read: permission denied"
    for command in (("check",), ("build", "--edition", "desk")):
        result = _statuspage(site, *command)
        assert result.returncode == 1, (command, result.stderr)
        assert expected in result.stderr and "Traceback" not in result.stderr, \
            (command, result.stderr)
    assert _statuspage(site, "build").returncode == 0


SLOW = "incidents/2026-11-25-slow.md:1: not read within 5 s (a slow or hung file system?): " \
    "it is read again at the next build"


def test_a_file_that_never_reads_is_a_located_error(site, tmp_path):
    """Issue 35.12: a read that hangs (a hung network mount, here a FUSE file system that
    never answers) held up the build. It is now a problem of that file."""
    before = _snapshot(site / "build")
    with hanging_file(tmp_path / "mount") as slow:
        (site / "incidents" / "2026-11-25-slow.md").symlink_to(slow)
        for command in ("check", "build"):
            result = invoke(site, command)
            assert result.exit_code == 1, (command, result.output)
            assert SLOW in result.output, (command, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _snapshot(site / "build") == before


def test_files_read_in_one_go_read_as_one_by_one_and_a_hung_one_stops_none(tmp_path,
                                                                            monkeypatch):
    """A parsing worker reads its share's files in one go (``reading.read_ahead``): each
    ``read`` then gives what it would give alone; a hung file holds up the batch once, for
    the time allowed, and is then said at once not to have been read in time; the files
    after it are read one by one."""
    from statuspage.content import reading
    from statuspage.errors import Problems

    monkeypatch.setattr(reading, "READ_SECONDS", 1)
    folder = tmp_path / "files"
    folder.mkdir()
    for n in range(4):
        (folder / f"{n}.md").write_text(f"texte {n}\n", encoding="utf-8")
    (folder / "folder.md").mkdir()
    names = ["0.md", "folder.md", "1.md", "slow.md", "2.md", "3.md"]
    got = {}
    with hanging_file(tmp_path / "mount") as slow:
        (folder / "slow.md").symlink_to(slow)
        started = time.monotonic()
        with reading.read_ahead([str(folder / name) for name in names]):
            waited = time.monotonic() - started
            for name in reversed(names):  # (in any order)
                problems, asked = Problems(name), time.monotonic()
                text = reading.read(str(folder / name), problems)
                got[name] = (text, [p.message for p in problems.errors],
                             time.monotonic() - asked)
    assert 1 <= waited < 3
    assert [got[f"{n}.md"][:2] for n in range(4)] == [(f"texte {n}\n", []) for n in range(4)]
    assert got["folder.md"][:2] == (None, ["is a folder, not a content file: rename or "
                                           "remove it"])
    assert got["slow.md"][1] == [SLOW.split(":1: ")[1].replace("5 s", "1 s")]
    assert got["slow.md"][2] < 0.5  # (known on entering: not read again)


def test_files_read_in_one_go_hold_so_many_bytes_the_others_are_read_one_by_one(tmp_path,
                                                                              monkeypatch):
    """What ``read_ahead`` reads on entering is what ``read`` gives, up to ``AHEAD_BYTES``;
    the files past it are read when asked (a share of large files is not held at once)."""
    from statuspage.content import reading
    from statuspage.errors import Problems

    monkeypatch.setattr(reading, "AHEAD_BYTES", 20)
    paths = [tmp_path / f"{n}.md" for n in range(4)]
    for n, path in enumerate(paths):
        path.write_text(f"texte {n}\n", encoding="utf-8")  # 8 bytes: three pass 20
    with reading.read_ahead([str(path) for path in paths]):
        for n, path in enumerate(paths):
            path.write_text(f"changé {n}\n", encoding="utf-8")
        got = [reading.read(str(path), Problems(path.name)) for path in paths]
    assert got == ["texte 0\n", "texte 1\n", "changé 2\n", "changé 3\n"]


def test_parsing_workers_reading_in_one_go_give_the_site_one_process_gives(example_dir,
                                                                          monkeypatch):
    """The workers that parse a first build's files, each reading its share in one go, give
    the site, and a file's problem, that parsing in one process gives. (Not with a hung
    file: a forked worker whose read hangs in the kernel cannot end until it returns, and
    the build waits for its workers; see docs/performance.md.)"""
    import statuspage.content.loader as loading
    from statuspage.content import reading
    from statuspage.forking import in_worker

    one_by_one = reading._in_time

    def in_time(job, path):
        assert not in_worker(), f"{path}: read one by one by a parsing worker"
        return one_by_one(job, path)

    monkeypatch.setattr(reading, "_in_time", in_time)
    monkeypatch.setattr(loading.os, "sched_getaffinity", lambda pid: {0, 1})
    big = example_dir / "incidents" / "2026-11-25-big.md"
    big.write_text(GOOD + "## 2026-11-25 10:05 · investigating\n" + "x" * 1_100_000 + "\n",
                   encoding="utf-8")
    monkeypatch.setattr(loading, "PARALLEL_FROM", 10**9)
    alone = loading.Loader(example_dir).load(lenient=True)
    monkeypatch.setattr(loading, "PARALLEL_FROM", 1)
    together = loading.Loader(example_dir).load(lenient=True)
    assert [str(e) for e in together.errors] == [
        "incidents/2026-11-25-big.md:1: larger than 1 MB: a content file holds one incident; "
        "split it or trim it"]
    assert together.errors == alone.errors and together.incidents == alone.incidents
    assert [i.digest for i in together.incidents] == [i.digest for i in alone.incidents]
    assert len(together.incidents) >= 5


def test_a_parsing_worker_reads_ahead_no_file_its_parse_would_not_read(site_dir, tmp_path,
                                                                       monkeypatch):
    """A translation the parse refuses unread (here an unknown language) is not read ahead
    either: on a hung mount, it would hold up the share, and keep its worker from ending."""
    from statuspage.content import reading, sources
    from statuspage.content.loader import Loader, grouped

    monkeypatch.setattr(reading, "READ_SECONDS", 2)
    with hanging_file(tmp_path / "mount") as slow:
        (site_dir / "incidents" / f"{FIBRE}.zz.md").symlink_to(slow)
        loader = Loader(site_dir)
        config, _, config_key = loader.config()
        groups, present = grouped(sources.scan(site_dir))
        started = time.monotonic()
        parsed = loader._parse_share(list(groups.values()), config, config_key, present)
        took = time.monotonic() - started
    assert took < 1.5, took
    assert f"incidents/{FIBRE}.zz.md" not in parsed  # (refused before any read)
    assert parsed[f"incidents/{FIBRE}.md"].incident is not None
    assert parsed[f"incidents/{TRANSLATED}.en.md"].incident is not None  # (read ahead)


def test_a_file_that_never_reads_does_not_hold_up_the_daemon(site, tmp_path):
    """Issue 35.12: a slow file delayed an unrelated update by 37 s (and a hung one, for
    ever). The daemon publishes the update, and says what is wrong with the slow file."""
    log = tmp_path / "daemon.log"
    page = site / "build" / "incidents" / FIBRE / "index.html"
    with log.open("w", encoding="utf-8") as stream:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "statuspage", "--site", str(site), "run", "--every", "1h"],
            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=stream,
            stderr=subprocess.STDOUT)
    try:
        with hanging_file(tmp_path / "mount") as slow:  # its reads fail once it is gone
            _wait_for(lambda: "INFO rebuilt " in log.read_text("utf-8"), "the first build")
            (site / "incidents" / "2026-11-25-slow.md").symlink_to(slow)
            path = site / "incidents" / f"{FIBRE}.md"
            text = path.read_text("utf-8")
            head, _, rest = text.partition("\n## ")
            path.write_text(f"{head}\n## 2026-11-26 11:30 · identified\nLe câble est "
                            f"trouvé.\n\n## {rest}", encoding="utf-8")
            _wait_for(lambda: "Le câble est trouvé." in page.read_text("utf-8"),
                      "the update to be published")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
    text = log.read_text("utf-8")
    assert SLOW in text and "Traceback" not in text


@pytest.mark.parametrize("where", [".statuspage-spare-build", "build"])
def test_a_fifo_in_place_of_a_marker_does_not_block_the_build(site, where):
    """A FIFO planted as a build's marker (beside the output, in a folder others can
    write) blocked the build for ever on reading it; it is now a marker that cannot be
    read: the build goes on without what it would have said."""
    marker = site / where / ".statuspage-build"
    marker.unlink()
    os.mkfifo(marker)
    result = _statuspage(site, "build", timeout=120)
    assert result.returncode == 0, result.stderr
    assert (site / "build" / ".statuspage-build").is_file()


def test_a_site_folder_that_cannot_take_the_cache_key_still_builds(site, tmp_path):
    """The key that signs the parse cache lives in the site folder: a read-only one (a
    deployed checkout, built elsewhere) builds without a cache, and says why."""
    (site / ".statuspage-key").unlink()
    out = tmp_path / "elsewhere" / "build"
    site.chmod(0o555)
    try:
        result = _statuspage(site, "build", "--out", str(out))
    finally:
        site.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert f"the parse cache could not be signed: its key {site / '.statuspage-key'} cannot " \
           "be made (Permission denied): the next build parses every file again" \
           in result.stderr
    assert (out / "index.html").is_file() and not (site / ".statuspage-key").exists()
