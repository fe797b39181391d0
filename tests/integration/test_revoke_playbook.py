"""esante.roc.revoke from the installed collection over two hosts of one structure: no key material of the
revoked service is left on any host (backups included), the middleware is reconfigured without it, and the
revocation checklist lands in the order folder."""

import json
import os
import subprocess
import sys

import pytest

from conftest import TOP
from test_report_playbook import AUTH, SIGN, install_bundle

COLLECTIONS = os.path.join(TOP, ".build", "collections")


def play(tmp_path, name, extra):
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "esante", "roc")):
        pytest.fail("the collection is not installed in .build/collections: run make collection (make test does)")
    structure = {"organization": "CHU LAB", "state_province": "Côte-d'Or (21)", "identifier_type": "finess",
                 "identifier": "210780581", "contract_level": "EJ"}
    hosts = dict((h, {"roc_certs_dir": str(tmp_path / h / "certs"), "roc_middleware_dir": str(tmp_path / h / "mw")})
                 for h in ("h1", "h2"))
    inventory = {"all": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable, "roc_structure": "chu",
        "roc_structures": {"chu": structure}, "roc_orders_dir": str(tmp_path / "orders"), "roc_group": "root",
        "roc_middleware_keystore_password": "lab-only-ks"}}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return subprocess.run([playbook, "-i", str(tmp_path / "inventory.json"), "-e", "@%s" % (tmp_path / "extra.json"),
                           name], capture_output=True, text=True, env=env, check=False)


def test_revoke_leaves_no_key_material(fx, tmp_path):
    for host in ("h1", "h2"):
        install_bundle(fx["p12"]["auth_cli"], str(tmp_path / host / "certs"), AUTH)
        install_bundle(fx["p12"]["sign"], str(tmp_path / host / "certs"), SIGN)
        # an old key kept aside by an earlier replacement: revocation destroys it too
        old = tmp_path / host / "certs" / AUTH / (AUTH + ".key.2026-01-01@00:00:00~")
        old.write_text("old key")
    first = play(tmp_path, "esante.roc.middleware", {})
    assert first.returncode == 0, first.stdout[-2500:]
    assert (tmp_path / "h1" / "certs" / AUTH / (AUTH + ".p12")).exists()
    result = play(tmp_path, "esante.roc.revoke", {"roc_revoke_structure": "chu", "roc_revoke_service": AUTH})
    assert result.returncode == 0, result.stdout + result.stderr
    for host in ("h1", "h2"):
        left = [os.path.join(b, f) for b, _d, files in os.walk(str(tmp_path / host / "certs")) for f in files]
        assert [p for p in left if AUTH in p] == []
        assert any(p.endswith(SIGN + ".key") for p in left)  # the other service is untouched
        config = (tmp_path / host / "mw" / "roc.properties").read_text()
        assert AUTH not in config and SIGN in config
    checklist = (tmp_path / "orders" / "chu" / ("revocation-%s.md" % AUTH)).read_text()
    assert "révoque le certificat" in checklist and "h1, h2" in checklist
    again = play(tmp_path, "esante.roc.revoke", {"roc_revoke_structure": "chu", "roc_revoke_service": AUTH})
    assert again.returncode == 0, again.stdout[-2000:]
    recap = [line for line in again.stdout.splitlines() if line.startswith(("h1 ", "h2 "))]
    assert len(recap) == 2 and all("changed=0" in line for line in recap), recap


def test_revoke_refuses_an_unknown_service(tmp_path):
    result = play(tmp_path, "esante.roc.revoke", {"roc_revoke_structure": "chu", "roc_revoke_service": "Nope"})
    assert result.returncode != 0 and "roc_revoke_service" in result.stdout
