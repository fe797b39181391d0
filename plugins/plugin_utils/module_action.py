# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the collection's action plugins that run their module once: the task's arguments, as
`_module_args` prepares them (controller_files.ControllerSrcAction reads controller files there), go to MODULE in
one execution (`_run_module`: bootstrap.CryptographyBootstrap adds a second one where it installs the library),
and the result keeps the warnings of both sides."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase


class ModuleAction(ActionBase):
    TRANSFERS_FILES = False
    MODULE = None

    def run(self, tmp=None, task_vars=None):
        result = super(ModuleAction, self).run(tmp, task_vars)
        try:
            args = self._module_args(result)
        except AnsibleError as exc:
            result.update(failed=True, msg=to_text(exc))
            return result
        module_result = self._run_module(args, task_vars)
        warnings = result.get("warnings", []) + module_result.get("warnings", [])
        result.update(module_result)
        if warnings:
            result["warnings"] = warnings
        return result

    def _module_args(self, result):
        """The module's arguments (a copy of the task's); AnsibleError fails the task with its message. `result`
        takes the warnings found on the way."""
        return dict(self._task.args)

    def _run_module(self, args, task_vars):
        """The one execution of the module."""
        return self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars)
