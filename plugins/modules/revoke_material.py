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
    service in C(<certs_dir>/<service>/) - key, certificate, chain, full chain, combined file, keystore,
    CSR, pending renewal key, the install record and every backup - in one execution, then the folder
    when it is empty. Key material is kept aside only with O(keep_backup=true).
  - Nothing is followed. A symbolic link at C(<certs_dir>/<service>) or above it, or anything but a
    regular file in the folder (a link, a sub-folder, a FIFO...), is refused, naming it, before
    anything is removed.
  - Returns the facts of every certificate it removed (serial, fingerprint, dates), read before
    removal, for the revocation record.
  - Revocation itself is done on the IGC-Santé platform (the esante.roc.revoke playbook writes the checklist).
author:
  - esante.roc maintainers (@esante-roc)
attributes:
  check_mode:
    description: Lists what would be removed.
    support: full
  diff_mode:
    description: Shows the removed files; key material (decided by content, whatever the file's name) is never shown.
    support: full
options:
  service:
    description:
      - The service name, for example C(Client_ROC_Annuaire_AMC). The whole value must be a name (letters,
        digits, C(.), C(_), C(-), starting with a letter or digit).
    type: str
    required: true
  certs_dir:
    description: Folder of the services' material.
    type: path
    default: /etc/roc
  keep_backup:
    description:
      - Keep every file holding key material (decided by content - the key, the combined file, the
        keystore, the renewal key and their backups) aside as C(<name>.<timestamp>~), C(0600), root's,
        instead of destroying it; everything else is removed.
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
certificates:
  description:
    - The facts of every certificate file removed (or that check mode would remove), read before
      removal - what a revocation record keeps. A file that holds no certificate (a key, a keystore,
      the install record) is not listed.
    - Each entry is the facts of the file's first certificate (as esante.roc.certificate_info returns
      them) and its C(path).
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: The file removed.
      type: str
    serial:
      description: Serial number of the certificate.
      type: str
    sha256:
      description: SHA-256 fingerprint of the certificate.
      type: str
    not_before:
      description: Start of validity.
      type: str
    not_after:
      description: End of validity.
      type: str
    subject:
      description: The subject's fields.
      type: dict
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_revoke, common


def main():
    module = common.new_module(backend_revoke.ARGUMENT_SPEC, supports_check_mode=True)
    common.run(module, backend_revoke.run)


if __name__ == "__main__":
    main()
