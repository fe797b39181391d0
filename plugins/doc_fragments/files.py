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
      - Keep replaced material aside as C(<name>.<timestamp>~), in the same folder, as a new file
        written like the others, with the owner, group and mode asked for the file (never the old
        file's, never wider).
    type: bool
    default: true
  keep_backups:
    description:
      - How many backups of each file to keep when a new one is made (O(backup=true)) - the newest,
        the one just made included. Older ones are removed in the same commit (only regular files named
        C(<name>.<timestamp>~) after that exact file). C(0) keeps every backup.
    type: int
    default: 3
attributes:
  check_mode:
    description: Predicts the changes and writes nothing.
    support: full
  diff_mode:
    description: Shows what changes in each file; key material (decided by content) is never shown.
    support: full
notes:
  - No link or special file is ever followed. Every path is reached from C(/) without following a
    symbolic link; a symbolic link in any folder of a managed path, a link, FIFO, socket, device or
    folder where a file is managed, or a file with other hard links, is refused with a message naming
    it before anything is written.
  - Key material (a private key in PEM or DER, a PKCS#12 or Java keystore holding a key, whatever the
    file's name) is owned by O(owner) (default the module's user, root) and O(group) (default its
    group) with the mode asked (default C(0600)), whatever file stood there; a mode that lets other
    users read it is refused.
"""
