"""Hypothesis over path names (the writer, in this process, on real files) and over revoke_material's service
names: a file lands exactly at its path or the call is refused naming the link in its way; a service is a whole
name. The attacks themselves, module by module: test_attacks_fs.py."""

import json
import os
import re
import stat

import pytest

from conftest import read
from test_attacks_fs import AUTH, VICTIM, _Module, tree

hypothesis = pytest.importorskip("hypothesis")  # the oldest-cryptography venv has none
from hypothesis import HealthCheck, example, given, settings, strategies as st  # noqa: E402

NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1,
                max_size=24).filter(lambda n: n not in (".", "..") and len(n.encode("utf-8")) <= 96)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(NAMES, min_size=1, max_size=3), name=NAMES, link_at=st.integers(-1, 3),
       secret=st.booleans(), data=st.binary(max_size=64))
def test_any_path_name_is_written_inside_or_refused(fx, tmp_path_factory, parts, name, link_at, secret, data):
    """Whatever the names (spaces, newlines, dots, unicode, leading dashes), a file lands exactly at its path, or,
    when a component of its path is a symbolic link, the call is refused naming that link and nothing is written
    anywhere (inside or behind the link)."""
    from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
    from ansible_collections.esante.roc.plugins.module_utils.writer import HIDDEN, FileWriter
    root = str(tmp_path_factory.mktemp("names"))
    outside = os.path.join(root, "outside")
    os.mkdir(outside)
    with open(os.path.join(outside, "kept"), "wb") as handle:
        handle.write(VICTIM)
    inside = os.path.join(root, "in")
    components = list(parts) + [name]
    link = None
    if 0 <= link_at < len(components):  # plant a link at that component (a folder above, or the file itself)
        link = os.path.join(inside, *components[:link_at + 1])
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(outside if link_at < len(components) - 1 else os.path.join(outside, "kept"), link)
    path = os.path.join(inside, *components)
    content = (read(os.path.join(fx["cli"], "leaf.key")) if secret else b"") + data
    before_outside = tree(outside)
    before_inside = tree(inside)
    writer = FileWriter(_Module.make(_ansible_diff=True))
    try:
        writer.ensure_dir(os.path.dirname(path))
        writer.plan(path, content, label="file")
        writer.commit()
    except RocError as exc:
        assert link is not None, exc
        assert link in str(exc) and "symbolic link" in str(exc)
        assert tree(outside) == before_outside and tree(inside) == before_inside
        return
    assert link is None
    assert read(path) == content and os.lstat(path).st_uid == 0
    assert stat.S_IMODE(os.lstat(path).st_mode) == (0o600 if secret else 0o644)
    assert tree(outside) == before_outside
    shown = json.dumps(writer.diff)
    if secret:
        assert HIDDEN in shown and "PRIVATE KEY" not in shown
    assert sorted(tree(inside)) == sorted(os.path.join(inside, *components[:i + 1]) for i in range(len(components)))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
@example(AUTH + "\n")  # "$" accepts a trailing newline: the name is matched whole (\Z)
def test_revoke_service_names_are_whole_names(text):
    from ansible_collections.esante.roc.plugins.module_utils import backend_revoke
    whole = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", text) is not None
    # revoke_material checks its names with layout's one NAME_RE (valid_name)
    assert backend_revoke.valid_name(text) == whole
