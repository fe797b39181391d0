"""Write an intersphinx inventory of the Ansible docsite labels the collection's site links to, without the network.

The conf.py that `antsibull-docs sphinx-init` writes fetches the inventory of docs.ansible.com when Sphinx runs; here
that host cannot be reached, and a failed fetch is a warning (an error with -W). The site links to that docsite only
through these labels: the few pages antsibull-docs' templates name (action plugins, return values, configuration
settings...) and the ansible.builtin plugins of the installed ansible-core (M(ansible.builtin.copy) and the like,
which `lint-collection-docs --validate-collection-refs=dependent` checks exist). A label missing here is still a
Sphinx warning: extend DOCSITE_LABELS when a template or a doc names another page.

    python tests/docs_inventory.py OUT.inv
"""

import os
import sys
import zlib

import ansible

# label -> (page, title), as on docs.ansible.com/projects/ansible/devel/
DOCSITE_LABELS = {
    "action_plugins": ("plugins/action.html", "Action plugins"),
    "callback_plugins": ("plugins/callback.html", "Callback plugins"),
    "common_return_values": ("reference_appendices/common_return_values.html", "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html", "Ansible Configuration Settings"),
    "collections_keyword": ("collections_guide/collections_using_playbooks.html", "Using collections in playbooks"),
    "list_of_collections": ("collections/index.html", "Collection Index"),
    "list_of_callback_plugins": ("collections/index_callback.html", "Index of all Callback Plugins"),
}
PLUGIN_TYPES = ("become", "cache", "callback", "cliconf", "connection", "filter", "httpapi", "inventory", "lookup",
                "netconf", "shell", "strategy", "test", "vars")


def anchor(label):
    return "".join(c if c.isalnum() else "-" for c in label.lower())


def builtin_plugins():
    root = os.path.dirname(ansible.__file__)
    found = [(name[:-3], "module") for name in os.listdir(os.path.join(root, "modules"))
             if name.endswith(".py") and not name.startswith("_")]
    for kind in PLUGIN_TYPES:
        folder = os.path.join(root, "plugins", kind)
        # filters and tests are documented one per YAML file (their .py files hold several)
        ext = ".yml" if kind in ("filter", "test") else ".py"
        if os.path.isdir(folder):
            found += [(name[:-len(ext)], kind) for name in os.listdir(folder)
                      if name.endswith(ext) and not name.startswith("_")]
    return sorted(found)


def main(out):
    lines = []
    for label, (page, title) in sorted(DOCSITE_LABELS.items()):
        lines.append("%s std:label -1 %s#%s %s" % (label, page, anchor(label), title))
    for name, kind in builtin_plugins():
        label = "ansible_collections.ansible.builtin.%s_%s" % (name, kind)
        lines.append("%s std:label -1 collections/ansible/builtin/%s_%s.html#%s ansible.builtin.%s %s"
                     % (label, name, kind, anchor(label), name, kind))
    header = ("# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
              "# The remainder of this file is compressed using zlib.\n")
    with open(out, "wb") as handle:
        handle.write(header.encode() + zlib.compress(("\n".join(lines) + "\n").encode()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
