# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the filter plugins share: their inputs as plain Python data, and module_utils' RocError as Ansible's
filter error.

ansible-core 2.19 hands filters its own subclasses of dict, list, str, int and float (they carry data tags: where
a value came from, whether it is trusted). Code that checks exact types (jmespath's sort_by says "invalid type
... received: unknown") or serialises them fails on data from the inventory, vars, set_fact or registered
results. Every esante.roc filter therefore gets plain copies: one conversion here, for every filter and every
ansible-core version (older versions pass plain types, which are copied as they are).

Ansible resolves a collection's filter by loading every filter file of the collection, in every forked worker,
and the collection loader compiles their Python source each time (no bytecode cache): a filter file that imported
its implementation would make every task that names any esante.roc filter compile all of them, on every host.
So the filter files name their implementation (`lazy`): it is imported on the filter's first call, in that
worker only, and only the implementation of the filters a task uses is compiled."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

from ansible.errors import AnsibleFilterError

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError


def native(value):
    """A plain copy of value: dict, list, str, int, float and bool of exactly those types, all the way down.
    Objects of other kinds (Ansible's HostVars, say) are passed as they are."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, dict):
        return dict((native(k), native(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [native(v) for v in value]
    if isinstance(value, str):
        return str(value)  # an exact str comes back as it is
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def wrap(function):
    def filter_function(*args, **kwargs):
        args = [native(a) for a in args]
        kwargs = dict((k, native(v)) for k, v in kwargs.items())
        try:
            return function(*args, **kwargs)
        except RocError as exc:
            raise AnsibleFilterError(str(exc))
    filter_function.__name__ = function.__name__
    return filter_function


def lazy(module, name):
    """The filter `name` of plugin_utils/`module` (or of another package under plugins, 'module_utils.doctor'),
    wrapped as `wrap` does; the module is imported on the filter's first call."""
    if "." not in module:
        module = "plugin_utils." + module
    path = "ansible_collections.esante.roc.plugins." + module
    found = []

    def filter_function(*args, **kwargs):
        if not found:
            found.append(wrap(getattr(importlib.import_module(path), name)))
        return found[0](*args, **kwargs)
    filter_function.__name__ = name
    return filter_function
