"""System trust stores of the families the README names (Debian 12/13, Ubuntu 22.04/24.04, RHEL 8/9 and their
rebuilds, SUSE), tested by layout: the distribution is recognised from its real /etc/os-release, the anchors go where
that family's update command reads them, with the file name suffix it picks up, and that command is the one run.
The real commands of the RHEL and SUSE families are not available here (no RPM mirror): a stand-in does what the
real one does with the layout (update-ca-certificates: only *.crt under /usr/local/share/ca-certificates, into
/etc/ssl/certs/ca-certificates.crt; update-ca-trust extract: every file under /etc/pki/ca-trust/source/anchors, into
/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem), and openssl judges the bundle it made."""

import os
import stat

import pytest

from ansible_collections.esante.roc.plugins.module_utils import backend_trust

from conftest import openssl, read

OS_RELEASE = {
    "debian-12": ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                  'ID=debian\n', "debian"),
    "debian-13": ('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_ID="13"\nID=debian\n', "debian"),
    "ubuntu-22.04": ('PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n',
                     "debian"),
    "ubuntu-24.04": ('PRETTY_NAME="Ubuntu 24.04.1 LTS"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n', "debian"),
    "rhel-8": ('NAME="Red Hat Enterprise Linux"\nVERSION="8.10 (Ootpa)"\nID="rhel"\nID_LIKE="fedora"\n'
               'VERSION_ID="8.10"\n', "redhat"),
    "rhel-9": ('NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\n'
               'VERSION_ID="9.4"\n', "redhat"),
    "rocky-9": ('NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', "redhat"),
    "almalinux-9": ('NAME="AlmaLinux"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', "redhat"),
    "opensuse-leap-15": ('NAME="openSUSE Leap"\nVERSION="15.6"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\n',
                         "suse"),
}

# what each family's real update command reads, and where it writes the bundle applications use
READS = {
    "debian": ("/usr/local/share/ca-certificates", (".crt",), "/etc/ssl/certs/ca-certificates.crt",
               ["update-ca-certificates"]),
    "redhat": ("/etc/pki/ca-trust/source/anchors", None, "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
               ["update-ca-trust", "extract"]),
    "suse": ("/etc/pki/trust/anchors", None, "/var/lib/ca-certificates/ca-bundle.pem", ["update-ca-certificates"]),
}

STAND_IN = """#!/bin/sh
# stand-in for %(command)s: what the real one does with the layout under $ROOT
set -e
ROOT=%(root)s
out="$ROOT%(bundle)s"
mkdir -p "$(dirname "$out")"
: > "$out.tmp"
for f in "$ROOT%(reads)s"/*; do
  [ -f "$f" ] || continue
  case "$f" in %(pattern)s) cat "$f" >> "$out.tmp" ;; esac
done
mv "$out.tmp" "$out"
echo "$@" >> "$ROOT/update-calls"
"""


@pytest.mark.parametrize("name", sorted(OS_RELEASE))
def test_the_family_is_recognised_from_the_real_os_release(tmp_path, name):
    text, family = OS_RELEASE[name]
    path = tmp_path / "os-release"
    path.write_text(text)
    assert backend_trust.detect_family(str(path)) == family


def test_an_unknown_distribution_says_to_set_os_family(tmp_path):
    path = tmp_path / "os-release"
    path.write_text('ID=plan9\n')
    with pytest.raises(Exception, match="os_family"):
        backend_trust.detect_family(str(path))


@pytest.mark.parametrize("family", sorted(READS))
def test_check_mode_names_the_family_s_own_store_and_command(run_module, fx, family):
    """Check mode writes nothing: the paths the module would write on a host of that family, by default."""
    reads, suffixes, _bundle, command = READS[family]
    result = run_module("trust_anchor", check_mode=True, os_family=family,
                        anchors=[{"name": "lab-ACI", "content": read(fx["aci"]).decode()}])
    assert result["changed"] is True and result["store_dir"] == reads, result
    path = result["anchors"][0]["path"]
    assert os.path.dirname(path) == reads and not os.path.exists(path)
    assert backend_trust.SYSTEM_STORES[family]["update"] == command
    if suffixes:
        assert path.endswith(suffixes), "%s ignores files not named %s" % (command[0], suffixes)


@pytest.mark.parametrize("family", sorted(READS))
def test_the_layout_the_update_command_reads_and_openssl_judges(run_module, fx, tmp_path, family):
    reads, suffixes, bundle, command = READS[family]
    root = str(tmp_path / "root")
    stand_in = tmp_path / command[0]
    pattern = "|".join("*%s" % s for s in suffixes) if suffixes else "*"
    stand_in.write_text(STAND_IN % {"command": " ".join(command), "root": root, "bundle": bundle, "reads": reads,
                                    "pattern": pattern})
    stand_in.chmod(0o755)
    anchors = [{"name": "lab-ACR", "content": read(fx["acr"]).decode()},
               {"name": "lab-ACI", "content": read(fx["aci"]).decode()}]
    args = dict(os_family=family, anchors=anchors, store_dir=root + reads,
                update_command=[str(stand_in)] + command[1:])
    first = run_module("trust_anchor", **args)
    assert first["changed"] is True, first
    for anchor in first["anchors"]:
        assert stat.S_IMODE(os.stat(anchor["path"]).st_mode) == 0o644
    # the stand-in did what the real command does: openssl verifies a lab ORG certificate against its bundle
    verified = openssl("verify", "-CAfile", root + bundle, os.path.join(fx["cli"], "leaf.pem")).decode()
    assert verified.strip().endswith("OK")
    assert read(os.path.join(root, "update-calls")).decode().split("\n")[0] == " ".join(command[1:])
    again = run_module("trust_anchor", **args)
    assert again["changed"] is False
    assert len(read(os.path.join(root, "update-calls")).decode().splitlines()) == 1  # not run when nothing changed
