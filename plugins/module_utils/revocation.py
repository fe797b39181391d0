# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Revocation: the records of revoked certificates the operator keeps (esante.roc.pkcs12_unpack and
esante.roc.certificate refuse a certificate they name) and the CRLs the operator provides
(esante.roc.certificate_info tells, per certificate, whether a CRL of its issuer revokes it).

A CRL counts for a certificate when its issuer name is the certificate's issuer and, when the issuer's certificate
is at hand (the chain), its signature verifies with that certificate's key: a CRL that does not verify is an error,
never a silent pass.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import (
    describe, extension_value, fingerprint_sha256, normalize_fingerprint)
from ansible_collections.esante.roc.plugins.module_utils.loader_chain import verifies
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import UTC, utcnow, x509

ISO = "%Y-%m-%dT%H:%M:%SZ"

# one entry of the `revoked` option of the install modules
REVOKED_ENTRY = dict(
    serial=dict(type="str"),
    sha256=dict(type="str"),
    record=dict(type="str"),
    date=dict(type="str"),
    reason=dict(type="str"),
)


# ------------------------------------------------------------------------------ revocation records
def parse_serial(value, what):
    """'01:A2:ff', '01a2FF', '0x01A2FF' -> the serial number (int)."""
    text = re.sub(r"[\s:]", "", str(value))
    if text[:2].lower() == "0x":
        text = text[2:]
    if not text or not re.match(r"^[0-9A-Fa-f]+\Z", text):
        raise RocError("%s: serial '%s' is not a hexadecimal serial number" % (what, value))
    return int(text, 16)


def parse_entries(entries, what="revoked"):
    """[(serial or None, sha256 or None, entry)] after checking every entry (one of serial / sha256 each)."""
    out = []
    for index, entry in enumerate(entries or []):
        label = "%s[%d]" % (what, index)
        if not isinstance(entry, dict):
            raise RocError("%s: give a dict with serial or sha256" % label)
        serial = entry.get("serial")
        sha256 = entry.get("sha256")
        if serial in (None, "") and sha256 in (None, ""):
            raise RocError("%s: give serial or sha256 (the revoked certificate's)" % label)
        pin = None
        if sha256 not in (None, ""):
            pin = normalize_fingerprint(sha256)
            if len(pin) != 64:
                raise RocError("%s: sha256 '%s' is not a SHA-256 fingerprint (64 hex digits)" % (label, sha256))
        out.append((parse_serial(serial, label) if serial not in (None, "") else None, pin, entry))
    return out


def revoked_problem(cert, entries, source=None, what="revoked"):
    """None when no entry of `entries` names cert (by serial, by SHA-256 fingerprint, or by the SHA-256 of the
    file it came in, `source`), else the refusal, naming the record."""
    fingerprint = fingerprint_sha256(cert)
    mine = set([normalize_fingerprint(fingerprint)])
    if source is not None:
        mine.add(hashlib.sha256(source).hexdigest().upper())
    for serial, pin, entry in parse_entries(entries, what):
        if (serial is not None and serial == cert.serial_number) or (pin is not None and pin in mine):
            text = "the certificate serial %X (sha256 %s) was revoked" % (cert.serial_number, fingerprint)
            if entry.get("date"):
                text += " on %s" % entry["date"]
            if entry.get("reason"):
                text += " (%s)" % entry["reason"]
            if entry.get("record"):
                text += ", record %s" % entry["record"]
            return text + ": order a new certificate"
    return None


# ------------------------------------------------------------------------------------------ CRLs
def _utc(obj, name):
    if hasattr(obj, name + "_utc"):
        return getattr(obj, name + "_utc")
    value = getattr(obj, name)
    return value.replace(tzinfo=UTC) if value is not None else None


def _iso(value):
    return value.strftime(ISO) if value is not None else None


def _crl_problem(label, crl, issuer_certs):
    """None when the CRL's signature verifies with one of issuer_certs (the issuer's certificates at hand), else
    why not (RocError-worthy)."""
    for issuer in issuer_certs:
        usage = extension_value(issuer, x509.KeyUsage, "%s: issuer %s" % (label, describe(issuer)))
        if usage is not None and not usage.crl_sign:
            continue
        try:
            if crl.is_signature_valid(issuer.public_key()):
                return None
        except Exception:  # a key type the library cannot check CRLs with: not verified
            continue
    return "%s (issuer %s): its signature does not verify with the issuer's certificate %s (a forged or foreign CRL?)" % (
        label, crl.issuer.rfc4514_string(), ", ".join(describe(c) for c in issuer_certs))


def revocation_status(cert, chain, crls, what, now=None):
    """revocation facts of cert: {checked, revoked, date, reason, crl_issuer, crl_next_update, crl_stale, crl_verified}
    from `crls` ([(label, crl)]); `chain`: the certificates at hand to find the issuer's. RocError when a CRL of the
    certificate's issuer does not verify with the issuer's certificate."""
    now = now or utcnow()
    status = {"checked": False, "revoked": False, "date": None, "reason": None, "crl_issuer": None,
              "crl_next_update": None, "crl_stale": False, "crl_verified": False}
    matching = [(label, crl) for label, crl in crls if crl.issuer == cert.issuer]
    if not matching:
        return status
    named = [c for c in chain if c.subject == cert.issuer]
    issuers = [c for c in named if _verifies_quietly(cert, c, what)] or named
    verified = bool(issuers)
    if issuers:
        for label, crl in matching:
            problem = _crl_problem(label, crl, issuers)
            if problem:
                raise RocError("%s: %s" % (what, problem))
    newest = max(matching, key=lambda m: _utc(m[1], "last_update"))[1]
    chosen, entry = newest, None
    for _label, crl in matching:
        found = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if found is not None:
            chosen, entry = crl, found
            break
    next_update = _utc(chosen, "next_update")
    status.update(checked=True, crl_issuer=chosen.issuer.rfc4514_string(), crl_next_update=_iso(next_update),
                  crl_stale=bool(next_update is not None and next_update < now), crl_verified=verified)
    if entry is not None:
        reason = None
        try:
            value = entry.extensions.get_extension_for_class(x509.CRLReason).value
            reason = value.reason.value
        except x509.ExtensionNotFound:
            pass
        except Exception as exc:
            raise RocError("%s: the CRL entry of serial %X is malformed (%s)" % (what, cert.serial_number, exc))
        status.update(revoked=True, date=_iso(_utc(entry, "revocation_date")), reason=reason)
    return status


def _verifies_quietly(cert, issuer, what):
    try:
        return verifies(cert, issuer, what)
    except RocError:
        return False
