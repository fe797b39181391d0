# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PKCS#12 bundles and keystores: the one place a PKCS#12 is decrypted. Legacy (RC2-40, 3DES) and modern
(AES/PBKDF2) encryption; the bundle's key, certificate and CA certificates, and where the library can tell
(cryptography >= 36) the friendly names (aliases) of its entries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import _der_length, fingerprint_sha256
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import pkcs12, serialization, to_bytes_passphrase
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import same_private_key


def _decrypt(data, passphrase, what, read):
    """read(data, password) of a PKCS#12 (pkcs12.load_key_and_certificates or pkcs12.load_pkcs12), after the checks
    every reader shares (not empty, a DER sequence, not truncated); an empty passphrase is tried as empty and as
    none. RocError naming the input when it does not open."""
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
    error = None
    for attempt in [password] if password else [b"", None]:
        try:
            return read(data, attempt)
        except Exception as exc:  # ValueError for a bad MAC / password; others on broken ASN.1
            error = exc
    detail = str(error)
    if "unsupported" in detail.lower() or "algorithm" in detail.lower():
        raise RocError("%s: its encryption is not supported by this host's OpenSSL (%s)" % (what, detail))
    raise RocError("%s: the passphrase does not open the bundle, or the file is corrupted "
                   "(integrity check failed)" % what)


def _require_key_and_certificate(key, cert, what):
    if key is None:
        raise RocError("%s: the bundle holds no private key" % what)
    if cert is None:
        raise RocError("%s: the bundle holds no certificate for its key" % what)


def load_pkcs12(data, passphrase, what="PKCS#12 bundle"):
    """(private_key, certificate, [additional certificates]) from a PKCS#12 bundle."""
    key, cert, extra = _decrypt(data, passphrase, what, pkcs12.load_key_and_certificates)
    _require_key_and_certificate(key, cert, what)
    return key, cert, list(extra or [])


# ------------------------------------------------------------------------ entries with their aliases
Entry = collections.namedtuple("Entry", "certificate alias")


def aliases_readable():
    """Whether this host's cryptography reads a PKCS#12's friendly names (aliases): 36 and newer."""
    return getattr(pkcs12, "load_pkcs12", None) is not None


def _alias(item):
    return (item.friendly_name or b"").decode("utf-8", "replace")


def load_pkcs12_entries(data, passphrase, what="PKCS#12 store"):
    """(private key or None, Entry of the key's certificate or None, [Entry of each other certificate]) of a
    PKCS#12 bundle or store, each Entry (certificate, alias) with its friendly name decoded ('' when it has
    none). Needs aliases_readable(); RocError naming the input otherwise, and when the password does not open
    it or it is no PKCS#12."""
    if not aliases_readable():
        raise RocError("%s: reading a PKCS#12's aliases needs python3-cryptography >= 36 on the host" % what)
    bundle = _decrypt(data, passphrase, what, pkcs12.load_pkcs12)

    def entry(item):
        return Entry(item.certificate, _alias(item))

    return (bundle.key, entry(bundle.cert) if bundle.cert is not None else None,
            [entry(item) for item in bundle.additional_certs])


def store_fingerprints(data, passphrase, what="PKCS#12 store"):
    """[(alias, SHA-256 fingerprint)] of every certificate of a PKCS#12 store (the key's first, when it holds
    one), the alias '' for an entry without a friendly name, the fingerprint as fingerprint_sha256 gives it
    (colon hex: compare with normalize_fingerprint against another form); None when this cryptography cannot
    read aliases (< 36). RocError naming the input when the password does not open it or it is no PKCS#12."""
    if not aliases_readable():
        return None
    _key, cert, extra = load_pkcs12_entries(data, passphrase, what)
    return [(entry.alias, fingerprint_sha256(entry.certificate)) for entry in ([cert] if cert else []) + extra]


def load_keystore(data, passphrase, what="keystore"):
    """(private key, certificate, [chain], alias or None) of a PKCS#12 keystore from one decryption (the key
    derivation is the costly part): the alias (friendly name) of the key's certificate where this cryptography
    reads it (aliases_readable), else None, and None when the entry has none. RocError as load_pkcs12."""
    if not aliases_readable():
        key, cert, chain = load_pkcs12(data, passphrase, what)
        return key, cert, chain, None
    bundle = _decrypt(data, passphrase, what, pkcs12.load_pkcs12)
    _require_key_and_certificate(bundle.key, bundle.cert, what)
    return (bundle.key, bundle.cert.certificate, [item.certificate for item in bundle.additional_certs],
            _alias(bundle.cert) or None)


# ----------------------------------------------------------------------------------- keystores
def keystore_bytes(key, cert, chain, alias, passphrase):
    """A PKCS#12 keystore (key + certificate + chain, the key entry named `alias`), encrypted with the best the
    library has; salts differ each time (compare with keystore_holds, not byte for byte)."""
    return pkcs12.serialize_key_and_certificates(
        alias.encode("utf-8"), key, cert, list(chain) or None,
        serialization.BestAvailableEncryption(to_bytes_passphrase(passphrase)))


def keystore_holds(old, key, cert, chain, alias, passphrase):
    """Whether an existing keystore (its bytes) already holds exactly this content: the key, the certificate,
    the chain in order and (where aliases_readable) the alias. Opened once: the key derivation is the costly
    part of a warm run."""
    try:
        held_key, held_cert, held_chain, held_alias = load_keystore(old, passphrase)
    except RocError:
        return False
    return (same_private_key(held_key, key) and held_cert == cert and held_chain == list(chain)
            and (held_alias == alias or not aliases_readable()))
