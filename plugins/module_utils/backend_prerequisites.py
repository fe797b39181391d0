# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.prerequisites: what a host needs before any key lands, told (and the key group made) in one
execution: Python's cryptography (version, or the package to install) and the group that reads the keys."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import re

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import (
    CRYPTOGRAPHY_MIN_VERSION, cryptography_problem, CRYPTOGRAPHY_VERSION)

GROUP_RE = re.compile(r"^[a-z_][a-z0-9_-]*[$]?\Z")

ARGUMENT_SPEC = dict(
    group=dict(type="str"),
    system=dict(type="bool", default=True),
    # read by the action plugin (plugin_utils/controller_files.py): the package is installed from the controller
    # side, with ansible.builtin.package, only when the check finds cryptography missing or too old
    install_cryptography=dict(type="bool", default=False),
)


def ensure_group(module, name, system):
    """(changed, gid): the group exists afterwards (or would, in check mode)."""
    if not GROUP_RE.match(name) or len(name) > 32:
        raise RocError("group: '%s' is not a valid group name" % name)
    try:
        return False, grp.getgrnam(name).gr_gid
    except KeyError:
        pass
    if module.check_mode:
        return True, None
    groupadd = module.get_bin_path("groupadd")
    if not groupadd:
        raise RocError("group: '%s' does not exist and groupadd is not on this host" % name)
    command = [groupadd] + (["--system"] if system else []) + [name]
    rc, out, err = module.run_command(command)
    if rc != 0:
        raise RocError("group: groupadd %s failed (rc %d): %s" % (name, rc, (err or out).strip()))
    return True, grp.getgrnam(name).gr_gid


def run(module):
    return check(module, module.params)


def check(module, params):
    """The host's prerequisites (what esante.roc.prerequisites returns; esante.roc.trust_anchor runs it first when
    given `prerequisites`, so that one execution prepares the host). `msg` says the cryptography problem."""
    result = {"changed": False, "cryptography_version": CRYPTOGRAPHY_VERSION,
              "cryptography_min_version": CRYPTOGRAPHY_MIN_VERSION, "cryptography_problem": cryptography_problem()}
    if params.get("group"):
        changed, gid = ensure_group(module, params["group"], params["system"])
        result.update(changed=changed, group=params["group"], gid=gid)
        if changed and module._diff:
            result["diff"] = [{"before_header": "group %s" % params["group"], "after_header": "group %s" % params["group"],
                               "before": "(absent)\n", "after": "(present)\n"}]
    if result["cryptography_problem"]:
        result["msg"] = result["cryptography_problem"]
    return result
