# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory model of a structure (an establishment) and its checks, shared by the preflight
role (through filters) and anything that needs a structure's certificate subject.

A structure, in ``roc_structures`` (name -> description)::

    organization: CHU DE DIJON                # O, the legal name
    state_province: "Côte-d'Or (21)"          # ST, "Département (NN)"
    identifier_type: finess                   # finess | siret (| siren)
    identifier: "210780581"                   # FINESS of the EJ or the EG (Annexe 2), or SIRET
    contract_level: EJ                        # EJ | EG: who signed the ASIP/ANS structure contract
    finess_ej: "210780581"                    # optional: both FINESS, to check the EJ/EG choice
    finess_eg: "210000000"
    environment: production                   # production | test
    services:                                 # default: the two ROC services, p12 path
      Client_ROC_Annuaire_AMC: {usage: auth_cli, delivery: p12, p12_src: ..., p12_passphrase: ...}
      Client_ROC_WebServices_AMC: {usage: sign, delivery: csr}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.esante.roc.plugins.module_utils import igc
from ansible_collections.esante.roc.plugins.module_utils.layout import service_paths, valid_name
from ansible_collections.esante.roc.plugins.plugin_utils import identifiers
from ansible_collections.esante.roc.plugins.plugin_utils import revocations as revocations_mod
from ansible_collections.esante.roc.plugins.plugin_utils import stores
from ansible_collections.esante.roc.plugins.module_utils import igc_anchors as official
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError

DELIVERIES = ("p12", "csr")
LEVELS = ("EJ", "EG")
ENVIRONMENTS = stores.ENVIRONMENTS
ST_RE = re.compile(r"^\S.* \((\d{2}|2A|2B|97\d|98\d)\)$")


def environment(structure, default="production"):
    """The IGC-Santé range a structure's certificates come from: its `environment` (production | test)."""
    return (structure or {}).get("environment") or default


def services(structure):
    """[{service, usage, delivery, ...}] with the ROC defaults filled in, in a stable order."""
    given = structure.get("services")
    if given is None:
        given = dict((name, {"usage": usage}) for name, usage in igc.DEFAULT_SERVICES.items())
    out = []
    for name in sorted(given):
        entry = dict(given[name] or {})
        entry["service"] = name
        entry.setdefault("usage", igc.DEFAULT_SERVICES.get(name))
        entry.setdefault("delivery", structure.get("delivery", "p12"))
        out.append(entry)
    return out


def subject(structure, name="structure"):
    """The ORG subject fields (igc.subject_fields) of a structure of the inventory (roc_structures.<name>), its
    identifier validated (FINESS, SIREN, SIRET): the filter igc_subject."""
    structure = structure or {}
    return igc.subject_fields(
        structure.get("organization"),
        identifiers.structure_id(structure.get("identifier_type"), structure.get("identifier"),
                                 "roc_structures.%s.identifier" % name),
        structure.get("state_province"), structure.get("country", "FR"))


def problems(structures):
    """Every problem of every structure, as sentences naming the field (empty when all is well)."""
    found = []
    if not isinstance(structures, dict) or not structures:
        return ["roc_structures: describe at least one structure (name -> description)"]
    for name in sorted(structures):
        found.extend(_structure_problems(name, structures[name] or {}))
    return found


def _structure_problems(name, structure):
    where = "roc_structures.%s" % name
    found = []
    if not valid_name(name):
        found.append("%s: the name %r must be letters, digits, '.', '_' or '-' (64 at most, not starting with '.')"
                     % (where, name))
    if not (structure.get("organization") or "").strip():
        found.append("%s.organization: the legal name (O) is missing" % where)
    st = structure.get("state_province")
    if not st:
        found.append("%s.state_province: the département (ST) is missing, e.g. \"Côte-d'Or (21)\"" % where)
    elif not ST_RE.match(st):
        found.append("%s.state_province: '%s' is not \"Département (NN)\", e.g. \"Côte-d'Or (21)\"" % (where, st))
    try:
        identifiers.structure_id(structure.get("identifier_type"), structure.get("identifier"), where + ".identifier")
    except RocError as exc:
        found.append(str(exc))
    level = structure.get("contract_level")
    if level not in LEVELS:
        found.append("%s.contract_level: must be EJ or EG (Annexe 2: who signed the structure contract), not %r"
                     % (where, level))
    else:
        found.extend(_level_problems(where, structure, level))
    if environment(structure) not in ENVIRONMENTS:
        found.append("%s.environment: must be production or test" % where)
    names = structure.get("services")
    if names is not None and not isinstance(names, dict):
        found.append("%s.services: a mapping service name -> {usage, delivery}" % where)
        return found
    for entry in services(structure):
        label = "%s.services.%s" % (where, entry["service"])
        if not valid_name(entry["service"]):
            found.append("%s.services: the service name %r must be letters, digits, '.', '_' or '-' (64 at most, not "
                         "starting with '.'): it names the service's folder and files on the hosts" % (where, entry["service"]))
            continue
        if entry["usage"] not in igc.USAGES:
            found.append("%s.usage: must be one of %s, not %r" % (label, ", ".join(igc.USAGES), entry["usage"]))
        if entry["delivery"] not in DELIVERIES:
            found.append("%s.delivery: must be p12 or csr, not %r" % (label, entry["delivery"]))
        if entry["delivery"] == "p12" and not entry.get("p12_src"):
            found.append("%s.p12_src: the bundle file delivered by the platform is missing (p12 path)" % label)
        if entry["delivery"] == "p12" and not entry.get("p12_passphrase"):
            found.append("%s.p12_passphrase: the bundle's passphrase is missing (p12 path; put it in a vault)" % label)
    return found


def _level_problems(where, structure, level):
    """Annexe 2: certificates carry the identity of whoever signed the contract (EJ, or that EG)."""
    expected = structure.get("finess_%s" % level.lower())
    other = structure.get("finess_%s" % ("eg" if level == "EJ" else "ej"))
    if structure.get("identifier_type") != "finess" or not expected:
        return []
    if structure.get("identifier") != expected:
        hint = " (it is the %s's)" % ("EG" if level == "EJ" else "EJ") if structure.get("identifier") == other else ""
        return ["%s.identifier: the contract is signed at the %s, so the certificates carry the %s's FINESS %s, not %s%s"
                % (where, level, level, expected, structure.get("identifier"), hint)]
    return []


def _services_named(files, suffix, but=None):
    """The service names of the order folder's files (paths or names) named <service><suffix>, leaving out those
    that end in `but` (a certificate's .crt, not a renewal's .renew.crt)."""
    names = set()
    for item in files or []:
        base = str(item).rstrip("/").rsplit("/", maxsplit=1)[-1]
        if base.endswith(suffix) and not (but and base.endswith(but)):
            names.add(base[:-len(suffix)])
    return names


def ready_services(structure, issued=None, key_share=True, key_host=True):
    """The services of a structure whose material a host can have now: the p12-path ones (the bundle is in the
    inventory) and the csr-path ones whose issued certificate is in the order folder (`issued`: the paths or names
    of the `<service>.crt` files found there). With key_share false, a host that is not its structure's key host
    gets no csr-path service (the key stays on its key host). The install role installs these, the middleware role
    names them: both call this with the same inputs."""
    names = _services_named(issued, ".crt", but=".renew.crt")
    out = []
    for entry in services(structure):
        if entry["delivery"] == "p12":
            out.append(entry)
        elif entry["service"] in names and (key_share or key_host):
            out.append(entry)
    return out


MIDDLEWARE_FILES = ("privatekey", "certificate", "chain", "fullchain", "combined")


def middleware_paths(service_list, certs_dir="/etc/roc", keystores=True):
    """{service: {usage, privatekey, certificate, chain, fullchain, combined[, keystore, keystore_alias]}}: what the
    middleware's configuration names, i.e. only files an install writes (no CSR, no renewal files; the keystore only
    when keystores are written)."""
    out = {}
    for name, paths in service_paths(service_list, certs_dir, keystores).items():
        entry = {"usage": paths["usage"]}
        entry.update((k, paths[k]) for k in MIDDLEWARE_FILES)
        if keystores:
            entry.update(keystore=paths["keystore"], keystore_alias=paths["keystore_alias"])
        out[name] = entry
    return out


ITEM_KINDS = ("csr", "pkcs12_unpack", "certificate", "keystore")


def _keys_by_service(keys):
    """{service: key content} from a dict, or from the results of a slurp loop over service entries."""
    if not keys:
        return {}
    if isinstance(keys, dict):
        return keys
    out = {}
    for result in keys:
        entry = result.get("item") or {}
        name = entry.get("service") if isinstance(entry, dict) else entry
        if name and result.get("content"):
            out[name] = result["content"]
    return out


def service_items(service_list, kind, certs_dir="/etc/roc", src_dir=None, keys=None, renewal=False, keystores=False):
    """The `items` option of esante.roc.<kind> for these services, from the stable paths: one execution
    per host for all of them. pkcs12_unpack takes each service's p12_src and p12_passphrase; certificate
    takes <src_dir>/<service>.crt (the order folder) and, for a service in `keys`, the key to write with it
    (a structure's other hosts get the key made on its key host). With renewal, csr makes the renewal key and
    CSR next to the live ones (<service>.next.key, .next.csr) and certificate takes <src_dir>/<service>.renew.crt
    and swaps the renewal key in. With keystores, pkcs12_unpack and certificate items also write each service's
    keystore (<service>.p12, alias = service) in the same execution."""
    keys = _keys_by_service(keys)
    if kind not in ITEM_KINDS:
        raise RocError("service_items: kind must be one of %s, not %r" % (", ".join(ITEM_KINDS), kind))
    if kind == "certificate" and not src_dir:
        raise RocError("service_items: kind certificate needs src_dir (the order folder of the structure)")
    paths = service_paths(service_list, certs_dir)
    items = []
    for entry in service_list:
        name = entry["service"] if isinstance(entry, dict) else entry
        p = paths[name]
        if kind == "csr":
            items.append({"service": name, "privatekey_path": p["next_privatekey" if renewal else "privatekey"],
                          "csr_path": p["next_csr" if renewal else "csr"]})
        elif kind == "keystore":
            items.append({"alias": name, "path": p["keystore"], "privatekey_path": p["privatekey"],
                          "certificate_path": p["certificate"], "chain_path": p["chain"]})
        elif kind == "pkcs12_unpack":
            items.append({"service": name, "usage": p["usage"], "src": entry.get("p12_src"),
                          "passphrase": entry.get("p12_passphrase"), "dest": "%s/%s" % (certs_dir.rstrip("/"), name),
                          "combined_path": p["combined"]})
        else:
            item = {"service": name, "usage": p["usage"],
                    "src": "%s/%s.%s" % (src_dir.rstrip("/"), name, "renew.crt" if renewal else "crt"),
                    "path": p["certificate"], "privatekey_path": p["privatekey"], "chain_path": p["chain"],
                    "fullchain_path": p["fullchain"], "combined_path": p["combined"]}
            if renewal:
                item.update(next_privatekey_path=p["next_privatekey"], next_csr_path=p["next_csr"])
            if keys.get(name):
                item["privatekey_content"] = keys[name]
            items.append(item)
        if keystores and kind in ("pkcs12_unpack", "certificate"):
            items[-1]["keystore_path"] = p["keystore"]
    return items


def certificate_targets(structure, certs_dir="/etc/roc"):
    """[{name, path, privatekey_path, chain_path}] of a structure's services, for esante.roc.certificate_info (the
    chain: the issuer that a CRL must be signed by)."""
    paths = service_paths(services(structure), certs_dir, False)
    return [{"name": name, "path": p["certificate"], "privatekey_path": p["privatekey"], "chain_path": p["chain"]}
            for name, p in sorted(paths.items())]


def key_hosts(host_structures):
    """{structure: its key host} from {host: structure} in play order: a structure's keys are made on its first
    host (computed once per play, run_once, instead of every host looking at every other host)."""
    out = {}
    for host, name in (host_structures or {}).items():
        if name and name not in out:
            out[name] = host
    return out


def key_host(structure, known, hosts, hostvars):
    """The structure's key host: from `known` (key_hosts, computed once by the preflight role) when it names the
    structure, else the first of `hosts` whose roc_structure is `structure` (a role run without preflight)."""
    if known and structure in known:
        return known[structure]
    for host in hosts:
        if host in hostvars and hostvars[host].get("roc_structure") == structure:
            return host
    raise RocError("key_host: no host of this play belongs to the structure %r" % structure)


# --------------------------------------------------------------------------------- IGC-Santé anchors
def _ca_files_for(ca_files, environment):
    """roc_ca_files for one environment: a list applies to every environment, a mapping gives one per environment."""
    if not ca_files:
        return []
    if isinstance(ca_files, dict):
        unknown = sorted(set(ca_files) - set(ENVIRONMENTS))
        if unknown:
            raise RocError("roc_ca_files: keys must be production and/or test (lists of CA files), not %s" % unknown)
        return list(ca_files.get(environment) or [])
    if isinstance(ca_files, (list, tuple)):
        return list(ca_files)
    raise RocError("roc_ca_files: a list of CA files, or {production: [...], test: [...]}, not %r" % (ca_files,))


def igc_anchors(environment, ca_files=None, names=None):
    """The IGC-Santé CA certificates that the certificates of an environment's structures must chain to, as
    esante.roc.trust_anchor `anchors` ([{name, src | content, sha256?}], root first): the files of roc_ca_files for
    that environment when given (a controller path or PEM text, or {src | content, sha256, name}), else the
    official certificates that travel with the collection, pinned (names: {acr, aci} store names)."""
    if environment not in ENVIRONMENTS:
        raise RocError("environment: must be production or test, not %r" % (environment,))
    given = _ca_files_for(ca_files, environment)
    if not given:
        names = names or {}
        return [{"name": names.get(a["role"]) or a["name"], "content": a["pem"], "sha256": a["sha256"]}
                for a in official.anchors(environment)]
    out = []
    for index, entry in enumerate(given):
        where = "roc_ca_files%s[%d]" % ("" if isinstance(ca_files, list) else "." + environment, index)
        if isinstance(entry, str):
            entry = {"content": entry} if "-----BEGIN" in entry else {"src": entry}
        if not isinstance(entry, dict) or not (entry.get("src") or entry.get("content")):
            raise RocError("%s: a controller file path, PEM text, or {src | content, sha256, name}" % where)
        name = entry.get("name")
        if not name and entry.get("src"):
            name = re.sub(r"\.(pem|cer|crt|der|p7b|p7c)$", "", entry["src"].rstrip("/").split("/")[-1], flags=re.I)
        name = name or "IGC-%s-%d" % (environment, index + 1)
        if not valid_name(name):
            raise RocError("%s: the anchor name %r must be letters, digits, '.', '_' or '-' (give name)" % (where, name))
        item = {"name": name}
        item.update((k, entry[k]) for k in ("src", "content", "sha256") if entry.get(k))
        out.append(item)
    return out


# the official ACR/ACI data lives in stores.py (igc_official): the trust role's defaults read it, and the argument
# checks compile only that light file in every worker
OFFICIAL_FIELDS = stores.OFFICIAL_FIELDS
igc_official = stores.igc_official


def igc_chain(environment, ca_files=None):
    """The same certificates as esante.roc.pkcs12_unpack / certificate `chain` entries (controller paths or PEM)."""
    return [a.get("src") or a["content"] for a in igc_anchors(environment, ca_files)]


# --------------------------------------------------------------------------------- the install step's plan
def install_plan(structure, host, key_host_name, issued=None, renewed=None, key_share=True, default_environment=None,
                 ca_files=None, revocations=None, revocations_path=None, carries=False, renewal=False,
                 structure_name=None):
    """What the install step does on a host, in one call (the role's one fact, __roc_install_plan):
    services (ready_services: what the host can have now), issued (the csr-path ones among them), key_host,
    carries (the middleware's keystores and configuration go into the step's execution: asked, and something to
    install), environment (the structure's IGC-Santé range), chain (its CAs, as the modules' `chain`),
    chain_source (where they come from, named in refusals), revoked (the modules' `revoked`, from the structure's
    revocation record when there is one) and, in renewal mode, renewing (the csr-path services whose renewed
    certificate `<service>.renew.crt` is among `renewed`). One filter instead of a template: ansible-core 2.19
    compiles a template each time it renders one, in every forked worker."""
    name = structure_name or "?"
    now = ready_services(structure, issued, key_share, host == key_host_name)
    issued_now = [entry for entry in now if entry["delivery"] == "csr"]
    env = environment(structure, default_environment or "production")
    own = _ca_files_for(ca_files, env)
    renewing = []
    if renewal:
        waiting = _services_named(renewed, ".renew.crt")
        renewing = [entry["service"] for entry in issued_now if entry["service"] in waiting]
    return {
        "services": now,
        "issued": issued_now,
        "key_host": key_host_name,
        "carries": bool(carries) and len(now) > 0,
        "environment": env,
        "chain": igc_chain(env, ca_files),
        "chain_source": ("roc_ca_files (%s, structure %s)" % (env, name)) if own else (
            "the collection's official IGC-Santé %s ACI and ACR (structure %s); set roc_ca_files for other CAs"
            % (env, name)),
        "revoked": revocations_mod.entries(revocations, revocations_path) if revocations is not None else [],
        "renewing": renewing,
    }
