#!/usr/bin/env bash
# The collection's documentation site, built with antsibull-docs (the community collections' tool) from the modules',
# filters' and roles' own docs: the collection as users get it (ansible-galaxy build + install into a temporary
# collections path), `antsibull-docs lint-collection-docs` on it, then `sphinx-init` and Sphinx with -W --keep-going.
# Output: .build/docs-site/build/html/index.html; the log of every step: .build/docs-site/docs.log.
# Fails (non-zero) on any lint message, any warning or error. Offline: the links to docs.ansible.com resolve through
# a local inventory (tests/docs_inventory.py), never a download.
# Tooling: .venv-docs, pinned in requirements-docs.txt (made or updated here when missing or out of date).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="${ROC_DOCS_VENV:-$top/.venv-docs}"
build="$top/.build"
# Outside this checkout: lint-collection-docs copies the collection with `git ls-files` when it sits in a git work
# tree, and under the git-ignored .build/ that copy would be empty (and the lint silently clean).
coll=$(mktemp -d "${TMPDIR:-/tmp}/esante-roc-docs.XXXXXX")
trap 'rm -rf "$coll"' EXIT
site="$build/docs-site"
mkdir -p "$build"

if [ ! -f "$venv/.stamp" ] || [ "$top/requirements-docs.txt" -nt "$venv/.stamp" ]; then
  echo "docs: installing requirements-docs.txt into $venv"
  test -x "$venv/bin/python" || python3 -m venv "$venv"
  if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$top/requirements-docs.txt" \
      >"$build/docs-venv.log" 2>&1; then
    cat "$build/docs-venv.log" >&2
    exit 1
  fi
  touch "$venv/.stamp"
fi
export PATH="$venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$coll" ANSIBLE_CONFIG="$top/ansible.cfg" ANSIBLE_NOCOLOR=1

rm -rf "$site"
# antsibull-docs wants its destination owned by us and writable by us only
mkdir -m 700 "$site"
log="$site/docs.log"
: >"$log"
step() {  # step NAME COMMAND...: runs it with its output in the log (and on stdout); a failure is logged, the next
  local name=$1; shift    # steps still run so that one run shows every problem
  echo "== $name" | tee -a "$log"
  if ! "$@" 2>&1 | tee -a "$log"; then
    echo "docs: $name failed" | tee -a "$log"
  fi
}

step "collection build" ansible-galaxy collection build --force --output-path "$coll" "$top"
step "collection install" ansible-galaxy collection install --force -p "$coll" "$coll"/esante-roc-*.tar.gz
installed="$coll/ansible_collections/esante/roc"
if [ ! -f "$installed/MANIFEST.json" ]; then
  echo "docs: the collection did not install in $coll" >&2
  exit 1
fi

# Markup, schemas and references of the plugins' and roles' docs; 'dependent' checks the references to this
# collection and to ansible.builtin (the only collection the docs name).
step "lint-collection-docs" antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs=dependent \
  --disallow-unknown-collection-refs "$installed"

step "sphinx-init" antsibull-docs sphinx-init --use-current --dest-dir "$site" --fail-on-error \
  --project esante.roc --copyright "esante.roc maintainers" --title "esante.roc" \
  --index-rst-source "$top/docs/site/index.rst" esante.roc
# The generated conf.py fetches docs.ansible.com's inventory (unreachable here): use a local one instead.
step "offline inventory" "$venv/bin/python" "$top/tests/docs_inventory.py" "$site/ansible_devel.inv"
cat >>"$site/conf.py" <<CONF

# tests/docs.sh: offline, the links to the Ansible docsite resolve through a local inventory (no download)
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '$site/ansible_devel.inv'),
}
CONF

mkdir -p "$site/rst"
chmod og-w "$site/rst"
cd "$site"
step "antsibull-docs collection" antsibull-docs --config-file antsibull-docs.cfg collection \
  --use-current --fail-on-error --cleanup everything --dest-dir rst esante.roc
step "sphinx-build" sphinx-build -M html rst build -c . -W --keep-going -q

failed=0
grep -q '^docs: .* failed$' "$log" && failed=1
if grep -qiE 'warning|error' "$log"; then
  echo "docs: warnings or errors (see $log):" >&2
  grep -iE 'warning|error' "$log" >&2
  failed=1
fi
if [ "$failed" != 0 ] || [ ! -f "$site/build/html/index.html" ]; then
  echo "docs: FAILED" >&2
  exit 1
fi
echo "docs: site in $site/build/html/index.html"
