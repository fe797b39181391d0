# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on certificate facts: days_left, expiring, fleet_report, fleet_report_html (thin wrappers over
module_utils/report.py, which uses the same facts code as the modules)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils.filters import wrap


def _report(name):
    """report.<name>, imported when the filter is first called: Ansible loads every filter file of the
    collection to find any esante.roc filter, in every forked worker, and report.py brings cryptography with it."""
    def call(*args, **kwargs):
        from ansible_collections.esante.roc.plugins.module_utils import report
        return getattr(report, name)(*args, **kwargs)
    call.__name__ = name
    call.__doc__ = "report.%s" % name
    return call


class FilterModule(object):
    def filters(self):
        return {
            "days_left": wrap(_report("days_left")),
            "expiring": wrap(_report("expiring")),
            "fleet_report": wrap(_report("fleet_report")),
            "fleet_report_html": wrap(_report("report_html")),
            "fleet_entries": wrap(_report("fleet_entries")),
        }
