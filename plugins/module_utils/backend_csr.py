# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.csr: keep or make the private key of a service, and its CSR."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.esante.roc.plugins.module_utils import common, igc
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import load_csr, x509_name
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import hashes, rsa, serialization, x509
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import (
    key_file_holds, key_matches, key_size, load_private_key, private_key_pem, public_key_sha256)
from ansible_collections.esante.roc.plugins.module_utils.writer import check_key_file, read_regular, regular_exists

_SPEC = dict(
    privatekey_path=dict(type="path", required=True),
    csr_path=dict(type="path", required=True),
    service=dict(type="str", required=True),
    organization=dict(type="str", required=True),
    structure_id=dict(type="str", required=True),
    state_province=dict(type="str"),
    country=dict(type="str", default="FR"),
    key_size=dict(type="int", default=2048, choices=[2048, 3072, 4096]),
    privatekey_passphrase=dict(type="str", no_log=True),
    regenerate=dict(type="str", default="never", choices=["never", "always"]),
    csr_mode=dict(type="raw", default="0644"),
    **common.FILE_OPTIONS
)


# every service's key and CSR in one execution
ARGUMENT_SPEC, REQUIRED = common.with_items(_SPEC, ("privatekey_path", "csr_path", "service"))


def existing_key(params, check_mode=False):
    """The key on disk, or None when absent. A key that cannot be read is an error, never replaced; so is a key
    that others may know (a file of another user, or one other users could read): it is never adopted. Reached
    without following links (a link at the key path or in its folders is refused)."""
    path = params["privatekey_path"]
    found = read_regular(path, "privatekey_path", missing_ok=True)
    if found is None:
        return None
    data, st = found
    check_key_file(st, path, "privatekey_path", params.get("owner"), check_mode,
                   "remove it (a new key is made) or set regenerate=always")
    return load_private_key(data, params.get("privatekey_passphrase"), "privatekey_path %s" % path)


def existing_csr(path):
    found = read_regular(path, "csr_path", missing_ok=True)
    if found is None:
        return None
    try:
        return load_csr(found[0], "csr_path %s" % path)
    except RocError:
        return None  # an unreadable CSR is simply rewritten: it holds no secret


def csr_is_current(csr, subject, key):
    return (csr is not None and csr.subject == subject and key_matches(key, csr)
            and csr.is_signature_valid)


def build_csr(subject, key):
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    return builder.sign(key, hashes.SHA256())


def run(module):
    return common.run_items(module, plan, REQUIRED)


def plan(module, params, writer):
    subject = x509_name(igc.subject_attributes(params))  # the DN built and checked by the IGC profile
    key_path, csr_path = params["privatekey_path"], params["csr_path"]
    key = None if params["regenerate"] == "always" else existing_key(params, module.check_mode)
    key_created = key is None
    if key is not None and key_size(key) and key_size(key) != params["key_size"]:
        module.warn("the existing key of %s has %s bits, not the %s asked: it is kept (regenerate=never)"
                    % (key_path, key_size(key), params["key_size"]))
    if key_created and module.check_mode:
        # predict without spending a key generation: both files would be written (what stands at their paths is
        # checked as the real run would: a link or special file is refused now)
        regular_exists(key_path, "privatekey_path")
        regular_exists(csr_path, "csr_path")
        common.ensure_parent(writer, key_path, True, params["owner"], params["group"])
        common.ensure_parent(writer, csr_path, False)
        writer.predict(key_path, "<new %d-bit RSA key>\n" % params["key_size"])
        writer.predict(csr_path, "<new CSR for %s>\n" % subject.rfc4514_string())
        return dict(csr=None, subject=subject.rfc4514_string(), public_key_sha256=None, service=params["service"],
                    privatekey_created=True, csr_created=True, privatekey_path=key_path, csr_path=csr_path)
    if key_created:
        key = rsa.generate_private_key(public_exponent=65537, key_size=params["key_size"])

    passphrase = params.get("privatekey_passphrase")
    common.ensure_parent(writer, key_path, True, params["owner"], params["group"])
    writer.plan(key_path, private_key_pem(key, passphrase), mode=params["mode"], owner=params["owner"],
                group=params["group"], backup=params["backup"], sensitive=True, default_mode=0o600,
                same=lambda old: key_file_holds(old, key, passphrase), label="privatekey_path")
    csr = existing_csr(csr_path)
    csr_created = not csr_is_current(csr, subject, key)
    if csr_created:
        csr = build_csr(subject, key)
    csr_pem = csr.public_bytes(serialization.Encoding.PEM)
    common.ensure_parent(writer, csr_path, False)
    # an unchanged CSR keeps its bytes (the same request re-signed would differ only by its signature)
    writer.plan(csr_path, csr_pem, mode=params["csr_mode"], owner=params["owner"], group=params["group"],
                backup=False, same=(lambda old: True) if not csr_created else None, label="csr_path")
    return dict(
        csr=csr_pem.decode("ascii"),
        subject=subject.rfc4514_string(),
        public_key_sha256=public_key_sha256(key),
        privatekey_created=key_created,
        csr_created=csr_created,
        privatekey_path=key_path,
        csr_path=csr_path,
        service=params["service"],
    )
