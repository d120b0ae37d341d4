#!/bin/bash
# Does a change leave the built sites byte-identical?
#
#     benchmarks/same_output.sh BASE [HEAD]      (commits; HEAD: the working tree)
#
# Builds, with each version of the code, the example site at --now "2026-11-26 10:00"
# (public and desk editions) and a generated 1,000-incident site (seed 1) at
# --now "2026-11-26 12:00", each with --full, and diffs them. The marker
# (.statuspage-build) is left out: it holds the package's code digest, which changes with
# any change of code by design. Prints "identical" or the files that differ, per site.
set -euo pipefail
base=$1
head=${2:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"; git -C "$repo" worktree prune' EXIT

code_of() {  # a commit's tree in $work/$2, or the working tree
    if [ -z "$1" ]; then echo "$repo"; return; fi
    git -C "$repo" worktree add -q --detach "$work/$2" "$1"
    echo "$work/$2"
}

generate() {
    PYTHONPATH="$repo" "$python" -c "
import sys; sys.path.insert(0, '$repo/benchmarks')
from pathlib import Path
import sitegen
sitegen.generate(Path('$work/generated'), 1000, 1, sitegen.DEFAULT_NOW, ['fr', 'en'])"
}

build_all() {  # code, output folder
    local code=$1 out=$2
    mkdir -p "$out"
    rm -rf "$work/site" && mkdir "$work/site"
    cp -r "$repo/content" "$repo/incidents" "$work/site/"
    (cd "$work/site" && PYTHONPATH="$code" "$python" -m statuspage build --full \
        --now "2026-11-26 10:00" --out "$out/example" > /dev/null)
    (cd "$work/site" && PYTHONPATH="$code" "$python" -m statuspage build --full \
        --now "2026-11-26 10:00" --edition desk --out "$out/example-desk" > /dev/null)
    rm -rf "$work/gen" && cp -r "$work/generated" "$work/gen"
    (cd "$work/gen" && PYTHONPATH="$code" "$python" -m statuspage build --full \
        --now "2026-11-26 12:00" --out "$out/generated" > /dev/null)
}

generate
build_all "$(code_of "$base" base)" "$work/before"
build_all "$(code_of "$head" head)" "$work/after"
status=0
for site in example example-desk generated; do
    if diff -r -x .statuspage-build "$work/before/$site" "$work/after/$site" > /dev/null; then
        echo "$site: identical"
    else
        echo "$site: DIFFERS"
        diff -rq -x .statuspage-build "$work/before/$site" "$work/after/$site" | head -20 || true
        status=1
    fi
done
exit $status
