"""Fixtures for the unit tests: real keys and certificates, made by the LAB ONLY PKI
(tests/lab/labpki.py) and by the openssl CLI. Never mocked crypto.

The first run (in the main venv, newest cryptography) writes the fixtures to tests/output/fixtures;
the run under the oldest supported cryptography (.venv-oldest) reads the same files.
"""

import datetime
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIXTURES = os.path.join(TOP, "tests", "output", "fixtures")
REALWORLD = os.path.abspath(os.path.join(TOP, "..", "shared", "realworld", "igc-sante"))
SRC_ROOT = os.path.join(TOP, "tests", "output", "src-collections")
PASS = "lab-only-Passphrase-2026"


def _collection_on_path():
    """Import the collection from this checkout as ansible_collections.esante.roc."""
    link = os.path.join(SRC_ROOT, "ansible_collections", "esante", "roc")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(TOP, link)
    if SRC_ROOT not in sys.path:
        sys.path.insert(0, SRC_ROOT)


_collection_on_path()


def openssl(*args, data=None):
    proc = subprocess.run(["openssl"] + list(args), input=data, capture_output=True, check=False)
    if proc.returncode:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), proc.stderr.decode()))
    return proc.stdout


def _make_fixtures(root, run=None):
    sys.path.insert(0, os.path.join(TOP, "tests", "lab"))
    import labpki  # noqa: E402 (needs cryptography >= 38 for the 3DES bundles)

    lab = labpki.Lab(os.path.join(root, "pki"))
    manifest = lab.init(labpki.DEFAULT_STRUCTURES)
    structure = manifest["structures"]["chu-lab-dijon"]
    other = manifest["structures"]["ch-lab-beaune"]
    out = {"pki": lab.root, "p12": structure["p12"], "p12_other": other["p12"]}
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=4 * 365)
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
    out["p12_expired"] = lab.issue_p12(structure, "auth_cli", os.path.join(root, "expired"), start=past,
                                       stamp="expired")[0]
    out["p12_future"] = lab.issue_p12(structure, "auth_cli", os.path.join(root, "future"), start=future,
                                      stamp="future")[0]
    # a bundle from another CA (a foreign root that signs its own leaf)
    key = labpki.new_key(2048)
    root_cert = labpki.make_ca(labpki.name([(labpki.NameOID.COMMON_NAME, "FOREIGN LAB ROOT")]), key)
    leaf_key = labpki.new_key(2048)
    leaf = labpki.make_leaf(labpki.org_subject(structure, "Client_ROC_Annuaire_AMC"), leaf_key.public_key(),
                            "auth_cli", root_cert, key)
    aci_cert = lab.igc()[1][0]
    foreign_p12 = os.path.join(root, "foreign.p12")
    with open(foreign_p12, "wb") as handle:  # claims the real ACI in the bundle, but is signed by another CA
        handle.write(labpki.p12_bytes(leaf_key, leaf, [aci_cert], PASS, "foreign"))
    out["p12_foreign"] = foreign_p12
    expired_ca = labpki.make_ca(labpki.name([(labpki.NameOID.COMMON_NAME, "EXPIRED LAB CA")]), key, years=1,
                                start=past)
    out["expired_ca"] = os.path.join(root, "expired-ca.pem")
    with open(out["expired_ca"], "wb") as handle:
        handle.write(labpki.pem(expired_ca))

    # openssl CLI made material: key, leaf PEM/DER, RC2-40 and AES bundles, p7b PEM/DER
    aci_pem, aci_key = os.path.join(lab.root, "igc/ACI-EL-ORG-TEST.pem"), os.path.join(lab.root, "igc/ACI-EL-ORG-TEST.key")
    acr_pem = os.path.join(lab.root, "igc/ACR-EL-TEST.pem")
    cli = os.path.join(root, "cli")
    os.makedirs(cli, exist_ok=True)

    def p(name):
        return os.path.join(cli, name)
    openssl("genrsa", "-out", p("leaf.key"), "2048")
    openssl("req", "-new", "-key", p("leaf.key"), "-out", p("leaf.csr"), "-utf8",
            "-subj", "/C=FR/ST=Côte-d'Or (21)/O=CHU LAB DE DIJON/OU=1210780581/CN=Client_ROC_Annuaire_AMC")
    with open(p("ext.cnf"), "w") as handle:
        handle.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                     "extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", p("leaf.csr"), "-CA", aci_pem, "-CAkey", aci_key, "-CAcreateserial",
            "-days", "1095", "-sha256", "-extfile", p("ext.cnf"), "-out", p("leaf.pem"))
    openssl("x509", "-in", p("leaf.pem"), "-outform", "DER", "-out", p("leaf.der"))
    openssl("pkcs12", "-export", "-legacy", "-inkey", p("leaf.key"), "-in", p("leaf.pem"), "-certfile", aci_pem,
            "-passout", "pass:" + PASS, "-out", p("rc2.p12"))
    openssl("pkcs12", "-export", "-inkey", p("leaf.key"), "-in", p("leaf.pem"), "-certfile", aci_pem,
            "-passout", "pass:" + PASS, "-out", p("aes.p12"))
    openssl("crl2pkcs7", "-nocrl", "-certfile", aci_pem, "-certfile", acr_pem, "-out", p("chain.p7b"))
    openssl("crl2pkcs7", "-nocrl", "-certfile", aci_pem, "-certfile", acr_pem, "-outform", "DER",
            "-out", p("chain.p7b.der"))
    openssl("pkey", "-in", p("leaf.key"), "-aes256", "-passout", "pass:" + PASS, "-out", p("leaf-enc.key"))
    openssl("pkey", "-in", p("leaf.key"), "-outform", "DER", "-out", p("leaf.key.der"))
    out["cli"] = cli
    out["aci"], out["acr"] = aci_pem, acr_pem
    out["run"] = run
    with open(os.path.join(root, "index.json"), "w") as handle:
        json.dump(out, handle, indent=1)
    return out


@pytest.fixture(scope="session")
def fx():
    """Paths of the fixtures (made once, or read when made by an earlier run)."""
    index = os.path.join(FIXTURES, "index.json")
    try:
        from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: F401
        import cryptography
        newest = int(cryptography.__version__.split(".")[0]) >= 38
    except ImportError:
        newest = False
    if newest and not os.environ.get("ROC_REUSE_FIXTURES"):
        # made once per run; the workers of one pytest-xdist run share its id and take turns under a lock
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or "%d-%f" % (os.getpid(), time.time())
        os.makedirs(os.path.dirname(FIXTURES), exist_ok=True)
        with open(FIXTURES + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with open(index) as handle:
                    made = json.load(handle)
            except (OSError, ValueError):
                made = {}
            if made.get("run") == run:
                return made
            shutil.rmtree(FIXTURES, ignore_errors=True)
            os.makedirs(FIXTURES)
            return _make_fixtures(FIXTURES, run)
    if not os.path.exists(index):
        pytest.skip("fixtures are made by the run under the newest cryptography first")
    with open(index) as handle:
        return json.load(handle)


@pytest.fixture(scope="session")
def realworld():
    if not os.path.isdir(REALWORLD):
        pytest.skip("../shared/realworld/igc-sante is not beside this checkout")
    return REALWORLD


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def run_without_cryptography(tmp_path, module, args):
    """Run a module of this checkout with a python that has ansible's module_utils but no cryptography (a bare
    venv): (return code, stdout)."""
    site = tmp_path / "site"
    if not site.exists():
        site.mkdir()
        import ansible
        os.symlink(os.path.dirname(ansible.__file__), str(site / "ansible"))
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = {"PYTHONPATH": os.pathsep.join([str(site), SRC_ROOT]), "PATH": os.environ["PATH"]}
    proc = subprocess.run([str(tmp_path / "bare" / "bin" / "python"), os.path.join(TOP, "plugins", "modules", module + ".py"),
                           str(path)], capture_output=True, text=True, env=env, check=False)
    return proc.returncode, proc.stdout


@pytest.fixture
def run_module(tmp_path_factory):
    """Run a module of this checkout for real (as ansible does: a process with its args file)."""
    tmp_path = tmp_path_factory.mktemp("module-args")

    def runner(name, check_mode=False, diff=False, _env=None, **args):
        args = dict((k, v) for k, v in args.items() if v is not None)
        payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_tmpdir=str(tmp_path),
                       _ansible_remote_tmp=str(tmp_path), _ansible_keep_remote_files=False)
        args_file = tmp_path / ("args-%s.json" % name)
        args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))
        env = dict(os.environ, PYTHONPATH=SRC_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        if _env:
            extra_path = _env.pop("PYTHONPATH", None)
            env.update(_env)
            if extra_path:
                env["PYTHONPATH"] = extra_path + os.pathsep + env["PYTHONPATH"]
        proc = subprocess.run([sys.executable, os.path.join(TOP, "plugins", "modules", name + ".py"), str(args_file)],
                              capture_output=True, env=env, check=False)
        try:
            result = json.loads(proc.stdout.decode())
        except ValueError:
            if _env is not None:  # a fault-injection run may die on purpose
                return {"_died": proc.returncode, "_stdout": proc.stdout.decode(), "_stderr": proc.stderr.decode()}
            raise AssertionError("module %s printed no JSON: %s %s" % (name, proc.stdout, proc.stderr))
        result["_stdout"] = proc.stdout.decode()
        return result
    return runner


@pytest.fixture
def mod(tmp_path_factory):
    """Run a module of this checkout as a process with its args file (as ansible does), with a timeout (a hang fails
    the test); returns its JSON result (a traceback or no JSON at all fails the test) with `_stdout` (stdout +
    stderr). `env` adds to the environment; its PYTHONPATH goes before this checkout's."""
    tmp = tmp_path_factory.mktemp("strict-args")

    def runner(module, check_mode=False, diff=False, env=None, timeout=120, **args):
        args = dict((k, v) for k, v in args.items() if v is not None)
        payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_tmpdir=str(tmp),
                       _ansible_remote_tmp=str(tmp), _ansible_keep_remote_files=False)
        path = tmp / ("args-%s.json" % module)
        path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))
        environ = dict(os.environ, PYTHONPATH=SRC_ROOT)
        for key, value in (env or {}).items():
            environ[key] = value + os.pathsep + SRC_ROOT if key == "PYTHONPATH" else value
        try:
            proc = subprocess.run([sys.executable, os.path.join(TOP, "plugins", "modules", module + ".py"), str(path)],
                                  capture_output=True, env=environ, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail("esante.roc.%s ran for more than %d s" % (module, timeout))
        out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
        try:
            result = json.loads(out)
        except ValueError:
            raise AssertionError("esante.roc.%s printed no JSON (a traceback?): %s %s" % (module, out, err))
        assert "Traceback" not in out + err, out + err
        result["_stdout"] = out + err
        return result
    return runner
