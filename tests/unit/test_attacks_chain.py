"""Attacks on the trust of the install modules, run for real (modules as processes, real keys and signatures, judged
by openssl where it has a say): forged chains and look-alike IGC-Santé CAs, bundles without CA, issuers that may not
sign, key usages, certificate names that would escape dest, the wrong IGC-Santé range, revoked certificates, CRLs
(the lab PKI publishes one), malformed extensions and unknown algorithms (a clean error, never a traceback), and the
official anchors that travel with the collection. Every refusal leaves the files as they were."""

import base64
import datetime
import os
import shutil
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.esante.roc.plugins.module_utils import igc, igc_anchors, loader
from ansible_collections.esante.roc.plugins.module_utils.loader import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import certificate_profile, name_values

from conftest import PASS, TOP, openssl, read
from test_modules import AUTH, SIGN, lab_chain, tree_hashes

LABPKI = os.path.join(TOP, "tests", "lab", "labpki.py")
UTC = datetime.timezone.utc
TEST_OU = [(NameOID.COUNTRY_NAME, "FR"), (NameOID.ORGANIZATION_NAME, "ASIP-SANTE"),
           (NameOID.ORGANIZATIONAL_UNIT_NAME, "0002 187512751"), (NameOID.ORGANIZATIONAL_UNIT_NAME, "IGC-SANTE TEST")]
PROD_OU = TEST_OU[:3] + [(NameOID.ORGANIZATIONAL_UNIT_NAME, "IGC-SANTE")]
LAB_ACI = "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"
LAB_ACR = "TEST AC RACINE IGC-SANTE ELEMENTAIRE"


# ------------------------------------------------------------------------------------------ material
def now():
    return datetime.datetime.now(UTC).replace(microsecond=0)


def name(cn, base=()):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in list(base) + [(NameOID.COMMON_NAME, cn)]])


def site(cn):
    return name(cn, [(NameOID.COUNTRY_NAME, "FR"), (NameOID.ORGANIZATION_NAME, "CHU LAB DE DIJON"),
                     (NameOID.ORGANIZATIONAL_UNIT_NAME, "1210780581")])


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def key_usage(**flags):
    values = dict(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                  key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
    values.update(flags)
    return x509.KeyUsage(**values)


AUTH_KU = key_usage(digital_signature=True)
SIGN_KU = key_usage(digital_signature=True, content_commitment=True)
CA_KU = key_usage(key_cert_sign=True, crl_sign=True)
CLIENT = [ExtendedKeyUsageOID.CLIENT_AUTH]


def make(subject, public_key, issuer_name, signer, ca=None, ku=AUTH_KU, eku=CLIENT, start=None, days=365):  # pylint: disable=dangerous-default-value
    """A certificate; ca: None (a leaf) or the pathLenConstraint of a CA ('none' for no constraint, False for a
    CA certificate without CA:TRUE)."""
    start = start or now() - datetime.timedelta(minutes=5)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + datetime.timedelta(days=days)))
    if ca is None or ca is False:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None if ca == "none" else ca),
                                        critical=True)
    if ku is not None:
        builder = builder.add_extension(ku, critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(signer, hashes.SHA256())


def ca_pair(cn, base=TEST_OU, issuer=None, pathlen="none", ku=CA_KU, **kwargs):  # pylint: disable=dangerous-default-value
    """(certificate, key) of a CA, self-signed or signed by issuer (certificate, key)."""
    key = new_key()
    issuer_cert, issuer_key = issuer or (None, key)
    cert = make(name(cn, base), key.public_key(), issuer_cert.subject if issuer_cert else name(cn, base), issuer_key,
                ca=pathlen, ku=ku, eku=None, **kwargs)
    return cert, key


def leaf_pair(issuer, cn=AUTH, **kwargs):
    key = new_key()
    return make(site(cn), key.public_key(), issuer[0].subject, issuer[1], **kwargs), key


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs).decode()


def p12(key, cert, cas=()):
    data = pkcs12.serialize_key_and_certificates(b"attack", key, cert, list(cas) or None,
                                                 serialization.BestAvailableEncryption(PASS.encode()))
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def lab(fx):
    """(ACR, ACI) of the lab's test range: (certificate, key) each, the real lab keys."""
    def pair(rel):
        return (loader.load_certificate(read(os.path.join(fx["pki"], rel + ".pem"))),
                serialization.load_pem_private_key(read(os.path.join(fx["pki"], rel + ".key")), None))
    return pair("igc/ACR-EL-TEST"), pair("igc/ACI-EL-ORG-TEST")


def unpack(fx, tmp_path, content, **extra):
    args = dict(content=content, passphrase=PASS, dest=str(tmp_path / "roc" / AUTH), service=AUTH, usage="auth_cli")
    args.update(extra)
    return args


def refused(result, *texts):
    assert result.get("failed") is True, result
    assert "Traceback" not in result["_stdout"], result["_stdout"]
    for text in texts:
        assert text in result["msg"], result["msg"]
    return result["msg"]


# ------------------------------------------------------------------------------------ forged chains
def test_lookalike_igc_hierarchy_in_the_bundle_is_refused(run_module, fx, tmp_path, lab):
    """A bundle carrying its own "IGC-SANTE" ACI and ACR, with the very names of the lab's: the lab anchors are
    given, the look-alikes are no anchors, whatever their names."""
    fake_acr = ca_pair(LAB_ACR)
    fake_aci = ca_pair(LAB_ACI, issuer=fake_acr, pathlen=0)
    cert, key = leaf_pair(fake_aci)
    content = p12(key, cert, [fake_aci[0], fake_acr[0]])
    for anchors in (dict(chain=lab_chain(fx)), dict(ca_path=fx["aci"]), dict(environment="test"),
                    dict(environment="test", chain=lab_chain(fx))):
        msg = refused(run_module("pkcs12_unpack", **unpack(fx, tmp_path, content, **anchors)), "not one of the anchors")
        assert "look-alike" in msg, msg
    assert not (tmp_path / "roc").exists()
    # the same bundle's leaf, judged by openssl against the lab anchors: not trusted either
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(pem(cert))
    proc = subprocess.run(["openssl", "verify", "-CAfile", fx["acr"], "-untrusted", fx["aci"], str(leaf)],
                          capture_output=True, check=False)
    assert proc.returncode != 0


def test_bundle_without_ca_needs_an_anchor_or_the_lab_switch(run_module, fx, tmp_path, lab):
    cert, key = leaf_pair(lab[1])
    content = p12(key, cert)
    refused(run_module("pkcs12_unpack", **unpack(fx, tmp_path, content)), "no anchor given", "allow_unanchored")
    assert not (tmp_path / "roc").exists()
    # LAB ONLY: accepted, the chain is what the bundle holds (nothing here)
    lab_only = run_module("pkcs12_unpack", **unpack(fx, tmp_path / "lab", content, allow_unanchored=True))
    assert lab_only["changed"] and lab_only["chain"] == [], lab_only
    # with the anchors: accepted, and the chain written is never empty (the ACI, then the ACR above it)
    args = unpack(fx, tmp_path, content, chain=lab_chain(fx))
    result = run_module("pkcs12_unpack", **args)
    assert result["changed"] and len(result["chain"]) == 2, result
    files = result["files"]
    assert read(files["chain"]).count(b"BEGIN CERTIFICATE") == 2
    openssl("verify", "-CAfile", files["chain"], files["certificate"])
    assert run_module("pkcs12_unpack", **args)["changed"] is False
    # the ACI alone as anchor: the chain holds at least the issuer
    only_aci = run_module("pkcs12_unpack", **unpack(fx, tmp_path / "aci", content, ca_path=fx["aci"]))
    assert only_aci["chain"] == [lab[1][0].subject.rfc4514_string()]
    assert read(only_aci["files"]["chain"]).count(b"BEGIN CERTIFICATE") == 1


def test_bundle_with_a_ca_that_does_not_sign_is_refused_even_unanchored(run_module, fx, tmp_path, lab):
    """allow_unanchored still checks the signatures: a bundle CA of the issuer's name that did not sign the leaf."""
    cert, key = leaf_pair(lab[1])
    impostor = ca_pair(LAB_ACI)
    result = run_module("pkcs12_unpack", **unpack(fx, tmp_path, p12(key, cert, [impostor[0]]), allow_unanchored=True))
    refused(result, "signature", "does not verify")
    assert not (tmp_path / "roc").exists()


def test_certificate_from_a_foreign_ca_appended_to_its_file_is_refused(run_module, fx, tmp_path, lab):
    """A leaf for the site's key signed by a CA that travels in the same .crt: that CA is no anchor."""
    site_key = serialization.load_pem_private_key(read(os.path.join(fx["cli"], "leaf.key")), None)
    foreign = ca_pair(LAB_ACI)  # even named like the lab ACI
    cert = make(site(AUTH), site_key.public_key(), foreign[0].subject, foreign[1])
    key_path = tmp_path / "k.key"
    key_path.write_bytes(read(os.path.join(fx["cli"], "leaf.key")))
    os.chmod(str(key_path), 0o600)  # a key others could read is not used as it is
    args = dict(content=pem(cert, foreign[0]), privatekey_path=str(key_path), path=str(tmp_path / "out" / "c.crt"),
                chain_path=str(tmp_path / "out" / "chain.pem"), service=AUTH, usage="auth_cli")
    refused(run_module("certificate", **dict(args, chain=[read(fx["aci"]).decode()])), "not one of the anchors")
    refused(run_module("certificate", **dict(args, chain=lab_chain(fx))), "look-alike")
    refused(run_module("certificate", **args), "no anchor given")
    refused(run_module("certificate", check_mode=True, **dict(args, chain=lab_chain(fx))), "look-alike")
    assert not (tmp_path / "out").exists()
    # the site's real certificate with the lab anchors, the lab ACI appended to its file: installed
    good = dict(args, content=read(os.path.join(fx["cli"], "leaf.pem")).decode() + read(fx["aci"]).decode(),
                chain=[read(fx["acr"]).decode()])
    result = run_module("certificate", **good)
    assert result["changed"] and len(result["chain"]) == 2, result
    openssl("verify", "-CAfile", args["chain_path"], args["path"])


@pytest.mark.parametrize("case,expected", [
    ("not_ca", "is not a CA certificate"),
    ("no_keycertsign", "keyCertSign"),
    ("expired", "expired on"),
    ("pathlen", "pathLenConstraint"),
])
def test_issuers_that_may_not_sign_are_refused(run_module, fx, tmp_path, case, expected):
    root = ca_pair("LAB ATTACK ROOT", base=[], pathlen=0 if case == "pathlen" else "none")
    past = now() - datetime.timedelta(days=800)
    kwargs = {"not_ca": dict(pathlen=False), "no_keycertsign": dict(ku=key_usage(crl_sign=True, digital_signature=True)),
              "expired": dict(start=past, days=365), "pathlen": {}}[case]
    middle = ca_pair("LAB ATTACK INTERMEDIATE", base=[], issuer=root, **kwargs)
    cert, key = leaf_pair(middle)
    args = unpack(fx, tmp_path, p12(key, cert, [middle[0]]), chain=[pem(root[0])])
    refused(run_module("pkcs12_unpack", **args), expected)
    assert not (tmp_path / "roc").exists()
    if case == "expired":  # allow_expired covers the chain too (documented); signatures still checked
        assert run_module("pkcs12_unpack", **dict(args, allow_expired=True))["changed"]
    # the same path with a sound intermediate is accepted: the refusal was the issuer's fault
    if case != "pathlen":
        sound = ca_pair("LAB ATTACK INTERMEDIATE", base=[], issuer=root)
        cert2, key2 = leaf_pair(sound)
        ok = run_module("pkcs12_unpack", **unpack(fx, tmp_path / "ok", p12(key2, cert2, [sound[0]]),
                                                  chain=[pem(root[0])]))
        assert ok["changed"], ok


def test_backtracking_finds_the_real_issuer_behind_a_lookalike(run_module, fx, tmp_path, lab):
    """The bundle puts a look-alike ACI first; the real lab ACI is further on: the search backtracks and the chain
    written is the real one (judged by openssl)."""
    cert, key = leaf_pair(lab[1])
    lookalike = ca_pair(LAB_ACI, issuer=ca_pair(LAB_ACR))
    result = run_module("pkcs12_unpack", **unpack(fx, tmp_path, p12(key, cert, [lookalike[0], lab[1][0]]),
                                                  ca_path=fx["acr"]))
    assert result["changed"], result
    chain = result["files"]["chain"]
    assert read(chain) == (pem(lab[1][0]) + read(fx["acr"]).decode()).encode()
    openssl("verify", "-CAfile", chain, result["files"]["certificate"])


def test_unsupported_signature_algorithm_is_a_clean_error(run_module, fx, tmp_path):
    der = read(os.path.join(fx["cli"], "leaf.der"))
    oid = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"  # sha256WithRSAEncryption -> an unknown 1.2.840.113549.1.1.127
    assert der.count(oid) == 2
    odd = der.replace(oid, oid[:-1] + b"\x7f")
    key_path = tmp_path / "k.key"
    key_path.write_bytes(read(os.path.join(fx["cli"], "leaf.key")))
    os.chmod(str(key_path), 0o600)  # a key others could read is not used as it is
    result = run_module("certificate", content=base64.b64encode(odd).decode(), privatekey_path=str(key_path),
                        path=str(tmp_path / "out" / "c.crt"), chain=lab_chain(fx), service=AUTH, usage="auth_cli")
    refused(result, "certificate", "signature algorithm", "not supported")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------- key usages
@pytest.mark.parametrize("usage,ku,eku,expected", [
    ("auth_cli", AUTH_KU, None, "extended key usage clientAuth"),
    ("auth_cli", AUTH_KU, [ExtendedKeyUsageOID.SERVER_AUTH], "extended key usage clientAuth"),
    ("auth_cli", None, CLIENT, "key usage digitalSignature"),
    ("auth_cli", key_usage(key_encipherment=True), CLIENT, "key usage digitalSignature"),
    ("sign", None, [ExtendedKeyUsageOID.EMAIL_PROTECTION], "nonRepudiation or digitalSignature"),
    ("sign", key_usage(key_encipherment=True), [ExtendedKeyUsageOID.EMAIL_PROTECTION], "nonRepudiation or digitalSignature"),
    ("sign", AUTH_KU, CLIENT, "an authentication certificate"),
])
def test_usages_refused(run_module, fx, tmp_path, lab, usage, ku, eku, expected):
    service = AUTH if usage == "auth_cli" else SIGN
    cert, key = leaf_pair(lab[1], cn=service, ku=ku, eku=eku)
    assert expected in igc.usage_problem(certificate_profile(cert), usage)
    args = unpack(fx, tmp_path, p12(key, cert, [lab[1][0]]), chain=lab_chain(fx), service=service, usage=usage)
    refused(run_module("pkcs12_unpack", **args), "usage %s needs" % usage, expected)
    assert not (tmp_path / "roc").exists()


def test_usages_accepted(lab):
    any_eku = leaf_pair(lab[1], eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])[0]
    # anyExtendedKeyUsage allows clientAuth (documented)
    assert igc.usage_problem(certificate_profile(any_eku), "auth_cli") is None
    for ku in (SIGN_KU, key_usage(content_commitment=True), AUTH_KU):
        signer = leaf_pair(lab[1], cn=SIGN, ku=ku, eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])[0]
        assert igc.usage_problem(certificate_profile(signer), "sign") is None
    assert igc.usage_problem(certificate_profile(leaf_pair(lab[1], cn=SIGN, ku=SIGN_KU, eku=None)[0]),
                             "sign") is None


# ---------------------------------------------------------------------------------------- names
def test_a_cn_with_a_path_never_names_files(run_module, fx, tmp_path, lab):
    cert, key = leaf_pair(lab[1], cn="../../x/site")
    dest = tmp_path / "a" / "b" / "dest"
    args = dict(content=p12(key, cert, [lab[1][0]]), passphrase=PASS, dest=str(dest), chain=lab_chain(fx))
    refused(run_module("pkcs12_unpack", **args), "CN '../../x/site'", "give service")
    assert tree_hashes(str(tmp_path)) == {} and not (tmp_path / "x").exists()
    # given as the service too, the computed path still may not leave dest
    refused(run_module("pkcs12_unpack", **dict(args, service="../../x/site")), "outside dest")
    assert tree_hashes(str(tmp_path)) == {}
    for cn in (".hidden", "-rf", "a b", "Client/ROC", "Client\\ROC"):
        other, other_key = leaf_pair(lab[1], cn=cn)
        refused(run_module("pkcs12_unpack", **dict(args, content=p12(other_key, other, [lab[1][0]]))), "CN '%s'" % cn)
    assert tree_hashes(str(tmp_path)) == {}


def test_a_symbolic_link_in_dest_does_not_lead_outside(run_module, fx, tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    outside = tmp_path / "outside.key"
    os.symlink(str(outside), str(dest / (AUTH + ".key")))
    args = dict(content=base64.b64encode(read(fx["p12"]["auth_cli"])).decode(), passphrase=PASS, dest=str(dest),
                chain=lab_chain(fx))
    refused(run_module("pkcs12_unpack", **args), "privatekey_path", "outside dest")
    assert not outside.exists() and sorted(os.listdir(str(dest))) == [AUTH + ".key"]
    # without service the CN names the files: a plain name, installed in dest
    os.unlink(str(dest / (AUTH + ".key")))
    result = run_module("pkcs12_unpack", **args)
    assert result["changed"] and result["files"]["privatekey"] == str(dest / (AUTH + ".key"))


# ------------------------------------------------------------------------------ IGC-Santé ranges
def test_test_range_certificate_for_a_production_structure_and_the_reverse(run_module, fx, tmp_path):
    bundle = base64.b64encode(read(fx["p12"]["auth_cli"])).decode()
    msg = refused(run_module("pkcs12_unpack", **unpack(fx, tmp_path, bundle, environment="production",
                                                       chain=lab_chain(fx))),
                  "the certificate is from the IGC-Santé test range (issuer %s); this structure is production" % LAB_ACI)
    assert "PKCS#12 bundle" in msg
    assert run_module("pkcs12_unpack", **unpack(fx, tmp_path, bundle, environment="test", chain=lab_chain(fx)))["changed"]
    # a production-range look (a lab copy of the production names) for a test structure
    prod_acr = ca_pair("AC RACINE IGC-SANTE ELEMENTAIRE", base=PROD_OU)
    prod_aci = ca_pair("AC IGC-SANTE ELEMENTAIRE ORGANISATIONS", base=PROD_OU, issuer=prod_acr, pathlen=0)
    cert, key = leaf_pair(prod_aci)
    content = p12(key, cert, [prod_aci[0]])
    refused(run_module("pkcs12_unpack", **unpack(fx, tmp_path / "p", content, environment="test",
                                                 chain=[pem(prod_acr[0])])),
            "the certificate is from the IGC-Santé production range (issuer AC IGC-SANTE ELEMENTAIRE ORGANISATIONS); "
            "this structure is test")
    # production with the collection's official anchors: the names fit, the signatures do not (a look-alike)
    refused(run_module("pkcs12_unpack", **unpack(fx, tmp_path / "p", content, environment="production")), "look-alike")
    # production with the anchors the operator gives: accepted
    assert run_module("pkcs12_unpack", **unpack(fx, tmp_path / "p", content, environment="production",
                                                chain=[pem(prod_acr[0])]))["changed"]
    # an issuer that is no IGC-Santé CA at all, with environment given
    foreign = ca_pair("FOREIGN LAB CA", base=[(NameOID.ORGANIZATION_NAME, "ELSEWHERE")])
    cert, key = leaf_pair(foreign)
    refused(run_module("pkcs12_unpack", **unpack(fx, tmp_path / "f", p12(key, cert, [foreign[0]]), environment="test",
                                                 chain=[pem(foreign[0])])),
            "issuer CN=FOREIGN LAB CA,O=ELSEWHERE is not an IGC-Santé CA; this structure is test")
    assert not (tmp_path / "f").exists()


# ------------------------------------------------------------------------------------- revocation
def test_a_revoked_certificate_is_refused_by_serial_and_by_sha256(run_module, fx, tmp_path):
    args = unpack(fx, tmp_path, base64.b64encode(read(fx["p12"]["auth_cli"])).decode(), chain=lab_chain(fx))
    first = run_module("pkcs12_unpack", **args)
    assert first["changed"]
    before = tree_hashes(str(tmp_path / "roc"))
    serial, sha256 = first["certificate"]["serial"], first["certificate"]["sha256"]
    even = serial.lower().zfill(len(serial) + len(serial) % 2)
    colons = ":".join(even[i:i + 2] for i in range(0, len(even), 2))  # 0a:1b:... (any case, colons allowed)
    record = "orders/chu-lab-dijon/revocations.json"
    by_serial = dict(serial=colons, record=record, date="2026-03-01", reason="key lost")
    msg = refused(run_module("pkcs12_unpack", **dict(args, revoked=[{"sha256": "00" * 32}, by_serial])),
                  "the certificate serial %s (sha256 %s) was revoked on 2026-03-01 (key lost), record %s: order a new "
                  "certificate" % (serial, sha256, record))
    assert msg.startswith("PKCS#12 bundle")
    by_sha = dict(sha256=sha256.replace(":", "").lower(), record=record)
    refused(run_module("pkcs12_unpack", **dict(args, revoked=[by_sha])), "was revoked, record %s" % record)
    assert tree_hashes(str(tmp_path / "roc")) == before
    # the bundle's own digest names it too; an entry with neither serial nor sha256 is an error
    digest = __import__("hashlib").sha256(read(fx["p12"]["auth_cli"])).hexdigest()
    refused(run_module("pkcs12_unpack", **dict(args, revoked=[{"sha256": digest}])), "was revoked")
    refused(run_module("pkcs12_unpack", **dict(args, revoked=[{"record": record}])), "revoked[0]: give serial or sha256")
    # another certificate's revocation changes no material (only the install record, a cache, is rewritten)
    assert run_module("pkcs12_unpack", **dict(args, revoked=[{"serial": "0BAD"}]))["changed"] is False

    def material():
        return dict((k, v) for k, v in tree_hashes(str(tmp_path / "roc")).items() if not k.endswith(".esante-roc"))
    assert material() == dict((k, v) for k, v in before.items() if not k.endswith(".esante-roc"))


def test_certificate_module_refuses_a_revoked_certificate(run_module, fx, tmp_path):
    leaf = loader.load_certificate(read(os.path.join(fx["cli"], "leaf.pem")))
    key_path = tmp_path / "k.key"
    key_path.write_bytes(read(os.path.join(fx["cli"], "leaf.key")))
    os.chmod(str(key_path), 0o600)  # a key others could read is not used as it is
    args = dict(content=read(os.path.join(fx["cli"], "leaf.pem")).decode(), privatekey_path=str(key_path),
                path=str(tmp_path / "out" / "c.crt"), chain=lab_chain(fx), service=AUTH, usage="auth_cli",
                revoked=[{"serial": "%x" % leaf.serial_number, "record": "revocations.json"}])
    refused(run_module("certificate", **args), "was revoked, record revocations.json")
    assert not (tmp_path / "out").exists()


@pytest.fixture
def own_lab(fx, tmp_path):
    """A copy of the lab's CAs (revocations stay in this test), and the lab module."""
    sys.path.insert(0, os.path.dirname(LABPKI))
    import labpki
    root = tmp_path / "pki"
    shutil.copytree(os.path.join(fx["pki"], "igc"), str(root / "igc"))
    return labpki.Lab(str(root))


def _lab_leaf(lab, tmp_path, label):
    cert, _key = leaf_pair(lab[1])
    path = tmp_path / (label + ".pem")
    path.write_text(pem(cert))
    return cert, str(path)


def test_certificate_info_sees_a_lab_revocation_in_the_lab_crl(run_module, fx, tmp_path, lab, own_lab):
    revoked, revoked_path = _lab_leaf(lab, tmp_path, "revoked")
    _good, good_path = _lab_leaf(lab, tmp_path, "good")
    crl = own_lab.revoke(revoked, "keyCompromise")
    assert crl == os.path.join(own_lab.root, "igc", "ACI-EL-ORG-TEST.crl")
    # openssl judges the CRL: signed by the ACI, the certificate revoked
    proc = subprocess.run(["openssl", "verify", "-crl_check", "-CRLfile", crl, "-CAfile", fx["acr"], "-untrusted",
                           fx["aci"], revoked_path], capture_output=True, check=False)
    assert proc.returncode != 0 and b"revoked" in proc.stdout + proc.stderr
    openssl("verify", "-crl_check", "-CRLfile", crl, "-CAfile", fx["acr"], "-untrusted", fx["aci"], good_path)
    crls = [read(crl).decode()]
    result = run_module("certificate_info", path=revoked_path, chain_path=fx["aci"], crls=crls)
    status = result["revocation"]
    assert status["checked"] and status["revoked"] and status["reason"] == "keyCompromise", result
    assert status["crl_verified"] and status["crl_stale"] is False and status["date"] and status["crl_next_update"]
    assert status["crl_issuer"] == lab[1][0].subject.rfc4514_string()
    fleet = run_module("certificate_info", chain_path=fx["aci"], crls=crls, certificates=[
        {"name": "revoked", "path": revoked_path}, {"name": "good", "path": good_path},
        {"name": "gie", "path": os.path.join(fx["pki"], "gie", "amc-annuaire.pem")}])
    by_name = dict((c["name"], c) for c in fleet["certificates"])
    assert by_name["revoked"]["revocation"]["revoked"] is True
    assert by_name["good"]["revocation"]["revoked"] is False and by_name["good"]["revocation"]["checked"] is True
    assert by_name["gie"]["revocation"]["checked"] is False  # no CRL of its issuer given
    # the CLI of the lab PKI: revoke another certificate, the CRL path printed, both in the CRL
    other, other_path = _lab_leaf(lab, tmp_path, "other")
    out = subprocess.run([sys.executable, LABPKI, "revoke", "--pki", own_lab.root, "--cert", other_path, "--reason",
                          "superseded"], capture_output=True, text=True, check=True).stdout.strip()
    assert out == crl
    again = run_module("certificate_info", chain_path=fx["aci"], crls=[read(crl).decode()], certificates=[
        {"name": "revoked", "path": revoked_path}, {"name": "other", "path": other_path}])
    assert [c["revocation"]["reason"] for c in again["certificates"]] == ["keyCompromise", "superseded"]
    # the issuer's certificate after the leaf in the file works as the chain too
    both = tmp_path / "with-chain.pem"
    both.write_bytes(read(revoked_path) + read(fx["aci"]))
    assert run_module("certificate_info", path=str(both), crls=crls)["revocation"]["crl_verified"] is True


def test_a_crl_signed_by_another_key_is_an_error_not_a_pass(run_module, fx, tmp_path, lab):
    cert, path = _lab_leaf(lab, tmp_path, "leaf")
    forger = new_key()
    forged = (x509.CertificateRevocationListBuilder().issuer_name(lab[1][0].subject).last_update(now())
              .next_update(now() + datetime.timedelta(days=7)).sign(forger, hashes.SHA256()))
    crls = [forged.public_bytes(serialization.Encoding.PEM).decode()]
    result = run_module("certificate_info", path=path, chain_path=fx["aci"], crls=crls)
    refused(result, "crls[0]", "does not verify")
    fleet = run_module("certificate_info", chain_path=fx["aci"], crls=crls, certificates=[
        {"name": "leaf", "path": path}, {"name": "gie", "path": os.path.join(fx["pki"], "gie", "amc-annuaire.pem")}])
    assert fleet.get("failed") is not True
    assert "does not verify" in fleet["certificates"][0]["error"] and "revocation" in fleet["certificates"][1]
    # a stale CRL, issuer's certificate not at hand: used, but said unverified and stale
    old = (x509.CertificateRevocationListBuilder().issuer_name(lab[1][0].subject)
           .last_update(now() - datetime.timedelta(days=30)).next_update(now() - datetime.timedelta(days=23))
           .sign(lab[1][1], hashes.SHA256()))
    status = run_module("certificate_info", path=path, crls=[base64.b64encode(
        old.public_bytes(serialization.Encoding.DER)).decode()])["revocation"]
    assert status["checked"] and status["crl_stale"] is True and status["crl_verified"] is False
    refused(run_module("certificate_info", path=path, crls=["not a crl"]), "crls[0]")


# ----------------------------------------------------------------------------- malformed inputs
@pytest.fixture(scope="module")
def malformed(fx, tmp_path_factory):
    """Certificates with an extension value that is not what its OID says (openssl writes the raw DER given):
    cryptography loads them and fails when their extensions are read."""
    folder = tmp_path_factory.mktemp("malformed")

    def p(name):
        return str(folder / name)
    openssl("genrsa", "-out", p("k.pem"), "2048")
    config = p("req.cnf")
    with open(config, "w") as handle:
        handle.write("[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\n"
                     "2.5.29.15=critical,DER:0500\n[leaf]\nbasicConstraints=critical,CA:FALSE\n"
                     "2.5.29.15=critical,DER:0500\nextendedKeyUsage=clientAuth\n")
    openssl("req", "-x509", "-new", "-key", p("k.pem"), "-subj", "/CN=BROKEN KU CA", "-days", "30", "-config", config,
            "-extensions", "ca", "-out", p("ca.pem"))
    openssl("req", "-new", "-key", p("k.pem"), "-subj", "/C=FR/O=CHU LAB DE DIJON/OU=1210780581/CN=" + AUTH,
            "-config", config, "-out", p("leaf.csr"))
    openssl("x509", "-req", "-in", p("leaf.csr"), "-CA", fx["aci"], "-CAkey",
            os.path.join(fx["pki"], "igc", "ACI-EL-ORG-TEST.key"), "-CAcreateserial", "-days", "30", "-extfile", config,
            "-extensions", "leaf", "-out", p("leaf.pem"))
    return {"ca": p("ca.pem"), "leaf": p("leaf.pem"), "key": p("k.pem")}


def test_malformed_extensions_certificate_info_single_and_fleet(run_module, fx, malformed):
    with pytest.raises(ValueError):
        list(x509.load_pem_x509_certificate(read(malformed["leaf"])).extensions)  # what the modules must not show
    for name in ("leaf", "ca"):
        result = run_module("certificate_info", path=malformed[name])
        refused(result, malformed[name], "malformed")
    fleet = run_module("certificate_info", certificates=[
        {"name": "broken", "path": malformed["leaf"]}, {"name": "good", "path": os.path.join(fx["cli"], "leaf.pem")},
        {"name": "broken-ca", "path": malformed["ca"]}, {"name": "missing", "path": malformed["ca"] + ".none"}])
    assert fleet.get("failed") is not True and "Traceback" not in fleet["_stdout"]
    broken, good, broken_ca, missing = fleet["certificates"]
    assert "malformed" in broken["error"] and "certificates[broken]" in broken["error"]
    assert "malformed" in broken_ca["error"]
    assert good["subject"]["service"] == AUTH and "error" not in good
    assert missing["present"] is False


def test_malformed_extensions_trust_anchor_and_install(run_module, fx, tmp_path, malformed):
    result = run_module("trust_anchor", anchors=[{"name": "broken", "content": read(malformed["ca"]).decode()}],
                        store="bundle", bundle_path=str(tmp_path / "b.pem"))
    refused(result, "anchors[0] (broken)", "malformed")
    assert not (tmp_path / "b.pem").exists()
    install = run_module("certificate", content=read(malformed["leaf"]).decode(), privatekey_path=malformed["key"],
                         path=str(tmp_path / "out" / "c.crt"), chain=lab_chain(fx), service=AUTH, usage="auth_cli")
    refused(install, "certificate", "malformed")
    assert not (tmp_path / "out").exists()


def test_non_ascii_and_non_utf8_inputs_are_named(run_module, fx, tmp_path):
    latin1 = tmp_path / "latin1.pem"
    latin1.write_bytes("Émetteur : ACI\n".encode("latin-1") + read(fx["aci"]))
    info = run_module("certificate_info", path=str(latin1))  # text around the PEM block is ignored
    assert info["subject"]["service"] == LAB_ACI
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN CERTIFICATE-----\n\xe9\xe8\xff\n-----END CERTIFICATE-----\n")
    refused(run_module("certificate_info", path=str(garbage)), str(garbage))
    refused(run_module("certificate_info", content="ÉÀ non ascii ü"), "content")
    key_path = tmp_path / "k.key"
    key_path.write_bytes(read(os.path.join(fx["cli"], "leaf.key")))
    os.chmod(str(key_path), 0o600)  # a key others could read is not used as it is
    refused(run_module("certificate", content=read(os.path.join(fx["cli"], "leaf.pem")).decode(),
                       privatekey_path=str(key_path), path=str(tmp_path / "o" / "c.crt"), chain=["chaîne ü"]),
            "chain[0]")


# ----------------------------------------------------------------------- the official anchors, real files
@pytest.mark.parametrize("environment", ["production", "test"])
def test_official_anchors_are_the_ans_files(realworld, environment):
    for anchor in igc_anchors.anchors(environment):
        der = read(os.path.join(realworld, anchor["file"]))
        cert = loader.load_certificate(anchor["pem"].encode("ascii"))
        assert cert.public_bytes(serialization.Encoding.DER) == der
        assert loader.fingerprint_sha256(cert) == anchor["sha256"]
        info = igc.classify_ca_name(name_values(cert.subject))
        assert info["known"] and info["environment"] == environment
        assert info["role"] == ("root" if anchor["role"] == "acr" else "intermediate")


def test_real_test_range_sign_leaf(realworld):
    cert = loader.load_certificate(read(os.path.join(realworld, "TEST-ORG-SIGN-leaf.pem")))
    assert igc.classify_ca_name(name_values(cert.issuer))["environment"] == "test"
    assert igc.usage_problem(certificate_profile(cert), "sign") is None
    assert igc.environment_problem(certificate_profile(cert), "test") is None
    assert igc.environment_problem(certificate_profile(cert), "production") == (
        "the certificate is from the IGC-Santé test range (issuer TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS); "
        "this structure is production")
    anchors = [loader.load_certificate(a["pem"].encode("ascii")) for a in igc_anchors.anchors("test")]
    # the real path: leaf -> the official test ACI (the first anchor reached) -> the ACR above it (expired leaf)
    chain = loader.validate_path(cert, [], anchors, "real leaf", allow_expired=True)
    assert [loader.common_name(c.subject) for c in chain] == [LAB_ACI, LAB_ACR]
    with pytest.raises(RocError, match="real leaf: .*look-alike|real leaf: .*not signed"):
        loader.validate_path(cert, [], [loader.load_certificate(a["pem"].encode("ascii"))
                                        for a in igc_anchors.anchors("production")], "real leaf", allow_expired=True)
    # the production anchors do not vouch for it, the ACR alone does (the ACI then a link, verified)
    aci = anchors[1]
    assert loader.validate_path(cert, [aci], anchors[:1], "real leaf", allow_expired=True) == [aci, anchors[0]]
