# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of esante.roc.doctor: reads the anchors given as controller files, and compares the host's clock
with the controller's around the module's one execution (the skew is known within half the round trip)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.esante.roc.plugins.module_utils import doctor
from ansible_collections.esante.roc.plugins.plugin_utils.controller_files import ControllerSrcAction

DEFAULT_MAX_SKEW = 60.0


class ActionModule(ControllerSrcAction):
    MODULE = "esante.roc.doctor"
    LIST_OPTIONS = ("igc_anchors", "gie_anchors")

    def run(self, tmp=None, task_vars=None):
        self._max_skew = float(self._task.args.get("max_clock_skew") or DEFAULT_MAX_SKEW)
        result = super(ActionModule, self).run(tmp, task_vars)
        if result.get("checks") is None or result.get("host_time") is None:
            return result
        lang = self._task.args.get("language") or "fr"
        skew, uncertainty = result["clock_skew"], result["clock_uncertainty"]
        if abs(skew) - uncertainty > self._max_skew:
            clock = doctor.check("clock", "skewed", "error", lang, skew="%+.1f" % skew, max="%.0f" % self._max_skew)
        else:
            clock = doctor.check("clock", "ok", "ok", lang, skew="%+.1f" % skew)
        host = (task_vars or {}).get("inventory_hostname") or self._task.get_name()
        result.update(doctor.add_checks(result, [clock], host, lang))
        result["changed"] = False
        return result

    def _execute_module(self, *args, **kwargs):
        if kwargs.get("module_name") != self.MODULE:
            return super(ActionModule, self)._execute_module(*args, **kwargs)
        started = time.time()
        result = super(ActionModule, self)._execute_module(*args, **kwargs)
        ended = time.time()
        if result.get("host_time") is not None:
            middle = (started + ended) / 2.0
            result["clock_skew"] = round(float(result["host_time"]) - middle, 3)
            result["clock_uncertainty"] = round((ended - started) / 2.0, 3)
        return result
