"""The four crypto-core modules, run for real as processes with their args (as ansible runs them)."""

import base64
import hashlib
import os
import stat

import pytest

from conftest import PASS, openssl, read

AUTH, SIGN = "Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"
SUBJECT = dict(organization="CHU LAB DE DIJON", state_province="Côte-d'Or (21)", structure_id="1210780581")


def b64file(path):
    return base64.b64encode(read(path)).decode()


def tree_hashes(root):
    out = {}
    for base, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(base, name)
            st = os.stat(path)
            out[path] = (hashlib.sha256(read(path)).hexdigest(), stat.S_IMODE(st.st_mode))
    return out


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# ------------------------------------------------------------------------------------------ csr
def test_csr_create_idempotent_and_checked_by_openssl(run_module, tmp_path):
    args = dict(privatekey_path=str(tmp_path / "private" / "a.key"), csr_path=str(tmp_path / "a.csr"),
                service=AUTH, **SUBJECT)
    predicted = run_module("csr", check_mode=True, **args)
    assert predicted["changed"] is True and not (tmp_path / "private").exists()
    first = run_module("csr", **args)
    assert first["changed"] and first["privatekey_created"] and first["csr_created"]
    assert mode(args["privatekey_path"]) == 0o600
    assert mode(str(tmp_path / "private")) == 0o700
    assert "PRIVATE" not in first["_stdout"]
    openssl("req", "-in", args["csr_path"], "-noout", "-verify")
    subject = openssl("req", "-in", args["csr_path"], "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus").decode()
    assert "CN=Client_ROC_Annuaire_AMC" in subject and "OU=1210780581" in subject
    assert "ST=Côte-d'Or (21)" in subject and "O=CHU LAB DE DIJON" in subject and "C=FR" in subject
    assert first["subject"] == "CN=Client_ROC_Annuaire_AMC,OU=1210780581,O=CHU LAB DE DIJON,ST=Côte-d'Or (21),C=FR"
    modulus_key = openssl("rsa", "-in", args["privatekey_path"], "-noout", "-modulus")
    modulus_csr = openssl("req", "-in", args["csr_path"], "-noout", "-modulus")
    assert modulus_key == modulus_csr
    before = tree_hashes(str(tmp_path))
    second = run_module("csr", **args)
    assert second["changed"] is False and not second["privatekey_created"] and not second["csr_created"]
    assert tree_hashes(str(tmp_path)) == before
    assert second["public_key_sha256"] == first["public_key_sha256"]
    # another O: the CSR is rewritten, the key is kept
    third = run_module("csr", **dict(args, organization="CHU LAB DE DIJON BIS"))
    assert third["changed"] and third["csr_created"] and not third["privatekey_created"]
    assert third["public_key_sha256"] == first["public_key_sha256"]


def test_csr_with_passphrase_and_unreadable_key(run_module, tmp_path):
    args = dict(privatekey_path=str(tmp_path / "b.key"), csr_path=str(tmp_path / "b.csr"), service=SIGN,
                privatekey_passphrase="s3cret-phrase", key_size=3072, **SUBJECT)
    first = run_module("csr", **args)
    assert first["changed"] and b"ENCRYPTED PRIVATE KEY" in read(args["privatekey_path"])
    assert "s3cret-phrase" not in first["_stdout"]
    assert run_module("csr", **args)["changed"] is False
    before = tree_hashes(str(tmp_path))
    wrong = run_module("csr", **dict(args, privatekey_passphrase="wrong"))
    assert wrong["failed"] and "privatekey_path" in wrong["msg"] and "passphrase does not open the key" in wrong["msg"]
    assert tree_hashes(str(tmp_path)) == before
    (tmp_path / "b.key").write_bytes(b"garbage")
    before = tree_hashes(str(tmp_path))
    broken = run_module("csr", **args)
    assert broken["failed"] and "not a readable private key" in broken["msg"]
    assert tree_hashes(str(tmp_path)) == before


def test_csr_bad_subject_input(run_module, tmp_path):
    args = dict(privatekey_path=str(tmp_path / "c.key"), csr_path=str(tmp_path / "c.csr"), service=AUTH, **SUBJECT)
    result = run_module("csr", **dict(args, structure_id="FINESS210780581"))
    assert result["failed"] and "structure_id" in result["msg"]
    result = run_module("csr", **dict(args, country="FRA"))
    assert result["failed"] and "country" in result["msg"]
    assert os.listdir(str(tmp_path)) == []


# -------------------------------------------------------------------------------- pkcs12_unpack
def lab_chain(fx, environment="test"):
    """The ACI and ACR of a lab range (the lab imitates both): the anchors the install modules trust (a bundle's own
    CAs never are)."""
    if environment == "test":
        return [read(fx["aci"]).decode(), read(fx["acr"]).decode()]
    return [read(os.path.join(fx["pki"], "igc", name)).decode() for name in ("ACI-EL-ORG.pem", "ACR-EL.pem")]


def unpack_args(fx, tmp_path, usage="auth_cli", **extra):
    service = AUTH if usage == "auth_cli" else SIGN
    args = dict(content=b64file(fx["p12"][usage]), passphrase=PASS, dest=str(tmp_path / "roc" / service),
                service=service, usage=usage, chain=lab_chain(fx))
    args.update(extra)
    return args


def test_pkcs12_unpack_writes_verified_files(run_module, fx, tmp_path):
    args = unpack_args(fx, tmp_path)
    predicted = run_module("pkcs12_unpack", check_mode=True, diff=True, **args)
    assert predicted["changed"] and not (tmp_path / "roc").exists()
    assert "PRIVATE KEY" not in predicted["_stdout"] and PASS not in predicted["_stdout"]
    result = run_module("pkcs12_unpack", diff=True, **args)
    assert result["changed"], result
    files = result["files"]
    assert "PRIVATE KEY" not in result["_stdout"] and PASS not in result["_stdout"]
    assert args["content"] not in result["_stdout"]
    assert mode(files["privatekey"]) == 0o600 and mode(files["certificate"]) == 0o644
    assert mode(os.path.dirname(files["privatekey"])) == 0o700
    # judged by openssl: the chain verifies the leaf, key and certificate share the modulus
    openssl("verify", "-CAfile", files["chain"], files["certificate"])
    assert openssl("x509", "-in", files["certificate"], "-noout", "-modulus") == openssl(
        "rsa", "-in", files["privatekey"], "-noout", "-modulus")
    chain_subjects = openssl("crl2pkcs7", "-nocrl", "-certfile", files["chain"]).decode()
    assert chain_subjects
    full = read(files["fullchain"])
    assert full.count(b"BEGIN CERTIFICATE") == 2 and full.startswith(read(files["certificate"]))
    assert read(files["chain"]).count(b"BEGIN CERTIFICATE") == 2
    assert result["certificate"]["subject"]["service"] == AUTH
    assert result["certificate"]["igc_sante"]["environment"] == "test"
    before = tree_hashes(str(tmp_path / "roc"))
    again = run_module("pkcs12_unpack", **args)
    assert again["changed"] is False and tree_hashes(str(tmp_path / "roc")) == before


def test_pkcs12_unpack_key_passphrase_is_idempotent(run_module, fx, tmp_path):
    args = unpack_args(fx, tmp_path, key_passphrase="at-rest-secret", mode="0640")
    first = run_module("pkcs12_unpack", **args)
    assert first["changed"] and b"ENCRYPTED PRIVATE KEY" in read(first["files"]["privatekey"])
    assert mode(first["files"]["privatekey"]) == 0o640
    openssl("pkey", "-in", first["files"]["privatekey"], "-passin", "pass:at-rest-secret", "-noout")
    assert run_module("pkcs12_unpack", **args)["changed"] is False


def test_pkcs12_unpack_openssl_made_bundles(run_module, fx, tmp_path):
    for name in ("rc2.p12", "aes.p12"):
        args = dict(content=b64file(os.path.join(fx["cli"], name)), passphrase=PASS, dest=str(tmp_path / name),
                    service=AUTH, usage="auth_cli", chain=lab_chain(fx))
        result = run_module("pkcs12_unpack", **args)
        assert result["changed"], result
        assert result["files"]["certificate"].endswith(AUTH + ".crt")


@pytest.mark.parametrize("case,expected", [
    ("wrong_passphrase", "passphrase does not open the bundle"),
    ("truncated", "truncated"),
    ("corrupted", "corrupted"),
    ("other_service", "is for service 'Client_ROC_WebServices_AMC', not 'Client_ROC_Annuaire_AMC'"),
    ("wrong_usage", "usage auth_cli needs extended key usage clientAuth"),
    ("expired", "expired on"),
    ("not_yet_valid", "not valid before"),
    ("foreign_ca", "not signed by any CA given"),
    ("garbage", "not a PKCS#12 file"),
])
def test_pkcs12_unpack_refusals_leave_files_untouched(run_module, fx, tmp_path, case, expected):
    good = unpack_args(fx, tmp_path)
    assert run_module("pkcs12_unpack", **good)["changed"]
    before = tree_hashes(str(tmp_path / "roc"))
    data = read(fx["p12"]["auth_cli"])
    bad = dict(good)
    if case == "wrong_passphrase":
        bad["passphrase"] = "not-the-passphrase"
    elif case == "truncated":
        bad["content"] = base64.b64encode(data[: len(data) - 300]).decode()
    elif case == "corrupted":
        corrupted = bytearray(data)
        corrupted[len(data) // 2] ^= 0x55
        bad["content"] = base64.b64encode(bytes(corrupted)).decode()
    elif case == "other_service":
        bad["content"] = b64file(fx["p12"]["sign"])
    elif case == "wrong_usage":
        bad = dict(unpack_args(fx, tmp_path, usage="sign"), service=AUTH, dest=good["dest"], usage="auth_cli")
        bad["service"] = None
    elif case == "expired":
        bad["content"] = b64file(fx["p12_expired"])
    elif case == "not_yet_valid":
        bad["content"] = b64file(fx["p12_future"])
    elif case == "foreign_ca":
        bad["content"] = b64file(fx["p12_foreign"])
    elif case == "garbage":
        bad["content"] = base64.b64encode(os.urandom(64)).decode()
    result = run_module("pkcs12_unpack", **bad)
    assert result.get("failed"), result
    assert expected in result["msg"]
    assert PASS not in result["_stdout"] and "not-the-passphrase" not in result["_stdout"]
    assert tree_hashes(str(tmp_path / "roc")) == before


def test_pkcs12_unpack_allow_expired_and_backup(run_module, fx, tmp_path):
    args = unpack_args(fx, tmp_path)
    run_module("pkcs12_unpack", **args)
    old_key = read(os.path.join(args["dest"], AUTH + ".key"))
    renewed = dict(args, content=b64file(fx["p12_expired"]), allow_expired=True)
    result = run_module("pkcs12_unpack", **renewed)
    assert result["changed"] and result["certificate"]["expired"] is True
    backups = result["backup_files"]
    key_path = os.path.join(args["dest"], AUTH + ".key")
    assert read(backups[key_path]) == old_key and mode(backups[key_path]) == 0o600
    assert sorted(backups) == sorted([key_path, os.path.join(args["dest"], AUTH + ".crt")])


# ----------------------------------------------------------------------------------- certificate
def test_certificate_install_against_site_key(run_module, fx, tmp_path):
    cli = fx["cli"]
    key_path = tmp_path / "k.key"
    key_path.write_bytes(read(os.path.join(cli, "leaf.key")))
    os.chmod(str(key_path), 0o600)
    args = dict(content=b64file(os.path.join(cli, "leaf.der")), privatekey_path=str(key_path),
                path=str(tmp_path / "out" / "leaf.crt"), fullchain_path=str(tmp_path / "out" / "full.pem"),
                chain_path=str(tmp_path / "out" / "chain.pem"),
                chain=[read(os.path.join(cli, "chain.p7b")).decode()], service=AUTH, usage="auth_cli")
    result = run_module("certificate", **args)
    assert result["changed"], result
    openssl("verify", "-CAfile", args["chain_path"], args["path"])
    assert run_module("certificate", **args)["changed"] is False
    # a certificate that does not match the key on the host: nothing written
    before = tree_hashes(str(tmp_path / "out"))
    other = dict(args, content=read(os.path.join(fx["pki"], "gie", "amc-annuaire.pem")).decode(), service=None,
                 usage=None)
    mismatch = run_module("certificate", **other)
    assert mismatch["failed"] and "does not match the private key" in mismatch["msg"]
    empty = run_module("certificate", **dict(args, content="   "))
    assert empty["failed"] and "empty" in empty["msg"]
    assert tree_hashes(str(tmp_path / "out")) == before


def test_certificate_mode_is_the_key_materials_and_cert_mode_the_certificates(run_module, fx, tmp_path):
    """mode means the key material's mode, as in csr and pkcs12_unpack; cert_mode the certificate files'. Without
    cert_mode, mode still sets the certificate files too (1.x behaviour) and a deprecation says so."""
    cli = fx["cli"]
    key_path = tmp_path / "k.key"
    key_path.write_bytes(read(os.path.join(cli, "leaf.key")))
    os.chmod(str(key_path), 0o600)
    base = dict(content=b64file(os.path.join(cli, "leaf.der")), privatekey_path=str(key_path),
                chain=[read(os.path.join(cli, "chain.p7b")).decode()], service=AUTH, usage="auth_cli")
    old = dict(base, path=str(tmp_path / "old" / "leaf.crt"), combined_path=str(tmp_path / "old" / "leaf.pem"),
               mode="0640")
    result = run_module("certificate", **old)
    assert result["changed"] and mode(old["path"]) == 0o640 and mode(old["combined_path"]) == 0o640
    assert any("cert_mode" in str(d) and "2.0.0" in str(d) for d in result.get("deprecations", [])), result
    assert all("mode" not in str(w) for w in result.get("warnings", []))
    new = dict(base, path=str(tmp_path / "new" / "leaf.crt"), combined_path=str(tmp_path / "new" / "leaf.pem"),
               mode="0600", cert_mode="0644")
    result = run_module("certificate", **new)
    assert result["changed"] and mode(new["path"]) == 0o644 and mode(new["combined_path"]) == 0o600
    assert not result.get("deprecations")
    assert run_module("certificate", **new)["changed"] is False


# ------------------------------------------------------------------------------ certificate_info
def test_certificate_info_path_content_and_key(run_module, fx, tmp_path, realworld):
    cli = fx["cli"]
    result = run_module("certificate_info", path=os.path.join(cli, "leaf.pem"),
                        privatekey_path=os.path.join(cli, "leaf-enc.key"), privatekey_passphrase=PASS)
    assert result["changed"] is False and result["privatekey_match"] is True
    assert result["subject"]["service"] == AUTH and result["days_left"] >= 1093
    real = run_module("certificate_info", content=b64file(os.path.join(realworld, "ACI-EL-ORG.cer")))
    assert real["igc_sante"]["known"] and real["igc_sante"]["environment"] == "production"
    assert real["sha256"].startswith("D8:34:EE:5B")
    leaf = run_module("certificate_info", path=os.path.join(realworld, "TEST-ORG-SIGN-leaf.pem"))
    assert leaf["subject"]["state_province"] == "Côte-d'Or (21)" and leaf["expired"] is True
    missing = run_module("certificate_info", path=str(tmp_path / "nope.pem"))
    assert missing["failed"] and "nope.pem" in missing["msg"]


def test_certificate_with_key_content_lands_together(run_module, fx, tmp_path):
    """A cluster's second server: key and certificate arrive together, atomically, key 0600."""
    cli = fx["cli"]
    key_pem = read(os.path.join(cli, "leaf.key")).decode()
    args = dict(content=read(os.path.join(cli, "leaf.pem")).decode(), privatekey_content=key_pem,
                privatekey_path=str(tmp_path / "node2" / "k.key"), path=str(tmp_path / "node2" / "c.crt"),
                chain=[read(fx["aci"]).decode()], service=AUTH, usage="auth_cli")
    result = run_module("certificate", **args)
    assert result["changed"], result
    assert "PRIVATE KEY" not in result["_stdout"]
    assert mode(args["privatekey_path"]) == 0o600 and mode(str(tmp_path / "node2")) == 0o700
    assert openssl("rsa", "-in", args["privatekey_path"], "-noout", "-modulus") == openssl(
        "x509", "-in", args["path"], "-noout", "-modulus")
    assert run_module("certificate", **args)["changed"] is False
    wrong = dict(args, privatekey_content=read(os.path.join(fx["pki"], "gie", "amc-annuaire.key")).decode())
    before = tree_hashes(str(tmp_path / "node2"))
    refused = run_module("certificate", **wrong)
    assert refused["failed"] and "does not match the private key" in refused["msg"]
    assert tree_hashes(str(tmp_path / "node2")) == before


def test_combined_pem_is_one_atomic_pair(run_module, fx, tmp_path):
    combined = str(tmp_path / "roc" / AUTH / (AUTH + ".pem"))
    args = unpack_args(fx, tmp_path, combined_path=combined, key_passphrase="at-rest-secret")
    result = run_module("pkcs12_unpack", **args)
    assert result["changed"] and result["files"]["combined"] == combined
    data = read(combined)
    assert data.count(b"ENCRYPTED PRIVATE KEY-----") == 2 and data.count(b"BEGIN CERTIFICATE") == 2
    assert mode(combined) == 0o600
    # openssl reads the pair out of the one file, and they belong together
    assert openssl("pkey", "-in", combined, "-passin", "pass:at-rest-secret", "-pubout") == openssl(
        "x509", "-in", combined, "-noout", "-pubkey")
    assert run_module("pkcs12_unpack", **args)["changed"] is False  # a re-encrypted key is the same key
