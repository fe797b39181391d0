# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the filter plugins share: module_utils' RocError becomes Ansible's filter error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError


def wrap(function):
    def filter_function(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except RocError as exc:
            raise AnsibleFilterError(str(exc))
    filter_function.__name__ = function.__name__
    return filter_function
