# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante-roc-metrics: node_exporter textfile-collector metrics of the ROC certificates of this host.

Installed by the role esante.roc.monitoring as /usr/local/lib/esante-roc/esante-roc-metrics and run by the
systemd timer esante-roc-metrics.timer (daily) or by the role's handler, without Ansible:

    esante-roc-metrics [--config /etc/esante-roc/metrics.json] [--output FILE.prom]

The configuration (JSON, written by the role) lists the items to check::

    {"output": "/var/lib/prometheus/node-exporter/esante-roc.prom",
     "items": [{"structure": "chu-dijon", "service": "Client_ROC_Annuaire_AMC", "environment": "production",
                "certificate": ".../X.crt", "privatekey": ".../X.key", "chain": ".../X.chain.pem"}]}

Every series carries the labels structure, service, serial (as `openssl x509 -noout -serial` prints it; empty when
the certificate cannot be read) and environment:

    esante_roc_certificate_not_after_timestamp_seconds  end of validity (absent when the certificate cannot be read)
    esante_roc_certificate_key_match                    1 the key's public key is the certificate's, 0 it is not or
                                                        the key or certificate is missing or unreadable (absent for a
                                                        key encrypted at rest: it cannot be opened without its
                                                        passphrase, which is never given to this script)
    esante_roc_chain_valid                              1 each certificate of certificate + chain is signed by the
                                                        next one (names chain, signatures verify, a self-signed last
                                                        one verifies itself) and all are within their dates; else 0
    esante_roc_check_timestamp_seconds                  when this check ran
    esante_roc_check_error{..., reason="..."}           1 per problem that kept a check from being made: reasons
                                                        certificate_missing, certificate_unreadable, key_missing,
                                                        key_unreadable, key_encrypted, chain_missing,
                                                        chain_unreadable, chain_unsupported

The output file is written atomically (a temporary file in the same folder, mode 0644, fsync, rename); a link or
anything but a regular file at the output path, or a link as the output folder, is refused and nothing is written.
No key material is ever printed. Exit status 0 when the metrics were written (whatever they say), 1 on an
unexpected error (unreadable configuration, output refused or not writable), 2 when cryptography is missing.
Python 3.9 to 3.13, cryptography 3.4.8 and newer.
"""

from __future__ import absolute_import, division, print_function

import argparse
import calendar
import datetime
import json
import os
import re
import stat
import sys
import time

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
except ImportError as _exc:  # pragma: no cover - the message names the package
    CRYPTOGRAPHY_ERROR = str(_exc)
else:
    CRYPTOGRAPHY_ERROR = None

DEFAULT_CONFIG = "/etc/esante-roc/metrics.json"
DEFAULT_OUTPUT = "/var/lib/prometheus/node-exporter/esante-roc.prom"
MAX_INPUT = 1024 * 1024  # a certificate, key or chain file is far smaller
LABELS = ("structure", "service", "serial", "environment")
REQUIRED = ("structure", "service", "environment", "certificate", "privatekey", "chain")
PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\s+.*?-----END CERTIFICATE-----", re.S)

FAMILIES = (
    ("esante_roc_certificate_not_after_timestamp_seconds",
     "End of validity of the ROC service's certificate (notAfter), seconds since the epoch."),
    ("esante_roc_certificate_key_match",
     "1 when the service's private key is the certificate's key, 0 when not or when one of them is missing."),
    ("esante_roc_chain_valid",
     "1 when the certificate and its chain file form a valid chain (names, signatures, dates), else 0."),
    ("esante_roc_check_timestamp_seconds",
     "When esante-roc-metrics checked the service, seconds since the epoch."),
    ("esante_roc_check_error",
     "1 for each problem that kept a check of the service from being made (label reason)."),
)

RSA_PKCS1 = ("1.2.840.113549.1.1.4", "1.2.840.113549.1.1.5", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12",
             "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.14", "2.16.840.1.101.3.4.3.13", "2.16.840.1.101.3.4.3.14",
             "2.16.840.1.101.3.4.3.15", "2.16.840.1.101.3.4.3.16")
ECDSA = ("1.2.840.10045.4.1", "1.2.840.10045.4.3.1", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3",
         "1.2.840.10045.4.3.4", "2.16.840.1.101.3.4.3.9", "2.16.840.1.101.3.4.3.10", "2.16.840.1.101.3.4.3.11",
         "2.16.840.1.101.3.4.3.12")
DSA = ("1.2.840.10040.4.3", "2.16.840.1.101.3.4.3.1", "2.16.840.1.101.3.4.3.2")
FAMILY_OF = dict([(o, "rsa") for o in RSA_PKCS1] + [(o, "ecdsa") for o in ECDSA] + [(o, "dsa") for o in DSA]
                 + [("1.2.840.113549.1.1.10", "rsa-pss"), ("1.3.101.112", "ed25519"), ("1.3.101.113", "ed448")])


class Problem(Exception):
    """An error that stops the run (exit status 1), with a message for the journal."""


class Unsupported(Exception):
    """A signature that cannot be checked with this host's cryptography."""


# ------------------------------------------------------------------------------------------ reading
def read_input(path):
    """The bytes of a regular file (links to regular files are read; a FIFO or device is not opened for
    reading), or None when it does not exist. OSError / ValueError when it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if info.st_size > MAX_INPUT:
            raise ValueError("larger than %d bytes" % MAX_INPUT)
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def load_certificate(data):
    """The first certificate of PEM text, or of DER bytes."""
    found = PEM_CERT.search(data)
    if found:
        return x509.load_pem_x509_certificate(found.group(0))
    return x509.load_der_x509_certificate(data)


def load_certificates(data):
    """Every certificate of a PEM file (a chain), in file order."""
    return [x509.load_pem_x509_certificate(m.group(0)) for m in PEM_CERT.finditer(data)]


def load_public_key_of_private_key(data):
    """The public key of a private key file (PEM or DER, unencrypted). TypeError when the key is encrypted."""
    if b"-----BEGIN" in data:
        key = serialization.load_pem_private_key(data, password=None)
    else:
        key = serialization.load_der_private_key(data, password=None)
    return key.public_key()


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def not_before(cert):
    value = getattr(cert, "not_valid_before_utc", None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def not_after(cert):
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def serial_text(cert):
    """The serial number as `openssl x509 -noout -serial` prints it: upper-case hex, an even number of digits."""
    text = "%X" % cert.serial_number
    return ("0" + text) if len(text) % 2 else text


# ------------------------------------------------------------------------------------------ checks
def verifies(cert, issuer):
    """Whether issuer's public key verifies cert's signature. Unsupported when it cannot be checked here."""
    family = FAMILY_OF.get(cert.signature_algorithm_oid.dotted_string)
    if family is None or (family == "rsa-pss" and not hasattr(cert, "signature_algorithm_parameters")):
        raise Unsupported(cert.signature_algorithm_oid.dotted_string)
    try:
        key = issuer.public_key()
        digest = None if family in ("ed25519", "ed448") else cert.signature_hash_algorithm
    except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
        raise Unsupported(str(exc))
    signature, data = cert.signature, cert.tbs_certificate_bytes
    try:
        if family == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), digest)
        elif family == "rsa-pss" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, cert.signature_algorithm_parameters, digest)
        elif family == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
        elif family == "dsa" and isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, digest)
        elif family == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif family == "ed448" and isinstance(key, ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False  # the issuer's key is not of the signature's kind
    except (InvalidSignature, TypeError, ValueError):
        return False
    except UnsupportedAlgorithm as exc:
        raise Unsupported(str(exc))
    return True


def chain_valid(leaf, chain, now):
    """True when leaf + chain (file order) is a chain: each certificate's issuer is the next one's subject and the
    next one's key verifies its signature, the last one verifies itself when it is self-issued, and every certificate
    is within its dates. An empty chain is not valid."""
    certs = [leaf] + list(chain)
    if len(certs) < 2:
        return False
    for cert in certs:
        if not_before(cert) > now or not_after(cert) < now:
            return False
    for cert, issuer in zip(certs, certs[1:]):
        if cert.issuer != issuer.subject or not verifies(cert, issuer):
            return False
    last = certs[-1]
    if last.issuer == last.subject and not verifies(last, last):
        return False
    return True


def check(item, now):
    """{labels, values: {family: value}, errors: [reason]} of one item."""
    errors, values = [], {}
    labels = dict((k, str(item.get(k) or "")) for k in LABELS if k != "serial")
    labels["serial"] = ""
    cert = None
    try:
        data = read_input(item["certificate"])
        if data is None:
            errors.append("certificate_missing")
        else:
            cert = load_certificate(data)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm):
        errors.append("certificate_unreadable")
    if cert is not None:
        labels["serial"] = serial_text(cert)
        values["esante_roc_certificate_not_after_timestamp_seconds"] = calendar.timegm(not_after(cert).utctimetuple())

    # the key: its public key against the certificate's
    match = 0
    try:
        data = read_input(item["privatekey"])
        if data is None:
            errors.append("key_missing")
        else:
            public = load_public_key_of_private_key(data)
            match = 1 if cert is not None and spki(public) == spki(cert.public_key()) else 0
    except TypeError:  # "Password was not given but private key is encrypted"
        errors.append("key_encrypted")
        match = None
    except (OSError, ValueError, UnsupportedAlgorithm):
        errors.append("key_unreadable")
    if match is not None:
        values["esante_roc_certificate_key_match"] = match

    valid = 0
    try:
        data = read_input(item["chain"])
        if data is None:
            errors.append("chain_missing")
        else:
            chain = load_certificates(data)
            if not chain:
                errors.append("chain_unreadable")
            elif cert is not None:
                valid = 1 if chain_valid(cert, chain, now) else 0
    except Unsupported:
        errors.append("chain_unsupported")
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm):
        errors.append("chain_unreadable")
    values["esante_roc_chain_valid"] = valid
    values["esante_roc_check_timestamp_seconds"] = int(now.timestamp())
    return {"labels": labels, "values": values, "errors": errors}


# ------------------------------------------------------------------------------------------ output
def escape(value):
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def label_text(labels):
    return ",".join('%s="%s"' % (k, escape(labels[k])) for k in sorted(labels))


def render(results):
    """The text exposition format: each family once (HELP, TYPE gauge), its samples together."""
    lines = []
    for family, text in FAMILIES:
        samples = []
        for result in results:
            if family == "esante_roc_check_error":
                for reason in result["errors"]:
                    samples.append("%s{%s} 1" % (family, label_text(dict(result["labels"], reason=reason))))
            elif family in result["values"]:
                samples.append("%s{%s} %d" % (family, label_text(result["labels"]), result["values"][family]))
        if samples:
            lines += ["# HELP %s %s" % (family, text), "# TYPE %s gauge" % family] + samples
    return "\n".join(lines) + "\n"


def make_folder(folder):
    """Make the missing folders of this path, each 0755 whatever the umask (node_exporter's user reads them)."""
    missing = []
    while folder and not os.path.lexists(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for path in reversed(missing):
        os.mkdir(path, 0o700)
        os.chmod(path, 0o755)


def write_atomically(path, text):
    """Write text at path: a temporary file in the same folder (0644, fsync), renamed over it. The folder is made
    (0755) when missing; a link as the folder, or anything but a regular file at the path, is refused."""
    path = os.path.abspath(path)
    folder, name = os.path.split(path)
    if not name.endswith(".prom"):
        raise Problem("output %s: node_exporter reads only files ending in .prom" % path)
    make_folder(folder)
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        dir_fd = os.open(folder, flags)
    except OSError as exc:
        raise Problem("output folder %s: not a folder, or a link (refused): %s" % (folder, exc.strerror))
    tmp = ".%s.%d.%s.tmp" % (name, os.getpid(), os.urandom(4).hex())
    try:
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            info = None
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise Problem("output %s: a link or not a regular file is there, refused (nothing written)" % path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644,
                     dir_fd=dir_fd)
        try:
            os.fchmod(fd, 0o644)
            data = text.encode("utf-8")
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError:
            os.unlink(tmp, dir_fd=dir_fd)
            raise
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# ------------------------------------------------------------------------------------------ main
def load_config(path):
    try:
        with open(path, "rb") as handle:
            config = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise Problem("configuration %s: cannot be read (%s)" % (path, exc))
    items = config.get("items") if isinstance(config, dict) else None
    if not isinstance(items, list):
        raise Problem("configuration %s: no list of items" % path)
    for index, item in enumerate(items):
        missing = [k for k in REQUIRED if not isinstance(item, dict) or not isinstance(item.get(k), str) or not item[k]]
        if missing:
            raise Problem("configuration %s: items[%d] lacks %s" % (path, index, ", ".join(missing)))
    return config


def main(argv=None):
    parser = argparse.ArgumentParser(prog="esante-roc-metrics", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="JSON configuration (default %(default)s)")
    parser.add_argument("--output", help="the .prom file (default: the configuration's output, else %s)" % DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if CRYPTOGRAPHY_ERROR is not None:
        sys.stderr.write("esante-roc-metrics: the Python package cryptography is missing (install python3-cryptography): "
                         "%s\n" % CRYPTOGRAPHY_ERROR)
        return 2
    output = args.output or DEFAULT_OUTPUT
    try:
        config = load_config(args.config)
        output = args.output or config.get("output") or DEFAULT_OUTPUT
        now = datetime.datetime.fromtimestamp(int(time.time()), datetime.timezone.utc)
        results = [check(item, now) for item in config["items"]]
        write_atomically(output, render(results))
    except Problem as exc:
        sys.stderr.write("esante-roc-metrics: %s\n" % exc)
        return 1
    except OSError as exc:  # the output folder or file: its name and the system's reason, nothing read
        sys.stderr.write("esante-roc-metrics: %s: %s\n" % (exc.filename or output, exc.strerror or type(exc).__name__))
        return 1
    except Exception as exc:  # pylint: disable=broad-except  # the journal gets one line, never a key
        sys.stderr.write("esante-roc-metrics: unexpected error: %s\n" % type(exc).__name__)
        return 1
    problems = sum(len(r["errors"]) for r in results)
    print("esante-roc-metrics: %d service(s) checked, %d problem(s), written to %s" % (len(results), problems, output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
