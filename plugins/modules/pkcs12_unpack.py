#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pkcs12_unpack
short_description: Unpack a PKCS#12 bundle delivered by the IGC-Santé platform
version_added: 1.0.0
description:
  - Opens the password-protected PKCS#12 bundle that the platform delivers when the key is made
    online (seed, step 4; key + certificate + ACI + ACR) and writes the key, the certificate, the
    chain (intermediate then root) and the full chain (leaf then intermediate) on the target.
  - Checks everything before writing anything; the passphrase opens the bundle, the certificate is
    for O(service) and fits O(usage), the key matches the certificate, it is of the O(environment) range and
    not O(revoked), its path leads to one of the anchors given (O(ca_path), O(chain), else the official
    certificates of O(environment)), checked signature by signature, and it is valid today.
  - The bundle's own CA certificates are links of the path, never anchors (a bundle with its own look-alike
    IGC-Santé CAs is refused).
  - The bundle is read on the controller (an ansible-vault encrypted file works) and travels to the
    module in memory; it is never written on the target's disk (unless O(remote_src=true)).
  - Reads legacy (RC2-40, 3DES) and modern (AES, PBKDF2) bundles, as far as the target's
    cryptography and OpenSSL can.
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
      passphrase:
        description: As the top-level O(passphrase); required here or there.
        type: str
      dest:
        description: As the top-level O(dest); required here or there.
        type: path
      privatekey_path:
        description: As the top-level O(privatekey_path).
        type: path
      certificate_path:
        description: As the top-level O(certificate_path).
        type: path
      chain_path:
        description: As the top-level O(chain_path).
        type: path
      fullchain_path:
        description: As the top-level O(fullchain_path).
        type: path
      combined_path:
        description: As the top-level O(combined_path).
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
      - The bundle file, on the controller (searched like M(ansible.builtin.copy) searches C(src)), or
        on the target with O(remote_src=true).
    type: path
  content:
    description:
      - The bundle as base64. Filled in from O(src) by the action plugin; give it directly only when the
        bundle is already in a variable.
    type: str
  remote_src:
    description: Read O(src) on the target instead of the controller.
    type: bool
    default: false
  passphrase:
    description: The bundle's passphrase (chosen at order time on the platform).
    type: str
  dest:
    description: Folder that receives C(<service>.key), C(<service>.crt), C(<service>.chain.pem), C(<service>.fullchain.pem).
    type: path
  privatekey_path:
    description: Path of the key, instead of C(<dest>/<service>.key).
    type: path
  certificate_path:
    description: Path of the certificate, instead of C(<dest>/<service>.crt).
    type: path
  chain_path:
    description: Path of the chain, instead of C(<dest>/<service>.chain.pem).
    type: path
  fullchain_path:
    description: Path of the full chain, instead of C(<dest>/<service>.fullchain.pem).
    type: path
  combined_path:
    description:
      - Also write the key, the certificate and the intermediates in ONE PEM file (mode as the key's), for
        middleware that reads a combined file. Being one file, it is replaced atomically, so a reader sees the
        old key and certificate or the new ones, never a mix (what a renewal swap needs).
    type: path
  service:
    description:
      - The expected CN, for example C(Client_ROC_Annuaire_AMC); a bundle for another service is refused.
        Also names the files in O(dest). Without it the CN of the certificate names them; such a CN must be a
        plain name (letters, digits, C(.), C(_), C(-), not starting with C(.) or C(-)), else the bundle is refused.
      - A file path computed in O(dest) must stay in O(dest) once symbolic links are resolved, else the call is
        refused.
    type: str
  chain:
    description:
      - Trust anchors (the ACI, the ACR) as files on the controller or as PEM content (or base64 of DER /
        PKCS#7), with O(ca_path) the only certificates trusted (see O(ca_path)).
    type: list
    elements: str
    default: []
    version_added: 1.2.0
  key_passphrase:
    description: Keep the key encrypted at rest with this passphrase (PKCS#8, best available encryption).
    type: str
  mode:
    description:
      - Mode of the key file (octal string). Defaults to C(0600) for a new key.
      - A mode that lets other users read the key, or its group write it, or with setuid, setgid or sticky bits, is
        refused (since 1.3.0); a folder made for key material (the key, O(combined_path), O(keystore_path)) is made
        C(0700), C(0750) with O(group).
      - A bundle whose certificate or CA certificates are signed with MD2, MD4, MD5 or SHA-1 is refused (an anchor's
        own signature is not looked at) (since 1.3.0).
    type: raw
  cert_mode:
    description: Mode of the certificate, chain and full chain files.
    type: raw
    default: "0644"
seealso:
  - module: esante.roc.certificate_info
  - module: esante.roc.certificate
"""

EXAMPLES = r"""
- name: Unpack the AMC directory client bundle (the p12 file may be vault-encrypted)
  esante.roc.pkcs12_unpack:
    src: files/asip-p12-EL-ORG-AUTH_CLI-20260101-120000.p12
    passphrase: "{{ vault_roc_p12_passphrase }}"
    dest: /etc/roc/Client_ROC_Annuaire_AMC
    service: Client_ROC_Annuaire_AMC
    usage: auth_cli
    environment: production   # the anchors: the collection's official ACR and ACI of the production range
    group: roc

- name: Unpack with the anchors given, refusing a revoked certificate
  esante.roc.pkcs12_unpack:
    src: files/asip-p12-EL-ORG-SIGN-20260101-120000.p12
    passphrase: "{{ vault_roc_p12_passphrase }}"
    dest: /etc/roc/Client_ROC_WebServices_AMC
    service: Client_ROC_WebServices_AMC
    usage: sign
    environment: production
    chain:
      - files/ACI-EL-ORG.cer
      - files/ACR-EL.cer
    revoked:
      - serial: 11:20:AB:CD:EF
        date: "2026-03-01"
        reason: key lost
        record: orders/chu-dijon/revocations.json
"""

RETURN = r"""
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
  sample:
    privatekey: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.key
    certificate: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.crt
    chain: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.chain.pem
    fullchain: /etc/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.fullchain.pem
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
    module = common.new_module(backend_install.PKCS12_ARGUMENT_SPEC, supports_check_mode=True,
                               mutually_exclusive=[("content", "remote_src")])
    common.run(module, backend_install.run_pkcs12_unpack)


if __name__ == "__main__":
    main()
