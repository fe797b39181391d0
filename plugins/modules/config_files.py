#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_files
short_description: Write several text files in one execution, atomically and validated
version_added: 1.0.0
description:
  - Writes the given text files (a middleware configuration rendered on the controller with the
    P(ansible.builtin.template#lookup) lookup, the order sheets, the CSRs gathered in an order folder) in ONE
    execution, where a template or copy task per file costs several round trips each.
  - Each file is written to a temporary file in its folder with its owner, group and mode set before the
    first byte, then renamed; a missing folder is made with O(dir_mode), O(owner) and O(group).
  - A file with C(validate) is checked on its temporary copy; when a check fails nothing of the call is
    renamed and the previous files are kept.
  - An unchanged file is not touched (a second run reports no change).
author:
  - esante.roc maintainers (@esante-roc)
extends_documentation_fragment:
  - esante.roc.files
options:
  files:
    description: The files.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Where the file goes.
        type: path
        required: true
      content:
        description: Its whole text.
        type: str
        required: true
      owner:
        description: Owner of this file, instead of O(owner).
        type: str
      group:
        description: Group of this file, instead of O(group).
        type: str
      mode:
        description: Mode of this file, instead of O(mode).
        type: raw
      backup:
        description: Keep the replaced file aside, instead of O(backup).
        type: bool
      validate:
        description:
          - A command run on the new content before it replaces the file, C(%s) standing for the path of
            the temporary file, for example C(python3 -m json.tool %s).
        type: str
  dir_mode:
    description: Mode of a folder the module makes.
    type: raw
    default: "0755"
  mode:
    description: Mode of the files (octal string); C(0644) for new files.
    type: raw
seealso:
  - module: ansible.builtin.template
"""

EXAMPLES = r"""
- name: Middleware configuration, validated before it replaces the previous one
  esante.roc.config_files:
    files:
      - path: /etc/roc/middleware/roc.json
        content: "{{ lookup('ansible.builtin.template', 'roc.json.j2') }}"
        validate: python3 -m json.tool %s
    owner: root
    group: roc
    mode: "0640"
    dir_mode: "0750"
"""

RETURN = r"""
files:
  description: Per file, what was done (none, create, replace or attributes).
  returned: success
  type: list
  elements: dict
backup_files:
  description: Replaced files kept aside, by path.
  returned: success
  type: dict
"""

from ansible_collections.esante.roc.plugins.module_utils import backend_config_files, common


def main():
    module = common.new_module(backend_config_files.ARGUMENT_SPEC, supports_check_mode=True)
    common.run(module, backend_config_files.run, needs_cryptography=False)


if __name__ == "__main__":
    main()
