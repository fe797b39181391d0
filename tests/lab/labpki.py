"""LAB ONLY - never for production.

An offline imitation of the PKIs around ROC, made with the `cryptography` library, for the demo,
the tests and the benchmark of esante.roc:

* two IGC-Santé hierarchies, an imitation of the *test range* (TEST AC RACINE IGC-SANTE ELEMENTAIRE -> TEST AC
  IGC-SANTE ELEMENTAIRE ORGANISATIONS, igc/*-TEST.*) and one of the *production range* (AC RACINE IGC-SANTE
  ELEMENTAIRE -> AC IGC-SANTE ELEMENTAIRE ORGANISATIONS, igc/ACR-EL.*, igc/ACI-EL-ORG.*). Same names as the real
  ranges, but lab keys: the fingerprints never match the official ones, so a lab certificate cannot pass for a real
  one (the official pins refuse them; the lab gives its own CA files and pins);
* a GIE SESAM-Vitale lab hierarchy (root, AC-SERVEUR, AC-SERVICES-APPLICATIFS) with the server
  certificates of a lab AMC directory and lab AMC web services;
* a lab "platform" that issues a structure's two ORG certificates as password-protected PKCS#12
  bundles (key + certificate + ACI + ACR, legacy 3DES, named like the real ones), and signs CSRs.

Usage:
  labpki.py init --out DIR [--structures FILE.json]   # idempotent: keeps what exists
  labpki.py sign-csr --pki DIR --csr FILE --usage auth_cli|sign|conf --out FILE [--days N]
            [--environment test|production | --structure ID (its environment in the manifest)]
  labpki.py issue-p12 --pki DIR --structure ID --service NAME --usage U --out-dir DIR [--days N]
  labpki.py revoke --pki DIR --cert FILE [--reason R]  # the issuing ACI's CRL (igc/<ACI>.crl) lists it; prints its path
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.timezone.utc
LAB_PASSPHRASE = "lab-only-Passphrase-2026"  # LAB ONLY: printed in the demo on purpose

IGC_BASE = [
    (NameOID.COUNTRY_NAME, "FR"),
    (NameOID.ORGANIZATION_NAME, "ASIP-SANTE"),
    (NameOID.ORGANIZATIONAL_UNIT_NAME, "0002 187512751"),
    (NameOID.ORGANIZATIONAL_UNIT_NAME, "IGC-SANTE TEST"),
]
# environment -> (files under igc/, the OU of the range, the CN prefix)
IGC_RANGES = {
    "test": ({"acr": "igc/ACR-EL-TEST", "aci": "igc/ACI-EL-ORG-TEST"}, "IGC-SANTE TEST", "TEST "),
    "production": ({"acr": "igc/ACR-EL", "aci": "igc/ACI-EL-ORG"}, "IGC-SANTE", ""),
}
GIE_BASE = [
    (NameOID.COUNTRY_NAME, "FR"),
    (NameOID.ORGANIZATION_NAME, "GIE SESAM-VITALE LAB"),
    (NameOID.ORGANIZATIONAL_UNIT_NAME, "IGC OSI LAB - NOT FOR PRODUCTION"),
]
ORG_POLICY = "1.2.250.1.213.1.7.2.1.1.1.1"

# Two lab structures: one takes the p12 path from the test range, the other the csr path from the (lab imitation of
# the) production range (FINESS keys are valid Luhn).
DEFAULT_STRUCTURES = [
    {
        "id": "chu-lab-dijon",
        "organization": "CHU LAB DE DIJON",
        "state_province": "Côte-d'Or (21)",
        "structure_id": "1210780581",
        "environment": "test",
    },
    {
        "id": "ch-lab-beaune",
        "organization": "CENTRE HOSPITALIER LAB DE BEAUNE",
        "state_province": "Côte-d'Or (21)",
        "structure_id": "1210780417",
        "environment": "production",
    },
]
SERVICES = {"auth_cli": "Client_ROC_Annuaire_AMC", "sign": "Client_ROC_WebServices_AMC"}


def now():
    return datetime.datetime.now(UTC).replace(microsecond=0)


def name(pairs):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


def new_key(bits):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def fingerprint(cert):
    return ":".join("%02X" % b for b in cert.fingerprint(hashes.SHA256()))


def load_cert(path):
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def load_key(path):
    with open(path, "rb") as handle:
        return serialization.load_pem_private_key(handle.read(), None)


def ski(public_key):
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def aki(issuer_cert):
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key())


def make_ca(subject, key, issuer_cert=None, issuer_key=None, pathlen=None, years=20, start=None):
    start = start or (now() - datetime.timedelta(days=1))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=pathlen), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(ski(key.public_key()), critical=False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(aki(issuer_cert), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def leaf_extensions(builder, usage, issuer_cert, public_key):
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    builder = builder.add_extension(ski(public_key), critical=False)
    builder = builder.add_extension(aki(issuer_cert), critical=False)
    if usage == "auth_cli":
        ku = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        eku = [ExtendedKeyUsageOID.CLIENT_AUTH]
    elif usage == "sign":
        ku = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        eku = [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    elif usage == "conf":
        ku = x509.KeyUsage(False, False, True, True, False, False, False, False, False)
        eku = None
    elif usage == "server":
        ku = x509.KeyUsage(True, False, True, False, False, False, False, False, False)
        eku = [ExtendedKeyUsageOID.SERVER_AUTH]
    else:
        raise SystemExit("unknown usage %r" % usage)
    builder = builder.add_extension(ku, critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if usage != "server":
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(ORG_POLICY), None)]),
            critical=False,
        )
    return builder


def make_leaf(subject, public_key, usage, issuer_cert, issuer_key, days=3 * 365, start=None, dns=None):
    start = start or (now() - datetime.timedelta(minutes=5))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days))
    )
    builder = leaf_extensions(builder, usage, issuer_cert, public_key)
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def org_subject(structure, service):
    pairs = [(NameOID.COUNTRY_NAME, "FR")]
    if structure.get("state_province"):
        pairs.append((NameOID.STATE_OR_PROVINCE_NAME, structure["state_province"]))
    pairs += [
        (NameOID.ORGANIZATION_NAME, structure["organization"]),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, structure["structure_id"]),
        (NameOID.COMMON_NAME, service),
    ]
    return name(pairs)


def p12_bytes(key, cert, cas, passphrase, friendly):
    """A bundle the way the real platform delivers it: legacy 3DES / SHA1 MAC."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(passphrase.encode())
    )
    return pkcs12.serialize_key_and_certificates(friendly.encode(), key, cert, cas, encryption)


class Lab:
    def __init__(self, root):
        self.root = os.path.abspath(root)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    # -- CAs ---------------------------------------------------------------------------------
    def ensure_ca(self, rel, subject, bits, issuer=None, pathlen=None):
        crt, keyf = self.path(rel + ".pem"), self.path(rel + ".key")
        if os.path.exists(crt) and os.path.exists(keyf):
            return load_cert(crt), load_key(keyf)
        key = new_key(bits)
        issuer_cert, issuer_key = issuer if issuer else (None, None)
        cert = make_ca(subject, key, issuer_cert, issuer_key, pathlen)
        write(keyf, key_pem(key), 0o600)
        write(crt, pem(cert))
        write(self.path(rel + ".cer"), cert.public_bytes(serialization.Encoding.DER))
        return cert, key

    def igc(self, environment="test"):
        """((acr cert, key), (aci cert, key)) of the lab imitation of an IGC-Santé range."""
        files, ou, prefix = IGC_RANGES[environment]
        base = IGC_BASE[:-1] + [(NameOID.ORGANIZATIONAL_UNIT_NAME, ou)]
        acr = self.ensure_ca(
            files["acr"], name(base + [(NameOID.COMMON_NAME, prefix + "AC RACINE IGC-SANTE ELEMENTAIRE")]),
            4096, pathlen=None)
        aci = self.ensure_ca(
            files["aci"], name(base + [(NameOID.COMMON_NAME, prefix + "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS")]),
            4096, issuer=acr, pathlen=0)
        return acr, aci

    def gie(self):
        root = self.ensure_ca(
            "gie/GIE-LAB-ROOT", name(GIE_BASE + [(NameOID.COMMON_NAME, "LAB AC RACINE GIE SESAM-VITALE")]), 3072)
        serveur = self.ensure_ca(
            "gie/AC-SERVEUR", name(GIE_BASE + [(NameOID.COMMON_NAME, "LAB AC-SERVEUR")]), 3072,
            issuer=root, pathlen=0)
        services = self.ensure_ca(
            "gie/AC-SERVICES-APPLICATIFS",
            name(GIE_BASE + [(NameOID.COMMON_NAME, "LAB AC-SERVICES-APPLICATIFS")]), 3072, issuer=root, pathlen=0)
        return root, serveur, services

    def amc_server(self, rel, cn, issuer):
        crt, keyf = self.path(rel + ".pem"), self.path(rel + ".key")
        if os.path.exists(crt) and os.path.exists(keyf):
            return
        key = new_key(2048)
        subject = name(GIE_BASE + [(NameOID.COMMON_NAME, cn)])
        cert = make_leaf(subject, key.public_key(), "server", issuer[0], issuer[1], days=825,
                         dns=[cn, "localhost"])
        write(keyf, key_pem(key), 0o600)
        write(crt, pem(cert))

    # -- platform ----------------------------------------------------------------------------
    def issue_p12(self, structure, usage, out_dir, days=3 * 365, start=None, stamp=None):
        environment = structure.get("environment", "test")
        (acr_cert, _acr_key), (aci_cert, aci_key) = self.igc(environment)
        service = structure.get("services", SERVICES)[usage]
        key = new_key(2048)
        cert = make_leaf(org_subject(structure, service), key.public_key(), usage, aci_cert, aci_key,
                         days=days, start=start)
        stamp = stamp or now().strftime("%Y%m%d-%H%M%S")
        fname = "asip-p12-EL%s-ORG-%s-%s.p12" % ("-TEST" if environment == "test" else "", usage.upper(), stamp)
        data = p12_bytes(key, cert, [aci_cert, acr_cert], LAB_PASSPHRASE, service)
        out = os.path.join(out_dir, fname)
        write(out, data, 0o600)
        return out, cert

    def sign_csr(self, csr_bytes, usage, days=3 * 365, start=None, environment="test"):
        aci_cert, aci_key = self.igc(environment)[1]
        try:
            csr = x509.load_pem_x509_csr(csr_bytes)
        except ValueError:
            csr = x509.load_der_x509_csr(csr_bytes)
        if not csr.is_signature_valid:
            raise SystemExit("lab platform: the CSR signature is invalid")
        return make_leaf(csr.subject, csr.public_key(), usage, aci_cert, aci_key, days=days, start=start)

    # -- revocation: a revoked list and a CRL per ACI ---------------------------------------------
    def _issuing_ca(self, cert):
        """(rel, ca cert, ca key) of the lab CA under igc/ that issued cert (by name and signature)."""
        folder = self.path("igc")
        for entry in sorted(os.listdir(folder)):
            rel = os.path.join("igc", entry[:-len(".pem")])
            if not entry.endswith(".pem") or not os.path.exists(self.path(rel + ".key")):
                continue
            ca = load_cert(self.path(rel + ".pem"))
            if ca.subject != cert.issuer:
                continue
            try:
                ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                                       cert.signature_hash_algorithm)
            except Exception:
                continue
            return rel, ca, load_key(self.path(rel + ".key"))
        raise SystemExit("lab: no lab CA under %s issued %s" % (folder, cert.subject.rfc4514_string()))

    def _revoked_list(self, rel):
        path = self.path(rel + ".revoked.json")
        if not os.path.exists(path):
            return []
        with open(path) as handle:
            return json.load(handle)

    def revoke(self, cert, reason="keyCompromise"):
        """Revoke a lab certificate: its serial joins the revoked list of the ACI that issued it, whose CRL is
        written again (igc/<ACI>.crl). Returns the CRL's path. Revoking twice keeps the first date and reason."""
        x509.ReasonFlags(reason)  # a known reason name (keyCompromise, superseded, cessationOfOperation, ...)
        rel = self._issuing_ca(cert)[0]
        revoked = self._revoked_list(rel)
        serial = "%X" % cert.serial_number
        if serial not in [entry["serial"] for entry in revoked]:
            revoked.append({"serial": serial, "date": now().strftime("%Y-%m-%dT%H:%M:%SZ"), "reason": reason})
            write(self.path(rel + ".revoked.json"), json.dumps(revoked, indent=1).encode())
        return self.crl(rel)

    def crl(self, rel="igc/ACI-EL-ORG-TEST", next_days=7):
        """Write the CRL of the lab CA `rel` (PEM, signed by its key, next update in next_days) from its revoked
        list; returns its path."""
        ca, ca_key = load_cert(self.path(rel + ".pem")), load_key(self.path(rel + ".key"))
        revoked = self._revoked_list(rel)
        issued = now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.subject)
            .last_update(issued)
            .next_update(issued + datetime.timedelta(days=next_days))
            .add_extension(x509.CRLNumber(len(revoked) + 1), critical=False)
            .add_extension(aki(ca), critical=False)
        )
        for entry in revoked:
            date = datetime.datetime.strptime(entry["date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(entry["serial"], 16))
                .revocation_date(date)
                .add_extension(x509.CRLReason(x509.ReasonFlags(entry["reason"])), critical=False)
                .build()
            )
        crl = builder.sign(ca_key, hashes.SHA256())
        out = self.path(rel + ".crl")
        write(out, crl.public_bytes(serialization.Encoding.PEM))
        return out

    def init(self, structures):
        acr, aci = self.igc("test")
        ranges = dict((env, self.igc(env)) for env in IGC_RANGES)
        root, serveur, services = self.gie()
        self.amc_server("gie/amc-annuaire", "annuaire-amc.lab.invalid", serveur)
        self.amc_server("gie/amc-webservices", "webservices-amc.lab.invalid", services)
        manifest_path = self.path("manifest.json")
        manifest = {}
        if os.path.exists(manifest_path):
            with open(manifest_path) as handle:
                manifest = json.load(handle)
        manifest.setdefault("structures", {})
        for structure in structures:
            entry = manifest["structures"].get(structure["id"])
            if entry and entry.get("environment") == structure.get("environment") and \
                    all(os.path.exists(p) for p in entry["p12"].values()):
                continue
            out_dir = self.path("platform", structure["id"])
            p12 = {}
            for usage in ("auth_cli", "sign"):
                p12[usage] = self.issue_p12(structure, usage, out_dir)[0]
            manifest["structures"][structure["id"]] = dict(structure, p12=p12)
        manifest["passphrase"] = LAB_PASSPHRASE
        manifest["warning"] = "LAB ONLY - never for production"
        manifest["igc"] = {"acr": self.path("igc/ACR-EL-TEST.pem"), "aci": self.path("igc/ACI-EL-ORG-TEST.pem")}
        manifest["igc_pins"] = {"acr": fingerprint(acr[0]), "aci": fingerprint(aci[0])}
        # both lab ranges: files and pins per environment (what roc_ca_files gives in the lab inventory)
        manifest["igc_ranges"] = dict(
            (env, {"acr": self.path(IGC_RANGES[env][0]["acr"] + ".pem"), "aci": self.path(IGC_RANGES[env][0]["aci"] + ".pem"),
                   "pins": {"acr": fingerprint(pair[0][0]), "aci": fingerprint(pair[1][0])}})
            for env, pair in ranges.items())
        manifest["gie"] = {
            "root": self.path("gie/GIE-LAB-ROOT.pem"),
            "ac_serveur": self.path("gie/AC-SERVEUR.pem"),
            "ac_services_applicatifs": self.path("gie/AC-SERVICES-APPLICATIFS.pem"),
        }
        manifest["gie_pins"] = {"root": fingerprint(root[0]), "ac_serveur": fingerprint(serveur[0]),
                                "ac_services_applicatifs": fingerprint(services[0])}
        write(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description="LAB ONLY PKI for esante.roc tests and demo")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_init = sub.add_parser("init")
    p_init.add_argument("--out", required=True)
    p_init.add_argument("--structures")
    p_sign = sub.add_parser("sign-csr")
    p_sign.add_argument("--pki", required=True)
    p_sign.add_argument("--csr", required=True)
    p_sign.add_argument("--usage", required=True, choices=["auth_cli", "sign", "conf"])
    p_sign.add_argument("--out", required=True)
    p_sign.add_argument("--days", type=int, default=3 * 365)
    p_sign.add_argument("--environment", choices=sorted(IGC_RANGES))
    p_sign.add_argument("--structure")
    p_p12 = sub.add_parser("issue-p12")
    p_p12.add_argument("--pki", required=True)
    p_p12.add_argument("--structure", required=True)
    p_p12.add_argument("--usage", required=True, choices=["auth_cli", "sign", "conf"])
    p_p12.add_argument("--out-dir", required=True)
    p_p12.add_argument("--days", type=int, default=3 * 365)
    p_revoke = sub.add_parser("revoke")
    p_revoke.add_argument("--pki", required=True)
    p_revoke.add_argument("--cert", required=True)
    p_revoke.add_argument("--reason", default="keyCompromise")
    args = parser.parse_args(argv)

    if args.cmd == "init":
        structures = DEFAULT_STRUCTURES
        if args.structures:
            with open(args.structures) as handle:
                structures = json.load(handle)
        manifest = Lab(args.out).init(structures)
        print("LAB ONLY PKI ready in %s (%d structures)" % (args.out, len(manifest["structures"])))
    elif args.cmd == "sign-csr":
        lab = Lab(args.pki)
        environment = args.environment
        if environment is None and args.structure:
            with open(lab.path("manifest.json")) as handle:
                environment = (json.load(handle)["structures"].get(args.structure) or {}).get("environment")
        with open(args.csr, "rb") as handle:
            cert = lab.sign_csr(handle.read(), args.usage, days=args.days, environment=environment or "test")
        write(args.out, pem(cert))
        print(args.out)
    elif args.cmd == "issue-p12":
        lab = Lab(args.pki)
        with open(lab.path("manifest.json")) as handle:
            structure = json.load(handle)["structures"][args.structure]
        print(lab.issue_p12(structure, args.usage, args.out_dir, days=args.days)[0])
    elif args.cmd == "revoke":
        with open(args.cert, "rb") as handle:
            data = handle.read()
        cert = x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
        print(Lab(args.pki).revoke(cert, args.reason))
    return 0


if __name__ == "__main__":
    sys.exit(main())
