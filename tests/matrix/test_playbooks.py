"""One cell of the support matrix (tests/matrix.sh): the modules (tests/matrix/modules.yml) and the filters
(tests/integration/filters.yml) through a controller's ansible-playbook, on the local connection, with a target
Python. The module run is made twice: the second changes nothing."""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import PASS, TOP, read

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def cell():
    """(bin folder of the controller venv, the target's Python): tests/matrix.sh sets them."""
    return (os.environ.get("ROC_MATRIX_BIN") or os.path.dirname(sys.executable),
            os.environ.get("ROC_MATRIX_INTERPRETER") or sys.executable)


def play(cell, tmp_path, playbook, variables):
    bin_dir, interpreter = cell
    host_vars = dict(variables, ansible_connection="local", ansible_python_interpreter=interpreter)
    inventory = {"all": {"hosts": {"h1": {}}, "vars": host_vars}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    return subprocess.run([os.path.join(bin_dir, "ansible-playbook"), "-i", str(tmp_path / "inventory.json"), playbook],
                          capture_output=True, text=True, env=env, check=False)


def pem(path):
    return read(path).decode()


def test_every_module_runs_and_a_second_run_changes_nothing(cell, fx, tmp_path):
    variables = {"matrix_out": str(tmp_path / "out"), "matrix_group": "root", "matrix_p12": fx["p12"]["auth_cli"],
                 "matrix_passphrase": PASS, "matrix_chain": [pem(fx["aci"]), pem(fx["acr"])],
                 "matrix_leaf": os.path.join(fx["cli"], "leaf.pem"),
                 "matrix_leaf_key": os.path.join(fx["cli"], "leaf.key"),
                 "matrix_anchors": [{"name": "lab-ACI", "content": pem(fx["aci"])},
                                    {"name": "lab-ACR", "content": pem(fx["acr"])}]}
    variables["matrix_python_version"] = subprocess.run(
        [cell[1], "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True,
        check=True).stdout.strip()
    playbook = os.path.join(HERE, "modules.yml")
    first = play(cell, tmp_path, playbook, variables)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    assert re.search(r"h1\s+: ok=\d+\s+changed=[1-9]", first.stdout)
    second = play(cell, tmp_path, playbook, variables)
    assert second.returncode == 0, second.stdout[-3000:]
    assert re.search(r"h1\s+: ok=\d+\s+changed=0\s", second.stdout), second.stdout[-2000:]


def test_every_filter_on_playbook_data(cell, fx, tmp_path):
    leaf = os.path.join(fx["cli"], "leaf.pem")
    variables = {"lab_leaf_path": leaf, "lab_leaf_pem": read(leaf).decode(), "roc_structure": "chu",
                 "roc_structures": {"chu": {
                     "organization": "CHU LAB", "state_province": "Côte-d'Or (21)", "identifier_type": "finess",
                     "identifier": "210780581", "contract_level": "EJ", "environment": "test",
                     "services": {"Client_ROC_Annuaire_AMC": {"usage": "auth_cli", "delivery": "csr"},
                                  "Client_ROC_WebServices_AMC": {"usage": "sign", "delivery": "csr"}}}}}
    result = play(cell, tmp_path, os.path.join(TOP, "tests", "integration", "filters.yml"), variables)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
