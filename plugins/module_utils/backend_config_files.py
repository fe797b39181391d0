# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.config_files: several text files (rendered on the controller) written in one execution
through the one write helper: atomic, owner/group/mode from the first byte, validated before any rename."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shlex

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.esante.roc.plugins.module_utils import common
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.writer import FileWriter, parse_mode

FILE_ENTRY = dict(
    path=dict(type="path", required=True),
    content=dict(type="str", required=True),
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw"),
    backup=dict(type="bool"),
    validate=dict(type="str"),
)

ARGUMENT_SPEC = dict(
    files=dict(type="list", elements="dict", required=True, options=FILE_ENTRY),
    dir_mode=dict(type="raw", default="0755"),
    **common.FILE_OPTIONS
)


def validator(module, command, label):
    """The check of a file's new content: the command split now (a command that cannot be split, an unbalanced
    quote say, is refused before anything is written), run on the temporary copy at commit."""
    if "%s" not in command:
        raise RocError("%s: validate must contain %%s (the path of the new content)" % label)
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise RocError("%s: validate '%s' cannot be split into a command and its arguments (%s)" % (label, command, exc))
    if not words:
        raise RocError("%s: validate is empty" % label)

    def check(tmp):
        argv = [part.replace("%s", tmp) for part in words]
        rc, out, err = module.run_command(argv)
        if rc != 0:
            raise RocError("%s: validation '%s' failed (rc %d), the previous file is kept: %s" % (
                label, command, rc, (err or out).strip()))
    return check


def plan_files(module, writer, files, defaults, dir_mode, what="files"):
    """Plan text files (validated on their temporary copy when asked) in `writer`; an entry's owner, group,
    mode or backup left out takes the one of `defaults`. Returns [{path, action}]."""
    dir_mode = parse_mode(dir_mode, "dir_mode")
    results = []
    seen = set()
    for index, entry in enumerate(files):
        path = os.path.abspath(entry["path"])
        label = "%s[%d] (%s)" % (what, index, path)
        if path in seen:
            raise RocError("%s: the path is given twice" % label)
        seen.add(path)
        owner = entry.get("owner") or defaults.get("owner")
        group = entry.get("group") or defaults.get("group")
        backup = defaults.get("backup") if entry.get("backup") is None else entry["backup"]
        writer.ensure_dir(os.path.dirname(path), mode=dir_mode, owner=defaults.get("owner"),
                          group=defaults.get("group"))
        check = validator(module, entry["validate"], label) if entry.get("validate") else None
        writer.plan(path, to_bytes(entry["content"], errors="surrogate_or_strict"),
                    mode=entry.get("mode") or defaults.get("mode"), owner=owner, group=group, backup=bool(backup),
                    label=label, validate=check)
        results.append({"path": path, "action": writer.results[path]})
    return results


def run(module):
    params = module.params
    writer = FileWriter(module)
    results = plan_files(module, writer, params["files"], params, params["dir_mode"])
    writer.commit()
    result = common.writer_result(writer)
    result["files"] = results
    return result
