"""Property-based: whatever bytes the loaders get (real files with mutations, truncations, garbage),
they return certificates/keys or raise RocError, never anything else."""

import os

import pytest

from ansible_collections.esante.roc.plugins.module_utils import loader
from ansible_collections.esante.roc.plugins.module_utils.loader import RocError

from conftest import PASS, read

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def mutate(data, flips, cut):
    data = bytearray(data)
    for position, value in flips:
        if data:
            data[position % len(data)] = value
    return bytes(data[: max(0, len(data) - cut)])


MUTATIONS = dict(flips=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), max_size=6),
                 cut=st.integers(0, 64))


@pytest.mark.parametrize("name", ["leaf.pem", "leaf.der", "chain.p7b", "chain.p7b.der"])
def test_certificate_loader_never_crashes(fx, name):
    original = read(os.path.join(fx["cli"], name))

    @SETTINGS
    @given(**MUTATIONS)
    def check(flips, cut):
        try:
            assert loader.load_certificates(mutate(original, flips, cut), name)
        except RocError as exc:
            assert name in str(exc)
    check()


def test_pkcs12_loader_never_crashes(fx):
    original = read(fx["p12"]["auth_cli"])

    @SETTINGS
    @given(**MUTATIONS)
    def check(flips, cut):
        try:
            loader.load_pkcs12(mutate(original, flips, cut), PASS, "bundle")
        except RocError as exc:
            assert "bundle" in str(exc)
    check()


@pytest.mark.parametrize("name", ["leaf.key", "leaf.key.der", "leaf-enc.key"])
def test_key_loader_never_crashes(fx, name):
    original = read(os.path.join(fx["cli"], name))

    @SETTINGS
    @given(**MUTATIONS)
    def check(flips, cut):
        try:
            loader.load_private_key(mutate(original, flips, cut), PASS, name)
        except RocError as exc:
            assert name in str(exc)
    check()


@SETTINGS
@given(st.binary(max_size=400))
def test_garbage_everywhere(data):
    for function in (lambda d: loader.load_certificates(d, "x"), lambda d: loader.load_pkcs12(d, "p", "x"),
                     lambda d: loader.load_private_key(d, "p", "x")):
        try:
            function(data)
        except RocError:
            pass
