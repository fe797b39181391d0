"""The middleware role from the installed collection: each format renders, a second run changes
nothing, and a failing validation command keeps the previous configuration byte for byte."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import TOP

COLLECTIONS = os.path.join(TOP, ".build", "collections")


def run(tmp_path, **extra):
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "esante", "roc")):
        pytest.fail("the collection is not installed in .build/collections: run make collection (make test does)")
    variables = {
        "roc_structures": {"chu": {"organization": "CHU", "state_province": "Côte-d'Or (21)", "identifier_type": "finess",
                                   "identifier": "210780581", "contract_level": "EJ"}},
        "roc_structure": "chu", "roc_certs_dir": str(tmp_path / "certs"), "roc_middleware_dir": str(tmp_path / "mw"),
        "roc_middleware_keystores": False, "roc_group": "root",
    }
    variables.update(extra)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    (tmp_path / "inv.ini").write_text("h1 ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return subprocess.run([playbook, "-i", str(tmp_path / "inv.ini"), "-e", "@%s" % (tmp_path / "vars.json"),
                           os.path.join(TOP, "tests", "integration", "middleware.yml")],
                          capture_output=True, text=True, env=env, check=False)


@pytest.mark.parametrize("fmt,name", [("properties", "roc.properties"), ("yaml", "roc.yml"), ("json", "roc.json"),
                                      ("env", "roc.env")])
def test_formats_render_and_are_idempotent(tmp_path, fmt, name):
    result = run(tmp_path, roc_middleware_format=fmt)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "mw" / name).read_text()
    key = "%s/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.key" % (tmp_path / "certs")
    assert key in text
    if fmt == "json":
        assert json.loads(text)["roc"]["services"]["Client_ROC_WebServices_AMC"]["usage"] == "sign"
    if fmt == "yaml":
        assert yaml.safe_load(text)["roc"]["services"]["Client_ROC_Annuaire_AMC"]["privatekey"] == key
    again = run(tmp_path, roc_middleware_format=fmt)
    assert again.returncode == 0 and "changed=0" in again.stdout


def test_failing_validation_keeps_the_previous_configuration(tmp_path):
    assert run(tmp_path).returncode == 0
    config = tmp_path / "mw" / "roc.properties"
    before = config.read_bytes()
    result = run(tmp_path, roc_middleware_truststore_pem="/elsewhere/amc.pem",
                 roc_middleware_validate="sh -c 'echo middleware refuses %s >&2; exit 1'")
    assert result.returncode != 0 and "middleware refuses" in result.stdout + result.stderr
    assert config.read_bytes() == before
