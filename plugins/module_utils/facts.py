# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about a certificate, as returned by esante.roc.certificate_info and used by the other
modules and the filters (one implementation for all)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.module_utils import igc
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import (
    certificate_profile,
    describe, extension_value, fingerprint_sha256, is_ca, not_valid_after, not_valid_before)
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import NameOID, utcnow, x509
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import key_size, key_type, public_key_sha256

ISO = "%Y-%m-%dT%H:%M:%SZ"


def _first(name, oid):
    attrs = name.get_attributes_for_oid(oid)
    return attrs[0].value if attrs else None


def subject_facts(name):
    ous = [a.value for a in name.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    return {
        "rfc4514": name.rfc4514_string(),
        "country": _first(name, NameOID.COUNTRY_NAME),
        "state_province": _first(name, NameOID.STATE_OR_PROVINCE_NAME),
        "organization": _first(name, NameOID.ORGANIZATION_NAME),
        "organizational_units": ous,
        "structure_id": ous[0] if len(ous) == 1 else None,
        "service": _first(name, NameOID.COMMON_NAME),
    }


def policies(cert, what=None):
    ext = extension_value(cert, x509.CertificatePolicies, what)
    return [p.policy_identifier.dotted_string for p in ext] if ext is not None else []


def days_left(not_after, now=None):
    """Whole days until not_after (negative once expired)."""
    delta = not_after - (now or utcnow())
    return int(delta.total_seconds() // 86400)


def certificate_facts(cert, now=None, what=None):
    """The facts of cert; RocError naming the input (`what`) when a part of it cannot be read (malformed
    extensions or names, a public key of an unknown type): never an exception of the crypto library."""
    what = what or "certificate %s" % describe(cert)
    try:
        return _facts(cert, now or utcnow(), what)
    except RocError:
        raise
    except Exception as exc:
        raise RocError("%s: the certificate cannot be read (%s: %s)" % (what, type(exc).__name__, exc))


def _facts(cert, now, what):
    after, before = not_valid_after(cert), not_valid_before(cert)
    profile = certificate_profile(cert, what)
    issuer = igc.classify_ca_name(profile["issuer"])
    public_key = cert.public_key()
    return {
        "subject": subject_facts(cert.subject),
        "issuer": dict(subject_facts(cert.issuer), common_name=_first(cert.issuer, NameOID.COMMON_NAME)),
        "serial": "%X" % cert.serial_number,
        "not_before": before.strftime(ISO),
        "not_after": after.strftime(ISO),
        "days_left": days_left(after, now),
        "expired": after < now,
        "not_yet_valid": before > now,
        "sha256": fingerprint_sha256(cert),
        "key_usage": profile["key_usage"] or [],
        "extended_key_usage": profile["extended_key_usage"] or [],
        "policies": policies(cert, what),
        "is_ca": is_ca(cert, what),
        "self_signed": cert.issuer == cert.subject,
        "public_key": {"type": key_type(public_key), "size": key_size(public_key),
                       "sha256": public_key_sha256(public_key)},
        "igc_sante": {
            "known": issuer["known"],
            "range": issuer["range"],
            "environment": issuer["environment"],
            "issuer_ca": issuer["ca"],
        },
    }
