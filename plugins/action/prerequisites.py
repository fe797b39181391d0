# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the host check; installs python3-cryptography and checks again when it is missing and the task asks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils.bootstrap import BootstrapAction


class ActionModule(BootstrapAction):
    MODULE = "esante.roc.prerequisites"
    BOOTSTRAP = ()
