"""The lab fleet of the integration tests that run the procedure over real containers: its own LAB ONLY PKI, order
folder and podman containers (a prefix and an SSH port range of its own, so that each test file has a fleet of its
own), the installed collection and the lab inventory as documented. One class and one fixture body for every file
that needs a fleet (real paths, doctor, monitoring)."""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import TOP

COLLECTIONS = os.path.join(TOP, ".build", "collections")
FLEET_SH = os.path.join(TOP, "tests", "lab", "fleet.sh")
LAB_INVENTORY = os.path.join(TOP, "tests", "lab", "inventory")
PLATFORM = os.path.join(TOP, "tests", "lab", "platform.yml")
AUTH, SIGN = "Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"


class Fleet(object):
    def __init__(self, root, prefix, base_port):
        self.root = root
        self.prefix = prefix
        self.lab = os.path.join(root, "lab")
        self.orders = os.path.join(root, "orders")
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
                        ANSIBLE_NOCOLOR="1", ROC_LAB_DIR=self.lab, ROC_ORDERS_DIR=self.orders, ROC_FLEET_PREFIX=prefix,
                        ROC_FLEET_BASE_PORT=str(base_port), ROC_FLEET_DIR=os.path.join(root, "fleet"),
                        CONTAINERS_CONF=os.path.join(TOP, "tests", "lab", "containers.conf"))
        self.inventory = os.path.join(root, "fleet", "inventory.ini")

    def play(self, name, *args, **extra):
        """ansible-playbook over the fleet and the lab inventory; `extra` become extra vars (a JSON file)."""
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", self.inventory,
                   "-i", LAB_INVENTORY]
        if extra:
            path = os.path.join(self.root, "extra-%d.json" % len(os.listdir(self.root)))
            with open(path, "w") as handle:
                json.dump(extra, handle)
            command += ["-e", "@" + path]
        result = subprocess.run(command + list(args) + [name], capture_output=True, text=True, env=self.env,
                                check=False, timeout=900)
        result.output = result.stdout + result.stderr
        return result

    def platform(self):
        """The lab platform signs the CSRs waiting in the order folders (the csr path)."""
        return subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                               "-c", "local", PLATFORM], capture_output=True, text=True, env=self.env, check=False,
                              timeout=300)

    def run(self, host, command, timeout=120):
        return subprocess.run(["podman", "exec", host, "sh", "-c", command], capture_output=True, text=True,
                              env=self.env, check=False, timeout=timeout)

    def read(self, host, path):
        proc = self.run(host, "cat %s" % path)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def labpki(self, *args):
        return subprocess.run([sys.executable, os.path.join(TOP, "tests", "lab", "labpki.py")] + list(args),
                              capture_output=True, text=True, check=True).stdout.strip()

    def manifest(self):
        with open(os.path.join(self.lab, "pki", "manifest.json")) as handle:
            return json.load(handle)

    def down(self):
        subprocess.run(["bash", FLEET_SH, "down"], env=self.env, capture_output=True, check=False)


def changed(result):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))


@contextlib.contextmanager
def lab_fleet(tmp_path_factory, name, prefix, base_port, size, procedure=False):
    """A fresh fleet of `size` hosts (prefix-1 .. prefix-N) with its own lab PKI; with `procedure`, the procedure
    as a hospital team runs it first (order, the lab platform signs the CSRs, site). Stopped afterwards."""
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "esante", "roc")):
        pytest.fail("the collection is not installed in .build/collections: run make collection (make test does)")
    if shutil.which("podman") is None:
        pytest.fail("podman is missing: make deps installs it")
    fleet = Fleet(str(tmp_path_factory.mktemp(name)), prefix, base_port)
    fleet.labpki("init", "--out", os.path.join(fleet.lab, "pki"))
    fleet.down()
    try:
        up = subprocess.run(["bash", FLEET_SH, "up", str(size)], env=fleet.env, capture_output=True, text=True,
                            check=False)
        assert up.returncode == 0, up.stdout + up.stderr
        if procedure:
            order = fleet.play("esante.roc.order")
            assert order.returncode == 0, order.output[-3000:]
            signed = fleet.platform()
            assert signed.returncode == 0 and "signed" in signed.stdout, signed.stdout + signed.stderr
            site = fleet.play("esante.roc.site")
            assert site.returncode == 0, site.output[-3000:]
        yield fleet
    finally:
        fleet.down()
