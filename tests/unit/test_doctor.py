"""esante.roc.doctor run for real on files made by the openssl CLI (tests/conftest.py fixtures: a lab test-range
Annuaire leaf, its key, the lab ACI and ACR), and the fleet document of module_utils/doctor.py. The fleet proof
(planted faults, clock, live handshake) is tests/integration/test_doctor_playbook.py."""

import os
import shutil

import pytest

from ansible_collections.esante.roc.plugins.module_utils import doctor

AUTH = "Client_ROC_Annuaire_AMC"


@pytest.fixture
def installed(tmp_path, fx):
    """<certs_dir>/<service>/ as the install step leaves it (group root here, mode 0640 for the key material)."""
    cli = fx["cli"]
    folder = tmp_path / "roc" / AUTH
    folder.mkdir(parents=True)
    base = str(folder / AUTH)
    chain = open(fx["aci"]).read() + open(fx["acr"]).read()
    cert = open(os.path.join(cli, "leaf.pem")).read()
    key = open(os.path.join(cli, "leaf.key")).read()
    for suffix, text, mode in ((".key", key, 0o640), (".crt", cert, 0o644), (".chain.pem", chain, 0o644),
                               (".fullchain.pem", cert + chain, 0o644), (".pem", cert + key, 0o640)):
        with open(base + suffix, "w") as handle:
            handle.write(text)
        os.chmod(base + suffix, mode)
    return {"certs_dir": str(tmp_path / "roc"), "base": base,
            "anchors": [{"name": "lab-ACR-EL-TEST", "content": open(fx["acr"]).read()},
                        {"name": "lab-ACI-EL-ORG-TEST", "content": open(fx["aci"]).read()}]}


def run(run_module, installed, **extra):
    args = dict(services=[{"service": AUTH}], certs_dir=installed["certs_dir"], group="root", keystores=False,
                igc_anchors=installed["anchors"], environment="test", language="en")
    args.update(extra)
    return run_module("doctor", **args)


def verdicts(result):
    return dict(((c["check"], c.get("verdict")) for c in result["checks"] if c["verdict"] != "ok"))


def test_healthy_material_is_ok(run_module, installed):
    result = run(run_module, installed)
    assert result.get("failed") is not True, result
    assert result["verdict"] == "ok", result["checks"]
    assert {c["check"] for c in result["checks"]} >= {"certificate", "key_match", "chain", "fullchain"}
    assert result["changed"] is False and result["services"][0]["days_left"] > 1000


def test_a_key_that_is_not_the_certificate_s(run_module, installed, tmp_path):
    other = tmp_path / "other.key"
    from conftest import openssl
    openssl("genrsa", "-out", str(other), "2048")
    shutil.copyfile(str(other), installed["base"] + ".key")
    result = run(run_module, installed)
    assert result["verdict"] == "error"
    assert verdicts(result)["key_match"] == "error"
    assert "does not match" in result["summary"]


def test_a_link_at_the_key_path_is_refused_and_not_followed(run_module, installed, tmp_path):
    target = tmp_path / "elsewhere.key"
    shutil.move(installed["base"] + ".key", str(target))
    os.symlink(str(target), installed["base"] + ".key")
    result = run(run_module, installed)
    bad = [c for c in result["checks"] if c["check"] == "file" and c["verdict"] == "error"]
    assert bad and "link" in bad[0]["message"], result["checks"]
    assert "PRIVATE KEY" not in result["_stdout"]  # nothing of what it points to is shown


def test_a_key_readable_by_every_user_is_an_error(run_module, installed):
    os.chmod(installed["base"] + ".key", 0o644)
    result = run(run_module, installed)
    assert any(c["check"] == "file" and "every user" in c["message"] for c in result["checks"]), result["checks"]


def test_the_chain_is_judged_against_the_anchors_given_only(run_module, installed, fx):
    # the other range's anchors (production) do not make a test-range chain valid
    result = run(run_module, installed, igc_anchors=[{"name": "foreign", "content": open(fx["expired_ca"]).read()}])
    assert verdicts(result)["chain"] == "error"
    wrong_range = run(run_module, installed, environment="production")
    assert any(c["check"] == "certificate" and "test range" in c["message"] for c in wrong_range["checks"])


def test_a_missing_gie_anchor_in_a_store(run_module, installed, fx, tmp_path):
    bundle = tmp_path / "amc-trust.pem"
    bundle.write_text(open(fx["acr"]).read())
    stores = [{"name": "bundle", "type": "pem", "path": str(bundle), "anchors": ["lab-ACR-EL-TEST", "lab-ACI-EL-ORG-TEST"]}]
    result = run(run_module, installed, stores=stores)
    bad = [c for c in result["checks"] if c["check"] == "store"]
    assert bad[0]["verdict"] == "error" and bad[0]["message"].endswith(": lab-ACI-EL-ORG-TEST"), bad


def test_nothing_is_changed_on_the_host(run_module, installed):
    before = dict((n, (os.lstat(os.path.join(os.path.dirname(installed["base"]), n)).st_mtime_ns,
                       open(os.path.join(os.path.dirname(installed["base"]), n), "rb").read()))
                  for n in os.listdir(os.path.dirname(installed["base"])))
    run(run_module, installed, check_mode=True)
    run(run_module, installed)
    after = dict((n, (os.lstat(os.path.join(os.path.dirname(installed["base"]), n)).st_mtime_ns,
                      open(os.path.join(os.path.dirname(installed["base"]), n), "rb").read()))
                 for n in os.listdir(os.path.dirname(installed["base"])))
    assert before == after


def test_the_fleet_document_adds_the_structure_check_and_names_unreachable_hosts():
    ok = {"checks": [{"check": "key_match", "verdict": "ok", "message": "m", "service": AUTH}],
          "structure": "s1", "services": [{"service": AUTH, "sha256": "AA", "days_left": 900}]}
    other = dict(ok, services=[{"service": AUTH, "sha256": "BB", "days_left": 900}])
    report = doctor.report({"h1": ok, "h2": ok}, "fr")
    assert report["verdict"] == "ok" and report["need_attention"] == []
    assert report["hosts"]["h1"]["summary"].startswith("h1: OK - 1 service(s) prêt(s) pour ROC, 900 jours")
    differs = doctor.report({"h1": ok, "h2": other, "h3": None}, "en")
    assert differs["need_attention"] == ["h1", "h2", "h3"]
    assert "different certificates" in differs["hosts"]["h1"]["summary"]
    assert differs["hosts"]["h3"]["summary"] == "h3: FIX - the doctor could not run: host unreachable"
    warn = dict(ok, checks=[{"check": "certificate", "verdict": "warning", "message": "expires", "service": AUTH}])
    assert doctor.report({"h1": warn}, "en", fail_on="error")["need_attention"] == []
    assert doctor.report({"h1": warn}, "en", fail_on="warning")["need_attention"] == ["h1"]
