# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """What the middleware reads, committed with the material: a keystore per service and configuration files."""

    DOCUMENTATION = r"""
options:
  keystore_path:
    description:
      - Also write a password-protected PKCS#12 keystore (key, certificate, chain) at this path, from the material
        this call installs, in the same commit (what M(esante.roc.keystore) writes, without a second execution).
      - Rewritten only when its content differs (the salts change at every write, so the content is compared).
    type: path
    version_added: 1.1.0
  keystore_alias:
    description: Alias of the keystore entry. Defaults to O(service), else the certificate's CN.
    type: str
    version_added: 1.1.0
  keystore_passphrase:
    description: Password of the keystores; required with O(keystore_path).
    type: str
    version_added: 1.1.0
  config_files:
    description:
      - Text files that name this material (the middleware's configuration, rendered on the controller),
        committed with it in the same call; as the O(esante.roc.config_files#module:files) option of
        M(esante.roc.config_files). A file with C(validate) is checked on its temporary copy before anything of
        the call is renamed.
      - Owner, group and backup left out of an entry take the top-level O(owner), O(group) and O(backup); a new
        file without C(mode) gets C(0644).
    type: list
    version_added: 1.1.0
    elements: dict
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
        description: Owner of this file.
        type: str
      group:
        description: Group of this file.
        type: str
      mode:
        description: Mode of this file.
        type: raw
      backup:
        description: Keep the previous file aside when it changes.
        type: bool
      validate:
        description: Command checking the new content before it replaces the old one; C(%s) is the temporary file.
        type: str
  config_dir_mode:
    description: Mode of a folder made for O(config_files).
    type: raw
    version_added: 1.1.0
    default: "0755"
"""
