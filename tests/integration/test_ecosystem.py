"""AWX / AAP side: the execution environment's build context is created by ansible-builder, and a
playbook of the installed collection runs through ansible-runner (the engine AWX and AAP use)."""

import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import TOP

BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(TOP, ".build", "collections")


def test_ansible_builder_creates_the_build_context(tmp_path):
    if not glob.glob(os.path.join(TOP, ".build", "esante-roc-*.tar.gz")):
        pytest.fail("run make collection first (make test does)")
    context = tmp_path / "context"
    result = subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "-f",
                             os.path.join(TOP, "execution-environment.yml"), "-c", str(context)],
                            capture_output=True, text=True, cwd=TOP, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = (context / "Containerfile").read_text()
    assert "quay.io/ansible/awx-ee" in containerfile
    assert (context / "_build" / "collections" / "esante-roc.tar.gz").exists()
    # the tarball it takes is the one of galaxy.yml's version (a release bump must bump it too)
    with open(os.path.join(TOP, "galaxy.yml")) as handle:
        version = [line.split(":", 1)[1].strip() for line in handle if line.startswith("version:")][0]
    with open(os.path.join(TOP, "execution-environment.yml")) as handle:
        assert ".build/esante-roc-%s.tar.gz" % version in handle.read()
    assert "jmespath" in (context / "_build" / "requirements.txt").read_text()


def test_report_playbook_through_ansible_runner(fx, tmp_path):
    """ansible-runner with a private data dir, as AWX lays it out, runs esante.roc.report."""
    pdd = tmp_path / "pdd"
    for sub in ("inventory", "env", "project"):
        (pdd / sub).mkdir(parents=True)
    structure = {"organization": "CHU", "state_province": "Côte-d'Or (21)", "identifier_type": "finess",
                 "identifier": "210780581", "contract_level": "EJ"}
    inventory = {"all": {"hosts": {"h1": {}}, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable, "roc_structure": "chu",
        "roc_structures": {"chu": structure}, "roc_certs_dir": str(tmp_path / "certs"),
        "roc_orders_dir": str(tmp_path / "orders")}}}
    (pdd / "inventory" / "hosts.json").write_text(json.dumps(inventory))
    (pdd / "env" / "envvars").write_text(json.dumps({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS}))
    shutil.copy(os.path.join(TOP, "playbooks", "report.yml"), str(pdd / "project" / "report.yml"))
    result = subprocess.run([os.path.join(BIN, "ansible-runner"), "run", str(pdd), "-p", "report.yml"],
                            capture_output=True, text=True, check=False,
                            env=dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"]))
    # nothing is installed on h1: the report runs through and fails as it must (certificates absent)
    # French by default (the report is read by French teams)
    assert "rapport esante.roc CRITIQUE : 2 certificats sur 1 serveurs" in result.stdout, result.stdout[-2000:]
    status = (pdd / "artifacts").glob("*/status")
    assert [p.read_text() for p in status] == ["failed"]
    report = json.loads((tmp_path / "orders" / "report" / "report.json").read_text())
    assert [r["present"] for r in report["rows"]] == [False, False]


def test_demo_through_ansible_runner(fx, tmp_path):
    """The demo's flow (order, the lab platform, site) run by ansible-runner from an AWX-style private data
    dir over two hosts: one structure on the p12 path, one on the csr path; a second run changes nothing."""
    pdd = tmp_path / "pdd"
    for sub in ("inventory", "env", "project"):
        (pdd / sub).mkdir(parents=True)
    pki = fx["pki"]
    manifest = json.loads(open(os.path.join(pki, "manifest.json")).read())
    structures = {
        "chu": {"organization": "CHU LAB DE DIJON", "state_province": "Côte-d'Or (21)", "identifier_type": "finess",
                "identifier": "210780581", "contract_level": "EJ", "environment": "test", "services": {
                    "Client_ROC_Annuaire_AMC": {"usage": "auth_cli", "delivery": "p12", "p12_src": fx["p12"]["auth_cli"],
                                                "p12_passphrase": manifest["passphrase"]},
                    "Client_ROC_WebServices_AMC": {"usage": "sign", "delivery": "p12", "p12_src": fx["p12"]["sign"],
                                                   "p12_passphrase": manifest["passphrase"]}}},
        "ch": {"organization": "CENTRE HOSPITALIER LAB DE BEAUNE", "state_province": "Côte-d'Or (21)",
               "identifier_type": "finess", "identifier": "210780417", "contract_level": "EJ", "environment": "test",
               "services": {"Client_ROC_Annuaire_AMC": {"usage": "auth_cli", "delivery": "csr"},
                            "Client_ROC_WebServices_AMC": {"usage": "sign", "delivery": "csr"}}},
    }
    hosts = {}
    for host, structure in (("h1", "chu"), ("h2", "ch")):
        hosts[host] = {"roc_structure": structure, "roc_certs_dir": str(tmp_path / host / "certs"),
                       "roc_middleware_dir": str(tmp_path / host / "mw"),
                       "roc_trust_bundle_path": str(tmp_path / host / "amc-trust.pem"),
                       "roc_middleware_truststore_pem": str(tmp_path / host / "amc-trust.pem")}
    inventory = {"all": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        "roc_structures": structures, "roc_orders_dir": str(tmp_path / "orders"), "roc_group": "root",
        "roc_environment": "test", "roc_trust_igc_source": "files",
        "roc_trust_igc_files": {"aci": os.path.join(pki, "igc", "ACI-EL-ORG-TEST.pem"),
                                "acr": os.path.join(pki, "igc", "ACR-EL-TEST.cer")},
        "roc_trust_igc_pins": manifest["igc_pins"],
        # the lab's own CAs: the install role checks the chains against them and writes them as the chain (the
        # collection's official IGC-Santé certificates would refuse lab certificates)
        "roc_ca_files": [os.path.join(pki, "igc", "ACI-EL-ORG-TEST.pem"), os.path.join(pki, "igc", "ACR-EL-TEST.pem")],
        "roc_trust_gie_anchors": [{"name": "lab-AC-SERVEUR", "src": os.path.join(pki, "gie", "AC-SERVEUR.pem")}],
        "roc_trust_system": False, "roc_trust_java": False, "roc_trust_bundle": True,
        "roc_middleware_keystore_password": "lab-only-ks"}}}
    (pdd / "inventory" / "hosts.json").write_text(json.dumps(inventory))
    (pdd / "env" / "envvars").write_text(json.dumps({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ROC_LAB_DIR": os.path.dirname(pki), "ANSIBLE_NOCOLOR": "1",
        "ROC_ORDERS_DIR": str(tmp_path / "orders")}))
    (pdd / "project" / "demo.yml").write_text(
        "---\n- import_playbook: esante.roc.order\n- import_playbook: %s\n- import_playbook: esante.roc.site\n"
        % os.path.join(TOP, "tests", "lab", "platform.yml"))

    def runner(ident):
        subprocess.run([os.path.join(BIN, "ansible-runner"), "run", str(pdd), "-p", "demo.yml", "--ident", ident],
                       capture_output=True, text=True, check=False,
                       env=dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"]))
        artifacts = pdd / "artifacts" / ident
        stdout = re.sub(r"\x1b\[[0-9;]*m|\r", "", (artifacts / "stdout").read_text())
        return (artifacts / "status").read_text(), stdout

    status, stdout = runner("first")
    assert status == "successful", stdout[-3000:]
    for host in ("h1", "h2"):
        for service in ("Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"):
            base = tmp_path / host / "certs" / service / service
            subprocess.run(["openssl", "verify", "-CAfile", "%s.chain.pem" % base, "%s.crt" % base], check=True,
                           capture_output=True)
        config = (tmp_path / host / "mw" / "roc.properties").read_text()
        assert "Client_ROC_Annuaire_AMC.keystore=" in config
    assert sorted(os.listdir(str(tmp_path / "orders" / "ch"))) == [
        "Client_ROC_Annuaire_AMC.crt", "Client_ROC_Annuaire_AMC.csr", "Client_ROC_WebServices_AMC.crt",
        "Client_ROC_WebServices_AMC.csr", "order-sheet.md"]
    status, stdout = runner("second")
    assert status == "successful", stdout[-3000:]
    recap = [line for line in stdout.splitlines() if line.startswith(("h1 ", "h2 "))]
    assert len(recap) == 2 and all("changed=0" in line for line in recap), recap
