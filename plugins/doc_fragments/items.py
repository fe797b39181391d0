# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The option `items` of the modules that take every service of a host in one execution (csr, pkcs12_unpack,
    certificate, keystore): its meaning here, its suboptions in each module (module_utils/common.run_items)."""

    DOCUMENTATION = r"""
options:
  items:
    description:
      - Several services in ONE execution (one round trip per host instead of one per loop item).
      - Each item takes these options; one left out takes the top-level value.
      - Every item is checked before anything is written; the files of all items are committed together.
    type: list
    elements: dict
"""
