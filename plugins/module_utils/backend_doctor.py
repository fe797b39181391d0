# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.doctor: is this server ready for ROC? Read-only checks of what the install, trust and middleware
steps left on the host, in one execution: each service's files (present, readable by the middleware group, key
matching certificate, chain up to the pinned IGC-Santé anchor, days left, keystore opening with the configured
password and holding the alias with its chain), the anchors in every store the middleware uses, the middleware
configuration naming files that exist, and optionally a live mutual-TLS handshake to an AMC endpoint. The clock
is compared with the controller's by the action plugin; the structure-wide check by the doctor_report filter.
Nothing here writes, changes or removes anything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import re
import socket
import ssl
import stat
import time

from ansible_collections.esante.roc.plugins.module_utils import doctor, igc
from ansible_collections.esante.roc.plugins.module_utils.facts import days_left
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import (
    certificate_pem, certificate_profile, content_to_bytes, date_problem, describe, fingerprint_sha256,
    load_certificates, normalize_fingerprint, not_valid_after)
from ansible_collections.esante.roc.plugins.module_utils.loader_chain import validate_path
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import utcnow
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import (
    key_matches, load_private_key, private_key_blocks)
from ansible_collections.esante.roc.plugins.module_utils.loader_pkcs12 import load_keystore, store_fingerprints
from ansible_collections.esante.roc.plugins.module_utils.layout import numbered, service_paths, SYSTEM_STORES
from ansible_collections.esante.roc.plugins.module_utils.writer import read_regular

ARGUMENT_SPEC = dict(
    services=dict(type="list", elements="dict", required=True, options=dict(
        service=dict(type="str", required=True),
        usage=dict(type="str", choices=["auth_cli", "sign", "conf"]),
    )),
    structure=dict(type="str"),
    environment=dict(type="str", choices=["production", "test"]),
    certs_dir=dict(type="path", default="/etc/roc"),
    keystores=dict(type="bool", default=True),
    keystore_password=dict(type="str", no_log=True, default=""),
    key_passphrase=dict(type="str", no_log=True),
    group=dict(type="str", default="roc"),
    igc_anchors=dict(type="list", elements="raw", default=[]),
    gie_anchors=dict(type="list", elements="raw", default=[]),
    stores=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        type=dict(type="str", required=True, choices=["pem", "pkcs12", "system"]),
        path=dict(type="path"),
        password=dict(type="str", no_log=True),
        anchors=dict(type="list", elements="str", required=True),
    )),
    config_path=dict(type="path"),
    renew_days=dict(type="int", default=30),
    endpoint=dict(type="dict", options=dict(
        host=dict(type="str", required=True),
        port=dict(type="int", default=443),
        server_name=dict(type="str"),
        service=dict(type="str", default="Client_ROC_Annuaire_AMC"),
        cafile=dict(type="path"),
        timeout=dict(type="float", default=10.0),
    )),
    language=dict(type="str", default="fr", choices=["fr", "en"]),
    max_clock_skew=dict(type="float", default=60.0),
)

# the compiled system bundle that TLS clients read, per family (the trust role writes the anchors that feed it)
SYSTEM_BUNDLES = tuple(layout["bundle"] for layout in SYSTEM_STORES.values())
# an absolute path as the value of a setting (properties, env, YAML, JSON); URLs (scheme://) are not paths
CONFIG_PATH = re.compile(r"""(?:^|[=:\s"'])(/(?!/)[A-Za-z0-9._/@+-]+)""")


def _anchor_certs(entries, option):
    """[(name, certificate)] of the anchors given (PEM text, base64, or {name, content|src, sha256}); a pin that
    does not match is an error naming the anchor."""
    out = []
    for index, entry in enumerate(entries or []):
        if isinstance(entry, dict):
            name = entry.get("name") or "%s[%d]" % (option, index)
            content = entry.get("content")
            pin = entry.get("sha256")
        else:
            name, content, pin = "%s[%d]" % (option, index), entry, None
        if not content:
            raise RocError("%s[%d] (%s): give its content (or src on the controller)" % (option, index, name))
        certs = load_certificates(content_to_bytes(str(content), "%s[%d]" % (option, index)), "%s %s" % (option, name))
        if pin and normalize_fingerprint(fingerprint_sha256(certs[0])) != normalize_fingerprint(pin):
            raise RocError("%s %s: its SHA-256 fingerprint %s is not the pin given (%s)" % (
                option, name, fingerprint_sha256(certs[0]), pin))
        out.extend(numbered(name, certs))
    return out


def _gid(group):
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        return None


class Doctor(object):
    def __init__(self, params):
        self.p = params
        self.lang = params["language"]
        self.checks = []
        self.services = []
        self.gid = _gid(params["group"])

    def add(self, name, key, verdict, service=None, **values):
        self.checks.append(doctor.check(name, key, verdict, self.lang, service, **values))

    # --------------------------------------------------------------------------------------------- files
    def read(self, service, what, path, secret=False):
        """The file's bytes after checking it is a regular file readable by the middleware group; None (and a
        check) when it is not there or not fit."""
        try:
            found = read_regular(path, "%s %s" % (what, path), missing_ok=True)
        except RocError as exc:
            self.add("file", "unsafe", "error", service, what=what, path=path, detail=str(exc))
            return None
        if found is None:
            self.add("file", "missing", "error", service, what=what, path=path)
            return None
        data, st = found
        mode = stat.S_IMODE(st.st_mode)
        if secret and mode & 0o004:
            self.add("file", "open", "error", service, what=what, path=path, detail="%04o" % mode)
        elif self.gid is None:
            self.add("file", "group", "error", service, what=what, group=self.p["group"],
                     detail="le groupe n'existe pas sur l'hôte" if doctor.language(self.lang) == "fr"
                     else "the group does not exist on the host")
        elif not ((st.st_gid == self.gid and mode & 0o040) or (not secret and mode & 0o004)):
            self.add("file", "group", "error", service, what=what, group=self.p["group"],
                     detail="%s, gid %d, mode %04o" % (path, st.st_gid, mode))
        return data

    # ------------------------------------------------------------------------------------------ services
    def service(self, entry, anchors):
        name = entry["service"]
        usage = entry.get("usage") or igc.DEFAULT_SERVICES.get(name)
        paths = service_paths([{"service": name, "usage": usage}], self.p["certs_dir"], self.p["keystores"])[name]
        summary = {"service": name, "usage": usage, "certificate": paths["certificate"]}
        self.services.append(summary)
        before = len(self.checks)
        key_bytes = self.read(name, "privatekey", paths["privatekey"], secret=True)
        cert_bytes = self.read(name, "certificate", paths["certificate"])
        chain_bytes = self.read(name, "chain", paths["chain"])
        fullchain_bytes = self.read(name, "fullchain", paths["fullchain"])
        combined_bytes = self.read(name, "combined", paths["combined"], secret=True)
        keystore_bytes = self.read(name, "keystore", paths["keystore"], secret=True) if paths["keystore"] else None
        cert = key = None
        chain = []
        if cert_bytes is not None:
            try:
                cert = load_certificates(cert_bytes, "certificate %s" % paths["certificate"])[0]
            except RocError as exc:
                self.add("certificate", "unreadable", "error", name, detail=str(exc))
        if cert is not None:
            self.certificate(name, usage, cert, summary)
        if key_bytes is not None:
            try:
                key = load_private_key(key_bytes, self.p.get("key_passphrase"), "privatekey %s" % paths["privatekey"])
            except RocError as exc:
                self.add("key_match", "unreadable", "error", name, detail=str(exc))
        if key is not None and cert is not None:
            if key_matches(key, cert):
                self.add("key_match", "ok", "ok", name)
            else:
                self.add("key_match", "mismatch", "error", name)
        if chain_bytes is not None:
            try:
                chain = load_certificates(chain_bytes, "chain %s" % paths["chain"])
            except RocError as exc:
                self.add("chain", "invalid", "error", name, detail=str(exc))
        if cert is not None:
            self.chain(name, cert, chain, anchors)
            self.fullchain(name, cert, key, fullchain_bytes, combined_bytes, paths)
            if keystore_bytes is not None:
                self.keystore(name, cert, chain, keystore_bytes, paths)
        summary["verdict"] = doctor.worst(c["verdict"] for c in self.checks[before:])

    def certificate(self, name, usage, cert, summary):
        summary.update(sha256=fingerprint_sha256(cert), serial="%x" % cert.serial_number,
                       not_after=not_valid_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       days_left=days_left(not_valid_after(cert)), environment=self.p.get("environment"))
        problem = date_problem(cert, "the certificate")
        read = certificate_profile(cert, "the certificate")
        profile = [p for p in (igc.usage_problem(read, usage) if usage else None, igc.service_problem(read, name),
                               igc.environment_problem(read, self.p.get("environment"))) if p]
        if problem:
            self.add("certificate", "expired", "error", name, detail=problem)
        elif summary["days_left"] < self.p["renew_days"]:
            self.add("certificate", "expiring", "warning", name, not_after=summary["not_after"][:10],
                     days_left=summary["days_left"])
        else:
            self.add("certificate", "ok", "ok", name, not_after=summary["not_after"][:10], days_left=summary["days_left"])
        if profile:
            self.add("certificate", "profile", "error", name, detail="; ".join(profile))

    def chain(self, name, cert, chain, anchors):
        certs = [c for _name, c in anchors]
        try:
            path = validate_path(cert, chain, certs, "certificate of %s" % name)
        except RocError as exc:
            self.add("chain", "invalid", "error", name, detail=str(exc))
            return
        anchor_fps = set(fingerprint_sha256(c) for c in certs)
        reached = [c for c in path if fingerprint_sha256(c) in anchor_fps]
        names = dict((fingerprint_sha256(c), n) for n, c in anchors)
        label = names.get(fingerprint_sha256(reached[0])) if reached else None
        missing = [c for c in path[:1] if fingerprint_sha256(c) not in set(fingerprint_sha256(x) for x in chain)]
        if missing and path:
            self.add("chain", "invalid", "error", name, detail="the chain file lacks the issuing CA %s" % describe(path[0]))
            return
        self.add("chain", "ok", "ok", name, environment=self.p.get("environment") or "", anchor=label or "?")

    def fullchain(self, name, cert, key, fullchain_bytes, combined_bytes, paths):
        fp = fingerprint_sha256(cert)
        problems = []
        for what, data in (("fullchain", fullchain_bytes), ("combined", combined_bytes)):
            if data is None:
                continue
            try:
                first = load_certificates(data, "%s %s" % (what, paths[what]))[0]
            except RocError as exc:
                problems.append((what, str(exc)))
                continue
            if fingerprint_sha256(first) != fp:
                problems.append((what, "its first certificate is %s, not the service's certificate" % describe(first)))
            if what == "combined":
                blocks = private_key_blocks(data)
                if not blocks:
                    problems.append((what, "it holds no private key"))
                else:
                    try:
                        held = load_private_key(blocks[0], self.p.get("key_passphrase"), "combined %s" % paths[what])
                        if not key_matches(held, cert):
                            problems.append((what, "its private key does not match the certificate"))
                    except RocError as exc:
                        problems.append((what, str(exc)))
        for what, detail in problems:
            self.add("fullchain", "invalid", "error", name, what=what, detail=detail)
        if not problems and (fullchain_bytes is not None or combined_bytes is not None):
            self.add("fullchain", "ok", "ok", name)

    def keystore(self, name, cert, chain, data, paths):
        path = paths["keystore"]
        try:
            key, held, extra, alias = load_keystore(data, self.p.get("keystore_password") or "", "keystore %s" % path)
        except RocError as exc:
            if "passphrase" in str(exc):
                self.add("keystore", "password", "error", name, path=path)
            else:
                self.add("keystore", "invalid", "error", name, path=path, detail=str(exc))
            return
        problems = []
        if fingerprint_sha256(held) != fingerprint_sha256(cert):
            problems.append("its certificate is %s, not the installed one" % describe(held))
        if not key_matches(key, cert):
            problems.append("its key does not match the certificate")
        issuer_fps = set(fingerprint_sha256(c) for c in chain[:1])
        if issuer_fps and not issuer_fps & set(fingerprint_sha256(c) for c in extra):
            problems.append("it does not hold the chain (the issuing CA is missing)")
        # the alias, where this cryptography reads it (>= 36), compared in lower case (keytool folds aliases)
        if alias is not None and alias.lower() != paths["keystore_alias"].lower():
            problems.append("its alias is %r, not %r" % (alias.lower(), paths["keystore_alias"]))
        if problems:
            self.add("keystore", "invalid", "error", name, path=path, detail="; ".join(problems))
        else:
            self.add("keystore", "ok", "ok", name, alias=paths["keystore_alias"], chain_length=1 + len(extra))

    # --------------------------------------------------------------------------------------------- stores
    def stores(self, igc_anchors, gie_anchors):
        known = dict(igc_anchors + gie_anchors)
        for index, store in enumerate(self.p["stores"]):
            label = "%s (%s)" % (store["name"], store.get("path") or store["type"])
            wanted = store["anchors"]
            unknown = [n for n in wanted if n not in known]
            if unknown:
                raise RocError("stores[%d].anchors: %s not among igc_anchors/gie_anchors (%s)" % (
                    index, ", ".join(unknown), ", ".join(sorted(known)) or "none given"))
            try:
                held, label = self._store_prints(store, label)
            except RocError as exc:
                self.add("store", "unreadable", "error", store=label, detail=str(exc))
                continue
            missing = [n for n in wanted if fingerprint_sha256(known[n]) not in held]
            if missing:
                self.add("store", "missing", "error", store=label, names=", ".join(missing))
            elif wanted:
                self.add("store", "ok", "ok", store=label, names=", ".join(wanted))

    def _store_prints(self, store, label):
        if store["type"] == "system":
            path = store.get("path") or next((p for p in SYSTEM_BUNDLES if os.path.exists(p)), SYSTEM_BUNDLES[0])
            label = "%s (%s)" % (store["name"], path)
            data = read_regular(path, "store %s" % label, follow=True)[0]
            return set(fingerprint_sha256(c) for c in load_certificates(data, "store %s" % label)), label
        if not store.get("path"):
            raise RocError("give its path")
        data = read_regular(store["path"], "store %s" % label)[0]
        if store["type"] == "pem":
            return set(fingerprint_sha256(c) for c in load_certificates(data, "store %s" % label)), label
        prints = store_fingerprints(data, store.get("password") or "", "store %s" % label)
        if prints is None:
            raise RocError("reading a PKCS#12 truststore needs python3-cryptography >= 36 on the host")
        return set(fingerprint for _alias, fingerprint in prints), label

    # ------------------------------------------------------------------------------------- configuration
    def configuration(self):
        path = self.p.get("config_path")
        if not path:
            return
        try:
            found = read_regular(path, "config_path %s" % path, missing_ok=True)
        except RocError as exc:
            self.add("configuration", "missing", "error", path=path, names=str(exc))
            return
        if found is None:
            self.add("configuration", "absent", "error", path=path)
            return
        named = []
        for line in found[0].decode("utf-8", "replace").splitlines():
            if line.lstrip().startswith(("#", "!", "//")):
                continue
            named.extend(m.group(1).rstrip(".,") for m in CONFIG_PATH.finditer(line))
        named = sorted(set(named))
        missing = [n for n in named if not os.path.lexists(n)]
        if missing:
            self.add("configuration", "missing", "error", path=path, names=", ".join(missing))
        else:
            self.add("configuration", "ok", "ok", path=path, count=len(named))

    # ------------------------------------------------------------------------------------------ handshake
    def handshake(self, gie_anchors):
        endpoint = self.p.get("endpoint")
        if not endpoint:
            return
        name = endpoint["service"]
        paths = service_paths([name], self.p["certs_dir"], False)[name]
        target = "%s:%d" % (endpoint["host"], endpoint["port"])
        try:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            if endpoint.get("cafile"):
                context.load_verify_locations(cafile=endpoint["cafile"])
            elif gie_anchors:
                context.load_verify_locations(cadata="".join(_pem(c) for _name, c in gie_anchors))
            else:
                context.load_default_certs()
            context.load_cert_chain(paths["fullchain"], paths["privatekey"], password=self.p.get("key_passphrase"))
        except (ssl.SSLError, OSError, ValueError) as exc:
            self.add("handshake", "failed", "error", name, endpoint=target,
                     detail="cannot load the client certificate or the CA file (%s)" % exc)
            return
        server_name = endpoint.get("server_name") or endpoint["host"]
        started = time.time()
        try:
            with socket.create_connection((endpoint["host"], endpoint["port"]), timeout=endpoint["timeout"]) as raw:
                with context.wrap_socket(raw, server_hostname=server_name) as tls:
                    version = tls.version()
                    # TLS 1.3: the server judges the client certificate after the handshake; its verdict comes
                    # with the first read
                    tls.sendall(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % server_name).encode("ascii"))
                    tls.recv(1)
        except (ssl.SSLError, socket.error, OSError) as exc:
            self.add("handshake", "failed", "error", name, endpoint=target, detail=self._tls_reason(exc, paths))
            return
        self.add("handshake", "ok", "ok", name, endpoint=target, version="%s, %.0f ms" % (
            version, (time.time() - started) * 1000))

    def _tls_reason(self, exc, paths):
        text = str(getattr(exc, "reason", None) or exc)
        fr = doctor.language(self.lang) == "fr"
        reasons = (
            ("CERTIFICATE_EXPIRED", "le serveur refuse notre certificat : expiré" if fr else
             "the server refuses our certificate: expired"),
            ("UNKNOWN_CA", "le serveur ne reconnaît pas l'autorité de notre certificat (unknown CA)" if fr else
             "the server does not know our certificate's CA (unknown CA)"),
            ("BAD_CERTIFICATE", "le serveur refuse notre certificat (bad certificate)" if fr else
             "the server refuses our certificate (bad certificate)"),
            ("CERTIFICATE_REQUIRED", "le serveur exige un certificat client" if fr else
             "the server requires a client certificate"),
            ("CERTIFICATE_REVOKED", "le serveur refuse notre certificat : révoqué" if fr else
             "the server refuses our certificate: revoked"),
            ("CERTIFICATE_VERIFY_FAILED", "le certificat du serveur n'est pas reconnu (ancres GIE SESAM-Vitale ?)" if fr
             else "the server's certificate is not trusted (GIE SESAM-Vitale anchors?)"),
        )
        label = next((said for code, said in reasons if code in text.upper()), None)
        detail = "%s (%s)" % (label, text) if label else text
        try:
            cert = load_certificates(read_regular(paths["certificate"], "certificate")[0])[0]
            if not_valid_after(cert) < utcnow():
                detail += "; " + ("notre certificat est expiré depuis le %s" if fr else "our certificate expired on %s") % (
                    not_valid_after(cert).strftime("%Y-%m-%d"))
            elif date_problem(cert, "it"):
                detail += "; " + ("notre certificat n'est pas encore valide" if fr else "our certificate is not valid yet")
        except RocError:
            pass
        return detail


def _pem(cert):
    data = certificate_pem(cert)
    return data.decode("ascii") if isinstance(data, bytes) else data


def run(module):
    params = module.params
    host_time = time.time()
    igc_anchors = _anchor_certs(params["igc_anchors"], "igc_anchors")
    gie_anchors = _anchor_certs(params["gie_anchors"], "gie_anchors")
    work = Doctor(params)
    for entry in params["services"]:
        work.service(entry, igc_anchors)
    work.stores(igc_anchors, gie_anchors)
    work.configuration()
    work.handshake(gie_anchors)
    host = socket.gethostname()
    verdict, summary = doctor.summarize(host, work.checks, params["language"], work.services)
    return {"changed": False, "host_time": host_time, "structure": params.get("structure"),
            "environment": params.get("environment"), "checks": work.checks, "services": work.services,
            "verdict": verdict, "summary": summary}
