"""Every filter of the installed collection through ansible-playbook, fed with data from the inventory, play vars,
set_fact and registered results: ansible-core 2.19 tags such data (its own subclasses of dict, str, ...), and a
filter tested only from Python can fail there (jmespath's sort_by refused them: "received: unknown")."""

import json
import os
import subprocess
import sys

from conftest import TOP, read

COLLECTIONS = os.path.join(TOP, ".build", "collections")


def test_filters_on_playbook_data(fx, tmp_path):
    leaf = os.path.join(fx["cli"], "leaf.pem")
    inventory = {"all": {"hosts": {"h1": {"lab_leaf_path": leaf, "lab_leaf_pem": read(leaf).decode()}},
                         "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                  "roc_structure": "chu",
                                  "roc_structures": {"chu": {
                                      "organization": "CHU LAB", "state_province": "Côte-d'Or (21)",
                                      "identifier_type": "finess", "identifier": "210780581", "contract_level": "EJ",
                                      "environment": "test",
                                      "services": {"Client_ROC_Annuaire_AMC": {"usage": "auth_cli", "delivery": "csr"},
                                                   "Client_ROC_WebServices_AMC": {"usage": "sign",
                                                                                  "delivery": "csr"}}}}}}}
    (tmp_path / "inventory.yml").write_text(json.dumps(inventory))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    result = subprocess.run([playbook, "-i", str(tmp_path / "inventory.yml"),
                             os.path.join(TOP, "tests", "integration", "filters.yml")],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "failed=0" in result.stdout
