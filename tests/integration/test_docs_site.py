"""The documentation site (make docs): tests/docs.sh builds it with antsibull-docs and Sphinx from the modules',
filters' and roles' own docs, and fails on any lint message or warning. Every module, filter and role of this
tree has its page (the lists come from the tree)."""

import os
import subprocess

import pytest

from conftest import TOP

HTML = os.path.join(TOP, ".build", "docs-site", "build", "html")
PAGES = os.path.join(HTML, "collections", "esante", "roc")


def names(folder, ext):
    return sorted(n[:-len(ext)] for n in os.listdir(os.path.join(TOP, folder))
                  if n.endswith(ext) and not n.startswith("_"))


def expected_pages():
    pages = ["%s_module.html" % m for m in names(os.path.join("plugins", "modules"), ".py")]
    # a filter's docs are its plugins/filter/<name>.yml (the .py files hold several filters)
    pages += ["%s_filter.html" % f for f in names(os.path.join("plugins", "filter"), ".yml")]
    pages += ["%s_role.html" % r for r in sorted(os.listdir(os.path.join(TOP, "roles")))
              if os.path.isdir(os.path.join(TOP, "roles", r))]
    return pages


@pytest.fixture(scope="module")
def site():
    proc = subprocess.run(["bash", os.path.join(TOP, "tests", "docs.sh")], cwd=TOP, capture_output=True, text=True,
                          check=False, timeout=1200)
    return proc


def test_docs_build_without_warnings(site):
    output = site.stdout + site.stderr
    assert site.returncode == 0, output[-6000:]
    assert "WARNING" not in output, [line for line in output.splitlines() if "WARNING" in line]
    with open(os.path.join(TOP, ".build", "docs-site", "docs.log")) as handle:
        log = handle.read()
    assert "WARNING" not in log and "ERROR" not in log
    assert os.path.exists(os.path.join(HTML, "index.html"))


def test_every_module_filter_and_role_has_its_page(site):
    assert site.returncode == 0, (site.stdout + site.stderr)[-6000:]
    expected = expected_pages()
    assert len(expected) > 30  # the tree was read
    missing = [p for p in expected if not os.path.exists(os.path.join(PAGES, p))]
    assert missing == [], missing
    # and each page is the plugin's documentation, not an antsibull-docs error page
    for page in expected:
        with open(os.path.join(PAGES, page)) as handle:
            text = handle.read()
        assert "esante.roc." + page.rsplit("_", 1)[0] in text, page
        assert "was malformed" not in text, page
