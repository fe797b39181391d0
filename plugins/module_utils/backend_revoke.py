# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.revoke_material: remove a revoked (lost, stolen, wrong) service's key material from a host: every
file of its folder (install record and backups included), in one execution, key material kept aside only when
asked; the facts of the certificates it removed are returned (for the revocation record)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat

from ansible_collections.esante.roc.plugins.module_utils import common
from ansible_collections.esante.roc.plugins.module_utils.facts import certificate_facts
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.layout import valid_name
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import load_certificates
from ansible_collections.esante.roc.plugins.module_utils.writer import (
    FileWriter, holds_key, lstat, open_folder, read_regular, remove_empty_folder)

ARGUMENT_SPEC = dict(
    service=dict(type="str", required=True),
    certs_dir=dict(type="path", default="/etc/roc"),
    keep_backup=dict(type="bool", default=False),
)
_ANY_BACKUP = re.compile(r".+\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}(?:\.\d+){0,2}~\Z")


def _entries(folder):
    """The names in the service's folder, each a regular file (a link, a sub-folder or a special file there is
    refused, naming it, before anything is removed: it is never followed). [] when the folder is absent."""
    fd = open_folder(folder, "certs_dir", folder)
    if fd is None:
        st = lstat(folder, "certs_dir")
        if st is not None:  # a file where the folder should be
            raise RocError("certs_dir: %s is not a folder" % folder)
        return []
    try:
        names = sorted(os.listdir(fd))
        for name in names:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else (
                    "a folder" if stat.S_ISDIR(st.st_mode) else "a special file")
                raise RocError("service %s: %s is %s: revoke_material removes regular files only and never follows "
                               "or empties anything else; remove it by hand, then run again"
                               % (os.path.basename(folder), os.path.join(folder, name), kind))
        return names
    except OSError as exc:
        raise RocError("certs_dir: cannot list %s (%s)" % (folder, exc.strerror or exc))
    finally:
        os.close(fd)


def _facts(data, path):
    try:
        certs = load_certificates(data, path)
    except RocError:
        return None  # a key, a keystore, a record: not a certificate file
    return dict(certificate_facts(certs[0]), path=path)


def run(module):
    params = module.params
    service = params["service"]
    if not valid_name(service):
        raise RocError("service: '%s' is not a service name (letters, digits, '.', '_', '-', starting with a letter "
                       "or digit)" % service)
    folder = os.path.join(os.path.abspath(params["certs_dir"]), service)
    writer = FileWriter(module)
    removed, certificates = [], []
    for name in _entries(folder):
        path = os.path.join(folder, name)
        data = read_regular(path, name)[0]
        facts = _facts(data, path)
        if facts is not None:
            certificates.append(facts)
        secret = holds_key(data)
        if params["keep_backup"] and secret and _ANY_BACKUP.match(name):
            # already a backup of key material: it stays, as the key was asked to be kept, never readable wider
            writer.plan(path, data, mode=0o600, sensitive=True, label=name, same=lambda old: True)
            continue
        writer.plan_remove(path, backup=params["keep_backup"] and secret, sensitive=secret, label=name)
        removed.append(path)
    writer.commit()
    if not module.check_mode:
        remove_empty_folder(folder, "certs_dir")  # only when empty: kept-aside material stays in it
    result = common.writer_result(writer)
    result.update(removed=removed, folder=folder, certificates=certificates)
    return result
