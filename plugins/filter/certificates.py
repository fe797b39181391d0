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


def doctor_report(results, hosts=None, language="fr", fail_on="warning"):
    """doctor.report over {host: result}. With `hosts`, `results` is hostvars: only those hosts' registered
    `__roc_doctor` is read (made plain data there, never the whole hostvars)."""
    from ansible_collections.esante.roc.plugins.module_utils import doctor
    from ansible_collections.esante.roc.plugins.plugin_utils.filters import native
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
    return doctor.report(results, native(language), native(fail_on))


class FilterModule(object):
    def filters(self):
        return {
            "days_left": wrap(_report("days_left")),
            "expiring": wrap(_report("expiring")),
            "fleet_report": wrap(_report("fleet_report")),
            "fleet_report_html": wrap(_report("report_html")),
            "fleet_entries": wrap(_report("fleet_entries")),
            "doctor_report": doctor_report,
        }
