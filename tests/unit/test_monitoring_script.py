"""The esante.roc.monitoring role's check script (roles/monitoring/files/esante_roc_metrics.py), run for real as a
process with this interpreter's cryptography (the newest, and 3.4.8 in .venv-oldest) on certificates made here with
the lab PKI's helpers: the metric values against the certificates (and openssl), a key that is not the
certificate's, chains that do not verify, missing and encrypted material, the atomic write, a link at the output
refused, no key material printed; promtool reads the output as valid exposition text. Last, the role itself over a
local connection: one execution writes the script, its configuration and units, the handler refreshes the metrics
(no systemd here, the timer is left alone), a second run changes nothing."""

import ast
import calendar
import datetime
import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys

import pytest

from conftest import SRC_ROOT, TOP, openssl

sys.path.insert(0, os.path.join(TOP, "tests", "lab"))
import labpki  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

SCRIPT = os.path.join(TOP, "roles", "monitoring", "files", "esante_roc_metrics.py")
AUTH, SIGN = "Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"
STRUCTURE = {"organization": "CHU LAB DE DIJON", "state_province": "Côte-d'Or (21)", "structure_id": "1210780581"}
FAMILIES = ("esante_roc_certificate_not_after_timestamp_seconds", "esante_roc_certificate_key_match",
            "esante_roc_chain_valid", "esante_roc_check_timestamp_seconds", "esante_roc_check_error")
SAMPLE = re.compile(r'^([a-z_]+)\{(.*)\} (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def cn(text):
    return labpki.name([(labpki.NameOID.COUNTRY_NAME, "FR"), (labpki.NameOID.COMMON_NAME, text)])


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A lab ACR (RSA) and ACI (EC P-256, so that both signature kinds are checked), two leaves, and the
    material of wrong chains: an ACI of the same name with another key, an expired ACI."""
    root = tmp_path_factory.mktemp("monitoring-pki")
    acr_key = labpki.new_key(2048)
    acr = labpki.make_ca(cn("LAB AC RACINE"), acr_key)
    aci_key = ec.generate_private_key(ec.SECP256R1())
    aci = labpki.make_ca(cn("LAB AC ORGANISATIONS"), aci_key, acr, acr_key, pathlen=0)
    auth_key = labpki.new_key(2048)
    auth = labpki.make_leaf(labpki.org_subject(STRUCTURE, AUTH), auth_key.public_key(), "auth_cli", aci, aci_key,
                            days=20)
    sign_key = ec.generate_private_key(ec.SECP256R1())
    sign = labpki.make_leaf(labpki.org_subject(STRUCTURE, SIGN), sign_key.public_key(), "sign", aci, aci_key)
    forged_key = ec.generate_private_key(ec.SECP256R1())
    forged_aci = labpki.make_ca(cn("LAB AC ORGANISATIONS"), forged_key, acr, acr_key, pathlen=0)
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=800)
    expired_aci = labpki.make_ca(cn("LAB AC ORGANISATIONS"), aci_key, acr, acr_key, pathlen=0, years=1, start=past)
    chain = labpki.pem(aci) + labpki.pem(acr)
    out = {"root": str(root), "auth": auth, "sign": sign}
    for service, cert, key in ((AUTH, auth, auth_key), (SIGN, sign, sign_key)):
        base = os.path.join(str(root), "certs", service, service)
        out[service] = {"certificate": write(base + ".crt", labpki.pem(cert)),
                        "privatekey": write(base + ".key", labpki.key_pem(key), 0o600),
                        "chain": write(base + ".chain.pem", chain)}
    other = os.path.join(str(root), "other")
    out["other_key"] = write(other + "/other.key", labpki.key_pem(labpki.new_key(2048)), 0o600)
    out["encrypted_key"] = write(other + "/encrypted.key", auth_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"lab-only-passphrase")), 0o600)
    out["forged_chain"] = write(other + "/forged.pem", labpki.pem(forged_aci) + labpki.pem(acr))
    out["reversed_chain"] = write(other + "/reversed.pem", labpki.pem(acr) + labpki.pem(aci))
    out["expired_chain"] = write(other + "/expired.pem", labpki.pem(expired_aci) + labpki.pem(acr))
    out["aci_only_chain"] = write(other + "/aci.pem", labpki.pem(aci))
    out["empty_chain"] = write(other + "/empty.pem", b"")
    out["damaged_key"] = write(other + "/damaged.key", labpki.key_pem(auth_key)[:200], 0o600)
    return out


def item(pki, service, **changes):
    entry = dict(structure="chu-lab-dijon", service=service, environment="test", **pki[service])
    entry.update(changes)
    return entry


def run(tmp_path, items, output=None, extra_args=(), umask=None):
    """(process, {family: {service or (service, reason): (labels, value)}}, text) of one run of the script."""
    output = output or str(tmp_path / "textfile" / "esante-roc.prom")
    config = tmp_path / "metrics.json"
    config.write_text(json.dumps({"output": output, "items": items}))

    def preexec():
        if umask is not None:
            os.umask(umask)
    proc = subprocess.run([sys.executable, SCRIPT, "--config", str(config)] + list(extra_args), capture_output=True,
                          text=True, check=False, preexec_fn=preexec)
    metrics, text = {}, None
    if os.path.isfile(output) and not os.path.islink(output):
        with open(output) as handle:
            text = handle.read()
        metrics = parse(text)
    return proc, metrics, text


def parse(text):
    metrics = dict((f, {}) for f in FAMILIES)
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        found = SAMPLE.match(line)
        assert found, "not a sample line: %r" % line
        family, labels, value = found.groups()
        labels = dict(LABEL.findall(labels))
        key = (labels["service"], labels["reason"]) if family == "esante_roc_check_error" else labels["service"]
        assert key not in metrics[family], "twice: %s %s" % (family, key)
        metrics[family][key] = (labels, float(value))
    return metrics


def promtool():
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: apt-get install -y --no-install-recommends prometheus (make deps installs it)")
    return path


def openssl_facts(path):
    """(notAfter as seconds since the epoch, serial) as openssl prints them."""
    out = openssl("x509", "-in", path, "-noout", "-enddate", "-serial").decode()
    end = re.search(r"notAfter=(.+)", out).group(1).strip()
    when = datetime.datetime.strptime(end.replace(" GMT", ""), "%b %d %H:%M:%S %Y")
    return calendar.timegm(when.timetuple()), re.search(r"serial=([0-9A-F]+)", out).group(1)


# ------------------------------------------------------------------------------------------ values
def test_metrics_carry_the_certificates_values(pki, tmp_path):
    before = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    proc, metrics, text = run(tmp_path, [item(pki, AUTH), item(pki, SIGN, environment="production")])
    after = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    assert proc.returncode == 0, proc.stderr
    assert "2 service(s) checked, 0 problem(s)" in proc.stdout
    for service in (AUTH, SIGN):
        end, serial = openssl_facts(pki[service]["certificate"])
        labels, value = metrics["esante_roc_certificate_not_after_timestamp_seconds"][service]
        assert value == end
        cert = pki["auth" if service == AUTH else "sign"]
        expected = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
        assert value == expected.timestamp()
        assert labels == {"structure": "chu-lab-dijon", "service": service, "serial": serial,
                          "environment": "test" if service == AUTH else "production"}
        assert metrics["esante_roc_certificate_key_match"][service][1] == 1
        assert metrics["esante_roc_chain_valid"][service][1] == 1
        assert before <= metrics["esante_roc_check_timestamp_seconds"][service][1] <= after
        assert metrics["esante_roc_certificate_key_match"][service][0] == labels
    assert metrics["esante_roc_check_error"] == {}
    # 20 days left on the AUTH certificate: what the 30-day alert looks at
    left = metrics["esante_roc_certificate_not_after_timestamp_seconds"][AUTH][1] - after
    assert 19 * 86400 < left <= 20 * 86400
    # each family once, with HELP and TYPE, and the text is what Prometheus' own linter accepts
    for family in FAMILIES[:4]:
        assert text.count("# TYPE %s gauge\n" % family) == 1 and text.count("# HELP %s " % family) == 1
    lint = subprocess.run([promtool(), "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert stat.S_IMODE(os.stat(str(tmp_path / "textfile" / "esante-roc.prom")).st_mode) == 0o644


def test_a_key_that_is_not_the_certificates_gives_key_match_0(pki, tmp_path):
    proc, metrics, _text = run(tmp_path, [item(pki, AUTH, privatekey=pki["other_key"]), item(pki, SIGN)])
    assert proc.returncode == 0, proc.stderr
    assert metrics["esante_roc_certificate_key_match"][AUTH][1] == 0
    assert metrics["esante_roc_certificate_key_match"][SIGN][1] == 1
    assert metrics["esante_roc_chain_valid"][AUTH][1] == 1  # the chain is the certificate's business, not the key's
    # the EC key of the other service, given for this one: another kind of key, still a mismatch
    _proc, metrics, _text = run(tmp_path, [item(pki, AUTH, privatekey=pki[SIGN]["privatekey"])])
    assert metrics["esante_roc_certificate_key_match"][AUTH][1] == 0


@pytest.mark.parametrize("chain", ["forged_chain", "reversed_chain", "expired_chain", "empty_chain"])
def test_a_wrong_chain_gives_chain_valid_0(pki, tmp_path, chain):
    proc, metrics, _text = run(tmp_path, [item(pki, AUTH, chain=pki[chain])])
    assert proc.returncode == 0, proc.stderr
    assert metrics["esante_roc_chain_valid"][AUTH][1] == 0
    assert metrics["esante_roc_certificate_key_match"][AUTH][1] == 1
    errors = metrics["esante_roc_check_error"]
    assert errors == ({(AUTH, "chain_unreadable"): errors.get((AUTH, "chain_unreadable"))} if chain == "empty_chain" else {})
    # the same names with a key that did not sign: told apart by the signature, not the names
    if chain == "forged_chain":
        openssl_check = subprocess.run(["openssl", "verify", "-partial_chain", "-CAfile", pki[chain], pki[AUTH]["certificate"]],
                                       capture_output=True, check=False)
        assert openssl_check.returncode != 0


def test_a_chain_without_its_root_is_judged_on_what_it_holds(pki, tmp_path):
    # the leaf is signed by the ACI of the file and all are within their dates; the last one is not self-issued, so
    # it has nothing to verify itself with (the install role always writes the ACI and the ACR)
    _proc, metrics, _text = run(tmp_path, [item(pki, AUTH, chain=pki["aci_only_chain"])])
    assert metrics["esante_roc_chain_valid"][AUTH][1] == 1


def test_a_missing_certificate_has_no_end_date_and_says_why(pki, tmp_path):
    gone = str(tmp_path / "nowhere" / SIGN)
    missing = item(pki, SIGN, certificate=gone + ".crt", privatekey=gone + ".key", chain=gone + ".chain.pem")
    proc, metrics, text = run(tmp_path, [item(pki, AUTH), missing])
    assert proc.returncode == 0, proc.stderr
    assert "2 service(s) checked, 3 problem(s)" in proc.stdout
    assert SIGN not in metrics["esante_roc_certificate_not_after_timestamp_seconds"]
    assert AUTH in metrics["esante_roc_certificate_not_after_timestamp_seconds"]
    labels, value = metrics["esante_roc_certificate_key_match"][SIGN]
    assert value == 0 and labels["serial"] == ""
    assert metrics["esante_roc_chain_valid"][SIGN][1] == 0
    assert SIGN in metrics["esante_roc_check_timestamp_seconds"]
    errors = sorted(reason for service, reason in metrics["esante_roc_check_error"] if service == SIGN)
    assert errors == ["certificate_missing", "chain_missing", "key_missing"]
    lint = subprocess.run([promtool(), "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_an_encrypted_key_is_not_opened_and_not_called_a_mismatch(pki, tmp_path):
    proc, metrics, _text = run(tmp_path, [item(pki, AUTH, privatekey=pki["encrypted_key"])])
    assert proc.returncode == 0, proc.stderr
    assert AUTH not in metrics["esante_roc_certificate_key_match"]
    assert list(metrics["esante_roc_check_error"]) == [(AUTH, "key_encrypted")]
    assert metrics["esante_roc_chain_valid"][AUTH][1] == 1


def test_a_damaged_key_is_unreadable_and_nothing_of_it_is_printed(pki, tmp_path):
    proc, metrics, text = run(tmp_path, [item(pki, AUTH, privatekey=pki["damaged_key"])])
    assert proc.returncode == 0, proc.stderr
    assert metrics["esante_roc_certificate_key_match"][AUTH][1] == 0
    assert list(metrics["esante_roc_check_error"]) == [(AUTH, "key_unreadable")]
    with open(pki["damaged_key"], "rb") as handle:
        body = handle.read().decode().splitlines()[1]
    for shown in (proc.stdout, proc.stderr, text):
        assert "PRIVATE KEY" not in shown and body[:40] not in shown


def test_label_values_are_escaped(pki, tmp_path):
    proc, metrics, text = run(tmp_path, [item(pki, AUTH, structure='chu "lab"\\dijon\nbis')])
    assert proc.returncode == 0, proc.stderr
    assert 'structure="chu \\"lab\\"\\\\dijon\\nbis"' in text
    lint = subprocess.run([promtool(), "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


# ------------------------------------------------------------------------------------------ the write
def test_the_write_is_atomic_and_0644_whatever_the_umask(pki, tmp_path):
    output = tmp_path / "textfile" / "esante-roc.prom"
    proc, _metrics, first = run(tmp_path, [item(pki, AUTH)], umask=0o077)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(os.stat(str(output)).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(str(output.parent)).st_mode) == 0o755  # made by the script, not the umask's 0700
    inode = os.stat(str(output)).st_ino
    with open(str(output)) as reader:  # a reader of the old file (node_exporter mid-scrape) keeps the old whole text
        proc, _metrics, second = run(tmp_path, [item(pki, AUTH), item(pki, SIGN)])
        assert proc.returncode == 0, proc.stderr
        assert reader.read() == first
    assert os.stat(str(output)).st_ino != inode  # a new file renamed over the old one, never rewritten in place
    assert second != first and SIGN in second
    assert sorted(os.listdir(str(output.parent))) == ["esante-roc.prom"]  # no temporary file left


def test_a_link_at_the_output_is_refused_and_its_target_untouched(pki, tmp_path):
    target = tmp_path / "elsewhere" / "passwd"
    target.parent.mkdir()
    target.write_text("root:x:0:0\n")
    output = tmp_path / "textfile" / "esante-roc.prom"
    output.parent.mkdir()
    os.symlink(str(target), str(output))
    proc, _metrics, _text = run(tmp_path, [item(pki, AUTH)], output=str(output))
    assert proc.returncode == 1
    assert "a link or not a regular file" in proc.stderr and str(output) in proc.stderr
    assert os.path.islink(str(output)) and target.read_text() == "root:x:0:0\n"
    assert sorted(os.listdir(str(output.parent))) == ["esante-roc.prom"]
    # a dangling link, and a link as the folder: refused too
    os.unlink(str(output))
    os.symlink(str(tmp_path / "elsewhere" / "new.prom"), str(output))
    assert run(tmp_path, [item(pki, AUTH)], output=str(output))[0].returncode == 1
    assert not (tmp_path / "elsewhere" / "new.prom").exists()
    os.symlink(str(tmp_path / "elsewhere"), str(tmp_path / "linked"))
    proc = run(tmp_path, [item(pki, AUTH)], output=str(tmp_path / "linked" / "esante-roc.prom"))[0]
    assert proc.returncode == 1 and "a link" in proc.stderr
    assert sorted(os.listdir(str(tmp_path / "elsewhere"))) == ["passwd"]


def test_unexpected_errors_exit_non_zero(pki, tmp_path):
    missing = subprocess.run([sys.executable, SCRIPT, "--config", str(tmp_path / "none.json")], capture_output=True,
                             text=True, check=False)
    assert missing.returncode == 1 and "cannot be read" in missing.stderr
    (tmp_path / "bad.json").write_text(json.dumps({"items": [{"service": AUTH}]}))
    bad = subprocess.run([sys.executable, SCRIPT, "--config", str(tmp_path / "bad.json")], capture_output=True,
                         text=True, check=False)
    assert bad.returncode == 1 and "items[0] lacks structure" in bad.stderr
    wrong_name = run(tmp_path, [item(pki, AUTH)], output=str(tmp_path / "textfile" / "esante-roc.txt"))[0]
    assert wrong_name.returncode == 1 and ".prom" in wrong_name.stderr
    (tmp_path / "file").write_text("")
    not_a_folder = run(tmp_path, [item(pki, AUTH)], output=str(tmp_path / "file" / "esante-roc.prom"))[0]
    assert not_a_folder.returncode == 1 and "Traceback" not in not_a_folder.stderr


def test_the_script_parses_with_every_supported_python():
    with open(SCRIPT, encoding="utf-8") as handle:
        source = handle.read()
    for minor in range(9, 14):
        ast.parse(source, SCRIPT, feature_version=(3, minor))
        found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.%d.*/bin/python3" % minor)))
        found = found[-1:] or [p for p in [shutil.which("python3.%d" % minor)] if p]
        for python in found:  # that interpreter compiles it for real (without cryptography: the import is not run)
            proc = subprocess.run([python, "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
                                   SCRIPT], capture_output=True, text=True, check=False)
            assert proc.returncode == 0, (python, proc.stderr)
    assert "PRIVATE KEY" not in source  # the writer would take the installed script for key material


# ------------------------------------------------------------------------------------------ the role, locally
def play(tmp_path, **extra):
    variables = {
        "roc_structures": {"chu-lab-dijon": {"organization": "CHU LAB DE DIJON", "state_province": "Côte-d'Or (21)",
                                             "identifier_type": "finess", "identifier": "210780581",
                                             "contract_level": "EJ", "environment": "test"}},
        "roc_structure": "chu-lab-dijon",
        "roc_certs_dir": str(tmp_path / "certs"),
        "roc_monitoring_textfile_dir": str(tmp_path / "node-exporter"),
        "roc_monitoring_python": sys.executable,
        "roc_monitoring_script_path": str(tmp_path / "lib" / "esante-roc-metrics"),
        "roc_monitoring_config_path": str(tmp_path / "etc" / "metrics.json"),
        "roc_monitoring_systemd_dir": str(tmp_path / "systemd"),
    }
    variables.update(extra)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    (tmp_path / "play.yml").write_text("- hosts: all\n  gather_facts: false\n  roles: [esante.roc.monitoring]\n")
    (tmp_path / "inv.ini").write_text("h1 ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=SRC_ROOT, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                           str(tmp_path / "inv.ini"), "-e", "@%s" % (tmp_path / "vars.json"), str(tmp_path / "play.yml")],
                          capture_output=True, text=True, env=env, check=False)
    proc.output = proc.stdout + proc.stderr
    return proc


def changed(proc):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", proc.stdout))


def test_the_role_writes_everything_in_one_execution_and_refreshes_once(pki, tmp_path):
    # the structure's AUTH service is installed, its SIGN service not yet
    shutil.copytree(os.path.join(pki["root"], "certs", AUTH), str(tmp_path / "certs" / AUTH))
    first = play(tmp_path)
    assert first.returncode == 0, first.output[-3000:]
    assert "The metrics refreshed now" in first.stdout
    assert "The metrics timer" in first.stdout  # a handler, skipped: no systemd running here
    assert not os.path.isdir("/run/systemd/system")
    config = json.loads((tmp_path / "etc" / "metrics.json").read_text())
    assert config["output"] == str(tmp_path / "node-exporter" / "esante-roc.prom")
    assert config["items"] == [
        {"structure": "chu-lab-dijon", "service": service, "environment": "test",
         "certificate": "%s/%s/%s.crt" % (tmp_path / "certs", service, service),
         "privatekey": "%s/%s/%s.key" % (tmp_path / "certs", service, service),
         "chain": "%s/%s/%s.chain.pem" % (tmp_path / "certs", service, service)} for service in (AUTH, SIGN)]
    script = tmp_path / "lib" / "esante-roc-metrics"
    assert script.read_text().startswith("#!%s\n" % sys.executable)
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    with open(str(tmp_path / "node-exporter" / "esante-roc.prom")) as handle:
        metrics = parse(handle.read())
    assert metrics["esante_roc_certificate_not_after_timestamp_seconds"][AUTH][1] == openssl_facts(
        pki[AUTH]["certificate"])[0]
    assert metrics["esante_roc_certificate_key_match"][AUTH][1] == 1
    assert metrics["esante_roc_chain_valid"][AUTH][1] == 1
    assert (SIGN, "certificate_missing") in metrics["esante_roc_check_error"]
    service = (tmp_path / "systemd" / "esante-roc-metrics.service").read_text()
    timer = (tmp_path / "systemd" / "esante-roc-metrics.timer").read_text()
    assert "Type=oneshot" in service and "ExecStart=%s %s --config %s" % (
        sys.executable, script, tmp_path / "etc" / "metrics.json") in service
    assert "ReadWritePaths=%s" % (tmp_path / "node-exporter") in service
    assert "OnCalendar=daily" in timer and "Persistent=true" in timer and "RandomizedDelaySec=1h" in timer
    analyze = shutil.which("systemd-analyze")
    if analyze:  # systemd's own reading of the units (offline)
        check = subprocess.run([analyze, "verify", "--man=no", str(tmp_path / "systemd" / "esante-roc-metrics.timer"),
                                str(tmp_path / "systemd" / "esante-roc-metrics.service")],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    prom = tmp_path / "node-exporter" / "esante-roc.prom"
    before = prom.read_bytes(), prom.stat().st_ino
    again = play(tmp_path)
    assert again.returncode == 0 and changed(again) == 0, again.output[-3000:]
    assert (prom.read_bytes(), prom.stat().st_ino) == before  # nothing changed: the handler did not run
    # a setting of the timer changes its unit: the handler runs again
    later = play(tmp_path, roc_monitoring_calendar="*-*-* 06:00:00")
    assert later.returncode == 0 and changed(later) == 2, later.output[-3000:]
    assert "OnCalendar=*-*-* 06:00:00" in (tmp_path / "systemd" / "esante-roc-metrics.timer").read_text()
    assert prom.stat().st_ino != before[1]
