#!/usr/bin/env bash
# Maintainer step: turn the changelog fragments into the release of galaxy.yml's version with
# antsibull-changelog (run in an ansible_collections/esante/roc copy, where it can list the plugins that
# are new in this release), bring CHANGELOG.rst and changelogs/changelog.yaml back, then build the tarball.
#   bash tests/release.sh          (make release)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n 's/^version: *//p' "$top/galaxy.yml")
bin="$top/.venv/bin"
export PATH="$bin:$PATH"  # antsibull-changelog runs ansible-doc
if grep -q "^  $version:" "$top/changelogs/changelog.yaml" 2>/dev/null || grep -q "^  '$version':" "$top/changelogs/changelog.yaml"; then
  echo "changelog: $version is already released"
else
  work="$top/.build/release"
  tree="$work/ansible_collections/esante/roc"
  rm -rf "$work"
  mkdir -p "$tree"
  (cd "$top" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$tree/")
  (cd "$tree" && ANSIBLE_COLLECTIONS_PATH="$work" "$bin/antsibull-changelog" lint &&
    ANSIBLE_COLLECTIONS_PATH="$work" "$bin/antsibull-changelog" release --version "$version")
  cp "$tree/CHANGELOG.rst" "$top/CHANGELOG.rst"
  cp "$tree/changelogs/changelog.yaml" "$top/changelogs/changelog.yaml"
  # the fragments are now in changelog.yaml (keep_fragments: false)
  (cd "$top/changelogs/fragments" && for f in *.yml; do [ -e "$tree/changelogs/fragments/$f" ] || rm -f "$f"; done)
  echo "changelog: released $version (CHANGELOG.rst, changelogs/changelog.yaml)"
fi
"$bin/antsibull-changelog" lint-changelog-yaml "$top/changelogs/changelog.yaml"
mkdir -p "$top/.build/release-tarball"
"$bin/ansible-galaxy" collection build --force --output-path "$top/.build/release-tarball" "$top" >/dev/null
echo "built $top/.build/release-tarball/esante-roc-$version.tar.gz"
