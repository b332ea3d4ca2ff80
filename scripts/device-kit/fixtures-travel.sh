#!/bin/bash
# The device tool sends the working tree (tracked files and untracked files git does not ignore) plus the
# carried paths, 64 MiB in all. fixtures/ (53 MB, tracked) would crowd out the kit, which carries the
# fixture folders the device needs as fixtures.tar.xz (19 MB). So, for the device calls only, fixtures/
# leaves git's index (the files stay on disk) and .git/info/exclude ignores it; afterwards it goes back.
#   bash scripts/device-kit/fixtures-travel.sh off      # before the device calls (prepare.sh runs it)
#   bash scripts/device-kit/fixtures-travel.sh on       # after them, before any commit
#   bash scripts/device-kit/fixtures-travel.sh status
# While it is off, `git status` shows fixtures/ as deleted and staged: do not commit then.
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
exclude="$root/.git/info/exclude"
line='/fixtures/'
cd "$root"

tracked() { git ls-files --error-unmatch fixtures/README.md >/dev/null 2>&1; }

case "${1:-}" in
  off)
    if tracked; then git rm -r -q --cached fixtures; fi
    mkdir -p "$(dirname "$exclude")"
    grep -qxF "$line" "$exclude" 2>/dev/null || echo "$line" >>"$exclude"
    echo "fixtures/ is out of the device tool's working tree (untracked, ignored); run 'bash scripts/device-kit/fixtures-travel.sh on' after the device calls, before any commit"
    ;;
  on)
    if [ -f "$exclude" ]; then
      grep -vxF "$line" "$exclude" >"$exclude.tmp" || true
      mv "$exclude.tmp" "$exclude"
    fi
    git reset -q -- fixtures
    tracked || { echo "fixtures-travel.sh: fixtures/README.md is still not tracked" >&2; exit 1; }
    if ! git diff --quiet -- fixtures; then echo "fixtures-travel.sh: fixtures/ differs from the commit: git diff -- fixtures" >&2; exit 1; fi
    echo "fixtures/ is tracked again"
    ;;
  status)
    if tracked; then echo on; else echo off; fi
    ;;
  *)
    echo "usage: fixtures-travel.sh off|on|status" >&2
    exit 2
    ;;
esac
