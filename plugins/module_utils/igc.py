# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that knows the IGC-Santé profile used by ROC.

Service names (seed, step 3), the usage of each ORG certificate, the CA names of the production
and test ranges, the subject DN of an ORG certificate, and the checks that a certificate fits the profile.

Plain Python, no cryptography: the checks judge what loader_certificates.certificate_profile reads of a certificate
(names and usages as plain data), the subject DN is a list of (attribute, value) pairs that
loader_certificates.x509_name encodes. The controller's inventory model (plugin_utils/structures.py) uses this
file's names, usages and DN rules in every forked worker without importing cryptography.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError


SERVICE_ANNUAIRE = "Client_ROC_Annuaire_AMC"
SERVICE_WEBSERVICES = "Client_ROC_WebServices_AMC"
DEFAULT_SERVICES = {SERVICE_ANNUAIRE: "auth_cli", SERVICE_WEBSERVICES: "sign"}
USAGES = ("auth_cli", "sign", "conf")
RANGES = ("ELEMENTAIRE", "STANDARD", "FORT")
CA_ORGANIZATION = "ASIP-SANTE"
CA_OU_PRODUCTION = "IGC-SANTE"
CA_OU_TEST = "IGC-SANTE TEST"


def _known_ca_names():
    names = {}
    for rng in RANGES:
        names["AC RACINE IGC-SANTE %s" % rng] = (rng, "root")
        for population in ("PERSONNES", "ORGANISATIONS"):
            names["AC IGC-SANTE %s %s" % (rng, population)] = (rng, "intermediate")
    return names


KNOWN_CA_NAMES = _known_ca_names()


def classify_ca_name(name):
    """Facts about a name seen as an IGC-Santé CA (plain data: loader_certificates.name_values): known, range,
    environment, role."""
    cn = (name.get("CN") or [""])[0]
    orgs, ous = name.get("O") or [], name.get("OU") or []
    environment = None
    if CA_OU_TEST in ous:
        environment = "test"
    elif CA_OU_PRODUCTION in ous:
        environment = "production"
    base_cn = cn[len("TEST "):] if cn.startswith("TEST ") else cn
    if cn.startswith("TEST ") and environment == "production":
        environment = "test"
    known = CA_ORGANIZATION in orgs and environment is not None and base_cn in KNOWN_CA_NAMES
    rng, role = KNOWN_CA_NAMES.get(base_cn, (None, None))
    return {"known": known, "ca": cn, "range": rng if known else None,
            "environment": environment if known else None, "role": role if known else None}


# an extended key usage made only of these limits the key to TLS: such a certificate authenticates, it does not sign
TLS_ONLY_EKU = frozenset(("clientAuth", "serverAuth"))


def usage_problem(profile, usage):
    """None when the certificate's key usage / extended key usage (`profile`: loader_certificates.
    certificate_profile) fit the ORG usage, else why not.

    auth_cli (mutual-TLS client): KeyUsage present with digitalSignature AND ExtendedKeyUsage present with
    clientAuth (anyExtendedKeyUsage accepted too: it allows every purpose, clientAuth included).
    sign (SAML signature): KeyUsage present with nonRepudiation or digitalSignature; an ExtendedKeyUsage made only
    of TLS purposes (clientAuth, serverAuth) is refused: that is an authentication certificate.
    conf: KeyUsage present with keyEncipherment, dataEncipherment or keyAgreement."""
    if usage not in USAGES:
        return "usage must be one of %s, not '%s'" % (", ".join(USAGES), usage)
    ku, eku = profile["key_usage"], profile["extended_key_usage"]
    ku_text = ", ".join(ku) if ku else "none"
    eku_text = ", ".join(eku) if eku else "none"
    if usage == "auth_cli":
        if ku is None or "digitalSignature" not in ku:
            return "usage auth_cli needs key usage digitalSignature (the certificate has: %s)" % ku_text
        if eku is None or not {"clientAuth", "anyExtendedKeyUsage"} & set(eku):
            return "usage auth_cli needs extended key usage clientAuth (the certificate has: %s)" % eku_text
    elif usage == "sign":
        if ku is None or not {"nonRepudiation", "digitalSignature"} & set(ku):
            return "usage sign needs key usage nonRepudiation or digitalSignature (the certificate has: %s)" % ku_text
        if eku is not None and set(eku) <= TLS_ONLY_EKU:
            return ("usage sign needs key usage nonRepudiation, or digitalSignature without an extended key usage "
                    "limited to TLS (the certificate has key usage %s, extended key usage %s: an authentication "
                    "certificate)" % (ku_text, eku_text))
    elif usage == "conf":
        if ku is None or not {"keyEncipherment", "dataEncipherment", "keyAgreement"} & set(ku):
            return "usage conf needs key usage keyEncipherment or dataEncipherment (the certificate has: %s)" % ku_text
    return None


def environment_problem(profile, environment):
    """None when the certificate's issuer is an IGC-Santé CA of `environment` (production | test), else why not."""
    if not environment:
        return None
    issuer = classify_ca_name(profile["issuer"])
    if not issuer["known"]:
        return "the certificate's issuer %s is not an IGC-Santé CA; this structure is %s" % (
            profile["issuer_text"], environment)
    if issuer["environment"] != environment:
        return "the certificate is from the IGC-Santé %s range (issuer %s); this structure is %s" % (
            issuer["environment"], issuer["ca"], environment)
    return None


def service_problem(profile, service):
    """None when the certificate's CN is the expected service name, else why not."""
    if service is None:
        return None
    cn = (profile["subject"].get("CN") or [None])[0]
    if cn != service:
        return "the certificate is for service '%s', not '%s'" % (cn, service)
    return None


# ------------------------------------------------------------------------------- the subject DN
# the OU of an ORG certificate: the identifier type digit, then the identifier (1 FINESS, 2 SIREN, 3 SIRET)
OU_TYPE_DIGITS = {"finess": "1", "siren": "2", "siret": "3"}


def subject_fields(organization, structure_id, state_province=None, country="FR"):
    """The fields of an ORG certificate's subject but its CN (the service): country, state_province,
    organization, structure_id (the OU: ou_value of a validated identifier)."""
    return {"country": country or "FR", "state_province": state_province, "organization": organization,
            "structure_id": structure_id}


def ou_value(kind, identifier):
    """The OU of an ORG certificate: the type digit of `kind` (finess, siren, siret) then the identifier, which
    the caller has validated (plugin_utils/identifiers.py)."""
    return OU_TYPE_DIGITS[kind] + identifier


# RFC 5280 upper bounds (ub-common-name, ub-organization-name, ub-organizational-unit-name, ub-state-name), counted
# in UTF-8 bytes as cryptography counts them
_UPPER_BOUNDS = (("service", "CN", 64), ("organization", "O", 64), ("structure_id", "OU", 64),
                 ("state_province", "ST", 128))
_COUNTRY = re.compile(r"[A-Za-z]{2}\Z")
_DIGITS = re.compile(r"[0-9]+\Z")


def subject_attributes(params):
    """The subject DN of an ORG certificate (the CSR of esante.roc.csr) as (attribute, value) pairs in the IGC-Santé
    order C, ST, O, OU (structure_id), CN (service): `params` holds the fields of subject_fields plus `service`.
    Every field is checked here (RocError naming the option); loader_certificates.x509_name encodes it."""
    for option in ("service", "organization", "structure_id"):
        if not (params.get(option) or "").strip():
            raise RocError("%s: must not be empty" % option)
    country = params.get("country") or "FR"
    if not _COUNTRY.match(country):
        raise RocError("country: '%s' is not a two-letter ISO 3166 code (ASCII letters, such as FR)" % country)
    structure_id = params["structure_id"].strip()
    if not _DIGITS.match(structure_id):
        raise RocError("structure_id: '%s' must be the identifier type digit followed by the identifier "
                       "(ASCII digits only, e.g. 1 + FINESS)" % structure_id)
    for option, attribute, bound in _UPPER_BOUNDS:
        value = structure_id if option == "structure_id" else params.get(option)
        if value and len(value.encode("utf-8")) > bound:
            raise RocError("%s: '%s...' is %d bytes long (UTF-8); the %s of a certificate holds at most %d" % (
                option, value[:32], len(value.encode("utf-8")), attribute, bound))
    attributes = [("C", country.upper())]
    if params.get("state_province"):
        attributes.append(("ST", params["state_province"]))
    return attributes + [("O", params["organization"]), ("OU", structure_id), ("CN", params["service"])]
