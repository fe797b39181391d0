"""No passphrase, no private key material and no PKCS#12 content in -vvv output, in returned values, or
in files left in temporary folders of the controller and the target, on success and failure paths."""

import base64
import os
import subprocess
import sys

import pytest

from conftest import PASS, TOP, read

COLLECTIONS = os.path.join(TOP, ".build", "collections")


def test_vvv_output_and_temp_folders_hold_no_secret(fx, tmp_path):
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "esante", "roc")):
        pytest.fail("the collection is not installed in .build/collections: run make collection (make test does)")
    secrets = {"roc_secrets_wrong_passphrase": "Wrong-Passphrase-4242", "roc_secrets_key_passphrase": "Key-At-Rest-7777",
               "roc_secrets_keystore_password": "Keystore-Pass-9191", "roc_secrets_p12_passphrase": PASS}
    remote_tmp, local_tmp = tmp_path / "remote-tmp", tmp_path / "local-tmp"
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("h1 ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    extra = ["-e", "roc_secrets_dir=%s" % (tmp_path / "out"), "-e", "roc_secrets_p12=%s" % fx["p12"]["auth_cli"],
             "-e", "roc_secrets_aci=%s" % fx["aci"], "-e", "roc_secrets_acr=%s" % fx["acr"]]
    for name, value in secrets.items():
        extra += ["-e", "%s=%s" % (name, value)]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_REMOTE_TMP=str(remote_tmp), ANSIBLE_LOCAL_TEMP=str(local_tmp), ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    result = subprocess.run([playbook, "-vvv", "-i", str(inventory)] + extra +
                            [os.path.join(TOP, "tests", "integration", "secrets.yml")],
                            capture_output=True, text=True, env=env, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "passphrase does not open the bundle" in output  # the failure path ran and said why
    p12_b64 = base64.b64encode(read(fx["p12"]["auth_cli"])).decode()
    key_body = read(os.path.join(tmp_path, "out", "p12", "Client_ROC_Annuaire_AMC.key")).decode().splitlines()[1]
    for value in list(secrets.values()) + [p12_b64[:60], p12_b64[-60:], key_body, "PRIVATE KEY-----\n"]:
        assert value not in output, value[:20]
    # nothing left behind in the temporary folders (module payloads carry the arguments)
    for folder in (remote_tmp, local_tmp):
        leftovers = [os.path.join(b, f) for b, _d, files in os.walk(str(folder)) for f in files]
        assert leftovers == [], leftovers
