"""The example alerting rules of the esante.roc.monitoring role (roles/monitoring/files/esante-roc-alerts.yml), judged
by Prometheus' own promtool: the rules load (`promtool check rules`), their unit tests pass (`promtool test rules`:
the 30-day alert fires for a certificate with 20 days left, the 7-day, key mismatch, chain, stale check and check
error alerts as documented), the tests would see a broken rule, and the rules name only series the check script
writes. promtool comes with Debian's prometheus package: it is required, never skipped."""

import os
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import TOP

FILES = os.path.join(TOP, "roles", "monitoring", "files")
RULES = os.path.join(FILES, "esante-roc-alerts.yml")
TESTS = os.path.join(FILES, "esante-roc-alerts.test.yml")


def promtool(*args, cwd=FILES):
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: install Debian's prometheus package "
                    "(apt-get install -y --no-install-recommends prometheus; make deps installs it)")
    return subprocess.run([path] + list(args), capture_output=True, text=True, cwd=cwd, check=False)


def test_the_rules_load():
    proc = promtool("check", "rules", RULES)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS: 6 rules found" in proc.stdout


def test_the_rules_unit_tests_pass_and_the_30_day_alert_fires():
    with open(TESTS) as handle:
        tests = yaml.safe_load(handle)
    fired = [alert["exp_labels"] for case in tests["tests"] for check in case["alert_rule_test"]
             if check["alertname"] == "EsanteRocCertificateExpiresIn30Days" for alert in check.get("exp_alerts") or []]
    assert fired and fired[0]["service"] == "Client_ROC_Annuaire_AMC" and fired[0]["severity"] == "warning"
    proc = promtool("test", "rules", os.path.basename(TESTS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_the_unit_tests_see_a_broken_30_day_rule(tmp_path):
    # the same tests against rules whose 30-day threshold became 10 days: the 30-day case must fail
    with open(RULES) as handle:
        text = handle.read()
    broken = text.replace("< 30 * 86400", "< 10 * 86400")
    assert broken != text
    (tmp_path / "esante-roc-alerts.yml").write_text(broken)
    shutil.copy(TESTS, str(tmp_path / "esante-roc-alerts.test.yml"))
    proc = promtool("test", "rules", "esante-roc-alerts.test.yml", cwd=str(tmp_path))
    assert proc.returncode != 0
    assert "EsanteRocCertificateExpiresIn30Days" in proc.stdout + proc.stderr


def test_the_rules_name_only_series_the_script_writes():
    with open(os.path.join(FILES, "esante_roc_metrics.py")) as handle:
        script = handle.read()
    with open(RULES) as handle:
        rules = yaml.safe_load(handle)
    names = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            names.update(re.findall(r"\besante_roc_[a-z_]+", rule["expr"]))
            assert set(rule["labels"]) == {"severity"} and rule["annotations"]["summary"]
    assert names == {"esante_roc_certificate_not_after_timestamp_seconds", "esante_roc_certificate_key_match",
                     "esante_roc_chain_valid", "esante_roc_check_timestamp_seconds", "esante_roc_check_error"}
    for name in names:
        assert '("%s",' % name in script, name
