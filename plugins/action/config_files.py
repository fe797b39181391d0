# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.config_files on a local connection (the order sheets and CSRs written on the controller): when
every file already holds its content with the asked mode, owner and group, the answer is given here, without
starting a module; otherwise, and on every remote host, the module does the work."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.writer import (
    attributes_differ, parse_mode, read_regular, resolve_gid, resolve_uid)


def unchanged_locally(args):
    """[{path, action: none}] when every file is already as asked on this machine, else None."""
    files = args.get("files")
    if not isinstance(files, list) or not files:
        return None
    out = []
    try:
        for entry in files:
            if not isinstance(entry, dict) or not entry.get("path") or entry.get("content") is None:
                return None
            path = os.path.abspath(os.path.expanduser(str(entry["path"])))
            # as the module reaches it: no link followed (in its folders either), no special file opened
            found = read_regular(path, "path", missing_ok=True)
            if found is None or found[0] != to_bytes(entry["content"], errors="surrogate_or_strict"):
                return None
            st = found[1]
            mode = parse_mode(entry.get("mode") or args.get("mode"))
            uid = resolve_uid(entry.get("owner") or args.get("owner"))
            gid = resolve_gid(entry.get("group") or args.get("group"))
            if attributes_differ(st, mode, uid, gid):
                return None
            out.append({"path": path, "action": "none"})
    except (RocError, OSError, TypeError, ValueError):
        return None  # the module says what is wrong
    return out


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        local = getattr(self._connection, "transport", None) in ("local", "ansible.builtin.local") \
            and not self._play_context.become
        if local:
            files = unchanged_locally(args)
            if files is not None:
                result.update(changed=False, files=files, backup_files={})
                if self._task.diff:
                    result["diff"] = []
                return result
        result.update(self._execute_module(module_name="esante.roc.config_files", module_args=args,
                                           task_vars=task_vars))
        return result
