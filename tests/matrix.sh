#!/usr/bin/env bash
# The support matrix (tests/matrix/versions.txt), run by tests/run_all.sh's `matrix` part (make test):
#   controller ansible-core 2.15 .. 2.18: sanity of that core, the unit tests, modules and filters through its
#     ansible-playbook (2.19 is the main venv, tested by the other parts);
#   target Pythons 3.9 .. 3.13 with their systems' cryptography: the modules run under each (controller 2.19), or
#     the grammar check when the interpreter is not on this machine.
# Each line of output "check <name> <rc>" is one check; the venvs are made once (.venv-matrix/, git-ignored).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
out="${ROC_MATRIX_OUT:-$top/tests/output/matrix}"
mkdir -p "$out"
venvs="$top/.venv-matrix"
mkdir -p "$venvs"
versions="$top/tests/matrix/versions.txt"
only="${ROC_MATRIX_ONLY:-}"  # e.g. "core 2.15" to run one line
core_reqs=$(md5sum "$top/tests/matrix/requirements-core.txt" | cut -c1-8)  # a venv is made again when they change

pip_install() { # venv requirement...
  local venv=$1
  shift
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"
}

find_python() { # 3.9 -> an interpreter of that version on this machine, or nothing
  local v=$1 candidate
  for candidate in "python$v" /usr/bin/python$v /root/.pyenv/versions/$v*/bin/python$v "$HOME"/.pyenv/versions/$v*/bin/python$v; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys, venv' >/dev/null 2>&1; then
      command -v "$candidate"
      return
    fi
  done
}

check() { # name command...
  local name=$1 rc
  shift
  "$@" >"$out/$name.log" 2>&1
  rc=$?
  echo "check $name $rc"
  [ "$rc" -eq 0 ] || tail -20 "$out/$name.log"
}

playbooks() { # bin interpreter name
  local bin=$1 interpreter=$2 name=$3
  ANSIBLE_COLLECTIONS_PATH="$top/.build/collections" ANSIBLE_CONFIG="$top/ansible.cfg" ANSIBLE_NOCOLOR=1 \
    ROC_MATRIX_BIN="$bin" ROC_MATRIX_INTERPRETER="$interpreter" ROC_REUSE_FIXTURES=1 \
    "$bin/python" -m pytest -q -p no:cacheprovider "$top/tests/matrix/test_playbooks.py" --junitxml="$out/$name.xml"
}

while read -r kind version requirement rest; do
  case "$kind" in ''|'#'*) continue ;; esac
  [ -z "$only" ] || [ "$only" = "$kind $version" ] || continue
  if [ "$kind" = core ]; then
    venv="$venvs/core-$version"
    if [ ! -f "$venv/.stamp-$requirement-$core_reqs" ]; then
      rm -rf "$venv"
      python3 -m venv "$venv" && pip_install "$venv" "$requirement" -r "$top/tests/matrix/requirements-core.txt" \
        && touch "$venv/.stamp-$requirement-$core_reqs" || { echo "check core-$version-venv 1"; continue; }
    fi
    check "core-$version-sanity" env ROC_SANITY_BIN="$venv/bin" bash "$top/tests/sanity.sh" --requirements
    # two workers (the fixtures are only read here: ROC_REUSE_FIXTURES)
    check "core-$version-unit" env ROC_REUSE_FIXTURES=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider -n 2 \
      --junitxml="$out/core-$version-unit.xml" "$top/tests/unit"
    check "core-$version-playbooks" playbooks "$venv/bin" "$venv/bin/python" "core-$version-playbooks"
  elif [ "$kind" = target ]; then
    python=$(find_python "$version")
    if [ -z "$python" ]; then
      check "target-$version-grammar" "$top/.venv/bin/python" "$top/tests/matrix/grammar.py" "$version"
      continue
    fi
    venv="$venvs/py$version"
    if [ ! -f "$venv/.stamp-$requirement" ]; then
      rm -rf "$venv"
      "$python" -m venv "$venv" && pip_install "$venv" "$requirement" \
        && touch "$venv/.stamp-$requirement" || { echo "check target-$version-venv 1"; continue; }
    fi
    check "target-$version-grammar" "$top/.venv/bin/python" "$top/tests/matrix/grammar.py" "$version"
    check "target-$version-modules" playbooks "$top/.venv/bin" "$venv/bin/python" "target-$version-modules"
  fi
done <"$versions"
