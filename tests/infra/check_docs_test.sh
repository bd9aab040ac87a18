#!/usr/bin/env bash
# ctest docs.check_finds_problems: infra/check-docs.sh on small trees made here. A clean tree
# passes; a tree with one problem of each kind fails with exactly one line per problem, naming
# the file and line.
#
#   tests/infra/check_docs_test.sh
set -euo pipefail

CHECK="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)/infra/check-docs.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# A tree that passes: a README quoting its example, one docs page, links with anchors.
make_clean_tree() {
  local root=$1
  mkdir -p "$root/docs" "$root/examples"
  cat >"$root/examples/hello.cc" <<'EOF'
int main() {
  // example begins
  return 0;
  // example ends
}
EOF
  cat >"$root/README.md" <<'EOF'
# Title

See [the guide](docs/guide.md#first-steps) and `examples/hello.cc`.

<!-- examples/hello.cc, between "example begins" and "example ends" -->
```cpp
  return 0;
```
EOF
  cat >"$root/docs/guide.md" <<'EOF'
# Guide

## First steps

Back to the [README](../README.md) or [below](#more-on-this).

## More on `this`

Text.
EOF
  git -C "$root" init -q
  git -C "$root" add -A
}

# Runs the check on $1; sets OUT (stderr and stdout) and RC.
run_check() {
  RC=0
  OUT=$("$CHECK" "$1" 2>&1) || RC=$?
}

make_clean_tree "$WORK/clean"
run_check "$WORK/clean"
[[ $RC -eq 0 ]] || fail "clean tree: exit $RC, output: $OUT"
[[ "$OUT" == "check-docs: 2 pages, 3 relative links, 1 quoted paths, 1 quoted example(s) OK; README.md 8 lines; no process words" ]] ||
  fail "clean tree: summary line was: $OUT"

# One problem of each kind, each expected as exactly this line.
make_clean_tree "$WORK/bad"
cd "$WORK/bad"
sed -i 's|docs/guide.md#first-steps|docs/guide.md#no-such-heading|' README.md
# shellcheck disable=SC2016  # backticks are Markdown here
echo 'A [missing page](docs/missing.md) and `dynaflow/engine/missing.h`.' >>docs/guide.md
sed -i 's|  return 0;|  return 1;|' README.md
# A process phrase, built here so that this file does not contain it.
process_phrase="This fixes $(printf 'iss%s' 'ue') 12."
echo "$process_phrase" >>docs/guide.md
for _ in $(seq 1 400); do echo "line" >>README.md; done
git add -A
cd - >/dev/null
run_check "$WORK/bad"
[[ $RC -eq 1 ]] || fail "bad tree: exit $RC, expected 1"
expect=(
  "README.md: 408 lines; at most 400 (move details into docs/)"
  "README.md:5: the block quoting examples/hello.cc differs from it"
  "README.md:3: link to docs/guide.md#no-such-heading: docs/guide.md has no heading #no-such-heading"
  "docs/guide.md:10: link to docs/missing.md: docs/docs/missing.md does not exist"
  "docs/guide.md:10: \`dynaflow/engine/missing.h\` names a repository path that does not exist"
  "docs/guide.md:11:$process_phrase: says how the product was made"
  "check-docs: 6 problem(s)"
)
for line in "${expect[@]}"; do
  grep -qF -- "$line" <<<"$OUT" || fail "bad tree: no line '$line' in: $OUT"
done
lines=$(wc -l <<<"$OUT")
[[ $lines -eq ${#expect[@]} ]] || fail "bad tree: $lines lines of output, expected ${#expect[@]}: $OUT"

if ((failures > 0)); then
  echo "check_docs_test: $failures failure(s)" >&2
  exit 1
fi
echo "check_docs_test: a clean tree passes; each of 6 problems is reported once"
