# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files one step writes on a host and others read: the trust stores (the system store, the Java truststore,
the PEM bundle) with the anchors each holds, and the middleware's configuration file. The one place for these rules:
the trust role writes the stores trust_stores() lists, the middleware role names them in its configuration
(form middleware) and esante.roc.doctor checks them (form doctor); the middleware role and the doctor name the
configuration file middleware_config_path() gives. Controller only (the filters trust_stores and
middleware_config_path). The defaults are the trust and middleware roles' own (tests/unit/test_stores.py holds
them equal to the roles' defaults/main.yml). Also the official IGC-Santé ACR and ACI (igc_official, from
module_utils/igc_anchors.py): the trust and preflight roles' defaults read them, and the argument checks render
those defaults in every forked worker, so they live in this light file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.esante.roc.plugins.module_utils import igc_anchors as official
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError

# the trust role's settings that decide its stores: key -> the default of roc_trust_<key>
TRUST_DEFAULTS = {
    "system": True,
    "java": False,
    "java_keystore_path": "/etc/roc/truststore.p12",
    "java_keystore_password": "",
    "java_scope": "amc",
    "bundle": False,
    "bundle_path": "/etc/roc/amc-trust.pem",
    "bundle_scope": "amc",
    "owner": "root",
    "group": "root",
}
SCOPES = ("amc", "all")
FORMS = ("trust_anchor", "doctor", "middleware")

# the middleware role's defaults (roc_middleware_dir, roc_middleware_format) and each format's file extension
MIDDLEWARE_DIR = "/etc/roc/middleware"
MIDDLEWARE_FORMAT = "properties"
CONFIG_EXTENSIONS = {"properties": "properties", "yaml": "yml", "json": "json", "env": "env"}


# settings whose None is a value: the stores' owner and group left as they are (esante.roc.trust_anchor's owner, group)
KEPT_NONE = ("owner", "group")


def trust_settings(settings=None):
    """The trust role's store settings ({key: value}, key as in roc_trust_<key>), each one not given (or None, but
    for owner and group, where None leaves the store's owner or group as it is) at the trust role's default, the
    switches as booleans, the scopes checked."""
    given = dict((k, v) for k, v in (settings or {}).items() if v is not None or k in KEPT_NONE)
    unknown = sorted(set(given) - set(TRUST_DEFAULTS))
    if unknown:
        raise RocError("trust_stores: unknown settings %s (known: %s, as in roc_trust_<setting>)"
                       % (", ".join(unknown), ", ".join(sorted(TRUST_DEFAULTS))))
    out = dict(TRUST_DEFAULTS)
    out.update(given)
    for key in ("system", "java", "bundle"):
        out[key] = boolean(out[key], strict=False)
    for key in ("java_scope", "bundle_scope"):
        if out[key] not in SCOPES:
            raise RocError("roc_trust_%s: must be amc or all, not %r" % (key, out[key]))
    return out


def _names(anchors):
    """Anchor names, from names or from {name, ...} entries (esante.roc.trust_anchor's anchors)."""
    return [a["name"] if isinstance(a, dict) else a for a in anchors or []]


def trust_stores(settings=None, igc=None, amc=None, form="trust_anchor"):
    """The stores the trust step writes, from its settings (trust_settings), each with the anchors it holds: the
    system store every anchor, the Java truststore and the PEM bundle the AMC side's (the GIE SESAM-Vitale anchors,
    `amc`) and, with scope all, the IGC-Santé ones (`igc`) too. Anchors by name or as {name, ...}.

    form trust_anchor: esante.roc.trust_anchor's `stores` (system, java, bundle; the system store without
    `anchors`, i.e. all of them). form doctor: esante.roc.doctor's `stores` (system, bundle, java; {name, type, path,
    password, anchors}). form middleware: {truststore_pem, truststore_java}, the path of each store the
    middleware's configuration names (written, holding the AMC side's anchors or scope all), else ''; `igc` is not
    needed there (the trust step always installs the two IGC-Santé anchors)."""
    if form not in FORMS:
        raise RocError("trust_stores: form must be one of %s, not %r" % (", ".join(FORMS), form))
    s = trust_settings(settings)
    igc, amc = _names(igc), _names(amc)
    if form == "middleware":
        return {"truststore_pem": s["bundle_path"] if s["bundle"] and (amc or s["bundle_scope"] == "all") else "",
                "truststore_java": (s["java_keystore_path"]
                                    if s["java"] and (amc or s["java_scope"] == "all") else "")}
    java = amc + (igc if s["java_scope"] == "all" else [])
    bundle = amc + (igc if s["bundle_scope"] == "all" else [])
    if form == "doctor":
        out = [{"name": "system", "type": "system", "anchors": igc + amc}] if s["system"] else []
        if s["bundle"]:
            out.append({"name": "bundle", "type": "pem", "path": s["bundle_path"], "anchors": bundle})
        if s["java"]:
            out.append({"name": "java", "type": "pkcs12", "path": s["java_keystore_path"],
                        "password": s["java_keystore_password"], "anchors": java})
        return out
    out = [{"store": "system"}] if s["system"] else []
    if s["java"]:
        out.append({"store": "java", "anchors": java, "keystore_path": s["java_keystore_path"],
                    "keystore_password": s["java_keystore_password"], "owner": s["owner"], "group": s["group"]})
    if s["bundle"]:
        out.append({"store": "bundle", "anchors": bundle, "bundle_path": s["bundle_path"], "owner": s["owner"],
                    "group": s["group"]})
    return out


def middleware_config_path(directory=None, fmt=None):
    """The middleware's configuration file: <directory>/roc.<extension of fmt> (properties, yml, json, env), the
    middleware role's defaults for what is not given (None)."""
    directory = MIDDLEWARE_DIR if directory is None else directory
    fmt = MIDDLEWARE_FORMAT if fmt is None else fmt
    if fmt not in CONFIG_EXTENSIONS:
        raise RocError("roc_middleware_format: must be one of %s, not %r" % (", ".join(CONFIG_EXTENSIONS), fmt))
    return "%s/roc.%s" % (directory.rstrip("/"), CONFIG_EXTENSIONS[fmt])


#: the IGC-Santé ranges (structures.py names them too)
ENVIRONMENTS = ("production", "test")
OFFICIAL_FIELDS = ("name", "file", "subject", "sha256", "url")


def igc_official(environment, field=None):
    """The official IGC-Santé ACR and ACI of an environment (module_utils/igc_anchors.py, the one place of the pins
    and download addresses): {base, acr: {name, file, subject, sha256, url}, aci: {...}}, or with `field` only that
    field of each ({acr: ..., aci: ...}: the trust role's pins, file names, store names)."""
    if environment not in ENVIRONMENTS:
        raise RocError("environment: must be production or test, not %r" % (environment,))
    found = official.official(environment)
    if field is None:
        return found
    if field not in OFFICIAL_FIELDS:
        raise RocError("igc_official: field must be one of %s, not %r" % (", ".join(OFFICIAL_FIELDS), field))
    return dict((role, found[role][field]) for role in ("acr", "aci"))
