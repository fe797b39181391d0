# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading certificates and certificate requests in every format users meet: PEM (one or a bundle), DER,
PKCS#7 ``.p7b`` in PEM or DER armour (with an ASN.1 walker of its own for ANS's non-DER files), CSRs in PEM
or DER; fingerprints, dates, names and extensions of a certificate.

Every failure raises :class:`RocError` whose message names the input (``what``) and the reason."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import re
import warnings

from ansible_collections.esante.roc.plugins.module_utils.der import der_header
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.writer import read_regular
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import (
    UTC, NameOID, hashes, pkcs7, serialization, utcnow, x509)

PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
CERT_LABELS = (b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE")
PKCS7_LABELS = (b"PKCS7", b"CMS", b"PKCS #7 SIGNED DATA")
CSR_LABELS = (b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST")


def content_to_bytes(content, what):
    """Text given in a task: PEM as is, or base64 of binary (DER, P7B, P12)."""
    if content is None:
        raise RocError("%s: no content" % what)
    if isinstance(content, bytes):
        return content
    stripped = content.strip()
    if not stripped:
        raise RocError("%s: the content is empty" % what)
    if "-----BEGIN" in stripped:
        return content.encode("utf-8")
    try:
        return base64.b64decode("".join(stripped.split()), validate=True)
    except (binascii.Error, ValueError):
        raise RocError("%s: the content is neither PEM nor base64-encoded DER/PKCS#7/PKCS#12" % what)


def read_file(path, what, follow=False):
    """The bytes of the regular file at path, read without following any link (in its folders or at its end) and
    refusing a file with other hard links: every path a module manages. `follow=True` only for pure inputs the
    operator names (a ca_path, a remote_src bundle, certificate_info's path): links followed. Either way a FIFO,
    socket, device or folder is refused naming the path, never read (it cannot hang the module)."""
    return read_regular(path, what, follow=follow)[0]


# -------------------------------------------------------------------------------- certificates
def _der_certificate(der, what):
    try:
        return x509.load_der_x509_certificate(der)
    except Exception:  # cryptography raises ValueError, or others on broken ASN.1
        raise RocError("%s: a certificate in it is damaged (invalid DER)" % what)


def _pkcs7_certificates(data, pem, what):
    if pem:
        blocks = PEM_BLOCK.findall(data)
        if not blocks:
            raise RocError("%s: PEM armour is broken (no complete BEGIN/END block)" % what)
        data = base64.b64decode(b"".join(blocks[0][1].split()))
    certs = None
    try:
        with warnings.catch_warnings():
            # ANS's own .p7b has a non-DER SET ordering: cryptography warns and may refuse one day
            warnings.simplefilter("ignore")
            certs = pkcs7.load_der_pkcs7_certificates(data)
    except Exception:
        certs = None
    if not certs:
        certs = [_der_certificate(der, what) for der in _pkcs7_certificate_ders(data, what)]
    if not certs:
        raise RocError("%s: the PKCS#7 bundle holds no certificate" % what)
    return list(certs)


def _tlv(data, pos, what):
    """(tag, start of content, end of content) of the element at pos, inside a PKCS#7 bundle."""
    header = der_header(data, pos)
    if header is None:
        raise RocError("%s: the PKCS#7 bundle is truncated or uses an unsupported length encoding" % what)
    tag, start, length = header
    if start + length > len(data):
        raise RocError("%s: the PKCS#7 bundle is truncated or corrupted" % what)
    return tag, start, start + length


def _pkcs7_certificate_ders(data, what):
    """The certificates of a PKCS#7 SignedData, read by walking its ASN.1 (no set-order checks)."""
    tag, start, end = _tlv(data, 0, what)                    # ContentInfo SEQUENCE
    if tag != 0x30:
        raise RocError("%s: not a PKCS#7 bundle" % what)
    tag, s2, e2 = _tlv(data, start, what)                     # contentType OID
    if tag != 0x06 or data[s2:e2] != b"\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02":
        raise RocError("%s: not a PKCS#7 SignedData bundle" % what)
    s3 = _tlv(data, e2, what)[1]                              # [0] EXPLICIT
    pos, end = _tlv(data, s3, what)[1:]                       # SignedData SEQUENCE
    ders = []
    while pos < end:
        tag, s4, e4 = _tlv(data, pos, what)
        if tag == 0xA0:                                        # certificates [0] IMPLICIT SET OF
            inner = s4
            while inner < e4:
                e5 = _tlv(data, inner, what)[2]
                ders.append(data[inner:e5])
                inner = e5
        pos = e4
    return ders


def load_certificates(data, what="certificate"):
    """All certificates found in data, in file order. Never returns an empty list."""
    if not data or not data.strip():
        raise RocError("%s: the file is empty" % what)
    certs = []
    if b"-----BEGIN" in data:
        blocks = PEM_BLOCK.findall(data)
        if not blocks:
            raise RocError("%s: PEM armour is broken (no complete BEGIN/END block)" % what)
        for label, body in blocks:
            if label in CERT_LABELS or label in PKCS7_LABELS:
                try:
                    der = base64.b64decode(b"".join(body.split()), validate=True)
                except (binascii.Error, ValueError):
                    raise RocError("%s: a PEM block '%s' holds invalid base64" % (what, label.decode()))
                if label in PKCS7_LABELS:
                    certs.extend(_pkcs7_certificates(der, False, what))
                elif label == b"TRUSTED CERTIFICATE":
                    certs.append(_der_certificate(_first_der_element(der, what), what))
                else:
                    certs.append(_der_certificate(der, what))
        if not certs:
            labels = ", ".join(sorted(set(block[0].decode() for block in blocks)))
            raise RocError("%s: no certificate in it (PEM blocks found: %s)" % (what, labels))
        return certs
    if data[:1] != b"\x30":
        raise RocError("%s: not a certificate (neither PEM nor DER; binary garbage or another format)" % what)
    try:
        return [x509.load_der_x509_certificate(data)]
    except Exception:
        pass
    try:
        return _pkcs7_certificates(data, False, what)
    except RocError:
        pass
    raise RocError("%s: not a valid DER certificate or PKCS#7 bundle (truncated or corrupted)" % what)


def _first_der_element(der, what):
    """The first ASN.1 element of der (OpenSSL 'TRUSTED CERTIFICATE' appends trust settings)."""
    length = _der_length(der)
    if length is None or length > len(der):
        raise RocError("%s: a certificate in it is truncated" % what)
    return der[:length]


def _der_length(der):
    """Total length (header + content) of the first DER element, or None if unreadable."""
    header = der_header(der)
    return None if header is None else header[1] + header[2]


def load_certificate(data, what="certificate"):
    return load_certificates(data, what)[0]


def certificate_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def certificates_pem(certs):
    return b"".join(certificate_pem(c) for c in certs)


def fingerprint_sha256(cert):
    return colon_hex(cert.fingerprint(hashes.SHA256()))


def colon_hex(digest):
    return ":".join("%02X" % b for b in bytearray(digest))


def normalize_fingerprint(value):
    """'AA:bb:...' or 'aabb...' -> 'AABB...' (used to compare pins)."""
    return re.sub(r"[^0-9A-Fa-f]", "", value or "").upper()


def not_valid_before(cert):
    value = getattr(cert, "not_valid_before_utc", None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=UTC)


def not_valid_after(cert):
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=UTC)


def date_problem(cert, what, now=None):
    """None when the certificate is valid now, else why not."""
    now = now or utcnow()
    if not_valid_after(cert) < now:
        return "%s expired on %s" % (what, not_valid_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if not_valid_before(cert) > now:
        return "%s is not valid before %s" % (what, not_valid_before(cert).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return None


def describe(cert):
    """'CN (sha256 AB:CD:EF:01...)' for messages: a certificate named so that look-alikes are told apart."""
    try:
        label = common_name(cert.subject) or cert.subject.rfc4514_string()
    except Exception:  # a malformed name: the fingerprint still tells which certificate
        label = "?"
    return "%s (sha256 %s...)" % (label, fingerprint_sha256(cert)[:23])


def extensions(cert, what=None):
    """The certificate's extensions; RocError naming the input when they are malformed (cryptography parses
    them lazily, on first use, and raises ValueError or others then)."""
    try:
        return cert.extensions
    except Exception as exc:
        raise RocError("%s: its extensions are malformed (%s)" % (what or "certificate %s" % describe(cert), exc))


def extension_value(cert, kind, what=None):
    """The value of the extension of class kind, or None when absent; RocError when the extensions are malformed."""
    try:
        return extensions(cert, what).get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def is_ca(cert, what=None):
    value = extension_value(cert, x509.BasicConstraints, what)
    return bool(value is not None and value.ca)


def common_name(name):
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attrs[0].value if attrs else None


# ------------------------------------------------------------------------------- usages, names as plain data
EKU_NAMES = {
    "1.3.6.1.5.5.7.3.1": "serverAuth", "1.3.6.1.5.5.7.3.2": "clientAuth", "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection", "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning", "2.5.29.37.0": "anyExtendedKeyUsage",
}
_KEY_USAGES = (("digital_signature", "digitalSignature"), ("content_commitment", "nonRepudiation"),
               ("key_encipherment", "keyEncipherment"), ("data_encipherment", "dataEncipherment"),
               ("key_agreement", "keyAgreement"), ("key_cert_sign", "keyCertSign"), ("crl_sign", "cRLSign"))


def key_usage_names(cert, what=None):
    """Key usage names, or None when the certificate has no KeyUsage; RocError when its extensions are malformed."""
    ku = extension_value(cert, x509.KeyUsage, what)
    if ku is None:
        return None
    names = [label for attr, label in _KEY_USAGES if getattr(ku, attr)]
    if ku.key_agreement:
        if ku.encipher_only:
            names.append("encipherOnly")
        if ku.decipher_only:
            names.append("decipherOnly")
    return names


def extended_key_usage_names(cert, what=None):
    """Extended key usage names (or dotted OIDs), None when absent; RocError when the extensions are malformed."""
    eku = extension_value(cert, x509.ExtendedKeyUsage, what)
    if eku is None:
        return None
    return [EKU_NAMES.get(oid.dotted_string, oid.dotted_string) for oid in eku]


_NAME_OIDS = (("C", "COUNTRY_NAME"), ("ST", "STATE_OR_PROVINCE_NAME"), ("O", "ORGANIZATION_NAME"),
              ("OU", "ORGANIZATIONAL_UNIT_NAME"), ("CN", "COMMON_NAME"))


def name_values(name):
    """An X.509 name as plain data: {"C": [...], "ST": [...], "O": [...], "OU": [...], "CN": [...]}."""
    return dict((short, [a.value for a in name.get_attributes_for_oid(getattr(NameOID, oid))])
                for short, oid in _NAME_OIDS)


def x509_name(attributes):
    """The X.509 name of (short name, value) pairs, in their order (C, ST, O, OU, CN)."""
    oids = dict(_NAME_OIDS)
    return x509.Name([x509.NameAttribute(getattr(NameOID, oids[short]), value) for short, value in attributes])


def certificate_profile(cert, what=None):
    """What the IGC-Santé profile (igc.py) judges of a certificate, as plain data: its subject and issuer names,
    the issuer's text, its key usages and extended key usages (None when absent)."""
    return {"subject": name_values(cert.subject), "issuer": name_values(cert.issuer),
            "issuer_text": cert.issuer.rfc4514_string(), "key_usage": key_usage_names(cert, what),
            "extended_key_usage": extended_key_usage_names(cert, what)}


# ------------------------------------------------------------------------------- requests (CSR)
def load_csr(data, what="certificate request"):
    """A CSR in PEM or DER; RocError naming the input when it is neither."""
    if not data or not data.strip():
        raise RocError("%s: the file is empty" % what)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_csr(data)
        return x509.load_der_x509_csr(data)
    except Exception:
        raise RocError("%s: not a readable certificate request (neither a PEM nor a DER CSR)" % what)


# ------------------------------------------------------------------------------------------ CRLs
def load_crls(contents, what="crls"):
    """[(label, crl)] of CRL contents (PEM, one or more X509 CRL blocks, or base64 DER)."""
    out = []
    for index, content in enumerate(contents or []):
        label = "%s[%d]" % (what, index)
        data = content_to_bytes(content, label)
        if b"-----BEGIN" in data:
            ders = []
            for block_label, body in PEM_BLOCK.findall(data):
                if block_label == b"X509 CRL":
                    ders.append(content_to_bytes(body.decode("ascii", "replace"), label))
            if not ders:
                raise RocError("%s: no X509 CRL block in it" % label)
        else:
            ders = [data]
        for der in ders:
            try:
                crl = x509.load_der_x509_crl(der)
                crl.issuer.rfc4514_string()
            except Exception:
                raise RocError("%s: not a readable CRL (damaged, or another format)" % label)
            out.append((label, crl))
    return out
