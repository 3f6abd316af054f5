#!/bin/sh
# Prints CHANGELOG.md from the commit history, newest day first (the package task writes it into the
# tarball). The commit subjects are the change notes: each one says what changed and why.
set -eu
cd "$(dirname "$0")/.."
printf '# Changelog\n\nEvery change, newest first, from the commit history (scripts/changelog.sh).\n'
git log --no-merges --date=short --format='%ad%x09%s (%h)' | awk -F '\t' '
  $1 != day { printf "\n## %s\n\n", $1; day = $1 }
  { print "- " $2 }
'
