#!/usr/bin/env bash
# Runs the README's "A five-minute tour" block as written, from the checkout's root, after
# scripts/demo.sh has filled .facesign/, then every sql block of README.md and of docs/*.md
# (README.md first, then the docs in name order) against the demo's database (through
# scripts/psql.sh). Fails on the first command or query that fails.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
tour="$(awk '/^## A five-minute tour/ {in_section = 1; next}
             in_section && /^## / {exit}
             in_section && /^```sh$/ {in_block = 1; next}
             in_block && /^```$/ {exit}
             in_block {print}' README.md)"
[ -n "$tour" ] || { echo "README.md has no sh block under '## A five-minute tour'" >&2; exit 1; }
[ -d .facesign/dataset ] || { echo "run scripts/demo.sh first: .facesign/dataset is missing" >&2; exit 1; }
commands=$(printf '%s\n' "$tour" | grep -cvE '^\s*(#|$)' || true)
printf '%s\n' "$tour" | bash -euo pipefail -x
echo "readme tour: $commands commands passed, 0 failed"

# A fixed order: README.md, then docs/*.md sorted by name in the C locale.
docs=(README.md)
while IFS= read -r file; do
  if [ -f "$file" ]; then docs+=("$file"); fi
done < <(printf '%s\n' docs/*.md | LC_ALL=C sort)
queries="$(for file in "${docs[@]}"; do
  awk '/^```sql$/ {in_block = 1; next} in_block && /^```$/ {in_block = 0; next} in_block {print}' "$file"
done)"
statements=$(printf '%s\n' "$queries" | grep -v '^[[:space:]]*--' | grep -c ';' || true)
[ "$statements" -gt 0 ] || { echo "no sql block in ${docs[*]}" >&2; exit 1; }
printf '%s\n' "$queries" | scripts/psql.sh -v ON_ERROR_STOP=1 -e
echo "readme sql: $statements statements passed, 0 failed"
