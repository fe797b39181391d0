#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: prerequisites
short_description: Check a host for esante.roc and make the group that reads the keys, in one execution
version_added: 1.0.0
description:
  - Tells whether Python's C(cryptography) is usable on the host (its version, or the package to install)
    without failing, so that a role can install it or stop with a clear message.
  - Makes the group that reads the keys (a system group by default) when it is missing.
  - One execution per host, where a command and a group task would take two.
author:
  - esante.roc maintainers (@esante-roc)
attributes:
  check_mode:
    description: Tells whether the group would be made.
    support: full
  diff_mode:
    description: Shows the group that would be made.
    support: full
options:
  group:
    description: The group that reads the keys; made when missing. Left out, no group is checked.
    type: str
  system:
    description: Make the group as a system group.
    type: bool
    default: true
  install_cryptography:
    description:
      - Install C(python3-cryptography) when it is missing or too old (the action plugin runs
        P(ansible.builtin.package#module), only then, and checks again); the result then tells the new version.
    type: bool
    default: false
    version_added: 1.1.0
seealso:
  - module: ansible.builtin.group
"""

EXAMPLES = r"""
- name: Prerequisites of the ROC material
  esante.roc.prerequisites:
    group: roc
  register: roc_host

- name: Install cryptography where it is missing
  ansible.builtin.package:
    name: python3-cryptography
  when: roc_host.cryptography_problem

- name: The same in one task, stopping where it cannot be fixed
  esante.roc.prerequisites:
    group: roc
    install_cryptography: true
  register: roc_host
  failed_when: roc_host.cryptography_problem is not none
"""

RETURN = r"""
cryptography_version:
  description: Version of Python's cryptography on the host, null when it cannot be imported.
  returned: always
  type: str
cryptography_min_version:
  description: The oldest version esante.roc supports.
  returned: always
  type: str
cryptography_problem:
  description: Null when cryptography is usable, else the message to show (names the package to install).
  returned: always
  type: str
installed:
  description: With O(install_cryptography), the package installed in this run (then C(changed) is true).
  returned: when a package was installed
  type: str
  version_added: 1.1.0
msg:
  description: The cryptography problem, when there is one.
  returned: when cryptography_problem is not null
  type: str
gid:
  description: The group's id (null in check mode when it would be made).
  returned: when group is given
  type: int
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_prerequisites, common


def main():
    module = common.new_module(backend_prerequisites.ARGUMENT_SPEC, supports_check_mode=True)
    common.run(module, backend_prerequisites.run, needs_cryptography=False)


if __name__ == "__main__":
    main()
