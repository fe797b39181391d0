# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """What a module carries for another step of the procedure, in its own execution (fleet speed: a no-change
    esante.roc.site makes 2 module executions per host). The one place where each fusion is documented:

    - HOST_CHECK (esante.roc.carries.host_check): trust_anchor carries the host check of esante.roc.prerequisites
      (the same backend, module_utils/backend_prerequisites.py);
    - MIDDLEWARE (esante.roc.carries.middleware): pkcs12_unpack and certificate carry the middleware step's
      keystores (what esante.roc.keystore writes) and configuration files (what esante.roc.config_files writes),
      committed with the material.

    Alone, each carried step runs its own module; docs/ARCHITECTURE.md has the table."""

    DOCUMENTATION = r"""
options: {}
"""

    HOST_CHECK = r"""
options:
  prerequisites:
    description:
      - B(Carried for the host check step.) Check the host first, in the same execution, as
        M(esante.roc.prerequisites) does (Python's cryptography, the group that reads the keys, made when missing).
        The first esante.roc execution on a host then prepares it, one round trip fewer per host and per run.
      - When cryptography is missing or too old the module does not fail on import but returns
        C(cryptography_problem); with O(prerequisites.install_cryptography=true) the action plugin installs
        C(python3-cryptography) with P(ansible.builtin.package#module) and runs the module again.
    type: dict
    version_added: 1.1.0
    suboptions:
      group:
        description: The group that reads the keys; made when missing.
        type: str
      system:
        description: Make the group as a system group.
        type: bool
        default: true
      install_cryptography:
        description: Install C(python3-cryptography) when it is missing or too old, then run again.
        type: bool
        default: false
"""

    MIDDLEWARE = r"""
options:
  keystore_path:
    description:
      - B(Carried for the middleware step), with O(keystore_alias), O(keystore_passphrase), O(config_files) and
        O(config_dir_mode).
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
