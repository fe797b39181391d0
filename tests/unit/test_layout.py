"""The layout rules of docs/ARCHITECTURE.md, checked on the code itself: each concern in the file named for it.
A rule broken here is a design regression even when every behaviour test passes."""

import ast
import glob
import os
import subprocess
import sys

import pytest

from conftest import SRC_ROOT, TOP

PLUGINS = os.path.join(TOP, "plugins")
LOADER_FILES = ("loader_crypto.py", "loader_certificates.py", "loader_chain.py", "loader_keys.py", "loader_pkcs12.py")


def python_files(*folders):
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(PLUGINS, folder, "*.py"))):
            yield path, ast.parse(open(path).read(), path)


def calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                yield func.attr
            elif isinstance(func, ast.Name):
                yield func.id


PARSERS = {"load_pkcs12", "load_key_and_certificates", "serialize_key_and_certificates", "load_pem_x509_csr",
           "load_der_x509_csr", "load_pem_x509_certificate", "load_der_x509_certificate", "load_pem_private_key",
           "load_der_private_key", "load_der_x509_crl", "load_pem_x509_crl", "load_pem_pkcs7_certificates",
           "load_der_pkcs7_certificates"}


def test_every_parse_goes_through_the_loader_files():
    """A PKCS#12, CSR, key, certificate or CRL is parsed by cryptography only in the loader_*.py files: the rest
    call them (load_pkcs12, load_pkcs12_entries, load_csr, load_private_key, load_certificates, load_crls)."""
    found = []
    for path, tree in python_files("module_utils", "modules", "action", "filter", "plugin_utils"):
        if os.path.basename(path) in LOADER_FILES:
            continue
        for name in calls(tree):
            if name in PARSERS and not (name == "load_pkcs12" and "module_utils" in path):
                found.append("%s: %s" % (os.path.relpath(path, TOP), name))
    # load_pkcs12 is the loader's own name too: a call of it is one only when it is not pkcs12.load_pkcs12
    for path, tree in python_files("module_utils"):
        if os.path.basename(path) in LOADER_FILES:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in PARSERS and isinstance(node.value, ast.Name)
                    and node.value.id in ("pkcs12", "x509", "serialization", "pkcs7")):
                found.append("%s: %s.%s" % (os.path.relpath(path, TOP), node.value.id, node.attr))
    assert found == []


def test_module_utils_never_import_plugin_utils():
    """Modules travel to the targets with their module_utils only: controller code lives in plugin_utils."""
    bad = []
    for path, tree in python_files("module_utils", "modules"):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and ".plugin_utils" in node.module:
                bad.append(os.path.relpath(path, TOP))
    assert bad == []


def cryptography_imported_by(*names):
    """The cryptography modules that importing these files of the collection brings, in a fresh interpreter."""
    code = "import importlib, sys; sys.path.insert(0, %r)\n" % SRC_ROOT
    code += "".join("importlib.import_module('ansible_collections.esante.roc.%s')\n" % name for name in names)
    code += "print(sorted(m for m in sys.modules if m == 'cryptography' or m.startswith('cryptography.')))\n"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    return ast.literal_eval(proc.stdout.strip())  # a printed list of module names


def test_filters_import_no_cryptography():
    """Ansible imports every filter file of the collection in every forked worker: none brings cryptography."""
    assert cryptography_imported_by("plugins.filter.identifiers", "plugins.filter.certificates") == []


def test_the_igc_profile_is_plain_python():
    """igc.py judges plain data (loader_certificates reads the certificate) and the writer tells key material by
    content with der.py: neither imports cryptography (the inventory model and the config_files action use them on
    the controller), and no import hides inside a function (no lazy-import workaround) there."""
    assert cryptography_imported_by("plugins.module_utils.igc", "plugins.module_utils.writer") == []
    for name in ("module_utils/igc.py", "plugin_utils/structures.py", "plugin_utils/identifiers.py"):
        tree = ast.parse(open(os.path.join(PLUGINS, name)).read())
        nested = [node.lineno for function in ast.walk(tree) if isinstance(function, ast.FunctionDef)
                  for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom))]
        assert nested == [], name


def test_one_name_rule():
    """One NAME_RE (layout.py) for the names that become folder and file names: structures, services, anchors."""
    found = []
    for path, tree in python_files("module_utils", "plugin_utils", "modules", "action", "filter"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "A-Za-z0-9._-" in node.value:
                found.append(os.path.relpath(path, TOP))
    assert found == ["plugins/module_utils/layout.py"]


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(PLUGINS, "modules", "*.py"))),
                         ids=os.path.basename)
def test_modules_are_thin(path):
    """A module file holds its documentation, its imports and main(): the logic is in its backend."""
    tree = ast.parse(open(path).read(), path)
    functions = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert functions == ["main"]
