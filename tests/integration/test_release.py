"""The release: changelog fragments valid for antsibull-changelog, galaxy.yml's version released in
changelogs/changelog.yaml and CHANGELOG.rst, and the tarball of that version installs and documents itself."""

import json
import os
import subprocess
import sys
import tarfile

import yaml

from conftest import TOP

BIN = os.path.dirname(sys.executable)


def galaxy_version():
    with open(os.path.join(TOP, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["version"]


def test_changelog_lints_and_holds_the_version():
    version = galaxy_version()
    for args in (["lint"], ["lint-changelog-yaml", os.path.join("changelogs", "changelog.yaml")]):
        proc = subprocess.run([os.path.join(BIN, "antsibull-changelog")] + args, cwd=TOP, capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr
    with open(os.path.join(TOP, "changelogs", "changelog.yaml")) as handle:
        releases = yaml.safe_load(handle)["releases"]
    assert version in releases, sorted(releases)
    assert releases[version]["changes"]["release_summary"]
    # every module and filter of the collection is announced by some release (antsibull-changelog lists the
    # plugins new in each release), and the filters new in this version are in this version's entry
    announced = dict((kind, set()) for kind in ("modules", "filter"))
    for release in releases.values():
        announced["modules"] |= set(m["name"] for m in release.get("modules", []))
        announced["filter"] |= set(p["name"] for p in release.get("plugins", {}).get("filter", []))
    modules = set(n[:-3] for n in os.listdir(os.path.join(TOP, "plugins", "modules")) if n.endswith(".py"))
    assert modules <= announced["modules"], sorted(modules - announced["modules"])
    filters = set(n[:-4] for n in os.listdir(os.path.join(TOP, "plugins", "filter")) if n.endswith(".yml"))
    assert filters <= announced["filter"], sorted(filters - announced["filter"])
    new_filters = set()
    for name in filters:
        with open(os.path.join(TOP, "plugins", "filter", name + ".yml")) as handle:
            if str(yaml.safe_load(handle)["DOCUMENTATION"].get("version_added")) == version:
                new_filters.add(name)
    assert new_filters <= set(p["name"] for p in releases[version].get("plugins", {}).get("filter", []))
    with open(os.path.join(TOP, "CHANGELOG.rst")) as handle:
        assert "v%s" % version in handle.read()


def test_release_tarball_installs_and_documents(tmp_path):
    version = galaxy_version()
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), TOP],
                   check=True, capture_output=True)
    tarball = tmp_path / ("esante-roc-%s.tar.gz" % version)
    with tarfile.open(str(tarball)) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["version"] == version
    assert "CHANGELOG.rst" in names and "docs/roles/install.md" in names
    assert not [n for n in names if n.startswith((".bench", "bench/", ".lab", ".venv", "tests/output"))]
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", str(tmp_path / "c"),
                    str(tarball)],
                   check=True, capture_output=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "c"))
    for kind, name in (("module", "esante.roc.config_files"), ("module", "esante.roc.prerequisites"),
                       ("filter", "esante.roc.service_items"), ("role", "esante.roc.install")):
        proc = subprocess.run([os.path.join(BIN, "ansible-doc"), "-t", kind, name], env=env, capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 0 and name.rsplit(".", maxsplit=1)[-1] in proc.stdout, proc.stderr
