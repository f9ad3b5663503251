#!/usr/bin/env bash
# Regenerates test/corpus/<case>/oracle.json with the Istio translation oracle.
#   regen-corpus.sh [--check] [CASE...]
# Each case directory holds Kubernetes/Istio YAML files; they are passed to the oracle in file
# name order (their documents' order is their creation order, see README.md), plus the flags
# listed one per line in the case's optional `oracle.args`.
#   --check   write nothing; exit 1 when any oracle.json differs from what the oracle prints now
#             (or is missing), listing the cases. This is what CI runs.
# The oracle binary is $ORACLE_BIN when set, otherwise build.sh's cached binary (built if missing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
corpus="$(cd "$here/../../corpus" && pwd)"

check=0
cases=()
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "regen-corpus.sh: unknown option $arg (use --check)" >&2; exit 2 ;;
    *) cases+=("$arg") ;;
  esac
done

oracle="${ORACLE_BIN:-}"
if [[ -z "$oracle" ]]; then
  oracle="$("$here/build.sh" | tail -n 1)"
fi
if [[ ! -x "$oracle" ]]; then
  echo "regen-corpus.sh: oracle binary $oracle is not executable" >&2
  exit 1
fi

if [[ ${#cases[@]} -eq 0 ]]; then
  for d in "$corpus"/*/; do
    cases+=("$(basename "$d")")
  done
fi

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
differ=()
failed=()
start=$(date +%s%N)
for name in "${cases[@]}"; do
  dir="$corpus/$name"
  if [[ ! -d "$dir" ]]; then
    echo "regen-corpus.sh: no case $name under $corpus" >&2
    exit 2
  fi
  files=()
  while IFS= read -r f; do files+=("$f"); done < <(find "$dir" -maxdepth 1 -name '*.yaml' | LC_ALL=C sort)
  args=()
  if [[ -f "$dir/oracle.args" ]]; then
    while IFS= read -r a; do [[ -n "$a" ]] && args+=("$a"); done < "$dir/oracle.args"
  fi
  if ! "$oracle" "${args[@]}" "${files[@]}" > "$tmp" 2> "$tmp.err"; then
    echo "FAIL  $name: $(cat "$tmp.err")" >&2
    failed+=("$name")
    rm -f "$tmp.err"
    continue
  fi
  rm -f "$tmp.err"
  if [[ $check -eq 1 ]]; then
    if [[ ! -f "$dir/oracle.json" ]] || ! cmp -s "$tmp" "$dir/oracle.json"; then
      differ+=("$name")
      echo "DIFF  $name" >&2
      if [[ -f "$dir/oracle.json" ]]; then diff -u "$dir/oracle.json" "$tmp" | head -n 40 >&2 || true; fi
    else
      echo "ok    $name" >&2
    fi
  else
    cat "$tmp" > "$dir/oracle.json"
    echo "wrote $name/oracle.json" >&2
  fi
done
end=$(date +%s%N)
echo "regen-corpus.sh: ${#cases[@]} cases in $(((end - start) / 1000000)) ms" >&2
bad=$((${#failed[@]} + ${#differ[@]}))
echo "oracle: $((${#cases[@]} - bad)) passed, $bad failed"
# test/run-all.mjs reads each suite's own counts from this file.
if [[ -n "${LAB_TEST_COUNTS:-}" ]]; then
  printf '{"passed":%d,"failed":%d}\n' "$((${#cases[@]} - bad))" "$bad" > "$LAB_TEST_COUNTS"
fi

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "regen-corpus.sh: the oracle failed on: ${failed[*]}" >&2
  exit 1
fi
if [[ ${#differ[@]} -gt 0 ]]; then
  echo "regen-corpus.sh: oracle.json out of date for: ${differ[*]} (run test/harness/oracle/regen-corpus.sh and commit)" >&2
  exit 1
fi
