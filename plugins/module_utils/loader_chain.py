# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signatures and certification paths: whether an issuer's key verifies a certificate (RSA PKCS#1 v1.5,
RSA-PSS, ECDSA, DSA, EdDSA), weak hashes refused, and the path from a certificate to the operator's anchors
(`validate_path`: depth first with backtracking, bundle CAs as links never anchors, CA:TRUE / keyCertSign /
pathLenConstraint / dates per issuer, memoised and capped)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import date_problem, describe, extension_value
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import (
    InvalidSignature, UnsupportedAlgorithm, dsa, ec, ed448, ed25519, hashes, padding, rsa, x509)


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
