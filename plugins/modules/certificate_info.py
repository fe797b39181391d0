#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: certificate_info
short_description: Read-only facts about a certificate (IGC-Santé aware)
version_added: 1.0.0
description:
  - Reads a certificate on the target (O(path)) or given as O(content), in PEM, DER or PKCS#7, and
    returns its subject split along the IGC-Santé ORG profile, its dates, usages, fingerprint and
    whether its issuer is a known IGC-Santé CA (range and environment).
  - With O(privatekey_path), also tells whether the key matches the certificate.
  - Of a file holding several certificates, the first one is described.
  - With O(crls), also tells whether a CRL of its issuer revokes it (RV(revocation)).
  - An input that cannot be read (not a certificate, malformed extensions, an unsupported algorithm, a CRL whose
    signature does not verify) fails the call with a message naming it; with O(certificates), it gives that
    entry an C(error) and the other entries are still reported.
author:
  - esante.roc maintainers (@esante-roc)
requirements:
  - python3-cryptography >= 3.4 on the target
attributes:
  check_mode:
    description: Predicts the changes and writes nothing.
    support: full
  diff_mode:
    description: Not applicable.
    support: none
    details: Changes nothing.
options:
  path:
    description: Certificate file on the target.
    type: path
  content:
    description: Certificate as PEM text or base64 of DER / PKCS#7.
    type: str
  privatekey_path:
    description: A private key on the target to compare with the certificate.
    type: path
  privatekey_passphrase:
    description: Passphrase of the private key.
    type: str
  chain_path:
    description:
      - CA certificates on the target (the issuer's certificate, to verify the CRLs of O(crls)), besides the
        certificates after the first one in the file described. Also the default of O(certificates[].chain_path).
    type: path
    version_added: 1.2.0
  crls:
    description:
      - CRLs the operator provides, for every certificate described, as files on the controller (PEM or DER) or as
        content (PEM, one or more C(X509 CRL) blocks, or base64 of DER).
      - A CRL counts for a certificate when its issuer name is the certificate's issuer; when the
        issuer's certificate is at hand (the file's chain, O(chain_path)), its signature must verify with it, else
        the certificate gets an error (never a silent pass).
      - Each certificate's facts then hold RV(revocation).
    type: list
    elements: str
    version_added: 1.2.0
  certificates:
    description:
      - Many certificates in one execution (a fleet report costs one round trip per host). Each entry's
        facts come back in RV(certificates); a missing file gives C(present=false), an unreadable one an
        C(error), and the others are still read.
    type: list
    elements: dict
    suboptions:
      name:
        description: A label (the service name).
        type: str
        required: true
      path:
        description: Certificate file on the target.
        type: path
        required: true
      privatekey_path:
        description: Its private key, to tell C(privatekey_match).
        type: path
      chain_path:
        description: As the top-level O(chain_path), for this entry.
        type: path
        version_added: 1.2.0
  privatekey_passphrases:
    description: Passphrases of the keys of O(certificates), by name.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Facts about the installed AMC directory certificate
  esante.roc.certificate_info:
    path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.crt
    privatekey_path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.key
  register: roc_cert

- name: Warn a month ahead, as the platform does
  ansible.builtin.debug:
    msg: "{{ roc_cert.subject.service }} expires in {{ roc_cert.days_left }} days"
  when: roc_cert.days_left < 31
"""

RETURN = r"""
subject:
  description: The subject, with the fields of the ORG profile.
  returned: success
  type: dict
  contains:
    rfc4514: {description: RFC 4514 string, type: str, returned: success}
    country: {description: C, type: str, returned: success}
    state_province: {description: ST, type: str, returned: success}
    organization: {description: O, type: str, returned: success}
    structure_id: {description: OU (identifier type digit + identifier) when there is one OU, type: str, returned: success}
    service: {description: CN, type: str, returned: success}
issuer:
  description: The issuer, same fields plus common_name.
  returned: success
  type: dict
serial:
  description: Serial number, hex.
  returned: success
  type: str
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: success
  type: str
  sample: "2021-12-23T13:06:17Z"
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: success
  type: str
days_left:
  description: Whole days until not_after (negative once expired).
  returned: success
  type: int
expired:
  description: Whether not_after is past.
  returned: success
  type: bool
sha256:
  description: SHA-256 fingerprint of the certificate, colon-separated upper-case hex.
  returned: success
  type: str
key_usage:
  description: Key usage names (digitalSignature, nonRepudiation, ...).
  returned: success
  type: list
  elements: str
extended_key_usage:
  description: Extended key usage names (clientAuth, emailProtection, ...) or dotted OIDs.
  returned: success
  type: list
  elements: str
policies:
  description: Certificate policy OIDs.
  returned: success
  type: list
  elements: str
igc_sante:
  description: Whether the issuer is a known IGC-Santé CA, its range and environment.
  returned: success
  type: dict
  sample: {known: true, range: ELEMENTAIRE, environment: test, issuer_ca: TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS}
privatekey_match:
  description: Whether O(privatekey_path) holds the certificate's key.
  returned: when privatekey_path is given
  type: bool
revocation:
  description: With O(crls), what the CRLs of the certificate's issuer say about it.
  returned: when crls is given
  type: dict
  version_added: 1.2.0
  contains:
    checked: {description: Whether a CRL of the certificate's issuer was given, type: bool, returned: always}
    revoked: {description: Whether that CRL lists the certificate's serial, type: bool, returned: always}
    date: {description: Revocation date (ISO 8601 UTC) when revoked, type: str, returned: always}
    reason:
      description: Revocation reason (for example keyCompromise or superseded) when the CRL gives one.
      type: str
      returned: always
    crl_issuer: {description: Issuer of the CRL used (RFC 4514), type: str, returned: always}
    crl_next_update: {description: The CRL's next update (ISO 8601 UTC), type: str, returned: always}
    crl_stale: {description: Whether that next update is past (a newer CRL should be fetched), type: bool, returned: always}
    crl_verified:
      description: Whether the CRL's signature was verified with the issuer's certificate (false when it is not at hand).
      type: bool
      returned: always
      version_added: 1.2.0
certificates:
  description: With O(certificates), one dict per entry (name, path, present, and the facts above or error).
  returned: when certificates is given
  type: list
  elements: dict
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_info, common


def main():
    module = common.new_module(backend_info.ARGUMENT_SPEC, supports_check_mode=True,
                               required_one_of=[("path", "content", "certificates")],
                               mutually_exclusive=[("path", "content", "certificates")])
    common.run(module, backend_info.run)


if __name__ == "__main__":
    main()
