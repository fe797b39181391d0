#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: revoke_material
short_description: Remove a revoked service's key material from a host
version_added: 1.0.0
description:
  - For a certificate made with errors, lost or stolen (seed, "Cycle de vie"), removes every file of the
    service in C(<certs_dir>/<service>/) - key, certificate, chain, full chain, keystore, CSR, pending
    renewal key - and the backups of its key, in one execution. The key is kept aside only with
    O(keep_backup=true).
  - Revocation itself is done on the IGC-Santé platform (the esante.roc.revoke playbook writes the checklist).
author:
  - esante.roc maintainers (@esante-roc)
attributes:
  check_mode:
    description: Lists what would be removed.
    support: full
  diff_mode:
    description: Shows the removed files; key material is never shown.
    support: full
options:
  service:
    description: The service name, for example C(Client_ROC_Annuaire_AMC).
    type: str
    required: true
  certs_dir:
    description: Folder of the services' material.
    type: path
    default: /etc/roc
  keep_backup:
    description: Keep the key (and keystore) aside as C(<name>.<timestamp>~) instead of destroying it.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The AMC directory certificate was stolen
  esante.roc.revoke_material:
    service: Client_ROC_Annuaire_AMC
"""

RETURN = r"""
removed:
  description: The files removed.
  returned: success
  type: list
  elements: str
folder:
  description: The service's folder (removed when empty).
  returned: success
  type: str
backup_files:
  description: Files kept aside (only with keep_backup).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.esante.roc.plugins.module_utils import backend_revoke, common


def main():
    module = AnsibleModule(argument_spec=backend_revoke.ARGUMENT_SPEC, supports_check_mode=True)
    common.run(module, backend_revoke.run)


if __name__ == "__main__":
    main()
