#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: csr
short_description: Make (or keep) the private key of a ROC service and write its CSR
version_added: 1.0.0
description:
  - Keeps the private key at O(privatekey_path) or makes a new RSA key when there is none, then writes
    the certificate signing request (CSR) to upload on the IGC-Santé platform when ordering an ORG
    certificate (seed, step 4, "charger son CSR").
  - The subject follows the IGC-Santé ORG profile
    C=<country>, ST=<state_province>, O=<organization>, OU=<structure_id>, CN=<service>.
  - An existing key is never silently replaced; a key that cannot be read or does not open with
    O(privatekey_passphrase) is an error. The CSR is rewritten only when its subject or key differs.
  - An existing key that others may know is never adopted (an error names it) - a file owned by another
    user than root or O(owner), or one whose mode lets other users read it or its group write it (since 1.3.0).
    Remove it or use O(regenerate=always).
  - Files are written atomically (temporary file in the same folder, then rename) with their owner,
    group and mode set before the first byte; a replaced key is kept aside when O(backup=true).
author:
  - esante.roc maintainers (@esante-roc)
extends_documentation_fragment:
  - esante.roc.items
  - esante.roc.files
requirements:
  - python3-cryptography >= 3.4 on the target
options:
  items:
    # description, type and elements: doc fragment esante.roc.items
    suboptions:
      privatekey_path:
        description: As the top-level O(privatekey_path); required here or there.
        type: path
      csr_path:
        description: As the top-level O(csr_path); required here or there.
        type: path
      service:
        description: As the top-level O(service); required here or there.
        type: str
  privatekey_path:
    description: Path of the private key on the target (PEM, PKCS#8).
    type: path
  csr_path:
    description: Path of the CSR on the target (PEM).
    type: path
  service:
    description:
      - The service name, which becomes the CN, for example C(Client_ROC_Annuaire_AMC) or
        C(Client_ROC_WebServices_AMC) (seed, step 3). At most 64 bytes (UTF-8), as a CN.
    type: str
  organization:
    description: Legal name of the structure (O).
    type: str
    required: true
  structure_id:
    description:
      - The OU of the ORG profile, the identifier type digit followed by the identifier, for example
        C(1) + FINESS (C(1210780581)) or C(3) + SIRET.
    type: str
    required: true
  state_province:
    description: The département with its number (ST), for example C(Côte-d'Or (21)).
    type: str
  country:
    description: Two-letter country code (C).
    type: str
    default: FR
  key_size:
    description: Size in bits of a new RSA key.
    type: int
    default: 2048
    choices: [2048, 3072, 4096]
  privatekey_passphrase:
    description: Passphrase that encrypts the key at rest (and opens an existing one).
    type: str
  regenerate:
    description:
      - V(never) keeps an existing key; V(always) makes a new key (and CSR) on every run, for renewal.
    type: str
    default: never
    choices: [never, always]
  mode:
    description:
      - Mode of the key file (octal string), C(0600) when not given, whatever mode an existing file had.
      - A mode that lets other users read the key (any bit of C(0007)) is refused; so is one that lets the group
        write it, or with setuid, setgid or sticky bits (any bit of C(7020), since 1.3.0).
    type: raw
  csr_mode:
    description: Mode of the CSR file.
    type: raw
    default: "0644"
seealso:
  - module: esante.roc.certificate
  - module: esante.roc.pkcs12_unpack
"""

EXAMPLES = r"""
- name: Key and CSR of the AMC directory client certificate
  esante.roc.csr:
    privatekey_path: /etc/roc/private/Client_ROC_Annuaire_AMC.key
    csr_path: /etc/roc/csr/Client_ROC_Annuaire_AMC.csr
    service: Client_ROC_Annuaire_AMC
    organization: CHU DE DIJON
    state_province: "Côte-d'Or (21)"
    structure_id: "1210780581"
    group: roc
  register: roc_csr

- name: Bring the CSR back to the controller to upload it on the platform
  ansible.builtin.copy:
    content: "{{ roc_csr.csr }}"
    dest: "orders/{{ inventory_hostname }}/Client_ROC_Annuaire_AMC.csr"
    mode: "0644"
  delegate_to: localhost
"""

RETURN = r"""
item_results:
  description:
    - With O(items), one result per item in the same order, holding what the top-level call returns for one
      service (without C(backup_files) and C(diff), which cover the whole call) and its own C(changed).
  returned: when items is given
  type: list
  elements: dict
csr:
  description: The CSR in PEM (null in check mode when a key would be made).
  returned: success
  type: str
subject:
  description: The CSR subject as an RFC 4514 string.
  returned: success
  type: str
  sample: CN=Client_ROC_Annuaire_AMC,OU=1210780581,O=CHU DE DIJON,ST=Côte-d'Or (21),C=FR
public_key_sha256:
  description: SHA-256 of the public key (SubjectPublicKeyInfo DER), colon-separated hex.
  returned: success
  type: str
privatekey_created:
  description: Whether a new key was made.
  returned: success
  type: bool
csr_created:
  description: Whether a new CSR was written.
  returned: success
  type: bool
backup_files:
  description: Replaced files kept aside, by path.
  returned: success
  type: dict
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_csr, common


def main():
    module = common.new_module(backend_csr.ARGUMENT_SPEC, supports_check_mode=True)
    common.run(module, backend_csr.run)


if __name__ == "__main__":
    main()
