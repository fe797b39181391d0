# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options that tie an installed certificate to its ROC service: the expected CN and the ORG usage (shared by
esante.roc.pkcs12_unpack and esante.roc.certificate; a module may say more of O(service))."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  service:
    description: The expected CN; a certificate for another service is refused.
    type: str
  usage:
    description:
      - The ORG usage the certificate must fit, a certificate without the extensions it needs is refused.
      - C(auth_cli) (mutual-TLS client), key usage present with digitalSignature and extended key usage present with
        clientAuth (or anyExtendedKeyUsage, which allows every purpose).
      - C(sign) (SAML signature), key usage present with nonRepudiation or digitalSignature, and no extended key usage
        limited to TLS purposes (clientAuth, serverAuth only, an authentication certificate).
      - C(conf), key usage present with keyEncipherment, dataEncipherment or keyAgreement.
      - When not given and O(service) is a ROC service, the usage of that service (C(Client_ROC_Annuaire_AMC),
        C(auth_cli); C(Client_ROC_WebServices_AMC), C(sign)) is checked (since 1.3.0).
    type: str
    choices: [auth_cli, sign, conf]
"""
