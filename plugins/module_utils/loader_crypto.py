# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cryptography import guard: the library's names for the loader files, and the message naming the
package to install when it is missing or too old (require_cryptography stops a module before any use).

Runs on targets with the distribution's python3-cryptography (3.4 and newer) and on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import traceback

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

# the library's names that the other loader files take from here (one import guard for all)
__all__ = (
    "CRYPTOGRAPHY_IMPORT_ERROR", "CRYPTOGRAPHY_MIN_VERSION", "CRYPTOGRAPHY_PACKAGES", "CRYPTOGRAPHY_VERSION",
    "cryptography_problem", "dsa", "ec", "ed448", "ed25519", "hashes", "InvalidSignature", "NameOID", "padding",
    "pkcs7", "pkcs12", "require_cryptography", "rsa", "serialization", "to_bytes_passphrase", "UnsupportedAlgorithm",
    "UTC", "utcnow", "x509")


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


def utcnow():
    return datetime.datetime.now(UTC)
