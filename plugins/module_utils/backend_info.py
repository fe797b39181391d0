# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.certificate_info: read-only facts about a certificate."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.module_utils.facts import certificate_facts
from ansible_collections.esante.roc.plugins.module_utils.loader import (
    RocError, content_to_bytes, key_matches, load_certificates, load_private_key, read_file)

ARGUMENT_SPEC = dict(
    path=dict(type="path"),
    content=dict(type="str"),
    privatekey_path=dict(type="path"),
    privatekey_passphrase=dict(type="str", no_log=True),
)


def run(module):
    params = module.params
    if params.get("path"):
        what = "path %s" % params["path"]
        certs = load_certificates(read_file(params["path"], "path"), what)
    elif params.get("content") is not None:
        certs = load_certificates(content_to_bytes(params["content"], "content"), "content")
    else:
        raise RocError("give path or content")
    result = dict(changed=False, **certificate_facts(certs[0]))
    result["chain_length"] = len(certs)
    if params.get("privatekey_path"):
        key = load_private_key(read_file(params["privatekey_path"], "privatekey_path"),
                               params.get("privatekey_passphrase"), "privatekey_path %s" % params["privatekey_path"])
        result["privatekey_match"] = key_matches(key, certs[0])
    return result
