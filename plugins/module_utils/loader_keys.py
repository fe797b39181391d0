# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private keys: reading PEM or DER, PKCS#1/PKCS#8, encrypted or not (the message says which: no passphrase,
a wrong one, a damaged file); writing them as PEM; comparing a key with a certificate or CSR, or with
another key."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import colon_hex, PEM_BLOCK
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import ec, rsa, serialization, to_bytes_passphrase


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
        if password is not None:
            # a wrong passphrase can also decrypt to garbage with valid padding (about 1 in 300 with AES-CBC):
            # OpenSSL then reports a parse error, not a bad decrypt
            raise RocError("%s: the passphrase does not open the key, or the key is damaged" % what)
        raise RocError("%s: not a readable private key (damaged, or an unsupported format)" % what)
    except Exception:
        raise RocError("%s: not a readable private key (damaged, or an unsupported format)" % what)


def private_key_blocks(data):
    """Each PEM private key block of data (any '... PRIVATE KEY' label), as it stands, in file order: the key part
    of a file that holds certificates too (a combined file)."""
    return [match.group(0) for match in PEM_BLOCK.finditer(data) if match.group(1).endswith(b"PRIVATE KEY")]


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
