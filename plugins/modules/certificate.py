#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: certificate
short_description: Install an ORG certificate issued against a CSR made on site
version_added: 1.0.0
description:
  - Installs the certificate that the IGC-Santé platform issued for a CSR made by M(esante.roc.csr),
    next to its private key, with its chain and full chain when asked.
  - Nothing is written unless the certificate matches the key at O(privatekey_path), is for
    O(service), fits O(usage), is of the O(environment) range and not O(revoked), its path leads to one of the
    anchors given (O(chain), O(ca_path), else the official certificates of O(environment)), checked signature
    by signature, and it is valid today.
  - Certificates after the leaf in its file are links of the path, never anchors (a leaf from a CA appended to
    its own file is refused).
  - "Carries for another step: the middleware's keystores and configuration files (O(keystore_path),
    O(config_files)), written in the same commit as the material (doc fragment C(esante.roc.carries))."
author:
  - esante.roc maintainers (@esante-roc)
extends_documentation_fragment:
  - esante.roc.items
  - esante.roc.files
  - esante.roc.service
  - esante.roc.carries.middleware
  - esante.roc.trust
requirements:
  - python3-cryptography >= 3.4 on the target
options:
  items:
    # description, type and elements: doc fragment esante.roc.items
    suboptions:
      src:
        description: As the top-level O(src).
        type: path
      content:
        description: As the top-level O(content).
        type: str
      path:
        description: As the top-level O(path); required here or there.
        type: path
      privatekey_path:
        description: As the top-level O(privatekey_path); required here or there.
        type: path
      privatekey_content:
        description: As the top-level O(privatekey_content).
        type: str
      chain_path:
        description: As the top-level O(chain_path).
        type: path
      fullchain_path:
        description: As the top-level O(fullchain_path).
        type: path
      combined_path:
        description: As the top-level O(combined_path).
        type: path
      next_privatekey_path:
        description: As the top-level O(next_privatekey_path).
        type: path
      next_csr_path:
        description: As the top-level O(next_csr_path).
        type: path
      keystore_path:
        description: As the top-level O(keystore_path).
        type: path
        version_added: 1.1.0
      keystore_alias:
        description: As the top-level O(keystore_alias).
        type: str
        version_added: 1.1.0
      service:
        description: As the top-level O(service).
        type: str
      usage:
        description: As the top-level O(usage).
        type: str
        choices: [auth_cli, sign, conf]
  src:
    description:
      - The certificate file on the controller (PEM, DER or PKCS#7). Extra certificates in it are candidate links
        of the path to an anchor, never anchors.
    type: path
  content:
    description: The certificate as PEM text, or base64 of DER / PKCS#7. Filled in from O(src) by the action plugin.
    type: str
  path:
    description: Where the certificate goes on the target (PEM).
    type: path
  privatekey_path:
    description:
      - The private key on the target that the certificate must match.
      - A key file used as it is (not given in O(privatekey_content)) must be root's (or O(owner)'s), with a mode that
        lets no other user read it and neither its group nor others write it (no setuid, setgid or sticky bit), else
        it is refused naming it (since 1.3.0); so is a waiting key at O(next_privatekey_path).
      - Certificates signed with MD2, MD4, MD5 or SHA-1, the certificate or a CA of its path (an anchor's own
        signature is not looked at), are refused (since 1.3.0).
    type: path
  privatekey_passphrase:
    description: Passphrase of the private key.
    type: str
  privatekey_content:
    description:
      - The private key (PEM) to write at O(privatekey_path) together with the certificate, in the same
        atomic commit. For a structure whose servers share one key made on one of them (middleware
        cluster); the key travels in memory and is never logged.
    type: str
  chain:
    description:
      - Trust anchors (the ACI, the ACR) as files on the controller or as PEM content (or base64 of DER /
        PKCS#7). With O(ca_path), the only certificates trusted, the certificate's path must lead to one of them
        (see O(ca_path)).
    type: list
    elements: str
    default: []
  chain_path:
    description: Where to write the chain (issuer first).
    type: path
  fullchain_path:
    description: Where to write the full chain (leaf then intermediates).
    type: path
  combined_path:
    description:
      - Also write the key, the certificate and the intermediates in ONE PEM file (mode as the key's), for
        middleware that reads a combined file. Being one file, it is replaced atomically, so a reader sees the
        old key and certificate or the new ones, never a mix (what a renewal swap needs).
    type: path
  next_privatekey_path:
    description:
      - Renewal. Where the renewal key waits (made by M(esante.roc.csr) next to the live key). When the
        certificate belongs to that key, the key replaces O(privatekey_path) in the same commit as the
        certificate, the chain and O(combined_path), and leaves its waiting place; the replaced key is
        kept aside when O(backup=true). When the certificate belongs to the live key, the waiting key is
        left alone.
    type: path
  next_csr_path:
    description: Renewal. The renewal CSR on the target, removed with the waiting key when the swap is made.
    type: path
  mode:
    description:
      - Mode of the key material written (O(privatekey_content), O(combined_path), O(keystore_path)), octal
        string; C(0600) when not given. The same meaning as in M(esante.roc.csr) and M(esante.roc.pkcs12_unpack).
      - A mode that lets other users read key material, or its group write it, or with setuid, setgid or sticky
        bits, is refused (since 1.3.0); a folder made for key material is made C(0700), C(0750) with O(group).
      - Deprecated meaning, until 2.0.0, when O(cert_mode) is not given, O(mode) is also the mode of the
        certificate, chain and full chain files (a deprecation warning says so).
    type: raw
  cert_mode:
    description:
      - Mode of the certificate, chain and full chain files (octal string); C(0644) for new files, an existing
        file's mode kept when not given. When not given, O(mode) is used for them (deprecated, see O(mode)).
    type: raw
    version_added: 1.5.0
seealso:
  - module: esante.roc.csr
"""

EXAMPLES = r"""
- name: Install the issued AMC directory certificate
  esante.roc.certificate:
    src: "orders/chu-dijon/Client_ROC_Annuaire_AMC.crt"
    chain:
      - files/ACI-EL-ORG.cer
    environment: production
    path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.crt
    fullchain_path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.fullchain.pem
    privatekey_path: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.key
    service: Client_ROC_Annuaire_AMC
    usage: auth_cli
"""

RETURN = r"""
renewed:
  description: Whether the renewal key waiting at O(next_privatekey_path) became the live key.
  returned: success
  type: bool
item_results:
  description:
    - With O(items), one result per item in the same order, holding what the top-level call returns for one
      service (without C(backup_files) and C(diff), which cover the whole call) and its own C(changed).
  returned: when items is given
  type: list
  elements: dict
files:
  description: What went where.
  returned: success
  type: dict
certificate:
  description: Facts about the certificate, as M(esante.roc.certificate_info) returns them.
  returned: success
  type: dict
chain:
  description: Subjects of the chain, issuer first.
  returned: success
  type: list
  elements: str
keystore:
  description: The keystore written with the material (path, alias, entries).
  returned: when keystore_path is given
  type: dict
  version_added: 1.1.0
config_files:
  description:
    - The configuration files given in O(config_files), each with what was done
      (C(none), C(create), C(replace), C(attributes)).
  returned: when config_files is given
  type: list
  elements: dict
  version_added: 1.1.0
backup_files:
  description: Replaced files kept aside, by path.
  returned: success
  type: dict
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_install, common


def main():
    module = common.new_module(backend_install.CERTIFICATE_ARGUMENT_SPEC, supports_check_mode=True)
    common.run(module, backend_install.run_certificate)


if __name__ == "__main__":
    main()
