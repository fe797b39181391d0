"""One execution for every service of a host (`items`) and for every trust store (`stores`): the fleet-speed
options. Judged by openssl and keytool; refusals of any item leave every file byte-identical."""

import base64
import os
import shutil
import subprocess

import pytest

from conftest import PASS, openssl, read
from test_modules import lab_chain, tree_hashes
from test_trust_anchor import lab_anchors

AUTH, SIGN = "Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"


def b64(path):
    return base64.b64encode(read(path)).decode()


def bundles(fx, tmp_path):
    root = tmp_path / "roc"
    return [dict(content=b64(fx["p12"]["auth_cli"]), dest=str(root / AUTH), service=AUTH, usage="auth_cli",
                 combined_path=str(root / AUTH / (AUTH + ".pem"))),
            dict(content=b64(fx["p12"]["sign"]), dest=str(root / SIGN), service=SIGN, usage="sign",
                 combined_path=str(root / SIGN / (SIGN + ".pem")))]


def test_pkcs12_unpack_items_both_services_in_one_execution(run_module, fx, tmp_path):
    args = dict(items=bundles(fx, tmp_path), passphrase=PASS, group=None, mode="0640", chain=lab_chain(fx))
    predicted = run_module("pkcs12_unpack", check_mode=True, **args)
    assert predicted["changed"] and not (tmp_path / "roc").exists()
    result = run_module("pkcs12_unpack", **args)
    assert result["changed"] and [i["changed"] for i in result["item_results"]] == [True, True]
    assert PASS not in result["_stdout"] and "PRIVATE KEY" not in result["_stdout"]
    for item in result["item_results"]:
        files = item["files"]
        openssl("verify", "-CAfile", files["chain"], files["certificate"])
        assert openssl("x509", "-in", files["certificate"], "-noout", "-modulus") == openssl(
            "rsa", "-in", files["privatekey"], "-noout", "-modulus")
    assert result["item_results"][1]["certificate"]["subject"]["service"] == SIGN
    before = tree_hashes(str(tmp_path / "roc"))
    again = run_module("pkcs12_unpack", **args)
    assert again["changed"] is False and tree_hashes(str(tmp_path / "roc")) == before


def test_pkcs12_unpack_items_one_bad_item_changes_nothing(run_module, fx, tmp_path):
    good = dict(items=bundles(fx, tmp_path), passphrase=PASS, chain=lab_chain(fx))
    run_module("pkcs12_unpack", **good)
    before = tree_hashes(str(tmp_path / "roc"))
    # the second bundle is now the wrong service's: the first item would change nothing, the second is refused
    items = bundles(fx, tmp_path)
    items[0]["content"] = b64(fx["p12_other"]["auth_cli"])  # another structure's bundle: would replace files
    items[1]["content"] = b64(fx["p12"]["auth_cli"])        # the AUTH_CLI bundle given for the SIGN service
    # the other structure is of the lab's production range: the anchors of both lab ranges, so that item 0 passes
    result = run_module("pkcs12_unpack", items=items, passphrase=PASS, chain=lab_chain(fx) + lab_chain(fx, "production"))
    assert result.get("failed") and result["msg"].startswith("items[1]: "), result
    assert "not '%s'" % SIGN in result["msg"] or SIGN in result["msg"]
    assert tree_hashes(str(tmp_path / "roc")) == before


def test_pkcs12_unpack_items_need_their_required_options(run_module, fx, tmp_path):
    items = bundles(fx, tmp_path)
    del items[1]["dest"]
    result = run_module("pkcs12_unpack", items=items, passphrase=PASS, chain=lab_chain(fx))
    assert result.get("failed") and result["msg"] == "items[1]: dest: required"
    assert not (tmp_path / "roc").exists()


def test_csr_items_and_keystore_items(run_module, tmp_path):
    root = tmp_path / "roc"
    csr = run_module("csr", organization="CH LAB", structure_id="1210780417", state_province="Côte-d'Or (21)",
                     items=[dict(service=s, privatekey_path=str(root / s / (s + ".key")),
                                 csr_path=str(root / s / (s + ".csr"))) for s in (AUTH, SIGN)])
    assert csr["changed"] and len(csr["item_results"]) == 2
    for item, service in zip(csr["item_results"], (AUTH, SIGN)):
        subject = openssl("req", "-in", item["csr_path"], "-noout", "-subject", "-nameopt", "RFC2253").decode()
        assert "CN=%s" % service in subject and "OU=1210780417" in subject
        openssl("req", "-in", item["csr_path"], "-noout", "-verify")
    again = run_module("csr", organization="CH LAB", structure_id="1210780417", state_province="Côte-d'Or (21)",
                       items=[dict(service=s, privatekey_path=str(root / s / (s + ".key")),
                                   csr_path=str(root / s / (s + ".csr"))) for s in (AUTH, SIGN)])
    assert again["changed"] is False and [i["privatekey_created"] for i in again["item_results"]] == [False, False]


def test_keystore_items(run_module, fx, tmp_path):
    run_module("pkcs12_unpack", items=bundles(fx, tmp_path), passphrase=PASS, chain=lab_chain(fx))
    root = tmp_path / "roc"
    items = [dict(path=str(root / s / (s + ".p12")), alias=s, privatekey_path=str(root / s / (s + ".key")),
                  certificate_path=str(root / s / (s + ".crt")), chain_path=str(root / s / (s + ".chain.pem")))
             for s in (AUTH, SIGN)]
    result = run_module("keystore", items=items, passphrase="keystore-lab")
    assert result["changed"] and [i["alias"] for i in result["item_results"]] == [AUTH, SIGN]
    assert "keystore-lab" not in result["_stdout"]
    for item in items:
        info = openssl("pkcs12", "-in", item["path"], "-passin", "pass:keystore-lab", "-nokeys", "-info").decode(
            errors="replace")
        assert "friendlyName: %s" % item["alias"] in info
    assert run_module("keystore", items=items, passphrase="keystore-lab")["changed"] is False


@pytest.mark.skipif(shutil.which("keytool") is None, reason="no keytool on this machine")
def test_trust_anchor_three_stores_in_one_execution(run_module, fx, tmp_path):
    store, bundle, jks = tmp_path / "anchors", tmp_path / "amc.pem", tmp_path / "truststore.p12"
    marker, calls = tmp_path / "updates", tmp_path / "keytool-calls"
    keytool = tmp_path / "keytool"
    keytool.write_text("#!/bin/sh\necho \"$1\" >> %s\nexec %s \"$@\"\n" % (calls, shutil.which("keytool")))
    keytool.chmod(0o755)
    args = dict(anchors=lab_anchors(fx), os_family="debian", store_dir=str(store), keytool_path=str(keytool),
                update_command=["sh", "-c", "echo run >> %s" % marker],
                stores=[{"store": "system"},
                        {"store": "java", "anchors": ["lab-AC-SERVEUR"], "keystore_path": str(jks),
                         "keystore_password": "changeit-lab"},
                        {"store": "bundle", "anchors": ["lab-AC-SERVEUR"], "bundle_path": str(bundle)}])
    result = run_module("trust_anchor", **args)
    assert result["changed"] and [s["store"] for s in result["stores"]] == ["system", "java", "bundle"]
    assert "changeit-lab" not in result["_stdout"]
    assert len(os.listdir(str(store))) == 3 and read(str(marker)).count(b"run") == 1
    listing = subprocess.run(["keytool", "-list", "-keystore", str(jks), "-storepass", "changeit-lab"],
                             capture_output=True, text=True, check=True).stdout
    assert "lab-ac-serveur" in listing and "lab-acr-el-test" not in listing
    assert read(str(bundle)).count(b"BEGIN CERTIFICATE") == 1
    openssl("verify", "-partial_chain", "-CAfile", str(bundle), os.path.join(fx["pki"], "gie", "AC-SERVEUR.pem"))
    os.unlink(str(calls))
    again = run_module("trust_anchor", **args)
    assert again["changed"] is False and read(str(marker)).count(b"run") == 1
    from cryptography.hazmat.primitives.serialization import pkcs12
    if hasattr(pkcs12, "load_pkcs12"):
        # cryptography >= 36: the warm path read the PKCS#12 truststore in Python, no JVM started
        assert not calls.exists()
    else:
        # older cryptography cannot name the entries: keytool lists them, and changes nothing
        assert read(str(calls)).split() == [b"-list"]


def test_trust_anchor_failing_store_puts_earlier_stores_back(run_module, fx, tmp_path):
    store, marker = tmp_path / "anchors", tmp_path / "updates"
    args = dict(anchors=lab_anchors(fx), os_family="debian", store_dir=str(store),
                update_command=["sh", "-c", "echo run >> %s" % marker],
                stores=[{"store": "system"},
                        {"store": "java", "keystore_path": str(tmp_path / "t.p12"), "keystore_password": "x"}],
                keytool_path=str(tmp_path / "no-such-keytool"))
    result = run_module("trust_anchor", **args)
    assert result.get("failed") and "keytool" in result["msg"]
    assert not store.exists() or os.listdir(str(store)) == []
    # the system store was rebuilt after its files were put back
    assert read(str(marker)).count(b"run") == 2
    unknown = run_module("trust_anchor", **dict(args, stores=[{"store": "bundle", "anchors": ["nope"],
                                                               "bundle_path": str(tmp_path / "b.pem")}]))
    assert unknown.get("failed") and "stores[0] (bundle): anchors ['nope']" in unknown["msg"]


def test_certificate_check_mode_before_the_key_exists(run_module, fx, tmp_path):
    """A check run on a fresh host, where an earlier task of the run would make the key: predicted, not a
    failure; the real run still refuses a missing key."""
    root = tmp_path / "roc"
    crt = os.path.join(fx["pki"], "..", "cli", "leaf.pem")
    # the anchors given: check mode checks everything but the key (a certificate the real run would refuse is
    # refused now too)
    args = dict(content=read(crt).decode(), path=str(root / "x.crt"), privatekey_path=str(root / "x.key"),
                service=AUTH, usage="auth_cli", chain=lab_chain(fx))
    predicted = run_module("certificate", check_mode=True, diff=True, **args)
    assert predicted["changed"] and predicted["predicted_without_key"] == str(root / "x.key"), predicted
    assert not root.exists()
    real = run_module("certificate", **args)
    assert real.get("failed") and "does not exist on the target" in real["msg"]
