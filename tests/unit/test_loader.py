"""The loader reads every format users meet, and refuses bad input with a clear message."""

import base64
import os

import pytest

from ansible_collections.esante.roc.plugins.module_utils import igc, loader, loader_certificates, loader_crypto
from ansible_collections.esante.roc.plugins.module_utils.facts import certificate_facts
from ansible_collections.esante.roc.plugins.module_utils.loader import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import certificate_profile, name_values

from conftest import PASS, openssl, read

REAL_FINGERPRINTS = {
    "ACR-EL.cer": "2D:9E:22:CA:19:F7:77:C6:B7:45:25:7C:72:3E:CB:8D:F3:C3:5F:A6:F1:F6:EC:36:B8:36:00:C9:73:46:96:7F",
    "ACI-EL-ORG.cer": "D8:34:EE:5B:40:68:6B:73:57:3F:60:54:7B:F6:05:2C:6D:40:4D:94:2A:56:65:CD:B2:C0:B9:13:7B:5D:27:B2",
    "ACR-EL-TEST.cer": "01:32:5A:EB:19:38:71:EE:C9:0F:A8:95:56:80:4E:41:85:CB:36:2E:0C:A8:7A:3D:79:93:9C:71:18:6D:A8:05",
    "ACI-EL-ORG-TEST.cer": "DC:52:8E:37:88:69:1B:3F:79:50:16:40:76:F9:5B:02:C6:43:34:C6:86:62:BD:ED:E5:75:0B:4E:0E:53:38:F6",
}


def openssl_fingerprint(path, der=False):
    out = openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256", *(["-inform", "DER"] if der else []))
    return out.decode().strip().split("=", 1)[1]


@pytest.mark.parametrize("name", sorted(REAL_FINGERPRINTS))
def test_real_der_ca_files(realworld, name):
    path = os.path.join(realworld, name)
    cert = loader.load_certificate(read(path), name)
    assert loader.fingerprint_sha256(cert) == REAL_FINGERPRINTS[name]
    assert loader.fingerprint_sha256(cert) == openssl_fingerprint(path, der=True)
    facts = certificate_facts(cert)
    assert facts["is_ca"] is True
    assert facts["igc_sante"]["known"] is True
    assert facts["igc_sante"]["range"] == "ELEMENTAIRE"
    assert facts["igc_sante"]["environment"] == ("test" if "TEST" in name else "production")


def test_real_p7b_chain(realworld):
    path = os.path.join(realworld, "Chaine_de_certification-IGC-Sante.p7b")
    certs = loader.load_certificates(read(path), "p7b")
    assert len(certs) == 8
    printed = openssl("pkcs7", "-in", path, "-print_certs", "-noout").decode()
    for cert in certs:
        assert loader.common_name(cert.subject) in printed
        assert igc.classify_ca_name(name_values(cert.subject))["known"]
    ranges = sorted(set(igc.classify_ca_name(name_values(c.subject))["range"] for c in certs))
    assert ranges == ["ELEMENTAIRE", "FORT", "STANDARD"]
    # the ORG intermediate in the chain is the one whose DER file ANS publishes
    aci = loader.load_certificate(read(os.path.join(realworld, "ACI-EL-ORG.cer")))
    assert aci in certs
    acr = loader.load_certificate(read(os.path.join(realworld, "ACR-EL.cer")))
    assert loader.is_signed_by(aci, acr)


def test_real_sign_leaf_utf8_subject(realworld):
    path = os.path.join(realworld, "TEST-ORG-SIGN-leaf.pem")
    cert = loader.load_certificate(read(path))
    facts = certificate_facts(cert)
    assert facts["subject"]["state_province"] == "Côte-d'Or (21)"
    assert facts["subject"]["organization"] == "MINISTERE DE TEST7708"
    assert facts["subject"]["structure_id"] == "300000000077081"
    assert facts["subject"]["service"] == "testsign.test.asipsante.fr"
    assert facts["sha256"] == openssl_fingerprint(path)
    assert facts["sha256"].startswith("DD:61:67:62:99:E7:CC:01")
    assert facts["not_after"] == "2024-12-23T13:06:17Z"
    assert facts["expired"] is True and facts["days_left"] < 0
    assert facts["key_usage"] == ["digitalSignature", "nonRepudiation"]
    assert facts["extended_key_usage"] == ["emailProtection"]
    assert facts["policies"] == ["1.2.250.1.213.1.7.2.1.1.1.1"]
    assert facts["igc_sante"] == {"known": True, "range": "ELEMENTAIRE", "environment": "test",
                                  "issuer_ca": "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"}
    assert igc.usage_problem(certificate_profile(cert), "sign") is None
    assert "clientAuth" in igc.usage_problem(certificate_profile(cert), "auth_cli")
    aci_test = loader.load_certificate(read(os.path.join(realworld, "ACI-EL-ORG-TEST.cer")))
    assert loader.is_signed_by(cert, aci_test)


def test_pem_der_and_p7b_formats_agree(fx):
    cli = fx["cli"]
    pem = loader.load_certificates(read(os.path.join(cli, "leaf.pem")))
    der = loader.load_certificates(read(os.path.join(cli, "leaf.der")))
    assert pem == der and len(pem) == 1
    p7_pem = loader.load_certificates(read(os.path.join(cli, "chain.p7b")))
    p7_der = loader.load_certificates(read(os.path.join(cli, "chain.p7b.der")))
    assert len(p7_pem) == 2 and sorted(map(loader.fingerprint_sha256, p7_pem)) == sorted(
        map(loader.fingerprint_sha256, p7_der))
    bundle = read(fx["aci"]) + b"\n" + read(fx["acr"])
    assert len(loader.load_certificates(bundle)) == 2
    # base64 text of DER, as the action plugins hand files to modules
    b64 = base64.b64encode(read(os.path.join(cli, "leaf.der"))).decode()
    assert loader.load_certificates(loader.content_to_bytes(b64, "content")) == pem


@pytest.mark.parametrize("bundle", ["rc2.p12", "aes.p12"])
def test_openssl_made_bundles(fx, bundle):
    key, cert, extra = loader.load_pkcs12(read(os.path.join(fx["cli"], bundle)), PASS)
    assert loader.key_matches(key, cert)
    assert len(extra) == 1 and loader.is_signed_by(cert, extra[0])


def test_lab_platform_bundle_3des(fx):
    key, cert, extra = loader.load_pkcs12(read(fx["p12"]["auth_cli"]), PASS)
    assert loader.common_name(cert.subject) == "Client_ROC_Annuaire_AMC"
    chain = loader.build_chain(cert, extra)
    assert [loader.common_name(c.subject) for c in chain] == [
        "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS", "TEST AC RACINE IGC-SANTE ELEMENTAIRE"]


@pytest.mark.parametrize("data,expected", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"\x00\x01garbage\xff" * 20, "binary garbage"),
    (b"-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n", "invalid base64"),
    (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "PEM armour is broken"),
    (b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "no certificate in it"),
])
def test_bad_certificate_input(data, expected):
    with pytest.raises(RocError) as err:
        loader.load_certificates(data, "trust file x.pem")
    assert "trust file x.pem" in str(err.value)
    assert expected in str(err.value)


def test_truncated_der_certificate(fx):
    data = read(os.path.join(fx["cli"], "leaf.der"))
    with pytest.raises(RocError, match="truncated or corrupted"):
        loader.load_certificates(data[: len(data) // 2])


def test_pkcs12_refusals(fx):
    data = read(fx["p12"]["auth_cli"])
    with pytest.raises(RocError, match="passphrase does not open the bundle"):
        loader.load_pkcs12(data, "wrong")
    with pytest.raises(RocError, match="truncated"):
        loader.load_pkcs12(data[:-100], PASS)
    corrupted = bytearray(data)
    corrupted[len(data) // 2] ^= 0xFF
    with pytest.raises(RocError, match="corrupted"):
        loader.load_pkcs12(bytes(corrupted), PASS)
    with pytest.raises(RocError, match="not a PKCS#12 file"):
        loader.load_pkcs12(read(fx["aci"]), PASS)


def test_private_keys(fx):
    cli = fx["cli"]
    plain = loader.load_private_key(read(os.path.join(cli, "leaf.key")))
    der = loader.load_private_key(read(os.path.join(cli, "leaf.key.der")))
    enc = loader.load_private_key(read(os.path.join(cli, "leaf-enc.key")), PASS)
    assert loader.same_private_key(plain, der) and loader.same_private_key(plain, enc)
    with pytest.raises(RocError, match="no passphrase was given"):
        loader.load_private_key(read(os.path.join(cli, "leaf-enc.key")))
    with pytest.raises(RocError, match="passphrase does not open the key"):
        loader.load_private_key(read(os.path.join(cli, "leaf-enc.key")), "wrong")
    with pytest.raises(RocError, match="not a readable private key"):
        loader.load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    leaf = loader.load_certificate(read(os.path.join(cli, "leaf.pem")))
    assert loader.key_matches(plain, leaf)
    other = loader.load_pkcs12(read(fx["p12"]["sign"]), PASS)[0]
    assert not loader.key_matches(other, leaf)


def test_every_wrong_passphrase_is_named(fx):
    """A wrong passphrase sometimes decrypts to garbage with valid padding (AES-CBC, about 1 in 300): OpenSSL then
    reports a parse error. Whatever the library says, the message names the passphrase (the CI once failed on it)."""
    data = read(os.path.join(fx["cli"], "leaf-enc.key"))
    for i in range(1500):
        with pytest.raises(RocError, match="passphrase does not open the key"):
            loader.load_private_key(data, "wrong-%d" % i)


def test_usage_checks(fx):
    auth = loader.load_pkcs12(read(fx["p12"]["auth_cli"]), PASS)[1]
    sign = loader.load_pkcs12(read(fx["p12"]["sign"]), PASS)[1]
    assert igc.usage_problem(certificate_profile(auth), "auth_cli") is None
    assert igc.usage_problem(certificate_profile(sign), "sign") is None
    assert "nonRepudiation" in igc.usage_problem(certificate_profile(auth), "sign")
    assert "clientAuth" in igc.usage_problem(certificate_profile(sign), "auth_cli")
    assert "keyEncipherment" in igc.usage_problem(certificate_profile(sign), "conf")
    assert igc.service_problem(certificate_profile(auth), "Client_ROC_WebServices_AMC") == (
        "the certificate is for service 'Client_ROC_Annuaire_AMC', not 'Client_ROC_WebServices_AMC'")


def test_missing_library_message_names_the_package(monkeypatch):
    monkeypatch.setattr(loader_crypto, "CRYPTOGRAPHY_VERSION", None)
    assert "python3-cryptography" in loader.cryptography_problem()
    monkeypatch.setattr(loader_crypto, "CRYPTOGRAPHY_VERSION", "2.8")
    assert "too old" in loader.cryptography_problem()


def test_own_pkcs7_walker_reads_the_ans_chain(realworld):
    """The fallback parser (used when cryptography refuses ANS's non-DER set order) agrees with openssl."""
    pem = read(os.path.join(realworld, "Chaine_de_certification-IGC-Sante.p7b"))
    der = base64.b64decode(b"".join(loader.PEM_BLOCK.findall(pem)[0][1].split()))
    ders = loader_certificates._pkcs7_certificate_ders(der, "p7b")
    assert len(ders) == 8
    certs = [loader.load_certificate(d) for d in ders]
    assert sorted(map(loader.fingerprint_sha256, certs)) == sorted(
        map(loader.fingerprint_sha256, loader.load_certificates(pem)))
    with pytest.raises(RocError, match="truncated"):
        loader_certificates._pkcs7_certificate_ders(der[:500], "p7b")
