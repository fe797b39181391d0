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
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
    from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
    from cryptography.x509.oid import NameOID

    CRYPTOGRAPHY_VERSION = cryptography.__version__
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - proven by the missing-library test on a host
    CRYPTOGRAPHY_VERSION = None
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
    # names other module_utils import; modules stop in require_cryptography() before using them
    x509 = hashes = serialization = dsa = ec = ed448 = ed25519 = padding = rsa = pkcs7 = pkcs12 = NameOID = None
    InvalidSignature = UnsupportedAlgorithm = Exception

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


def read_file(path, what, follow=False):
    """The bytes of the regular file at path, read without following any link (in its folders or at its end) and
    refusing a file with other hard links: every path a module manages. `follow=True` only for pure inputs the
    operator names (a ca_path, a remote_src bundle, certificate_info's path): links followed. Either way a FIFO,
    socket, device or folder is refused naming the path, never read (it cannot hang the module)."""
    from ansible_collections.esante.roc.plugins.module_utils.writer import read_regular  # writer imports no loader
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


# signature algorithm OID -> the key family that makes it
_RSA_PKCS1 = ("1.2.840.113549.1.1.2", "1.2.840.113549.1.1.4", "1.2.840.113549.1.1.5", "1.2.840.113549.1.1.11",
              "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.14", "1.3.14.3.2.29",
              "2.16.840.1.101.3.4.3.13", "2.16.840.1.101.3.4.3.14", "2.16.840.1.101.3.4.3.15",
              "2.16.840.1.101.3.4.3.16")
_ECDSA = ("1.2.840.10045.4.1", "1.2.840.10045.4.3.1", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3",
          "1.2.840.10045.4.3.4", "2.16.840.1.101.3.4.3.9", "2.16.840.1.101.3.4.3.10", "2.16.840.1.101.3.4.3.11",
          "2.16.840.1.101.3.4.3.12")
_DSA = ("1.2.840.10040.4.3", "2.16.840.1.101.3.4.3.1", "2.16.840.1.101.3.4.3.2")
SIGNATURE_FAMILIES = dict([(o, "rsa") for o in _RSA_PKCS1] + [(o, "ecdsa") for o in _ECDSA] + [
    (o, "dsa") for o in _DSA] + [("1.2.840.113549.1.1.10", "rsa-pss"), ("1.3.101.112", "ed25519"),
                                 ("1.3.101.113", "ed448")])


def verifies(cert, issuer, what="certificate"):
    """True when issuer's key verifies cert's signature (names not compared), False when it does not.
    RocError naming the input when the signature algorithm or the issuer's key cannot be checked here
    (supported: RSA PKCS#1 v1.5, RSA-PSS where this host's cryptography exposes its parameters, ECDSA, DSA,
    Ed25519, Ed448)."""
    oid = cert.signature_algorithm_oid.dotted_string
    family = SIGNATURE_FAMILIES.get(oid)
    if family is None or (family == "rsa-pss" and not hasattr(cert, "signature_algorithm_parameters")):
        raise RocError("%s: the signature algorithm of %s (%s) is not supported here" % (
            what, describe(cert), getattr(cert.signature_algorithm_oid, "_name", None) or oid))
    try:
        public_key = issuer.public_key()
    except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
        raise RocError("%s: the public key of %s is of a type not supported here (%s)" % (what, describe(issuer), exc))
    try:
        hash_algorithm = cert.signature_hash_algorithm if family not in ("ed25519", "ed448") else None
    except UnsupportedAlgorithm as exc:
        raise RocError("%s: the signature hash of %s is not supported here (%s)" % (what, describe(cert), exc))
    signature, data = cert.signature, cert.tbs_certificate_bytes
    try:
        if family == "rsa" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif family == "rsa-pss" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, cert.signature_algorithm_parameters, hash_algorithm)
        elif family == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif family == "dsa" and isinstance(public_key, dsa.DSAPublicKey):
            public_key.verify(signature, data, hash_algorithm)
        elif family == "ed25519" and isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        elif family == "ed448" and isinstance(public_key, ed448.Ed448PublicKey):
            public_key.verify(signature, data)
        else:
            return False  # the issuer's key is not of the signature's kind
    except (InvalidSignature, TypeError, ValueError):
        return False
    except UnsupportedAlgorithm as exc:
        raise RocError("%s: the signature of %s cannot be checked here (%s)" % (what, describe(cert), exc))
    return True


def is_signed_by(cert, issuer, what="certificate"):
    """True when issuer's key verifies cert's signature (and the names chain)."""
    return cert.issuer == issuer.subject and verifies(cert, issuer, what)


def build_chain(leaf, candidates):
    """[issuer, issuer's issuer, ...] from candidates, stopping at a self-signed root. Trusts nothing: the
    install modules validate a path to an anchor with validate_path()."""
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


# ---------------------------------------------------------------------------------- trust paths
MAX_PATH = 8  # CA certificates in a path, at most (the IGC-Santé has 2: ACI, ACR)
MAX_TRIES = 64  # candidate issuers examined in one path search, at most (a bundle of look-alikes cannot make it last)

# signatures whose hash has practical collisions: such a signature proves nothing, the certificate is refused
WEAK_SIGNATURES = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption", "1.2.840.113549.1.1.3": "md4WithRSAEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption", "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.3.14.3.2.29": "sha1WithRSASignature", "1.2.840.10045.4.1": "ecdsa-with-SHA1", "1.2.840.10040.4.3": "dsa-with-sha1",
}
WEAK_HASHES = ("md2", "md4", "md5", "sha1")


def weak_signature(cert):
    """The name of cert's signature algorithm when it hashes with MD2, MD4, MD5 or SHA-1, else None."""
    oid = cert.signature_algorithm_oid.dotted_string
    if oid in WEAK_SIGNATURES:
        return WEAK_SIGNATURES[oid]
    if SIGNATURE_FAMILIES.get(oid) == "rsa-pss":  # its hash is in its parameters
        try:
            algorithm = cert.signature_hash_algorithm
        except Exception:  # unreadable parameters: verifies() tells
            return None
        if algorithm is not None and algorithm.name.lower() in WEAK_HASHES:
            return "RSASSA-PSS with %s" % algorithm.name.upper()
    return None


def _subject(cert):
    try:
        return cert.subject.rfc4514_string()
    except Exception:  # a malformed name
        return describe(cert)


def weak_problem(cert, label=None):
    """Why the signature of cert cannot be trusted (MD2, MD4, MD5, SHA-1), or None."""
    weak = weak_signature(cert)
    if weak is None:
        return None
    return ("%s (%s) is signed with %s: MD2, MD4, MD5 and SHA-1 signatures are refused (forgeable by collision); "
            "it must be signed with SHA-256 or stronger" % (label or "the certificate", _subject(cert), weak))


def ca_problem(issuer, below, what, now=None, allow_expired=False):
    """None when issuer may sign the certificate under it, `below` CA certificates above the leaf, else why not:
    CA:TRUE, keyCertSign when KeyUsage is present, pathLenConstraint, valid now (unless allow_expired)."""
    label = describe(issuer)
    constraints = extension_value(issuer, x509.BasicConstraints, "%s: %s" % (what, label))
    if constraints is None or not constraints.ca:
        return "%s is not a CA certificate (basicConstraints CA:TRUE missing)" % label
    usage = extension_value(issuer, x509.KeyUsage, "%s: %s" % (what, label))
    if usage is not None and not usage.key_cert_sign:
        return "%s is not allowed to sign certificates (its key usage lacks keyCertSign)" % label
    if constraints.path_length is not None and below > constraints.path_length:
        return "%s allows %d CA certificate(s) under it (pathLenConstraint), the chain puts %d" % (
            label, constraints.path_length, below)
    if not allow_expired:
        return date_problem(issuer, "the CA %s" % label, now)
    return None


def _dedup(certs):
    out, seen = [], set()
    for cert in certs:
        fp = cert.fingerprint(hashes.SHA256())
        if fp not in seen:
            seen.add(fp)
            out.append(cert)
    return out


def _signs_quietly(cert, issuer, below, what, now, allow_expired):
    """Whether issuer verifies and may sign cert, without failing (the certificates added above the anchor)."""
    try:
        return verifies(cert, issuer, what) and ca_problem(issuer, below, what, now, allow_expired) is None
    except RocError:
        return False


def validate_path(leaf, candidates, anchors, what, now=None, allow_expired=False, allow_unanchored=False):
    """The chain written with leaf (issuer first) after checking a path from leaf to one of `anchors`, link by
    link: each signature verifies and hashes with SHA-256 or stronger (MD2, MD4, MD5, SHA-1 refused: an anchor's own
    signature is not looked at, it is trusted as given), each issuer is a CA allowed to sign certificates, within
    its pathLenConstraint, valid now (unless allow_expired). Depth first with backtracking over anchors and
    `candidates` (a bundle's own CA certificates: links of the path, never anchors), so same-name look-alikes do not
    end the search; each signature is checked once, a certificate from which no anchor was reached is not searched
    again from as deep or deeper, and the search gives up (RocError) after MAX_TRIES candidate issuers or MAX_PATH
    CA certificates. The path ends at the first anchor reached (compared by fingerprint, not by name); certificates
    above it that verify are added (the ACR above an ACI anchor). With allow_unanchored (LAB ONLY), a path that ends
    at no anchor is accepted, still checked link by link as far as it goes. RocError naming the input and the
    failed link."""
    anchors = _dedup(anchors)
    anchor_fps = set(a.fingerprint(hashes.SHA256()) for a in anchors)
    pool = _dedup(list(anchors) + list(candidates))
    prints = dict((id(c), c.fingerprint(hashes.SHA256())) for c in pool + [leaf])
    failures, ends, lookalikes = [], [], []
    signed, problems, dead, tries = {}, {}, {}, [0]

    def fp(cert):
        return prints[id(cert)]

    def signs(current, issuer):
        key = (fp(current), fp(issuer))
        if key not in signed:
            signed[key] = verifies(current, issuer, what)
        return signed[key]

    def problem_of(issuer, below):
        key = (fp(issuer), below)
        if key not in problems:
            problems[key] = ca_problem(issuer, below, what, now, allow_expired)
        return problems[key]

    def search(current, path):
        depth = len(path)
        if dead.get(fp(current), depth + 1) <= depth:
            return None  # no anchor reached from here, from as shallow a place: not searched again
        used = set(fp(c) for c in path)
        issuers = [c for c in pool if c.subject == current.issuer and fp(c) not in used]
        if not issuers:
            ends.append(path)
            if path:
                failures.append((depth, "the chain ends at %s, which is not one of the anchors given "
                                        "(ca_path/chain): no certificate given is its issuer %s" % (
                                            describe(current), current.issuer.rfc4514_string())))
            return None
        if path:
            weak = weak_problem(current, "the CA %s" % describe(current))
            if weak:
                failures.append((depth + 0.5, weak))
                dead[fp(current)] = 0
                return None
        for issuer in issuers:
            tries[0] += 1
            if tries[0] > MAX_TRIES:
                same = len([c for c in pool if c.subject == current.issuer])
                raise RocError("%s: the search of a path to an anchor gave up after %d candidate issuers (%d CA "
                               "certificates given are named %s): too many look-alike CA certificates; give the "
                               "anchors (ca_path/chain) and a bundle without them" % (
                                   what, MAX_TRIES, same, current.issuer.rfc4514_string()))
            is_anchor = fp(issuer) in anchor_fps
            if not signs(current, issuer):
                failures.append((depth, "issuer %s found but its signature on %s does not verify" % (
                    describe(issuer), "the certificate" if not path else describe(current))))
                if is_anchor:
                    lookalikes.append(issuer)
                continue
            problem = problem_of(issuer, depth)
            if problem:
                failures.append((depth + 1, problem))
                continue
            chain = path + [issuer]
            if is_anchor:
                return chain
            if issuer.subject == issuer.issuer:
                ends.append(chain)
                failures.append((len(chain), "the chain ends at %s, which is not one of the anchors given "
                                             "(ca_path/chain)" % describe(issuer)))
                continue
            if len(chain) >= MAX_PATH:
                ends.append(chain)
                failures.append((len(chain), "the chain reaches %d CA certificates at %s without an anchor given "
                                             "(ca_path/chain): longer than esante.roc follows" % (
                                                 len(chain), describe(issuer))))
                continue
            found = search(issuer, chain)
            if found:
                return found
        dead[fp(current)] = min(depth, dead.get(fp(current), depth))
        return None

    if leaf.fingerprint(hashes.SHA256()) in anchor_fps:
        chain = []  # the operator gave this very certificate as an anchor
    else:
        weak = weak_problem(leaf)
        if weak:
            raise RocError("%s: %s" % (what, weak))
        chain = search(leaf, []) if anchors or allow_unanchored else None
    if chain is None:
        if allow_unanchored and ends:
            return max(ends, key=len)
        if not anchors and not allow_unanchored:
            raise RocError("%s: no anchor given: give ca_path or chain (the IGC-Santé ACI and ACR), or environment for "
                           "the collection's official IGC-Santé certificates (allow_unanchored is for a lab only)" % what)
        depth, reason = max(failures, key=lambda f: f[0]) if failures else (0, "")
        if depth == 0 and not lookalikes and not [f for f in failures if f[0] == 0 and "does not verify" in f[1]]:
            raise RocError("%s: the certificate is not signed by any CA given: no anchor given (ca_path/chain) signs "
                           "it (its issuer is %s)" % (what, leaf.issuer.rfc4514_string()))
        message = "%s: the certificate does not chain to an anchor given: %s" % (what, reason)
        if lookalikes:
            message += " (anchor %s has the issuer's name but does not sign it: a look-alike CA?)" % (
                describe(lookalikes[0]))
        raise RocError(message)
    # above the anchor: the certificates that sign it (ACI anchor -> ACR), as far as they verify with a sound hash
    current = chain[-1] if chain else leaf
    while current.subject != current.issuer and len(chain) < MAX_PATH and not weak_signature(current):
        used = set(fp(c) for c in chain)
        above = next((c for c in pool if c.subject == current.issuer and fp(c) not in used
                      and _signs_quietly(current, c, len(chain), what, now, allow_expired)), None)
        if above is None:
            break
        chain.append(above)
        current = above
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
