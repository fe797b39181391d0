# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The index of the loader: every name of the five files that read certificates, keys and bundles, for code
that wants them from one place (the collection's own files import from the file that holds each name).

| file | holds |
|---|---|
| ``loader_crypto.py`` | the cryptography import guard (the message naming the package to install) |
| ``loader_certificates.py`` | certificates in PEM, DER, PKCS#7 (and CSRs): reading, fingerprints, dates, names |
| ``loader_keys.py`` | private keys: reading (encrypted or not), writing, comparing with a certificate or key |
| ``loader_chain.py`` | signatures and the certification path to the operator's anchors (``validate_path``) |
| ``loader_pkcs12.py`` | PKCS#12 bundles and keystores: the one place a PKCS#12 is decrypted |

Every failure raises :class:`RocError` whose message names the input (``what``) and the reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.module_utils.errors import (  # noqa: F401
    RocError)  # noqa: F401
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import (  # noqa: F401
    CRYPTOGRAPHY_IMPORT_ERROR, CRYPTOGRAPHY_MIN_VERSION, CRYPTOGRAPHY_PACKAGES, cryptography_problem,
    CRYPTOGRAPHY_VERSION, dsa, ec, ed25519, ed448, hashes, InvalidSignature, NameOID, padding, pkcs12, pkcs7,
    require_cryptography, rsa, serialization, to_bytes_passphrase, UnsupportedAlgorithm, UTC, utcnow, x509)  # noqa: F401
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import (  # noqa: F401
    CERT_LABELS, certificate_pem, certificates_pem, colon_hex, common_name,
    content_to_bytes, CSR_LABELS, date_problem, describe, extension_value, extensions, fingerprint_sha256, is_ca,
    load_certificate, load_certificates, load_crls, load_csr, normalize_fingerprint, not_valid_after, not_valid_before,
    PEM_BLOCK, PKCS7_LABELS, read_file)  # noqa: F401
from ansible_collections.esante.roc.plugins.module_utils.loader_chain import (  # noqa: F401
    build_chain, ca_problem, is_signed_by, MAX_PATH, MAX_TRIES, SIGNATURE_FAMILIES, validate_path, verifies,
    WEAK_HASHES, weak_problem, weak_signature, WEAK_SIGNATURES)  # noqa: F401
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import (  # noqa: F401
    key_file_holds, key_matches, key_size, key_type, load_private_key, private_key_pem, public_key_der,
    public_key_sha256, same_private_key)  # noqa: F401
from ansible_collections.esante.roc.plugins.module_utils.loader_pkcs12 import (  # noqa: F401
    aliases_readable, Entry, keystore_bytes, keystore_holds, load_keystore, load_pkcs12, load_pkcs12_entries,
    store_fingerprints)  # noqa: F401

# the names this index gives (re-exported from the five files)
__all__ = (
    "aliases_readable", "build_chain", "ca_problem", "CERT_LABELS", "certificate_pem", "certificates_pem", "colon_hex",
    "common_name", "content_to_bytes", "CRYPTOGRAPHY_IMPORT_ERROR", "CRYPTOGRAPHY_MIN_VERSION", "CRYPTOGRAPHY_PACKAGES",
    "cryptography_problem", "CRYPTOGRAPHY_VERSION", "CSR_LABELS", "date_problem", "describe", "dsa", "ec", "ed25519",
    "ed448", "Entry", "extension_value", "extensions", "fingerprint_sha256", "hashes", "InvalidSignature", "is_ca",
    "is_signed_by", "key_file_holds", "key_matches", "key_size", "key_type", "keystore_bytes", "keystore_holds",
    "load_certificate", "load_certificates", "load_crls", "load_csr", "load_keystore", "load_pkcs12",
    "load_pkcs12_entries", "load_private_key", "MAX_PATH", "MAX_TRIES", "NameOID", "normalize_fingerprint",
    "not_valid_after", "not_valid_before", "padding", "PEM_BLOCK", "pkcs12", "pkcs7", "PKCS7_LABELS", "private_key_pem",
    "public_key_der", "public_key_sha256", "read_file", "require_cryptography", "RocError", "rsa", "same_private_key",
    "serialization", "SIGNATURE_FAMILIES", "store_fingerprints", "to_bytes_passphrase", "UnsupportedAlgorithm", "UTC",
    "utcnow", "validate_path", "verifies", "WEAK_HASHES", "weak_problem", "weak_signature", "WEAK_SIGNATURES", "x509",
)
