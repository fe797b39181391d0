"""The English role reference (docs/roles/) is generated from each role's meta/argument_specs.yml, and the
argument specs agree with the roles' defaults: the reference cannot drift from what the roles take."""

import os
import subprocess
import sys

import pytest
import yaml

from conftest import TOP

ROLES = sorted(r for r in os.listdir(os.path.join(TOP, "roles"))
               if os.path.exists(os.path.join(TOP, "roles", r, "meta", "argument_specs.yml")))


def load(*parts):
    with open(os.path.join(TOP, *parts)) as handle:
        return yaml.safe_load(handle) or {}


def test_reference_pages_are_up_to_date():
    proc = subprocess.run([sys.executable, os.path.join(TOP, "docs", "generate_role_reference.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for role in ROLES:
        assert os.path.exists(os.path.join(TOP, "docs", "roles", role + ".md"))


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_agree_with_defaults(role):
    options = load("roles", role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load("roles", role, "defaults", "main.yml")
    missing = sorted(set(defaults) - set(options))
    assert missing == [], "%s: defaults not in argument_specs: %s" % (role, missing)
    for name, value in defaults.items():
        if isinstance(value, str) and "{{" in value:
            continue  # computed from other variables: the spec documents it in words
        if "default" in options[name]:
            assert options[name]["default"] == value, "%s: %s default differs" % (role, name)
    for name, option in options.items():
        assert option.get("description"), "%s: %s has no description" % (role, name)
