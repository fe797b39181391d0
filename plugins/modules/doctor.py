#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: doctor
short_description: Is this server ready for ROC? Read-only checks of the deployed material, one execution
version_added: 1.4.0
description:
  - Checks, for each service of O(services), what the install, trust and middleware steps left under O(certs_dir),
    without changing anything on the host.
  - Key, certificate, chain, fullchain, combined file and keystore are present, regular files (never a link or a
    special file), readable by the middleware O(group); a key file readable by every user is an error.
  - The private key matches the certificate; the certificate fits its service (name, usage) and the structure's
    O(environment); its chain verifies signature by signature up to one of O(igc_anchors) (the pinned IGC-Santé ACI
    and ACR of the structure's environment) and the chain file holds the issuing CA; days left (fewer than
    O(renew_days) is a warning).
  - The fullchain and combined file start with the certificate (the combined file with its key); the keystore opens
    with O(keystore_password) and holds the key and certificate under the alias named after the service, with the
    chain.
  - Every store of O(stores) holds the anchors it names (found by SHA-256 fingerprint).
  - The middleware configuration O(config_path) names only files that exist.
  - With O(endpoint), a live mutual-TLS handshake with the Annuaire certificate; a refusal gives its reason (an
    expired or unknown certificate, an untrusted server).
  - The action plugin compares the host's clock with the controller's (RV(clock_skew)); the doctor playbook
    (C(esante.roc.doctor)) adds the structure-wide check (the same certificate on every host) with the filter
    P(esante.roc.doctor_report#filter).
  - The messages a person reads are in French by default (O(language)).
author:
  - esante.roc maintainers (@esante-roc)
requirements:
  - python3-cryptography >= 3.4 on the target (>= 36 to read PKCS#12 truststores and keystore aliases)
attributes:
  check_mode:
    description: Changes nothing, in check mode or not.
    support: full
  diff_mode:
    description: Not applicable.
    support: none
    details: Changes nothing.
options:
  services:
    description: The services to check (as the inventory's structure lists them).
    type: list
    elements: dict
    required: true
    suboptions:
      service:
        description: The service name (folder and files under O(certs_dir)).
        type: str
        required: true
      usage:
        description: Its usage; by default the usage of the standard ROC service of that name.
        type: str
        choices: [auth_cli, sign, conf]
  structure:
    description: The structure's name (the structure-wide check groups hosts by it).
    type: str
  environment:
    description: The structure's IGC-Santé range; a certificate of the other range is an error.
    type: str
    choices: [production, test]
  certs_dir:
    description: Where the install step put the material (C(<certs_dir>/<service>/<service>.key) ...).
    type: path
    default: /etc/roc
  keystores:
    description: Whether each service has a PKCS#12 keystore C(<service>.p12) to check.
    type: bool
    default: true
  keystore_password:
    description: The password the middleware configuration gives for the keystores.
    type: str
    default: ""
  key_passphrase:
    description: Passphrase of the private keys, when they are encrypted.
    type: str
  group:
    description: The middleware's group, which must be able to read every file.
    type: str
    default: roc
  igc_anchors:
    description:
      - The IGC-Santé CA certificates the chains must verify to (PEM text, or C({name, src | content, sha256}) with
        C(src) a controller file); the only anchors trusted. A pin that does not match is an error.
    type: list
    elements: raw
    default: []
  gie_anchors:
    description:
      - The GIE SESAM-Vitale anchors (AC-SERVEUR, AC-SERVICES-APPLICATIFS), same forms as O(igc_anchors); the stores
        name them, and the handshake trusts them when O(endpoint.cafile) is not given.
    type: list
    elements: raw
    default: []
  stores:
    description:
      - The trust stores the middleware uses, and the anchors (names from O(igc_anchors) and O(gie_anchors)) each must
        hold.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: A label for the messages.
        type: str
        required: true
      type:
        description: C(pem) (a bundle), C(pkcs12) (a Java truststore), C(system) (the system's compiled bundle).
        type: str
        required: true
        choices: [pem, pkcs12, system]
      path:
        description: The store's file (for C(system), by default the family's compiled bundle).
        type: path
      password:
        description: The truststore's password (C(pkcs12)).
        type: str
      anchors:
        description: The names of the anchors it must hold.
        type: list
        elements: str
        required: true
  config_path:
    description: The middleware's configuration file; every absolute path it names must exist.
    type: path
  renew_days:
    description: Fewer days left than this is a warning (a renewal to order).
    type: int
    default: 30
  endpoint:
    description: An AMC endpoint for a live mutual-TLS handshake with the Annuaire service's certificate.
    type: dict
    suboptions:
      host:
        description: Host name or address.
        type: str
        required: true
      port:
        description: TCP port.
        type: int
        default: 443
      server_name:
        description: The name the server's certificate must carry (default O(endpoint.host)).
        type: str
      service:
        description: The service whose certificate and key authenticate.
        type: str
        default: Client_ROC_Annuaire_AMC
      cafile:
        description: CA file on the host to verify the server; by default the O(gie_anchors).
        type: path
      timeout:
        description: Seconds to wait for the connection and the handshake.
        type: float
        default: 10.0
  language:
    description: Language of the messages a person reads.
    type: str
    default: fr
    choices: [fr, en]
  max_clock_skew:
    description:
      - Seconds the host's clock may differ from the controller's (the action plugin measures it around the module's
        execution); beyond, TLS and SAML fail and the clock check is an error.
    type: float
    default: 60.0
"""

EXAMPLES = r"""
- name: Is this server ready for ROC?
  esante.roc.doctor:
    structure: chu-dijon
    environment: production
    services:
      - service: Client_ROC_Annuaire_AMC
      - service: Client_ROC_WebServices_AMC
    igc_anchors: "{{ 'production' | esante.roc.igc_anchors }}"
    gie_anchors: "{{ roc_trust_gie_anchors }}"
    stores:
      - {name: amc-trust.pem, type: pem, path: /etc/roc/amc-trust.pem, anchors: [AC-SERVEUR, AC-SERVICES-APPLICATIFS]}
    keystore_password: "{{ roc_middleware_keystore_password }}"
    config_path: /etc/roc/middleware/roc.properties
    endpoint: {host: annuaire.amc.example, port: 443}
  register: roc_doctor

- name: The verdict
  ansible.builtin.debug:
    msg: "{{ roc_doctor.summary }}"
"""

RETURN = r"""
verdict:
  description:
    - The host's verdict, the worst of its checks (C(warning) - a person will have to act; C(error) - ROC does not or
      will not work).
  returned: success
  type: str
  choices: [ok, warning, error]
summary:
  description: The one line a person reads (host, verdict, what is wrong).
  returned: success
  type: str
  sample: "srv-roc-1: OK - 2 service(s) prêt(s) pour ROC, 1093 jours avant la première expiration"
checks:
  description: Every check, with its verdict and message.
  returned: success
  type: list
  elements: dict
  contains:
    check:
      description: The check (file, certificate, key_match, chain, fullchain, keystore, store, configuration, clock, handshake).
      type: str
      returned: always
    service: {description: The service it is about (absent for host checks), type: str, returned: when it is about a service}
    verdict: {description: "ok, warning or error", type: str, returned: always}
    message: {description: The sentence a person reads, type: str, returned: always}
services:
  description: Per service, its certificate's serial, SHA-256, end of validity, days left and verdict.
  returned: success
  type: list
  elements: dict
clock_skew:
  description: Seconds between the host's clock and the controller's (host minus controller), within the round trip's half.
  returned: success
  type: float
host_time:
  description: The host's clock (epoch seconds) when the module started.
  returned: success
  type: float
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_doctor, common


def main():
    module = common.new_module(backend_doctor.ARGUMENT_SPEC, supports_check_mode=True)
    common.run(module, backend_doctor.run)


if __name__ == "__main__":
    main()
