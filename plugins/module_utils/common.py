# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every esante.roc module shares: the file options and the way a module runs and fails."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.esante.roc.plugins.module_utils.loader import RocError, require_cryptography

FILE_OPTIONS = dict(
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw"),
    backup=dict(type="bool", default=True),
)


def key_dir_mode(group):
    """Folders created to hold keys: 0750 when a dedicated group reads them, else 0700."""
    return 0o750 if group else 0o700


def ensure_parent(writer, path, sensitive, owner=None, group=None):
    directory = os.path.dirname(os.path.abspath(path))
    mode = key_dir_mode(group) if sensitive else 0o755
    return writer.ensure_dir(directory, mode=mode, owner=owner if sensitive else None,
                             group=group if sensitive else None)


def run(module, body):
    """Run body(module) -> result dict; a RocError becomes a clean failure (nothing half-written)."""
    require_cryptography(module)
    try:
        result = body(module)
    except RocError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


def writer_result(writer):
    result = {"changed": writer.changed, "backup_files": writer.backup_files}
    if writer.module._diff:
        result["diff"] = writer.diff
    return result
