# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of the host check: where cryptography is missing or too old on a host and the task asks for it
(prerequisites' install_cryptography, or trust_anchor's prerequisites that carry the host check), the package is
installed with the host's package module and the module runs again; only then (the warm path never runs it).

Reading controller files is another concern (plugin_utils/controller_files.py) and this file does not import it:
the prerequisites action is a BootstrapAction only; the trust_anchor action, which reads its anchors from the
controller AND carries the host check, names both classes (CryptographyBootstrap, ControllerSrcAction)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils.module_action import ModuleAction

PACKAGE = "python3-cryptography"


class CryptographyBootstrap(object):
    """A mixin for an action plugin: its module execution (`_run_module`) installs cryptography when the module says
    it is missing and the task asks for it. MODULE: the module; BOOTSTRAP: where the module's args ask (() top level,
    ("prerequisites",) nested)."""

    MODULE = None
    BOOTSTRAP = ()

    def _run_module(self, args, task_vars):
        module_result = self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars)
        if module_result.get("cryptography_problem"):
            module_result = self._bootstrap(args, module_result, task_vars)
        return module_result

    def _bootstrap(self, args, module_result, task_vars):
        """Cryptography missing or too old on the host and the task asks to install it: the package is installed
        with ansible.builtin.package (only then: the warm path never runs it), and the module runs again."""
        options = args
        for key in self.BOOTSTRAP:
            options = options.get(key) or {}
        if not options.get("install_cryptography"):
            return module_result
        if self._task.check_mode:
            return dict(module_result, failed=False, changed=True, installed=PACKAGE,
                        msg="check mode: %s would be installed (%s)" % (PACKAGE, module_result["cryptography_problem"]))
        package = self._install_package(task_vars)
        if package.get("failed"):
            return dict(module_result, failed=True, msg="%s; installing %s failed: %s" % (
                module_result["cryptography_problem"], PACKAGE, package.get("msg", "")))
        again = self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars)
        return dict(again, changed=True, installed=PACKAGE)

    def _install_package(self, task_vars):
        """The host's package manager module (as ansible.builtin.package finds it: ansible_package_use, the
        gathered pkg_mgr fact, else a minimal fact gathering), state latest."""
        manager = (task_vars or {}).get("ansible_package_use") or \
            ((task_vars or {}).get("ansible_facts") or {}).get("pkg_mgr")
        if not manager or manager == "auto":
            facts = self._execute_module(module_name="ansible.legacy.setup", task_vars=task_vars,
                                         module_args={"filter": "ansible_pkg_mgr", "gather_subset": "!all"})
            manager = (facts.get("ansible_facts") or {}).get("ansible_pkg_mgr")
        if not manager or manager == "unknown":
            return {"failed": True, "msg": "no package manager found on the host (set ansible_package_use)"}
        return self._execute_module(module_name="ansible.legacy." + manager, task_vars=task_vars,
                                    module_args={"name": PACKAGE, "state": "latest"})


class BootstrapAction(CryptographyBootstrap, ModuleAction):
    """An action that only runs its module, with the bootstrap (esante.roc.prerequisites): no controller file read."""
