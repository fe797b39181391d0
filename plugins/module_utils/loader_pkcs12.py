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
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import _der_length
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import pkcs12, serialization, to_bytes_passphrase
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import same_private_key


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


# ------------------------------------------------------------------------ entries with their aliases
Entry = collections.namedtuple("Entry", "certificate alias")


def aliases_readable():
    """Whether this host's cryptography reads a PKCS#12's friendly names (aliases): 36 and newer."""
    return getattr(pkcs12, "load_pkcs12", None) is not None


def load_pkcs12_entries(data, passphrase, what="PKCS#12 store"):
    """(private key or None, Entry of the key's certificate or None, [Entry of each other certificate]) of a
    PKCS#12 bundle or store, each Entry (certificate, alias) with its friendly name decoded ('' when it has
    none). Needs aliases_readable(); RocError naming the input otherwise, and when the password does not open
    it or it is no PKCS#12."""
    if not aliases_readable():
        raise RocError("%s: reading a PKCS#12's aliases needs python3-cryptography >= 36 on the host" % what)
    if not data or data[:1] != b"\x30":
        raise RocError("%s: not a PKCS#12 file (empty, PEM text or garbage)" % what)
    try:
        bundle = pkcs12.load_pkcs12(data, to_bytes_passphrase(passphrase))
    except Exception:  # ValueError for a bad MAC / password; others on broken ASN.1
        raise RocError("%s: the password given does not open it, or it is not a PKCS#12 store" % what)

    def entry(item):
        return Entry(item.certificate, (item.friendly_name or b"").decode("utf-8", "replace"))

    return (bundle.key, entry(bundle.cert) if bundle.cert is not None else None,
            [entry(item) for item in bundle.additional_certs])


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
    if aliases_readable():
        try:
            held_key, held_cert, extra = load_pkcs12_entries(old, passphrase, "keystore")
        except RocError:
            return False
        if held_key is None or held_cert is None:
            return False
        return (same_private_key(held_key, key) and held_cert.certificate == cert
                and [e.certificate for e in extra] == list(chain) and held_cert.alias == alias)
    try:
        old_key, old_cert, old_chain = load_pkcs12(old, passphrase, "keystore")
    except RocError:
        return False
    return same_private_key(old_key, key) and old_cert == cert and list(old_chain) == list(chain)
