#!/usr/bin/env bash
# Every test of esante.roc, in order: lint, sanity, unit, integration, molecule, matrix (or the parts named as arguments).
# Each part records how many checks passed and failed; the last line sums them all:
#   N passed, N failed
# Exit status is non-zero when anything failed. Called by `make test` (which sets up the venvs,
# the lab PKI, the images and the installed collection first).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
out="$top/tests/output/results"
rm -rf "$out"
mkdir -p "$out"
parts=("$@")
# The whole run: the matrix (local connection, CPU-bound) runs at a lower priority beside the integration and molecule
# parts (containers, mostly waiting on connections), once the unit part has made the fixtures it reads. Named parts run
# one after the other.
[ ${#parts[@]} -eq 0 ] && parts=(lint sanity unit matrix-start integration molecule matrix-wait)
export PATH="$top/.venv/bin:$PATH"

record() { # name passed failed
  echo "$2 $3" >"$out/$1.count"
  printf '== %-28s %4d passed, %d failed\n' "$1" "$2" "$3"
}

# one command = one check
check() { # name command...
  local name=$1
  shift
  if "$@" >"$out/$name.log" 2>&1; then
    record "$name" 1 0
  else
    tail -30 "$out/$name.log"
    record "$name" 0 1
  fi
}

# a pytest run: its own counts, from its junit report
pytest_part() { # name python args...
  local name=$1 python=$2
  shift 2
  "$python" -m pytest -q -p no:cacheprovider --durations=25 --junitxml="$out/$name.xml" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  tail -3 "$out/$name.log"
  junit_count "$name" "$out/$name.xml" "$rc"
}

junit_count() { # name xml rc
  local counts
  counts=$(python3 - "$2" <<'EOF'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 0")
    sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(total - bad - skipped, bad)
EOF
  )
  read -r passed failed <<<"$counts"
  # a runner that failed without reporting a failure (crash, collection error) counts as one failure
  if [ "$3" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  record "$1" "$passed" "$failed"
}

matrix_counts() {
  while read -r _word name rc; do
    if [ "$rc" = 0 ]; then record "matrix-$name" 1 0; else record "matrix-$name" 0 1; fi
  done < <(grep '^check ' "$out/matrix.log")
  grep -q '^check ' "$out/matrix.log" || record matrix-ran 0 1
}

for part in "${parts[@]}"; do
  part_start=$SECONDS
  case "$part" in
  lint)
    check lint-ruff ruff check .
    check lint-yamllint yamllint .
    check lint-ansible-lint ansible-lint --profile production
    ;;
  sanity)
    check sanity-ansible-test bash tests/sanity.sh --requirements
    ;;
  unit)
    # two workers (the machine's two cores); the fixtures are made once per run (tests/conftest.py)
    pytest_part unit-newest-cryptography "$top/.venv/bin/python" -n 2 tests/unit
    ROC_REUSE_FIXTURES=1 pytest_part unit-oldest-cryptography "$top/.venv-oldest/bin/python" -n 2 tests/unit
    unit_ran=1
    ;;
  integration)
    # after the unit part of this run, its fixtures are read, not made again: the matrix, beside this part, reads
    # them at the same time (a remake would pull them from under it)
    if [ "${unit_ran:-0}" = 1 ]; then
      ROC_REUSE_FIXTURES=1 pytest_part integration "$top/.venv/bin/python" tests/integration
    else
      pytest_part integration "$top/.venv/bin/python" tests/integration
    fi
    ;;
  molecule)
    for scenario in default procedure; do
      log="$out/molecule-$scenario.log"
      rm -f "$out/molecule-$scenario-testinfra.xml"
      MOLECULE_JUNIT_XML="$out/molecule-$scenario-testinfra.xml" molecule test -s "$scenario" >"$log" 2>&1
      rc=$?
      sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "Executed|passed|failed" | tail -12
      junit_count "molecule-$scenario-testinfra" "$out/molecule-$scenario-testinfra.xml" "$rc"
      # the scenario's own steps, each a check
      steps="create prepare converge idempotence"
      [ "$scenario" = procedure ] && steps="create prepare check converge idempotence"
      for step in $steps; do
        if sed 's/\x1b\[[0-9;]*m//g' "$log" | grep "$scenario ➜ $step: Executed: Successful" >/dev/null; then
          record "molecule-$scenario-$step" 1 0
        else
          record "molecule-$scenario-$step" 0 1
        fi
      done
    done
    ;;
  matrix)
    # the support matrix (tests/matrix/versions.txt): each cell's sanity / unit / playbooks is one check
    ROC_MATRIX_OUT="$out/matrix" bash "$top/tests/matrix.sh" >"$out/matrix.log" 2>&1
    matrix_counts
    ;;
  matrix-start)
    matrix_started=$SECONDS
    # its own pytest temporary root: the integration part's pytest runs at the same time
    mkdir -p /tmp/esante-roc-matrix
    ROC_MATRIX_OUT="$out/matrix" PYTEST_DEBUG_TEMPROOT=/tmp/esante-roc-matrix nice -n 10 \
      bash "$top/tests/matrix.sh" >"$out/matrix.log" 2>&1 &
    matrix_pid=$!
    echo "== matrix started beside the integration and molecule parts"
    continue
    ;;
  matrix-wait)
    wait "$matrix_pid"
    matrix_counts
    echo "== part matrix took $((SECONDS - matrix_started)) s (beside integration and molecule)" | tee -a "$out/times.log"
    continue
    ;;
  *)
    echo "unknown part: $part (lint, sanity, unit, integration, molecule, matrix)" >&2
    exit 2
    ;;
  esac
  echo "== part $part took $((SECONDS - part_start)) s" | tee -a "$out/times.log"
done

total_passed=0
total_failed=0
for f in "$out"/*.count; do
  read -r p f2 <"$f"
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f2))
done
echo "== the whole run took $SECONDS s" | tee -a "$out/times.log"
echo
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
