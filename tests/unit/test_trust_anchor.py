"""esante.roc.trust_anchor, run for real: system store layouts (with a real update command standing in
for the distribution's), PEM bundle, Java keystore judged by keytool, and every refusal."""

import base64
import os
import shutil
import subprocess

import pytest

from conftest import openssl, read
from test_modules import tree_hashes

REAL_PINS = {
    "ACR-EL.cer": "2D:9E:22:CA:19:F7:77:C6:B7:45:25:7C:72:3E:CB:8D:F3:C3:5F:A6:F1:F6:EC:36:B8:36:00:C9:73:46:96:7F",
    "ACI-EL-ORG.cer": "d834ee5b40686b73573f60547bf6052c6d404d942a5665cdb2c0b9137b5d27b2",
}


def b64(path):
    return base64.b64encode(read(path)).decode()


def lab_anchors(fx):
    pki = fx["pki"]
    return [
        {"name": "lab-ACR-EL-TEST", "content": b64(os.path.join(pki, "igc", "ACR-EL-TEST.cer"))},
        {"name": "lab-ACI-EL-ORG-TEST", "content": read(os.path.join(pki, "igc", "ACI-EL-ORG-TEST.pem")).decode()},
        {"name": "lab-AC-SERVEUR", "content": read(os.path.join(pki, "gie", "AC-SERVEUR.pem")).decode()},
    ]


@pytest.mark.parametrize("family,suffix", [("debian", ".crt"), ("redhat", ".pem"), ("suse", ".pem")])
def test_system_store_layouts_update_once_and_idempotent(run_module, fx, tmp_path, family, suffix):
    store = tmp_path / "anchors"
    marker = tmp_path / "updates"
    update = ["sh", "-c", "echo run >> %s" % marker]
    args = dict(anchors=lab_anchors(fx), os_family=family, store_dir=str(store), update_command=update)
    predicted = run_module("trust_anchor", check_mode=True, **args)
    assert predicted["changed"] and not store.exists() and not marker.exists()
    result = run_module("trust_anchor", **args)
    assert result["changed"] and result["os_family"] == family
    assert sorted(os.listdir(str(store))) == sorted(a["name"] + suffix for a in args["anchors"])
    assert read(str(marker)).count(b"run") == 1
    again = run_module("trust_anchor", **args)
    assert again["changed"] is False and read(str(marker)).count(b"run") == 1
    removed = run_module("trust_anchor", state="absent", anchors=[{"name": "lab-AC-SERVEUR"}], os_family=family,
                         store_dir=str(store), update_command=update)
    assert removed["changed"] and "lab-AC-SERVEUR" + suffix not in os.listdir(str(store))
    assert read(str(marker)).count(b"run") == 2


def test_system_layout_defaults():
    from ansible_collections.esante.roc.plugins.module_utils import backend_trust as bt
    assert bt.SYSTEM_STORES["debian"]["dir"] == "/usr/local/share/ca-certificates"
    assert bt.SYSTEM_STORES["redhat"]["dir"] == "/etc/pki/ca-trust/source/anchors"
    assert bt.SYSTEM_STORES["redhat"]["update"] == ["update-ca-trust", "extract"]
    assert bt.SYSTEM_STORES["suse"]["dir"] == "/etc/pki/trust/anchors"


@pytest.mark.parametrize("os_release,family", [
    ('ID=debian\nVERSION_ID="12"\n', "debian"),
    ('ID=ubuntu\nID_LIKE=debian\n', "debian"),
    ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "redhat"),
    ('ID="almalinux"\nID_LIKE="rhel centos fedora"\n', "redhat"),
    ('ID="rhel"\n', "redhat"),
    ('ID="sles"\nID_LIKE="suse"\n', "suse"),
    ('ID="opensuse-leap"\nID_LIKE="suse opensuse"\n', "suse"),
])
def test_family_detection(tmp_path, os_release, family):
    from ansible_collections.esante.roc.plugins.module_utils import backend_trust as bt
    path = tmp_path / "os-release"
    path.write_text(os_release)
    assert bt.detect_family(str(path)) == family


def test_failing_update_command_puts_files_back(run_module, fx, tmp_path):
    store = tmp_path / "anchors"
    ok = dict(anchors=lab_anchors(fx)[:1], os_family="debian", store_dir=str(store), update_command=["true"])
    assert run_module("trust_anchor", **ok)["changed"]
    before = tree_hashes(str(store))
    failing = dict(ok, anchors=lab_anchors(fx), update_command=["sh", "-c", "echo broken trust db >&2; exit 3"])
    result = run_module("trust_anchor", **failing)
    assert result["failed"] and "failed (rc 3)" in result["msg"] and "broken trust db" in result["msg"]
    assert "put back" in result["msg"]
    assert tree_hashes(str(store)) == before


def test_refusals_change_nothing(run_module, fx, tmp_path, realworld):
    store = tmp_path / "anchors"
    base = dict(os_family="debian", store_dir=str(store), update_command=["true"])
    assert run_module("trust_anchor", anchors=lab_anchors(fx), **base)["changed"]
    before = tree_hashes(str(store))
    leaf = {"name": "leaf", "content": read(os.path.join(realworld, "TEST-ORG-SIGN-leaf.pem")).decode()}
    result = run_module("trust_anchor", anchors=lab_anchors(fx) + [leaf], **base)
    assert result["failed"] and "anchors[3] (leaf)" in result["msg"] and "is not a CA certificate" in result["msg"]
    pinned = dict(lab_anchors(fx)[0], sha256="00" * 32)
    result = run_module("trust_anchor", anchors=[pinned], **base)
    assert result["failed"] and "pin mismatch" in result["msg"]
    garbage = {"name": "garbage", "content": base64.b64encode(os.urandom(300)).decode()}
    result = run_module("trust_anchor", anchors=[garbage], **base)
    assert result["failed"] and "anchors[0] (garbage)" in result["msg"]
    empty = {"name": "empty", "content": "  "}
    result = run_module("trust_anchor", anchors=[empty], **base)
    assert result["failed"] and "empty" in result["msg"]
    assert tree_hashes(str(store)) == before


def test_expired_ca_refused(run_module, fx, tmp_path):
    anchors = [{"name": "old", "content": read(fx["expired_ca"]).decode()}]
    result = run_module("trust_anchor", anchors=anchors, os_family="debian", store_dir=str(tmp_path / "s"),
                        update_command=["true"])
    assert result["failed"] and "anchors[0] (old)" in result["msg"] and "expired on" in result["msg"]
    assert not (tmp_path / "s").exists()


def test_real_ans_files_with_pins(run_module, realworld, tmp_path):
    anchors = [{"name": name.rsplit(".", 1)[0], "content": b64(os.path.join(realworld, name)), "sha256": pin}
               for name, pin in REAL_PINS.items()]
    p7b = os.path.join(realworld, "Chaine_de_certification-IGC-Sante.p7b")
    anchors.append({"name": "ACI-EL-ORG-from-p7b", "content": read(p7b).decode(),
                    "sha256": REAL_PINS["ACI-EL-ORG.cer"].lower()})
    result = run_module("trust_anchor", anchors=anchors, store="bundle", bundle_path=str(tmp_path / "b.pem"))
    assert result["changed"], result
    assert [a["name"] for a in result["anchors"]] == ["ACR-EL", "ACI-EL-ORG", "ACI-EL-ORG-from-p7b"]
    whole = run_module("trust_anchor", anchors=[{"name": "chain", "content": read(p7b).decode()}], store="bundle",
                       bundle_path=str(tmp_path / "all.pem"))
    assert len(whole["anchors"]) == 8 and read(str(tmp_path / "all.pem")).count(b"BEGIN CERTIFICATE") == 8


def test_bundle_holds_exactly_the_anchors_and_verifies(run_module, fx, tmp_path):
    path = str(tmp_path / "amc-trust.pem")
    result = run_module("trust_anchor", anchors=lab_anchors(fx), store="bundle", bundle_path=path)
    assert result["changed"]
    assert read(path).count(b"BEGIN CERTIFICATE") == 3
    # openssl judges: the lab AMC directory server certificate chains to AC-SERVEUR in the bundle
    server = os.path.join(fx["pki"], "gie", "amc-annuaire.pem")
    out = openssl("verify", "-partial_chain", "-CAfile", path, server).decode()
    assert out.strip().endswith("OK")
    assert run_module("trust_anchor", anchors=lab_anchors(fx), store="bundle", bundle_path=path)["changed"] is False
    fewer = run_module("trust_anchor", anchors=lab_anchors(fx)[:1], store="bundle", bundle_path=path)
    assert fewer["changed"] and read(path).count(b"BEGIN CERTIFICATE") == 1


@pytest.mark.skipif(shutil.which("keytool") is None, reason="no keytool on this machine")
def test_java_keystore_judged_by_keytool(run_module, fx, tmp_path):
    path = str(tmp_path / "truststore.p12")
    args = dict(anchors=lab_anchors(fx), store="java", keystore_path=path, keystore_password="changeit-lab")
    result = run_module("trust_anchor", **args)
    assert result["changed"], result
    assert "changeit-lab" not in result["_stdout"]
    listing = subprocess.run(["keytool", "-list", "-keystore", path, "-storepass", "changeit-lab"],
                             capture_output=True, text=True, check=True).stdout
    for anchor in args["anchors"]:
        assert anchor["name"].lower() in listing
    assert "trustedCertEntry" in listing
    assert run_module("trust_anchor", **args)["changed"] is False
    removed = run_module("trust_anchor", **dict(args, state="absent", anchors=[{"name": "lab-AC-SERVEUR"}]))
    assert removed["changed"]
    listing = subprocess.run(["keytool", "-list", "-keystore", path, "-storepass", "changeit-lab"],
                             capture_output=True, text=True, check=True).stdout
    assert "lab-ac-serveur" not in listing and "lab-acr-el-test" in listing
