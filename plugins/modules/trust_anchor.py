#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: trust_anchor
short_description: Install CA certificates (IGC-Santé, GIE SESAM-Vitale) as trust anchors
version_added: 1.0.0
description:
  - Installs all the given CA certificates in one call into the system trust store, an application
    PEM bundle, or a Java keystore.
  - Accepts DER, PEM, PEM bundles and PKCS#7 C(.p7b) (PEM or DER); a bundle expands into its CA
    certificates (named C(<name>-1), C(<name>-2), ...), or into the one certificate its O(anchors[].sha256) pins.
  - Refuses, before changing anything, a certificate that is not a CA, an expired CA, and a pin that
    does not match (colon-separated or plain hex, any case).
  - O(store=system) detects the distribution family and uses its layout and update command
    (Debian/Ubuntu C(/usr/local/share/ca-certificates) + C(update-ca-certificates); RHEL family
    C(/etc/pki/ca-trust/source/anchors) + C(update-ca-trust extract); SUSE C(/etc/pki/trust/anchors) +
    C(update-ca-certificates)). The update command runs once, only when something changed; if it
    fails, the anchor files are put back and the module fails with the command's output.
  - O(stores) fills several stores in ONE execution (one round trip per host for the system store,
    the Java keystore and the bundle); when a store fails, the stores already changed by the call
    are put back.
  - A Java keystore in PKCS#12 is read in Python; keytool runs only to change it (or to read a JKS).
  - "Carries for another step: the host check of M(esante.roc.prerequisites) (O(prerequisites)), so that the
    first execution on a host also prepares it (doc fragment C(esante.roc.carries))."
author:
  - esante.roc maintainers (@esante-roc)
extends_documentation_fragment:
  - esante.roc.files
  - esante.roc.carries.host_check
requirements:
  - python3-cryptography >= 3.4 on the target
  - keytool (a Java runtime) on the target for O(store=java)
options:
  anchors:
    description: The CA certificates.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - File name (without suffix) in the system store, alias in a Java keystore, label in a bundle.
          - Letters, digits, C(.), C(_), C(-), starting with a letter or a digit, nothing else (a newline neither).
        type: str
        required: true
      src:
        description: A file on the controller (read by the action plugin).
        type: path
      content:
        description: PEM text, or base64 of DER / PKCS#7.
        type: str
      sha256:
        description: Expected SHA-256 fingerprint of the certificate (colon-separated or plain hex, any case).
        type: str
  state:
    description:
      - Whether the anchors are installed or removed.
      - A file of several certificates is installed as C(<name>-1), C(<name>-2) ...; with V(absent), an anchor given
        by its name only removes C(<name>) and every C(<name>-N) of the store (since 1.3.0).
    type: str
    default: present
    choices: [present, absent]
  store:
    description: Where the anchors go.
    type: str
    default: system
    choices: [system, bundle, java]
  stores:
    description:
      - Several stores in one call, each with its own settings; a setting left out falls back to the
        top-level option of the same name. When given, O(store) is not used; an empty list writes no store
        (the anchors are still checked).
    type: list
    elements: dict
    suboptions:
      store:
        description: The store.
        type: str
        required: true
        choices: [system, bundle, java]
      anchors:
        description: Names (from O(anchors)) that go in this store; all of them when left out.
        type: list
        elements: str
      store_dir:
        description: As the top-level O(store_dir).
        type: path
      update_command:
        description: As the top-level O(update_command).
        type: list
        elements: str
      bundle_path:
        description: As the top-level O(bundle_path).
        type: path
      keystore_path:
        description: As the top-level O(keystore_path).
        type: path
      keystore_password:
        description: As the top-level O(keystore_password).
        type: str
      owner:
        description: As the top-level O(owner).
        type: str
      group:
        description: As the top-level O(group).
        type: str
      mode:
        description: As the top-level O(mode).
        type: raw
  os_family:
    description: Distribution family for O(store=system); V(auto) reads C(/etc/os-release).
    type: str
    default: auto
    choices: [auto, debian, redhat, suse]
  store_dir:
    description: Anchor folder of the system store, instead of the family's.
    type: path
  update_command:
    description: Command that rebuilds the system store, instead of the family's.
    type: list
    elements: str
  bundle_path:
    description: The PEM bundle file for O(store=bundle); it holds exactly the given anchors.
    type: path
  keystore_path:
    description: The Java keystore (PKCS#12) for O(store=java); created when missing.
    type: path
  keystore_password:
    description: Password of the Java keystore.
    type: str
  keytool_path:
    description: The keytool program (name looked up in PATH, or absolute path).
    type: str
    default: keytool
  mode:
    description: Mode of the written files; C(0644) by default.
    type: raw
"""

EXAMPLES = r"""
- name: IGC-Santé and GIE SESAM-Vitale anchors in the system store, in one call
  esante.roc.trust_anchor:
    anchors:
      - name: ACR-EL
        src: files/ACR-EL.cer
        sha256: "2D:9E:22:CA:19:F7:77:C6:B7:45:25:7C:72:3E:CB:8D:F3:C3:5F:A6:F1:F6:EC:36:B8:36:00:C9:73:46:96:7F"
      - name: ACI-EL-ORG
        src: files/ACI-EL-ORG.cer
        sha256: "D8:34:EE:5B:40:68:6B:73:57:3F:60:54:7B:F6:05:2C:6D:40:4D:94:2A:56:65:CD:B2:C0:B9:13:7B:5D:27:B2"
      - name: GIE-AC-SERVEUR
        src: files/AC-SERVEUR.cer

- name: System store, Java truststore (AMC side only) and PEM bundle, in one execution
  esante.roc.trust_anchor:
    anchors:
      - {name: ACR-EL, src: files/ACR-EL.cer}
      - {name: GIE-AC-SERVEUR, src: files/AC-SERVEUR.cer}
    stores:
      - store: system
      - store: java
        anchors: [GIE-AC-SERVEUR]
        keystore_path: /etc/roc/truststore.p12
        keystore_password: "{{ vault_roc_truststore_password }}"
      - store: bundle
        anchors: [GIE-AC-SERVEUR]
        bundle_path: /etc/roc/amc-trust.pem

- name: A truststore holding only the AMC side's CAs, for the Java middleware
  esante.roc.trust_anchor:
    store: java
    keystore_path: /etc/roc/truststore.p12
    keystore_password: "{{ vault_roc_truststore_password }}"
    anchors:
      - name: GIE-AC-SERVEUR
        src: files/AC-SERVEUR.cer
"""

RETURN = r"""
prerequisites:
  description: What the host check found (C(cryptography_version), C(cryptography_problem), C(group), C(gid), C(changed)).
  returned: when prerequisites is given
  type: dict
  version_added: 1.1.0
cryptography_problem:
  description: With O(prerequisites), when cryptography is not usable, the message (the call then fails).
  returned: on that failure
  type: str
  version_added: 1.1.0
anchors:
  description: Per anchor, what was done.
  returned: success
  type: list
  elements: dict
  contains:
    name: {description: Name (or C(<name>-N) for a bundle), type: str, returned: success}
    subject: {description: RFC 4514 subject, type: str, returned: when the certificate was given}
    sha256: {description: SHA-256 fingerprint, type: str, returned: when the certificate was given}
    not_after: {description: End of validity (ISO 8601 UTC), type: str, returned: when the certificate was given}
    path: {description: File (system store) or store path, type: str, returned: success}
    store: {description: "The store: system, bundle or java", type: str, returned: success}
    action:
      description: "none, create, replace, remove, attributes (system, java) or the bundle's action"
      type: str
      returned: success
os_family:
  description: The distribution family used for O(store=system).
  returned: when store=system
  type: str
stores:
  description:
    - Per store, what the call did (C(store), C(changed), and C(os_family), C(store_dir), C(bundle_path)
      or C(keystore_path)).
  returned: success
  type: list
  elements: dict
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_trust, common


def main():
    module = common.new_module(backend_trust.ARGUMENT_SPEC, supports_check_mode=True)
    # with `prerequisites`, the host check runs first and tells a missing cryptography instead of failing
    common.run(module, backend_trust.run, needs_cryptography=not module.params.get("prerequisites"))


if __name__ == "__main__":
    main()
