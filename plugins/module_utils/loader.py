# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that reads certificates, keys and bundles, in every format users meet.

Certificates: PEM (one or a bundle), DER, PKCS#7 ``.p7b`` in PEM or DER armour.
Private keys: PEM or DER, PKCS#1/PKCS#8, encrypted or not.
Bundles: PKCS#12 with legacy (RC2-40, 3DES) or modern (AES/PBKDF2) encryption.

Every failure raises :class:`RocError` whose message names the input (``what``) and the reason.
Runs on targets with the distribution's python3-cryptography (3.4 and newer) and on the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import hashlib
import re
import traceback
import warnings

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError  # noqa: F401 (re-exported)

CRYPTOGRAPHY_MIN_VERSION = "3.4"
CRYPTOGRAPHY_PACKAGES = (
    "python3-cryptography (Debian/Ubuntu: apt-get install python3-cryptography; "
    "RHEL/Rocky/Alma/Fedora: dnf install python3-cryptography; SUSE: zypper install python3-cryptography)"
)

try:
    import cryptography
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
    from cryptography.x509.oid import NameOID

    CRYPTOGRAPHY_VERSION = cryptography.__version__
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - proven by the missing-library test on a host
    CRYPTOGRAPHY_VERSION = None
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
    # names other module_utils import; modules stop in require_cryptography() before using them
    x509 = hashes = serialization = ec = padding = rsa = pkcs7 = pkcs12 = NameOID = None
    InvalidSignature = Exception

UTC = datetime.timezone.utc
PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
CERT_LABELS = (b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE")
PKCS7_LABELS = (b"PKCS7", b"CMS", b"PKCS #7 SIGNED DATA")


def _version_tuple(version):
    return tuple(int(p) for p in re.findall(r"\d+", version)[:2])


def cryptography_problem():
    """None when the library is usable, else the message to show (names the package to install)."""
    if CRYPTOGRAPHY_VERSION is None:
        return "The Python library 'cryptography' is missing on this host. Install %s." % CRYPTOGRAPHY_PACKAGES
    if _version_tuple(CRYPTOGRAPHY_VERSION) < _version_tuple(CRYPTOGRAPHY_MIN_VERSION):
        return "cryptography %s is too old on this host (esante.roc needs %s or newer). Upgrade %s." % (
            CRYPTOGRAPHY_VERSION, CRYPTOGRAPHY_MIN_VERSION, CRYPTOGRAPHY_PACKAGES)
    return None


def require_cryptography(module):
    problem = cryptography_problem()
    if problem:
        module.fail_json(msg=problem, exception=CRYPTOGRAPHY_IMPORT_ERROR)


# --------------------------------------------------------------------------------------- bytes
def to_bytes_passphrase(passphrase):
    if passphrase is None:
        return None
    if isinstance(passphrase, bytes):
        return passphrase
    return passphrase.encode("utf-8")


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


def read_file(path, what):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise RocError("%s: cannot read %s (%s)" % (what, path, exc.strerror or exc))


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


def _der_header(data, pos=0):
    """(tag, start of content, content length) of the DER/BER element at pos, or None when its
    header cannot be read (definite lengths up to 4 bytes). The content may run past the data."""
    if pos + 2 > len(data):
        return None
    tag, first = data[pos], data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, first
    count = first & 0x7F
    if count == 0 or count > 4 or pos + 2 + count > len(data):
        return None
    return tag, pos + 2 + count, int.from_bytes(data[pos + 2:pos + 2 + count], "big")


def _tlv(data, pos, what):
    """(tag, start of content, end of content) of the element at pos, inside a PKCS#7 bundle."""
    header = _der_header(data, pos)
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
    header = _der_header(der)
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


def utcnow():
    return datetime.datetime.now(UTC)


def date_problem(cert, what, now=None):
    """None when the certificate is valid now, else why not."""
    now = now or utcnow()
    if not_valid_after(cert) < now:
        return "%s expired on %s" % (what, not_valid_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if not_valid_before(cert) > now:
        return "%s is not valid before %s" % (what, not_valid_before(cert).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return None


def is_ca(cert):
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def common_name(name):
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attrs[0].value if attrs else None


def is_signed_by(cert, issuer):
    """True when issuer's key verifies cert's signature (and the names chain)."""
    if cert.issuer != issuer.subject:
        return False
    public_key = issuer.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                              cert.signature_hash_algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            public_key.verify(cert.signature, cert.tbs_certificate_bytes)
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def build_chain(leaf, candidates):
    """[issuer, issuer's issuer, ...] from candidates, stopping at a self-signed root."""
    chain, current, seen = [], leaf, set()
    while True:
        if current.issuer == current.subject and current is not leaf:
            break
        issuer = next((c for c in candidates if id(c) not in seen and is_signed_by(current, c)), None)
        if issuer is None:
            break
        seen.add(id(issuer))
        chain.append(issuer)
        current = issuer
    return chain


# ---------------------------------------------------------------------------------------- keys
def _key_is_encrypted(data):
    return b"ENCRYPTED PRIVATE KEY" in data or b"Proc-Type: 4,ENCRYPTED" in data


def load_private_key(data, passphrase=None, what="private key"):
    if not data or not data.strip():
        raise RocError("%s: the file is empty" % what)
    password = to_bytes_passphrase(passphrase) or None
    is_pem = b"-----BEGIN" in data
    if not is_pem and data[:1] != b"\x30":
        raise RocError("%s: not a readable private key (neither PEM nor DER: garbage or another format)" % what)
    if is_pem and _key_is_encrypted(data) and password is None:
        raise RocError("%s: the key is encrypted and no passphrase was given" % what)
    if is_pem and not _key_is_encrypted(data) and password is not None:
        password = None  # an unencrypted key with a passphrase given: read it, the passphrase is moot
    loader = serialization.load_pem_private_key if is_pem else serialization.load_der_private_key
    try:
        return loader(data, password)
    except TypeError as exc:
        if "not encrypted" in str(exc):  # an unencrypted DER key given with a passphrase
            return load_private_key(data, None, what)
        raise RocError("%s: the key is encrypted and no passphrase was given" % what)
    except ValueError as exc:
        if password is not None and ("decrypt" in str(exc).lower() or "password" in str(exc).lower()):
            raise RocError("%s: the passphrase does not open the key" % what)
        if password is not None and not is_pem:
            raise RocError("%s: the passphrase does not open the key, or the key is damaged" % what)
        raise RocError("%s: not a readable private key (damaged, or an unsupported format)" % what)
    except Exception:
        raise RocError("%s: not a readable private key (damaged, or an unsupported format)" % what)


def private_key_pem(key, passphrase=None):
    if passphrase:
        encryption = serialization.BestAvailableEncryption(to_bytes_passphrase(passphrase))
    else:
        encryption = serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def public_key_der(key_or_cert):
    public_key = key_or_cert.public_key() if hasattr(key_or_cert, "public_key") else key_or_cert
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_sha256(key_or_cert):
    return colon_hex(hashlib.sha256(public_key_der(key_or_cert)).digest())


def key_matches(private_key, cert_or_csr):
    return public_key_der(private_key) == public_key_der(cert_or_csr)


def same_private_key(a, b):
    """Same key material (compares the private numbers, whatever the encoding)."""
    raw = serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    return a.private_bytes(serialization.Encoding.DER, raw, none) == b.private_bytes(
        serialization.Encoding.DER, raw, none)


def key_file_holds(old_bytes, key, passphrase=None):
    """Whether an existing key file holds this key, encrypted exactly when a passphrase is asked
    (an encrypted key is rewritten with a new salt each time: compare the key, not the bytes)."""
    try:
        return same_private_key(load_private_key(old_bytes, passphrase), key) and (
            bool(passphrase) == _key_is_encrypted(old_bytes))
    except RocError:
        return False


def key_size(key):
    return getattr(key, "key_size", None)


def key_type(key):
    """'RSA', 'EC' or the class name, for a private or public key."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RSA"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return "EC"
    return type(key).__name__.lstrip("_")


# ------------------------------------------------------------------------------------- PKCS#12
def load_pkcs12(data, passphrase, what="PKCS#12 bundle"):
    """(private_key, certificate, [additional certificates]) from a PKCS#12 bundle."""
    if not data:
        raise RocError("%s: the file is empty" % what)
    if data[:1] != b"\x30":
        raise RocError("%s: not a PKCS#12 file (it does not start with a DER sequence: wrong file, "
                       "PEM text or garbage)" % what)
    length = _der_length(data)
    if length is None or length > len(data):
        raise RocError("%s: the file is truncated (%d bytes present, %s announced)" % (
            what, len(data), length if length is not None else "an unreadable length"))
    password = to_bytes_passphrase(passphrase)
    attempts = [password] if password else [b"", None]
    error = None
    for attempt in attempts:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, attempt)
            break
        except Exception as exc:  # ValueError for a bad MAC / password; others on broken ASN.1
            error = exc
    else:
        detail = str(error)
        if "unsupported" in detail.lower() or "algorithm" in detail.lower():
            raise RocError("%s: its encryption is not supported by this host's OpenSSL (%s)" % (what, detail))
        raise RocError("%s: the passphrase does not open the bundle, or the file is corrupted "
                       "(integrity check failed)" % what)
    if key is None:
        raise RocError("%s: the bundle holds no private key" % what)
    if cert is None:
        raise RocError("%s: the bundle holds no certificate for its key" % what)
    return key, cert, list(extra or [])
