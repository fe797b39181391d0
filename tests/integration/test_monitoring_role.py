"""esante.roc.monitoring over the lab fleet (two Debian containers over podman, bookworm and trixie, the installed
collection, the lab inventory): after esante.roc.site, the role writes the check script, its configuration and its
systemd units in one execution and its handler refreshes the metrics (the containers run sshd without systemd: the
timer is written, not enabled). Debian's prometheus-node-exporter, started in each container on 127.0.0.1:9100 with
the textfile collector, serves them: the values are judged against openssl on the deployed certificates. A second
run changes nothing; a key that is not the certificate's shows as key_match 0 after the script's next run.

The steps run in order on one fleet (made fresh for this file, with its own lab PKI, order folder, prefix and ports)."""

import calendar
import datetime
import json
import re
import subprocess
import time

import pytest

from labfleet import AUTH, SIGN, changed, lab_fleet

PREFIX = "roc-mon"
H1, H2 = PREFIX + "-1", PREFIX + "-2"  # host 1: chu-lab-dijon (test, p12); host 2: ch-lab-beaune (production, csr)
STRUCTURES = {H1: ("chu-lab-dijon", "test"), H2: ("ch-lab-beaune", "production")}
TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"
SCRIPT = "/usr/local/lib/esante-roc/esante-roc-metrics"
CONFIG = "/etc/esante-roc/metrics.json"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with lab_fleet(tmp_path_factory, "monitoring", PREFIX, 22500, 2, procedure=True) as made:
        try:
            yield made
        finally:
            for host in (H1, H2):  # the node_exporter this file started, by its pid
                made.run(host, "[ -f /run/roc-node-exporter.pid ] && kill $(cat /run/roc-node-exporter.pid) || true")


def start_node_exporter(fleet, host):
    """Debian's prometheus-node-exporter in the container, in the background, on 127.0.0.1:9100 (the container's own
    network namespace), reading the textfile-collector folder; returns once it answers."""
    running = fleet.run(host, "[ -f /run/roc-node-exporter.pid ] && kill -0 $(cat /run/roc-node-exporter.pid)")
    if running.returncode != 0:
        subprocess.run(["podman", "exec", "-d", host, "sh", "-c",
                        "echo $$ > /run/roc-node-exporter.pid; exec prometheus-node-exporter "
                        "--web.listen-address=127.0.0.1:9100 --collector.textfile.directory=%s "
                        ">/tmp/roc-node-exporter.log 2>&1" % TEXTFILE_DIR], env=fleet.env, check=True, timeout=60)
    deadline = time.time() + 60
    while time.time() < deadline:
        if fleet.run(host, "curl -sf -o /dev/null http://127.0.0.1:9100/metrics").returncode == 0:
            return
        time.sleep(0.5)
    log = fleet.run(host, "cat /tmp/roc-node-exporter.log").stdout
    raise AssertionError("prometheus-node-exporter did not answer on %s: %s" % (host, log[-2000:]))


def scrape(fleet, host):
    """{family: [(labels, value)]} of the esante_roc_* and node_textfile_* series node_exporter serves."""
    proc = fleet.run(host, "curl -sf http://127.0.0.1:9100/metrics")
    assert proc.returncode == 0, proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        if line.startswith("#") or not (line.startswith("esante_roc_") or line.startswith("node_textfile_")):
            continue
        found = SAMPLE.match(line)
        assert found, line
        family, labels, value = found.groups()
        out.setdefault(family, []).append((dict(LABEL.findall(labels or "")), float(value)))
    return out


def by_service(metrics, family):
    return dict((labels["service"], (labels, value)) for labels, value in metrics.get(family, []))


def openssl_facts(fleet, host, service):
    """(notAfter in seconds since the epoch, serial) of the deployed certificate, as openssl on the host prints them."""
    out = fleet.run(host, "openssl x509 -in /etc/roc/{s}/{s}.crt -noout -enddate -serial".format(s=service))
    assert out.returncode == 0, out.stderr
    end = re.search(r"notAfter=(.+)", out.stdout).group(1).strip()
    when = datetime.datetime.strptime(end.replace(" GMT", ""), "%b %d %H:%M:%S %Y")
    return calendar.timegm(when.timetuple()), re.search(r"serial=([0-9A-F]+)", out.stdout).group(1)


# ----------------------------------------------------------------------------- the role, then node_exporter
def test_the_role_writes_the_metrics_and_node_exporter_serves_the_right_values(fleet):
    for host in (H1, H2):  # what this test is about: hosts without systemd as their service manager
        assert fleet.run(host, "test -d /run/systemd/system").returncode != 0, "%s runs systemd" % host
        assert fleet.run(host, "command -v prometheus-node-exporter").returncode == 0, \
            "the lab image lacks prometheus-node-exporter (tests/lab/fleet.sh: rebuild the images)"
    result = fleet.play("esante.roc.monitoring")
    assert result.returncode == 0, result.output[-3000:]
    assert "The metrics refreshed now" in result.stdout
    for host in (H1, H2):
        structure, environment = STRUCTURES[host]
        # the units are written; without systemd running, the timer is not enabled
        for unit in ("esante-roc-metrics.service", "esante-roc-metrics.timer"):
            assert fleet.run(host, "test -f /etc/systemd/system/%s" % unit).returncode == 0, (host, unit)
        assert fleet.run(host, "test -e /etc/systemd/system/timers.target.wants/esante-roc-metrics.timer").returncode != 0
        assert fleet.run(host, "stat -c %a {0} && test -x {0}".format(SCRIPT)).stdout.strip() == "755"
        assert fleet.run(host, "stat -c %a {}/esante-roc.prom".format(TEXTFILE_DIR)).stdout.strip() == "644"
        config = json.loads(fleet.run(host, "cat %s" % CONFIG).stdout)
        assert [i["service"] for i in config["items"]] == [AUTH, SIGN]
        assert set(i["environment"] for i in config["items"]) == {environment}

        start_node_exporter(fleet, host)
        metrics = scrape(fleet, host)
        now = int(fleet.run(host, "date +%s").stdout.strip())
        assert [v for _labels, v in metrics["node_textfile_scrape_error"]] == [0], metrics.get("node_textfile_scrape_error")
        not_after = by_service(metrics, "esante_roc_certificate_not_after_timestamp_seconds")
        key_match = by_service(metrics, "esante_roc_certificate_key_match")
        chain = by_service(metrics, "esante_roc_chain_valid")
        checked = by_service(metrics, "esante_roc_check_timestamp_seconds")
        assert sorted(not_after) == sorted(key_match) == sorted(chain) == sorted(checked) == [AUTH, SIGN], metrics
        assert "esante_roc_check_error" not in metrics, metrics["esante_roc_check_error"]
        for service in (AUTH, SIGN):
            end, serial = openssl_facts(fleet, host, service)
            labels, value = not_after[service]
            assert value == end, (host, service, value, end)
            assert labels == {"structure": structure, "service": service, "serial": serial,
                              "environment": environment}, labels
            assert key_match[service] == (labels, 1)
            assert chain[service] == (labels, 1)
            assert checked[service][0] == labels and now - 900 <= checked[service][1] <= now + 5


def test_a_second_run_changes_nothing(fleet):
    before = fleet.run(H1, "stat -c %i {}/esante-roc.prom".format(TEXTFILE_DIR)).stdout
    again = fleet.play("esante.roc.monitoring")
    assert again.returncode == 0 and changed(again) == 0, again.output[-3000:]
    assert "The metrics refreshed now" not in again.stdout  # the handler was not notified
    assert fleet.run(H1, "stat -c %i {}/esante-roc.prom".format(TEXTFILE_DIR)).stdout == before


def test_a_key_that_is_not_the_certificates_is_seen_at_the_next_check(fleet):
    key = "/etc/roc/{s}/{s}.key".format(s=SIGN)
    other = "/etc/roc/{s}/{s}.key".format(s=AUTH)
    saved = "/root/roc-monitoring-saved.key"
    assert fleet.run(H1, "cp -p %s %s && cp %s %s" % (key, saved, other, key)).returncode == 0
    try:
        # the script as the timer runs it (its shebang, its configuration), without Ansible
        proc = fleet.run(H1, SCRIPT)
        assert proc.returncode == 0 and "2 service(s) checked" in proc.stdout, proc.stdout + proc.stderr
        start_node_exporter(fleet, H1)
        key_match = by_service(scrape(fleet, H1), "esante_roc_certificate_key_match")
        assert key_match[SIGN][1] == 0 and key_match[AUTH][1] == 1, key_match
    finally:
        assert fleet.run(H1, "cp -p %s %s && rm -f %s" % (saved, key, saved)).returncode == 0
    proc = fleet.run(H1, SCRIPT)
    assert proc.returncode == 0, proc.stderr
    assert by_service(scrape(fleet, H1), "esante_roc_certificate_key_match")[SIGN][1] == 1
