"""Expiry filters and the fleet report, on facts made by the real certificate_info code."""

import datetime
import os

from ansible_collections.esante.roc.plugins.plugin_utils import report
from ansible_collections.esante.roc.plugins.module_utils.facts import certificate_facts
from ansible_collections.esante.roc.plugins.module_utils.loader import UTC, load_certificate

from conftest import read


def facts_of(path):
    return dict(certificate_facts(load_certificate(read(path))), present=True)


def test_days_left_from_facts_and_pem(fx, realworld):
    leaf = os.path.join(fx["cli"], "leaf.pem")
    facts = facts_of(leaf)
    assert report.days_left(facts) == facts["days_left"]
    assert report.days_left(read(leaf).decode()) == facts["days_left"]
    real = read(os.path.join(realworld, "TEST-ORG-SIGN-leaf.pem")).decode()
    at = datetime.datetime(2024, 12, 13, 13, 6, 17, tzinfo=UTC)
    assert report.days_left(real, now=at) == 10


def test_expiring_is_a_sorted_jmespath_selection():
    items = [{"name": "a", "days_left": 40}, {"name": "b", "days_left": 3}, {"name": "c", "days_left": 20},
             {"name": "d", "present": False, "days_left": None}]
    assert [i["name"] for i in report.expiring(items, 30)] == ["b", "c"]
    assert report.expiring([], 30) == []


def entry(host, structure, service, facts):
    return {"host": host, "structure": structure, "service": service, "facts": facts}


def test_fleet_report_status_sorting_and_consistency(fx, realworld):
    good = facts_of(os.path.join(fx["cli"], "leaf.pem"))
    other = facts_of(fx["aci"])
    expired = facts_of(os.path.join(realworld, "TEST-ORG-SIGN-leaf.pem"))
    rows = [entry("h1", "chu", "Client_ROC_Annuaire_AMC", good), entry("h2", "chu", "Client_ROC_Annuaire_AMC", good)]
    ok = report.fleet_report(rows)
    assert ok["status"] == "ok"
    assert ok["counts"] == {"certificates": 2, "hosts": 2, "warning": 0, "critical": 0, "revoked": 0}
    assert all(r["consistent"] for r in ok["rows"])
    mixed = report.fleet_report(rows[:1] + [entry("h2", "chu", "Client_ROC_Annuaire_AMC", other),
                                            entry("h3", "ch", "Client_ROC_WebServices_AMC", expired),
                                            entry("h3", "ch", "Client_ROC_Annuaire_AMC", {"present": False})])
    assert mixed["status"] == "critical"
    assert [r["host"] for r in mixed["rows"]][0] == "h3"  # absent first, then the expired one
    assert mixed["rows"][1]["days_left"] < 0
    assert [r["consistent"] for r in mixed["rows"] if r["structure"] == "chu"] == [False, False]
    # French by default (read by French teams), English on request
    assert mixed["summary"].startswith("rapport esante.roc CRITIQUE : 4 certificats sur 3 serveurs")
    english = report.fleet_report(rows[:1] + [entry("h2", "chu", "Client_ROC_Annuaire_AMC", other),
                                              entry("h3", "ch", "Client_ROC_WebServices_AMC", expired),
                                              entry("h3", "ch", "Client_ROC_Annuaire_AMC", {"present": False})],
                                  language="en")
    assert english["summary"].startswith("esante.roc report CRITICAL: 4 certificates on 3 hosts")
    soon = dict(good, not_after=(datetime.datetime.now(UTC) + datetime.timedelta(days=20, hours=1)).strftime(
        report.ISO))
    warned = report.fleet_report([entry("h1", "chu", "Client_ROC_Annuaire_AMC", soon)], warn_days=30, fail_days=7)
    assert warned["status"] == "warning" and warned["rows"][0]["days_left"] == 20


def test_html_is_self_contained(fx):
    good = facts_of(os.path.join(fx["cli"], "leaf.pem"))
    page = report.report_html(report.fleet_report([entry("h1", "chu", "Client_ROC_Annuaire_AMC", good),
                                                   entry("h2", "chu<b>", "Client_ROC_Annuaire_AMC", {"present": False})]))
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "</html>" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "<script" not in page and "chu&lt;b&gt;" in page and "absent" in page


def test_revoked_and_missing_services_need_action(fx):
    """A certificate named by the structure's revocation record is critical while installed, and its service,
    once removed, shows as revoked with what to do (not a bare 'absent')."""
    from ansible_collections.esante.roc.plugins.plugin_utils import revocations
    good = facts_of(os.path.join(fx["cli"], "leaf.pem"))
    record = revocations.add({}, "chu", "Client_ROC_Annuaire_AMC", [good], "2026-12-01T10:00:00Z", "vol", ["h1"])
    still = report.fleet_report([entry("h1", "chu", "Client_ROC_Annuaire_AMC", good)], revocations={"chu": record})
    assert still["status"] == "critical" and still["rows"][0]["revoked"]
    assert "RÉVOQUÉ le 2026-12-01T10:00:00Z (vol)" in still["rows"][0]["action"]
    gone = report.fleet_report([entry("h1", "chu", "Client_ROC_Annuaire_AMC", {"present": False}),
                                entry("h1", "chu", "Client_ROC_WebServices_AMC", {"present": False})],
                               revocations={"chu": record}, language="en")
    actions = dict((r["service"], r["action"]) for r in gone["rows"])
    assert actions["Client_ROC_Annuaire_AMC"] == "revoked on 2026-12-01T10:00:00Z (vol): order a new certificate"
    assert actions["Client_ROC_WebServices_AMC"].startswith("absent: install")
    assert gone["counts"]["revoked"] == 1 and gone["status"] == "critical"
    page = report.report_html(still)
    assert '<html lang="fr">' in page and "RÉVOQUÉ" in page and "Jours restants" in page
    # the same certificate without a record: nothing to do
    assert report.fleet_report([entry("h1", "chu", "Client_ROC_Annuaire_AMC", good)])["rows"][0]["action"] == ""
