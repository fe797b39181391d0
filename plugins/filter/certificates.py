# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on certificate facts: days_left, expiring, fleet_report, fleet_report_html, fleet_entries (thin
wrappers over plugin_utils/report.py) and doctor_report (module_utils/doctor.py, shared with the doctor module).
Ansible loads every filter file of the collection in every forked worker: the implementations are imported on
a filter's first call (plugin_utils/filters.py), and bring no cryptography (report.py imports it only when
days_left is given a certificate itself)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils.filters import lazy, native

_report = lazy("module_utils.doctor", "report")


def doctor_report(results, hosts=None, language="fr", fail_on="warning"):
    """doctor.report over {host: result}. With `hosts`, `results` is hostvars: only those hosts' registered
    `__roc_doctor` is read (made plain data there, never the whole hostvars)."""
    if hosts is not None:
        picked = {}
        for host in native(hosts):
            try:
                picked[host] = native(results[host].get("__roc_doctor"))
            except (KeyError, AttributeError):
                picked[host] = None
        results = picked
    else:
        results = native(results)
    return _report(results, native(language), native(fail_on))


class FilterModule(object):
    def filters(self):
        return {
            "days_left": lazy("report", "days_left"),
            "expiring": lazy("report", "expiring"),
            "fleet_report": lazy("report", "fleet_report"),
            "fleet_report_html": lazy("report", "report_html"),
            "fleet_entries": lazy("report", "fleet_entries"),
            "doctor_report": doctor_report,
        }
