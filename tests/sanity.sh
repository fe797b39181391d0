#!/usr/bin/env bash
# ansible-test sanity in a proper ansible_collections/esante/roc tree (a copy of the tracked and
# new files of this checkout), with the controller's Python. ROC_SANITY_BIN names another venv's bin folder (the
# matrix: that ansible-core's ansible-test).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="${ROC_SANITY_BIN:-$top/.venv/bin}"
name=$(basename "$(dirname "$bin")")
tree="$top/.build/sanity-$name/ansible_collections/esante/roc"
rm -rf "$top/.build/sanity-$name"
mkdir -p "$tree"
(cd "$top" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$tree/")
# ansible-test bootstraps pip with a script it downloads from a host we cannot reach: put the
# offline stand-in where it looks first.
pip_version=$(grep -ho "pip='[0-9.]*'" "$bin"/../lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -1 | cut -d"'" -f2)
pip_version=${pip_version:-24.2}
mkdir -p "$HOME/.ansible/test/cache"
cp "$top/tests/sanity/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
cd "$tree"
# ansible-test lists the files with git: give the copy its own index
git init -q . && git add -A
pyver=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
exec "$bin/ansible-test" sanity --python "$pyver" --color no "$@"
