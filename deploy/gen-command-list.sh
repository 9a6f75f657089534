#!/usr/bin/env bash
# Regenerates the "Supported commands" section of README.md from the command
# table (build/bin/troupe-command-list). With --check, changes nothing and
# fails when the README is out of date (run by CTest, which points
# TROUPE_COMMAND_LIST at the binary of the build under test).
set -euo pipefail
cd "$(dirname "$0")/.."
list="$("${TROUPE_COMMAND_LIST:-build/bin/troupe-command-list}")"
new="$(/usr/bin/python3 - "$list" <<'PY'
import sys, re
text = open("README.md").read()
block = "<!-- BEGIN COMMANDS -->\n" + sys.argv[1].rstrip("\n") + "\n<!-- END COMMANDS -->"
print(re.sub(r"<!-- BEGIN COMMANDS -->.*?<!-- END COMMANDS -->", lambda m: block, text, flags=re.S), end="")
PY
)"
if [ "${1:-}" = "--check" ]; then
  if [ "$new" != "$(cat README.md)" ]; then
    echo "README.md's command list is out of date: run bash deploy/gen-command-list.sh" >&2
    exit 1
  fi
  echo "README.md command list is up to date"
else
  printf '%s\n' "$new" > README.md
fi
