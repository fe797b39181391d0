# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation shared by the modules that write files (through module_utils/writer.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  owner:
    description: Owner of the written files (a name or a uid).
    type: str
  group:
    description:
      - Group of the written files (a name or a gid). A folder created to hold a key is C(0750) with
        it, else C(0700).
    type: str
  backup:
    description:
      - Keep replaced material aside as C(<name>.<timestamp>~), a hard link to the old file, so it
        keeps the old file's mode.
    type: bool
    default: true
attributes:
  check_mode:
    description: Predicts the changes and writes nothing.
    support: full
  diff_mode:
    description: Shows what changes in each file; key material is never shown.
    support: full
"""
