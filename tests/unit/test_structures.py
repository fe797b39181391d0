"""The inventory model's checks: every problem at once, each naming its field."""

import pytest

from ansible_collections.esante.roc.plugins.plugin_utils import structures
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError

GOOD = {
    "organization": "CHU DE DIJON", "state_province": "Côte-d'Or (21)", "identifier_type": "finess",
    "identifier": "210780581", "contract_level": "EJ", "environment": "production",
    "services": {"Client_ROC_Annuaire_AMC": {"usage": "auth_cli", "delivery": "csr"},
                 "Client_ROC_WebServices_AMC": {"usage": "sign", "delivery": "p12", "p12_src": "x.p12",
                                                "p12_passphrase": "s"}},
}


def test_good_structure_has_no_problem():
    assert structures.problems({"chu-dijon": GOOD}) == []
    assert structures.subject(GOOD) == {"country": "FR", "state_province": "Côte-d'Or (21)",
                                        "organization": "CHU DE DIJON", "structure_id": "1210780581"}


def test_every_problem_listed_at_once():
    bad = dict(GOOD, organization="", state_province="Cote d'Or", identifier="210780582", contract_level="X",
               environment="prod",
               services={"Client_ROC_Annuaire_AMC": {"usage": "auth", "delivery": "mail"},
                         "Client_ROC_WebServices_AMC": {"usage": "sign", "delivery": "p12"}})
    found = structures.problems({"chu dijon": bad})
    text = "\n".join(found)
    for fragment in ("roc_structures.chu dijon: the name", ".organization: the legal name", ".state_province: 'Cote",
                     "wrong check key", ".contract_level: must be EJ or EG", ".environment: must be",
                     "Client_ROC_Annuaire_AMC.usage", "Client_ROC_Annuaire_AMC.delivery",
                     "Client_ROC_WebServices_AMC.p12_src", "Client_ROC_WebServices_AMC.p12_passphrase"):
        assert fragment in text, fragment
    assert len(found) == 10


def test_annexe_2_ej_eg_coherence():
    eg = dict(GOOD, contract_level="EG", finess_ej="210780581", finess_eg="210780417")
    found = structures.problems({"chu": eg})
    assert len(found) == 1 and "signed at the EG" in found[0] and "210780417" in found[0] and "EJ's" in found[0]
    assert structures.problems({"chu": dict(eg, identifier="210780417")}) == []


def test_default_services_and_paths():
    minimal = dict(GOOD)
    minimal.pop("services")
    minimal["delivery"] = "csr"
    services = structures.services(minimal)
    assert [(s["service"], s["usage"], s["delivery"]) for s in services] == [
        ("Client_ROC_Annuaire_AMC", "auth_cli", "csr"), ("Client_ROC_WebServices_AMC", "sign", "csr")]
    paths = structures.service_paths(services, "/srv/roc/")
    assert paths["Client_ROC_Annuaire_AMC"]["privatekey"] == "/srv/roc/Client_ROC_Annuaire_AMC/Client_ROC_Annuaire_AMC.key"
    assert paths["Client_ROC_WebServices_AMC"]["keystore_alias"] == "Client_ROC_WebServices_AMC"


def test_names_that_would_escape_their_folder_are_listed():
    """Service and structure names become folders and files on the hosts: a path, a newline, a leading dot or
    a long name is a problem that names the field (before, '../../etc/cron.d/x' and 'x\\n' passed)."""
    bad_services = {"../../etc/cron.d/x": {"usage": "auth_cli", "delivery": "csr"},
                    "Client\n": {"usage": "sign", "delivery": "csr"},
                    ".hidden": {"usage": "sign", "delivery": "csr"},
                    "x" * 65: {"usage": "sign", "delivery": "csr"}}
    found = structures.problems({"chu\n": dict(GOOD, services=bad_services)})
    text = "\n".join(found)
    assert "roc_structures.chu\n: the name 'chu\\n' must be" in text
    for name in ("'../../etc/cron.d/x'", "'Client\\n'", "'.hidden'", repr("x" * 65)):
        assert "the service name %s must be" % name in text, text
    with pytest.raises(RocError, match="service_paths: the service name '../x'"):
        structures.service_paths([{"service": "../x", "usage": "sign"}])
    assert structures.problems({"chu": GOOD}) == []


def test_install_plan_is_what_the_install_step_needs_in_one_call():
    record = {"records": [{"service": "Client_ROC_Annuaire_AMC", "serial": "0A1B", "date": "2026-01-02",
                           "reason": "keyCompromise"}]}
    plan = structures.install_plan(
        GOOD, "h2", "h1", issued=["/o/chu/Client_ROC_Annuaire_AMC.crt", "/o/chu/Client_ROC_Annuaire_AMC.renew.crt"],
        renewed=["/o/chu/Client_ROC_Annuaire_AMC.renew.crt"], key_share=True, ca_files=None, revocations=record,
        revocations_path="/o/chu/revocations.json", carries=True, renewal=True, structure_name="chu")
    assert [s["service"] for s in plan["services"]] == ["Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"]
    assert [s["service"] for s in plan["issued"]] == ["Client_ROC_Annuaire_AMC"]
    assert plan["key_host"] == "h1" and plan["carries"] is True and plan["environment"] == "production"
    assert plan["renewing"] == ["Client_ROC_Annuaire_AMC"]
    assert plan["chain"] == structures.igc_chain("production") and len(plan["chain"]) == 2
    assert "official IGC-Santé production" in plan["chain_source"] and "structure chu" in plan["chain_source"]
    assert plan["revoked"] == [{"serial": "0A1B", "date": "2026-01-02", "reason": "keyCompromise",
                                "record": "/o/chu/revocations.json"}]
    # key_share false: a host that is not the key host gets no csr-path service; no renewal mode, nothing renewing;
    # roc_ca_files for the range named in chain_source; nothing to install, nothing carried
    alone = structures.install_plan(GOOD, "h2", "h1", issued=["Client_ROC_Annuaire_AMC.crt"], key_share=False,
                                    renewed=["Client_ROC_Annuaire_AMC.renew.crt"], ca_files={"production": ["a.pem"]},
                                    carries=True, structure_name="chu")
    assert [s["service"] for s in alone["services"]] == ["Client_ROC_WebServices_AMC"]
    assert alone["issued"] == [] and alone["renewing"] == [] and alone["revoked"] == []
    assert alone["chain"] == ["a.pem"] and alone["chain_source"] == "roc_ca_files (production, structure chu)"
    csr_only = dict(GOOD, services={"Client_ROC_Annuaire_AMC": {"usage": "auth_cli", "delivery": "csr"}})
    assert structures.install_plan(csr_only, "h1", "h1", issued=[], carries=True)["carries"] is False
    with pytest.raises(RocError, match="roc_ca_files"):
        structures.install_plan(GOOD, "h1", "h1", ca_files={"prod": ["a.pem"]})


def test_a_renewal_certificate_alone_does_not_make_a_service_ready():
    ready = structures.ready_services(GOOD, ["/o/chu/Client_ROC_Annuaire_AMC.renew.crt"])
    assert [s["service"] for s in ready] == ["Client_ROC_WebServices_AMC"]  # the p12-path one only
    ready = structures.ready_services(GOOD, ["/o/chu/Client_ROC_Annuaire_AMC.renew.crt", "Client_ROC_Annuaire_AMC.crt"])
    assert [s["service"] for s in ready] == ["Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"]
