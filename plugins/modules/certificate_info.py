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
certificates:
  description: With O(certificates), one dict per entry (name, path, present, and the facts above or error).
  returned: when certificates is given
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.esante.roc.plugins.module_utils import backend_info, common


def main():
    module = AnsibleModule(argument_spec=backend_info.ARGUMENT_SPEC, supports_check_mode=True,
                           required_one_of=[("path", "content", "certificates")],
                           mutually_exclusive=[("path", "content", "certificates")])
    common.run(module, backend_info.run)


if __name__ == "__main__":
    main()
