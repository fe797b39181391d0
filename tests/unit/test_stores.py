"""The one place of the rules several steps share (issue 16): the trust stores and the anchors each holds
(plugin_utils/stores.trust_stores: the trust role writes them, the middleware role names them, the doctor checks
them), the middleware's configuration file (stores.middleware_config_path), and the official IGC-Santé data
(module_utils/igc_anchors.py through structures.igc_official). Their defaults are the roles' own."""

import os
import re

import pytest
import yaml

from conftest import TOP

from ansible_collections.esante.roc.plugins.module_utils import igc_anchors
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.plugin_utils import stores, structures

IGC = [{"name": "ACR-EL", "content": "..."}, {"name": "ACI-EL-ORG", "content": "..."}]
GIE = [{"name": "AC-SERVEUR", "src": "files/AC-SERVEUR.cer"}, {"name": "AC-SERVICES-APPLICATIFS", "src": "x"}]


def load(*parts):
    with open(os.path.join(TOP, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_trust_defaults_are_the_trust_roles():
    defaults = load("roles", "trust", "defaults", "main.yml")
    assert stores.TRUST_DEFAULTS == dict((key, defaults["roc_trust_" + key]) for key in stores.TRUST_DEFAULTS)


def test_middleware_defaults_are_the_middleware_roles():
    defaults = load("roles", "middleware", "defaults", "main.yml")
    assert (stores.MIDDLEWARE_DIR, stores.MIDDLEWARE_FORMAT) == (defaults["roc_middleware_dir"],
                                                                 defaults["roc_middleware_format"])
    spec = load("roles", "middleware", "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert sorted(stores.CONFIG_EXTENSIONS) == sorted(spec["roc_middleware_format"]["choices"])


def test_by_default_only_the_system_store_with_every_anchor():
    assert stores.trust_stores({}, IGC, GIE) == [{"store": "system"}]
    assert stores.trust_stores(None, IGC, GIE, form="doctor") == [
        {"name": "system", "type": "system", "anchors": ["ACR-EL", "ACI-EL-ORG", "AC-SERVEUR", "AC-SERVICES-APPLICATIFS"]}]
    assert stores.trust_stores({}, IGC, GIE, form="middleware") == {"truststore_pem": "", "truststore_java": ""}


def test_every_store_with_its_scope():
    settings = {"system": "false", "java": True, "java_keystore_password": "s", "java_scope": "all", "bundle": "yes",
                "bundle_scope": None, "owner": "roc"}
    assert stores.trust_stores(settings, IGC, GIE) == [
        {"store": "java", "anchors": ["AC-SERVEUR", "AC-SERVICES-APPLICATIFS", "ACR-EL", "ACI-EL-ORG"],
         "keystore_path": "/etc/roc/truststore.p12", "keystore_password": "s", "owner": "roc", "group": "root"},
        {"store": "bundle", "anchors": ["AC-SERVEUR", "AC-SERVICES-APPLICATIFS"], "bundle_path": "/etc/roc/amc-trust.pem",
         "owner": "roc", "group": "root"}]
    # owner and group null: the stores' owner and group are left as they are (not the default root)
    assert stores.trust_stores(dict(settings, owner=None, group=None), IGC, GIE)[1]["group"] is None
    # the doctor's form and order: system, bundle, java
    assert stores.trust_stores(settings, ["ACR-EL", "ACI-EL-ORG"], ["AC-SERVEUR"], form="doctor") == [
        {"name": "bundle", "type": "pem", "path": "/etc/roc/amc-trust.pem", "anchors": ["AC-SERVEUR"]},
        {"name": "java", "type": "pkcs12", "path": "/etc/roc/truststore.p12", "password": "s",
         "anchors": ["AC-SERVEUR", "ACR-EL", "ACI-EL-ORG"]}]


def test_the_middleware_names_a_store_only_when_it_holds_anchors():
    on = {"bundle": True, "java": True, "bundle_path": "/srv/amc.pem"}
    assert stores.trust_stores(on, amc=[], form="middleware") == {"truststore_pem": "", "truststore_java": ""}
    assert stores.trust_stores(on, amc=GIE, form="middleware") == {"truststore_pem": "/srv/amc.pem",
                                                                   "truststore_java": "/etc/roc/truststore.p12"}
    assert stores.trust_stores(dict(on, java_scope="all"), form="middleware") == {
        "truststore_pem": "", "truststore_java": "/etc/roc/truststore.p12"}


@pytest.mark.parametrize("settings, form, message", [
    ({"bundel": True}, "trust_anchor", "unknown settings bundel"),
    ({"java_scope": "some"}, "trust_anchor", "roc_trust_java_scope: must be amc or all"),
    ({}, "store", "form must be one of trust_anchor, doctor, middleware"),
])
def test_wrong_settings_are_named(settings, form, message):
    with pytest.raises(RocError, match=message):
        stores.trust_stores(settings, form=form)


def test_middleware_config_path():
    assert stores.middleware_config_path() == "/etc/roc/middleware/roc.properties"
    assert stores.middleware_config_path(None, None) == "/etc/roc/middleware/roc.properties"
    assert stores.middleware_config_path("/opt/mw/", "yaml") == "/opt/mw/roc.yml"
    assert [stores.middleware_config_path("/d", f) for f in ("properties", "yaml", "json", "env")] == [
        "/d/roc.properties", "/d/roc.yml", "/d/roc.json", "/d/roc.env"]
    with pytest.raises(RocError, match="roc_middleware_format: must be one of"):
        stores.middleware_config_path("/d", "xml")


@pytest.mark.parametrize("environment", ["production", "test"])
def test_igc_official_is_the_collections_data(environment):
    found = structures.igc_official(environment)
    for anchor in igc_anchors.anchors(environment):
        entry = found[anchor["role"]]
        assert (entry["name"], entry["file"], entry["sha256"]) == (anchor["name"], anchor["file"], anchor["sha256"])
        assert entry["url"] == found["base"] + anchor["file"]
        assert "pem" not in entry
    assert structures.igc_official(environment, "sha256") == dict(
        (a["role"], a["sha256"]) for a in igc_anchors.anchors(environment))
    with pytest.raises(RocError, match="field must be one of"):
        structures.igc_official(environment, "pem")
    with pytest.raises(RocError, match="environment: must be production or test"):
        structures.igc_official("staging")


def test_the_aci_addresses_are_ans_folders():
    assert structures.igc_official("production", "url")["aci"] == "http://igc-sante.esante.gouv.fr/AC/ACI-EL-ORG.cer"
    assert (structures.igc_official("test", "url")["aci"]
            == "http://igc-sante.esante.gouv.fr/AC%20TEST/ACI-EL-ORG-TEST.cer")


def test_the_doctor_warns_when_the_renewal_starts():
    """One default for roc_renew_days: the doctor's warning falls back to the csr role's default (renew renews then)."""
    doctor = load("playbooks", "doctor.yml")[0]["vars"]["roc_doctor_renew_days"]
    assert re.search(r"roc_renew_days \| default\((\d+)\)", doctor).group(1) == str(
        load("roles", "csr", "defaults", "main.yml")["roc_renew_days"])
