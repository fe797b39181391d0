"""The esante.roc.trust role driven by ansible-playbook, as a user runs it, from the installed
collection (make collection): the download path against a local HTTP server on 127.0.0.1 (once per
run for the whole fleet, pins enforced, a tampered file refused), and the real ANS files with the
shipped official pins. Stores are an application bundle and a Java keystore in a temporary folder,
so the machine running the tests is not changed."""

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading

import pytest

from conftest import TOP, openssl, read

COLLECTIONS = os.path.join(TOP, ".build", "collections")
PLAYBOOK = os.path.join(TOP, "tests", "integration", "trust_role.yml")


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        CountingHandler.hits.append(self.path)
        return super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    root = tmp_path / "www"
    (root / "AC TEST").mkdir(parents=True)
    CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(CountingHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, "http://127.0.0.1:%d/AC%%20TEST/" % server.server_address[1]
    server.shutdown()


def fingerprint(path):
    return openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256").decode().strip().split("=", 1)[1]


def play(tmp_path, extra_vars, hosts=("h1", "h2")):
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "esante", "roc")):
        pytest.fail("the collection is not installed in .build/collections: run make collection (make test does)")
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("".join("%s ansible_connection=local ansible_python_interpreter=%s\n" % (h, sys.executable)
                                 for h in hosts))
    varsfile = tmp_path / "vars.json"
    varsfile.write_text(json.dumps(extra_vars))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_NOCOLOR="1")
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return subprocess.run([ansible_playbook, "-i", str(inventory), "-e", "@%s" % varsfile, PLAYBOOK],
                          capture_output=True, text=True, env=env, check=False)


def lab_vars(fx, tmp_path, base):
    out = tmp_path / "out"
    return {
        "roc_environment": "test",
        # the download path, asked for (the default is now the certificates that travel with the collection)
        "roc_trust_igc_source": "download",
        "roc_trust_download_base": base,
        "roc_trust_download_dir": str(tmp_path / "downloads"),
        "roc_trust_igc_pins": {"acr": fingerprint(fx["acr"]), "aci": fingerprint(fx["aci"]).lower()},
        "roc_trust_gie_anchors": [{"name": "lab-AC-SERVEUR", "src": os.path.join(fx["pki"], "gie", "AC-SERVEUR.pem")}],
        "roc_trust_system": False,
        "roc_trust_bundle": True,
        "roc_trust_bundle_scope": "all",
        "roc_trust_bundle_path": "%s/{{ inventory_hostname }}/trust.pem" % out,
        "roc_trust_owner": None,
        "roc_trust_group": None,
    }


def test_download_once_per_run_pins_checked(fx, tmp_path, http_root):
    root, base = http_root
    shutil.copy(os.path.join(fx["pki"], "igc", "ACR-EL-TEST.cer"), str(root / "AC TEST" / "ACR-EL-TEST.cer"))
    shutil.copy(os.path.join(fx["pki"], "igc", "ACI-EL-ORG-TEST.cer"), str(root / "AC TEST" / "ACI-EL-ORG-TEST.cer"))
    result = play(tmp_path, lab_vars(fx, tmp_path, base))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(CountingHandler.hits) == ["/AC%20TEST/ACI-EL-ORG-TEST.cer", "/AC%20TEST/ACR-EL-TEST.cer"]
    for host in ("h1", "h2"):
        bundle = str(tmp_path / "out" / host / "trust.pem")
        assert read(bundle).count(b"BEGIN CERTIFICATE") == 3
        # openssl judges: a lab ORG leaf verifies against the installed IGC anchors
        leaf = os.path.join(fx["cli"], "leaf.pem")
        assert openssl("verify", "-CAfile", bundle, leaf).decode().strip().endswith("OK")
    # the GIE fingerprint is printed for the administrator
    assert fingerprint(os.path.join(fx["pki"], "gie", "AC-SERVEUR.pem")) in result.stdout
    again = play(tmp_path, lab_vars(fx, tmp_path, base))
    assert again.returncode == 0 and "changed=0" in again.stdout and "changed=1" not in again.stdout


def test_tampered_download_refused(fx, tmp_path, http_root):
    root, base = http_root
    # an attacker's CA served under the official name
    shutil.copy(os.path.join(fx["pki"], "gie", "GIE-LAB-ROOT.cer"), str(root / "AC TEST" / "ACR-EL-TEST.cer"))
    shutil.copy(os.path.join(fx["pki"], "igc", "ACI-EL-ORG-TEST.cer"), str(root / "AC TEST" / "ACI-EL-ORG-TEST.cer"))
    result = play(tmp_path, lab_vars(fx, tmp_path, base), hosts=("h1",))
    assert result.returncode != 0
    assert "pin mismatch" in result.stdout
    assert not (tmp_path / "out").exists()


def test_real_ans_files_with_shipped_pins(realworld, tmp_path):
    p7b = os.path.join(realworld, "Chaine_de_certification-IGC-Sante.p7b")
    variables = {
        "roc_environment": "production",
        "roc_trust_igc_source": "files",
        # the root as ANS ships it (DER .cer), the intermediate picked out of the PEM .p7b by its pin
        "roc_trust_igc_files": {"acr": os.path.join(realworld, "ACR-EL.cer"), "aci": p7b},
        "roc_trust_system": False,
        "roc_trust_bundle": True,
        "roc_trust_bundle_scope": "all",
        "roc_trust_bundle_path": str(tmp_path / "out" / "trust.pem"),
        "roc_trust_owner": None,
        "roc_trust_group": None,
    }
    result = play(tmp_path, variables, hosts=("h1",))
    assert result.returncode == 0, result.stdout + result.stderr
    bundle = str(tmp_path / "out" / "trust.pem")
    assert read(bundle).count(b"BEGIN CERTIFICATE") == 2
    # openssl judges: the real ORG intermediate verifies against the installed real root
    aci_pem = str(tmp_path / "aci.pem")
    openssl("x509", "-inform", "DER", "-in", os.path.join(realworld, "ACI-EL-ORG.cer"), "-out", aci_pem)
    assert openssl("verify", "-CAfile", bundle, aci_pem).decode().strip().endswith("OK")
    listed = openssl("crl2pkcs7", "-nocrl", "-certfile", bundle)
    printed = openssl("pkcs7", "-print_certs", "-noout", data=listed).decode()
    assert "CN = AC RACINE IGC-SANTE ELEMENTAIRE" in printed
    assert "CN = AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" in printed


def test_shipped_pins_equal_the_real_files(realworld):
    # the trust role's default pins (roc_trust_igc_pins) are the collection's data, through esante.roc.igc_official
    from ansible_collections.esante.roc.plugins.plugin_utils.structures import igc_official
    for env, names in (("production", ("ACR-EL", "ACI-EL-ORG")), ("test", ("ACR-EL-TEST", "ACI-EL-ORG-TEST"))):
        pins = igc_official(env, "sha256")
        for key, name in zip(("acr", "aci"), names):
            path = os.path.join(realworld, name + ".cer")
            der = openssl("x509", "-in", path, "-inform", "DER", "-noout", "-fingerprint", "-sha256")
            assert pins[key] == der.decode().strip().split("=", 1)[1]
