"""The English role reference (docs/roles/) is generated from each role's meta/argument_specs.yml, and the
argument specs agree with the roles' defaults: the reference cannot drift from what the roles take."""

import os
import re
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


def test_a_variable_several_roles_take_is_the_same_in_each():
    """A step that reads another step's setting (the middleware the trust role's stores, the trust role the preflight
    role's host check, ...) declares it as its owner does: same type, elements, choices, default and suboptions."""
    kept = ("type", "elements", "choices", "default")
    seen = {}
    for role in ROLES:
        options = load("roles", role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
        for name, option in options.items():
            shape = dict((k, option.get(k)) for k in kept)
            shape["options"] = dict((sub, dict((k, v) for k, v in spec.items() if k != "description"))
                                    for sub, spec in (option.get("options") or {}).items())
            seen.setdefault(name, []).append((role, shape))
    differ = dict((name, found) for name, found in seen.items()
                  if any(shape != found[0][1] for _role, shape in found[1:]))
    assert differ == {}


def test_settings_read_from_another_role_are_declared():
    """Every roc_<role>_* variable a role's tasks, defaults, vars or templates read is the role's own, or declared in
    its argument specs (another step's setting it takes as an input). Comments are not read."""
    undeclared = {}
    for role in ROLES:
        options = load("roles", role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
        for folder in ("tasks", "defaults", "vars", "templates", "handlers"):
            top = os.path.join(TOP, "roles", role, folder)
            for base, _dirs, files in os.walk(top):
                for name in files:
                    with open(os.path.join(base, name), encoding="utf-8") as handle:
                        text = "\n".join(line for line in handle if not line.lstrip().startswith("#"))
                    for owner, var in re.findall(r"(?<![\w.])(roc_(%s)_\w+)" % "|".join(ROLES), text):
                        if var != role and owner not in options:
                            undeclared.setdefault(role, set()).add(owner)
    assert undeclared == {}
