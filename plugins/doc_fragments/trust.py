# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """What the install modules (pkcs12_unpack, certificate) trust, and what they refuse."""

    DOCUMENTATION = r"""
options:
  ca_path:
    description:
      - CA certificates on the target (PEM, DER or PKCS#7), trust anchors of the call together with O(chain).
      - The certificates of O(ca_path) and O(chain) are the ONLY anchors trusted. The CA certificates in a bundle,
        or after the leaf in a certificate file, are candidate links of the path, never anchors.
      - The path from the certificate to an anchor is checked link by link, each signature verified (RSA PKCS#1 v1.5,
        ECDSA, EdDSA, DSA), every issuer a CA (C(CA:TRUE)) allowed to sign certificates (C(keyCertSign) when it has
        a key usage), within its C(pathLenConstraint) and valid today. The path ends at the first anchor reached
        (anchors are compared by fingerprint, not by name, so a look-alike CA of the same name is no anchor); the
        certificates that sign that anchor and are at hand are written above it (the ACR above an ACI anchor).
      - The chain written (chain, full chain, combined file, keystore) then holds at least the certificate's issuer.
      - Without O(ca_path), O(chain) and O(environment), the call is refused (unless O(allow_unanchored)).
    type: path
  environment:
    description:
      - The IGC-Santé range the certificate must come from, told by its issuer's name (C(IGC-SANTE TEST) in the
        issuer's OU, or a C(TEST ...) CN, is the test range). A certificate of the other range, or whose issuer is
        not an IGC-Santé CA, is refused with a message that says which range (or which issuer) was found.
      - Without O(ca_path) and O(chain), the anchors are the collection's own copies of the official IGC-Santé ACR
        and ACI of that environment (public certificates, checked against their pinned SHA-256 fingerprints), so that no
        run depends on a download.
    type: str
    choices: [production, test]
    version_added: 1.2.0
  allow_unanchored:
    description:
      - LAB ONLY. Accept a certificate whose path ends at no anchor (or with no anchor given at all); the chain is
        then what the bundle or the certificate file holds, still checked signature by signature as far as it goes.
      - Never set it for a real structure, anyone can make a bundle with its own CA certificates.
    type: bool
    default: false
    version_added: 1.2.0
  chain_source:
    description:
      - Where the anchors of O(ca_path) / O(chain) come from, named in a refusal so that the person knows what to set
        (the install role passes C(roc_ca_files) and the structure's environment).
    type: str
    version_added: 1.2.0
  revoked:
    description:
      - Certificates that were revoked (the install role gives the records of the C(esante.roc.revoke) playbook). A
        certificate an entry names is refused, with a message naming the record (C(order a new certificate)).
      - Applies to every item of O(items).
    type: list
    elements: dict
    version_added: 1.2.0
    suboptions:
      serial:
        description: Serial number of the revoked certificate, hexadecimal (any case, colons allowed).
        type: str
      sha256:
        description:
          - SHA-256 fingerprint of the revoked certificate (colon-separated or plain hex, any case), or the SHA-256
            of the bundle / certificate file as delivered.
          - Give O(revoked[].serial) or O(revoked[].sha256) (or both, either one matching refuses).
        type: str
      record:
        description: Where the revocation is recorded (shown in the message).
        type: str
      date:
        description: When it was revoked (shown in the message).
        type: str
      reason:
        description: Why (shown in the message).
        type: str
  allow_expired:
    description:
      - Install a certificate that is expired or not yet valid.
      - Also accepts expired or not yet valid CA certificates in its path (since 1.2.0); signatures and CA
        constraints are still checked.
    type: bool
    default: false
"""
