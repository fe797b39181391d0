"""AWX / AAP side: the execution environment's build context is created by ansible-builder, and a
playbook of the installed collection runs through ansible-runner (the engine AWX and AAP use)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import TOP

BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(TOP, ".build", "collections")


def test_ansible_builder_creates_the_build_context(tmp_path):
    if not os.path.exists(os.path.join(TOP, ".build", "esante-roc-0.1.0.tar.gz")):
        pytest.fail("run make collection first (make test does)")
    context = tmp_path / "context"
    result = subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "-f",
                             os.path.join(TOP, "execution-environment.yml"), "-c", str(context)],
                            capture_output=True, text=True, cwd=TOP, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = (context / "Containerfile").read_text()
    assert "quay.io/ansible/awx-ee" in containerfile
    assert (context / "_build" / "collections" / "esante-roc.tar.gz").exists()
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
    assert "esante.roc report CRITICAL: 2 certificates on 1 hosts" in result.stdout, result.stdout[-2000:]
    status = (pdd / "artifacts").glob("*/status")
    assert [p.read_text() for p in status] == ["failed"]
    report = json.loads((tmp_path / "orders" / "report" / "report.json").read_text())
    assert [r["present"] for r in report["rows"]] == [False, False]
