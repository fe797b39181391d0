"""esante.roc.report driven by ansible-playbook from the installed collection, over two hosts whose
material was made by the LAB ONLY platform: a near-expiry certificate shows up (and fails the run),
hosts of one structure holding different certificates are flagged, the JSON and HTML land on the
controller, and a healthy fleet exits 0."""

import json
import os
import subprocess
import sys

import pytest

from conftest import TOP

sys.path.insert(0, os.path.join(TOP, "tests", "lab"))
import labpki  # noqa: E402

from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402

COLLECTIONS = os.path.join(TOP, ".build", "collections")
AUTH, SIGN = "Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"
PASS = labpki.LAB_PASSPHRASE.encode()


def install_bundle(p12_path, certs_dir, service):
    with open(p12_path, "rb") as handle:
        key, cert, cas = pkcs12.load_key_and_certificates(handle.read(), PASS)
    folder = os.path.join(certs_dir, service)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, service + ".crt"), "wb") as handle:
        handle.write(labpki.pem(cert))
    with open(os.path.join(folder, service + ".key"), "wb") as handle:
        handle.write(labpki.key_pem(key))
    os.chmod(os.path.join(folder, service + ".key"), 0o600)  # as an install leaves it (a 0644 key is refused)
    with open(os.path.join(folder, service + ".chain.pem"), "wb") as handle:
        handle.write(b"".join(labpki.pem(c) for c in cas))


def run_report(tmp_path, hosts):
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "esante", "roc")):
        pytest.fail("the collection is not installed in .build/collections: run make collection (make test does)")
    structure = dict(labpki.DEFAULT_STRUCTURES[0])
    structure.update(identifier_type="finess", identifier=structure["structure_id"][1:], contract_level="EJ")
    inventory = {"all": {"hosts": dict((h, {"roc_certs_dir": str(tmp_path / h), "roc_structure": "chu"}) for h in hosts),
                         "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                  "roc_structures": {"chu": structure}, "roc_orders_dir": str(tmp_path / "orders")}}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return subprocess.run([playbook, "-i", str(tmp_path / "inventory.json"), "esante.roc.report"],
                          capture_output=True, text=True, env=env, check=False)


@pytest.fixture
def lab(fx):
    return labpki.Lab(fx["pki"]), labpki.DEFAULT_STRUCTURES[0]


def test_healthy_fleet_exits_zero(fx, tmp_path):
    for host in ("h1", "h2"):
        install_bundle(fx["p12"]["auth_cli"], str(tmp_path / host), AUTH)
        install_bundle(fx["p12"]["sign"], str(tmp_path / host), SIGN)
    result = run_report(tmp_path, ("h1", "h2"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rapport esante.roc OK : 4 certificats sur 2 serveurs" in result.stdout  # French by default
    data = json.loads((tmp_path / "orders" / "report" / "report.json").read_text())
    assert data["status"] == "ok" and all(r["consistent"] and r["privatekey_match"] for r in data["rows"])


def test_near_expiry_and_mismatch_fail_the_run(fx, lab, tmp_path):
    platform, structure = lab
    short, _cert = platform.issue_p12(structure, "sign", str(tmp_path / "platform"), days=5, stamp="short")
    install_bundle(fx["p12"]["auth_cli"], str(tmp_path / "h1"), AUTH)
    install_bundle(fx["p12"]["sign"], str(tmp_path / "h1"), SIGN)
    install_bundle(fx["p12"]["auth_cli"], str(tmp_path / "h2"), AUTH)
    install_bundle(short, str(tmp_path / "h2"), SIGN)  # a 5-day certificate, and not the one h1 holds
    result = run_report(tmp_path, ("h1", "h2"))
    assert result.returncode != 0
    assert "rapport esante.roc CRITIQUE : 4 certificats sur 2 serveurs" in result.stdout
    data = json.loads((tmp_path / "orders" / "report" / "report.json").read_text())
    first = data["rows"][0]
    assert (first["host"], first["service"], first["consistent"]) == ("h2", SIGN, False)
    assert first["days_left"] in (4, 5)
    page = (tmp_path / "orders" / "report" / "report.html").read_text()
    assert "<svg" in page and "h2" in page and "NO" in page
