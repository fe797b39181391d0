#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: keystore
short_description: A PKCS#12 keystore of a ROC service for Java or .NET middleware
version_added: 1.0.0
description:
  - Writes a password-protected PKCS#12 file holding a service's private key, its certificate and
    chain, under the alias O(alias) (the service name), as Java (C(keytool), C(KeyStore.getInstance("PKCS12")))
    and .NET read it.
  - Rewritten only when the key, certificate, chain or alias differ (the file's salts change at every
    write, so the content is compared, not the bytes).
extends_documentation_fragment:
  - esante.roc.items
  - esante.roc.files
requirements:
  - python3-cryptography >= 3.4 on the target
author:
  - esante.roc maintainers (@esante-roc)
options:
  items:
    # description, type and elements: doc fragment esante.roc.items
    suboptions:
      path:
        description: As the top-level O(path); required here or there.
        type: path
      alias:
        description: As the top-level O(alias); required here or there.
        type: str
      privatekey_path:
        description: As the top-level O(privatekey_path); required here or there.
        type: path
      certificate_path:
        description: As the top-level O(certificate_path); required here or there.
        type: path
      chain_path:
        description: As the top-level O(chain_path).
        type: path
  path:
    description: The keystore file.
    type: path
  alias:
    description: Alias (friendly name) of the entry, for example C(Client_ROC_Annuaire_AMC).
    type: str
  passphrase:
    description: Password of the keystore.
    type: str
    required: true
  privatekey_path:
    description:
      - The service's private key on the target.
      - It must be root's (or O(owner)'s), with a mode that lets no other user read it and neither its group nor
        others write it (no setuid, setgid or sticky bit), else it is refused naming it (since 1.3.0).
    type: path
  privatekey_passphrase:
    description: Passphrase of the private key.
    type: str
  certificate_path:
    description: The service's certificate on the target.
    type: path
  chain_path:
    description: CA certificates to add after the certificate (intermediate then root).
    type: path
  mode:
    description:
      - Mode of the keystore; C(0600) for a new one. A mode that lets other users read it, or its group write it, or
        with setuid, setgid or sticky bits, is refused (since 1.3.0); a folder made for it is made C(0700), C(0750)
        with O(group).
    type: raw
"""

EXAMPLES = r"""
- name: Keystore of the AMC directory client for the Java middleware
  esante.roc.keystore:
    path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.p12
    alias: Client_ROC_Annuaire_AMC
    passphrase: "{{ vault_roc_keystore_password }}"
    privatekey_path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.key
    certificate_path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.crt
    chain_path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.chain.pem
    group: roc
"""

RETURN = r"""
item_results:
  description:
    - With O(items), one result per item in the same order, holding what the top-level call returns for one
      service (without C(backup_files) and C(diff), which cover the whole call) and its own C(changed).
  returned: when items is given
  type: list
  elements: dict
path:
  description: The keystore.
  returned: success
  type: str
alias:
  description: The entry's alias.
  returned: success
  type: str
entries:
  description: Number of certificates in the keystore (certificate + chain).
  returned: success
  type: int
backup_files:
  description: Replaced files kept aside, by path.
  returned: success
  type: dict
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_keystore, common


def main():
    module = common.new_module(backend_keystore.ARGUMENT_SPEC, supports_check_mode=True)
    common.run(module, backend_keystore.run)


if __name__ == "__main__":
    main()
