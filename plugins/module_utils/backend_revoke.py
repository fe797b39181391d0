# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.revoke_material: remove a revoked (lost, stolen, wrong) service's key material from a host,
backups of its key included unless asked to keep them, in one execution."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.esante.roc.plugins.module_utils import common
from ansible_collections.esante.roc.plugins.module_utils.loader import RocError
from ansible_collections.esante.roc.plugins.module_utils.writer import FileWriter

ARGUMENT_SPEC = dict(
    service=dict(type="str", required=True),
    certs_dir=dict(type="path", default="/etc/roc"),
    keep_backup=dict(type="bool", default=False),
)
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def run(module):
    params = module.params
    service = params["service"]
    if not NAME_RE.match(service):
        raise RocError("service: '%s' is not a service name" % service)
    folder = os.path.join(params["certs_dir"], service)
    writer = FileWriter(module)
    removed = []
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not name.startswith(service) or not os.path.isfile(path):
                continue
            is_key = name.startswith(service + ".key") or name.endswith(".p12") or ".p12." in name
            writer.plan_remove(path, backup=params["keep_backup"] and is_key, sensitive=is_key, label=name)
            removed.append(path)
    writer.commit()
    if not module.check_mode and os.path.isdir(folder) and not os.listdir(folder):
        os.rmdir(folder)
    result = common.writer_result(writer)
    result.update(removed=removed, folder=folder)
    return result
