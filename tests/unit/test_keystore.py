"""esante.roc.keystore judged by keytool and openssl."""

import os
import shutil
import subprocess

import pytest

from conftest import openssl
from test_modules import mode, unpack_args


@pytest.fixture
def unpacked(run_module, fx, tmp_path):
    result = run_module("pkcs12_unpack", **unpack_args(fx, tmp_path))
    assert result["changed"], result
    return result["files"]


def test_keystore_idempotent_and_readable(run_module, unpacked, tmp_path):
    args = dict(path=str(tmp_path / "ks" / "svc.p12"), alias="Client_ROC_Annuaire_AMC", passphrase="ks-secret",
                privatekey_path=unpacked["privatekey"], certificate_path=unpacked["certificate"],
                chain_path=unpacked["chain"])
    first = run_module("keystore", **args)
    assert first["changed"] and first["entries"] == 3 and "ks-secret" not in first["_stdout"]
    assert mode(args["path"]) == 0o600
    assert run_module("keystore", **args)["changed"] is False
    out = openssl("pkcs12", "-in", args["path"], "-passin", "pass:ks-secret", "-nokeys", "-clcerts").decode()
    assert "friendlyName: Client_ROC_Annuaire_AMC" in out
    renamed = run_module("keystore", **dict(args, alias="other"))
    if renamed.get("changed") is False:
        pytest.skip("this cryptography cannot read aliases back")
    assert renamed["changed"]
    if shutil.which("keytool"):
        listing = subprocess.run(["keytool", "-list", "-keystore", args["path"], "-storepass", "ks-secret"],
                                 capture_output=True, text=True, check=True).stdout
        assert "other, " in listing and "PrivateKeyEntry" in listing


def test_keystore_refuses_mismatch(run_module, unpacked, fx, tmp_path):
    other = run_module("pkcs12_unpack", **unpack_args(fx, tmp_path, usage="sign"))["files"]
    result = run_module("keystore", path=str(tmp_path / "x.p12"), alias="a", passphrase="p",
                        privatekey_path=unpacked["privatekey"], certificate_path=other["certificate"])
    assert result["failed"] and "does not match" in result["msg"]
    assert not os.path.exists(str(tmp_path / "x.p12"))
