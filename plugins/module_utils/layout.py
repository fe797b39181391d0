# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a service's files live on a host (<certs_dir>/<service>/<service>.key, ...) and which names may become
folder and file names there: shared by the controller's inventory model (plugin_utils/structures.py, the roles'
filters) and the modules that read those paths (the doctor); where each family keeps its system trust store
(trust_anchor writes there, the doctor reads the bundle it compiles). Pure data, no cryptography."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.esante.roc.plugins.module_utils import igc
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError

# structure, service and anchor names become folder and file names on the hosts: letters, digits, '.', '_', '-', not
# starting with a dot, nothing else (\Z: '$' would let a trailing newline through), at most 64 characters (a CN)
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")

# Per-family layout of the system trust store (linux-system-roles/certificate does the same): the folder of the
# anchors and the suffix its update command picks up, that command, and the bundle it compiles (TLS clients read it)
SYSTEM_STORES = {
    "debian": {"dir": "/usr/local/share/ca-certificates", "suffix": ".crt", "update": ["update-ca-certificates"],
               "bundle": "/etc/ssl/certs/ca-certificates.crt"},
    "redhat": {"dir": "/etc/pki/ca-trust/source/anchors", "suffix": ".pem", "update": ["update-ca-trust", "extract"],
               "bundle": "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"},
    "suse": {"dir": "/etc/pki/trust/anchors", "suffix": ".pem", "update": ["update-ca-certificates"],
             "bundle": "/var/lib/ca-certificates/ca-bundle.pem"},
}


def valid_name(name):
    """Whether a structure or service name is safe as a folder and file name."""
    return isinstance(name, str) and bool(NAME_RE.match(name))


def numbered(name, items):
    """[(name, item)] for one item, [(<name>-1, first), (<name>-2, second) ...] for several: the names a file of
    several certificates is split into (trust_anchor's files, bundle labels and aliases; the doctor's anchors)."""
    items = list(items)
    if len(items) == 1:
        return [(name, items[0])]
    return [("%s-%d" % (name, index), item) for index, item in enumerate(items, 1)]


def service_paths(service_list, certs_dir="/etc/roc", keystores=True):
    """{service: {usage, privatekey, certificate, chain, fullchain, keystore, keystore_alias}}: the stable
    paths every role uses (<certs_dir>/<service>/<service>.key, ...)."""
    out = {}
    for entry in service_list:
        name = entry["service"] if isinstance(entry, dict) else entry
        if not valid_name(name):
            raise RocError("service_paths: the service name %r must be letters, digits, '.', '_' or '-' (it names a "
                           "folder and files under %s)" % (name, certs_dir))
        base = "%s/%s/%s" % (certs_dir.rstrip("/"), name, name)
        out[name] = {
            "usage": entry.get("usage") if isinstance(entry, dict) else igc.DEFAULT_SERVICES.get(name),
            "privatekey": base + ".key",
            "certificate": base + ".crt",
            "chain": base + ".chain.pem",
            "fullchain": base + ".fullchain.pem",
            "combined": base + ".pem",
            "csr": base + ".csr",
            "next_privatekey": base + ".next.key",
            "next_csr": base + ".next.csr",
            "keystore": base + ".p12" if keystores else "",
            "keystore_alias": name,
        }
    return out
