"""A fresh machine gets what `make deps` names and those packages' Depends, nothing else (no Recommends,
nothing installed by hand). This test proves the list complete without trusting this machine's history: the
closure of the named packages' Depends/PreDepends (apt-cache depends, no Recommends), plus the Essential and
required packages every Debian has, must provide every host binary that the Makefile, tests/lab and the tests
call, each binary's package found with dpkg -S.

podman's init helper (`catatonit`, a Recommends of podman only) was missing that way: `make demo` stopped at the
fleet start with "container-init binary not found on the host"."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import TOP

# host binary -> where it is called (kept by hand; the scan below fails when a test calls one not listed here)
BINARIES = {
    "podman": "tests/lab/fleet.sh, molecule (podman driver)",
    "catatonit": "podman run --init (tests/lab/fleet.sh, molecule)",
    "runc": "tests/lab/containers.conf (runtime)",
    "conmon": "podman's container monitor",
    "newuidmap": "podman (uidmap)",
    "debootstrap": "tests/lab/fleet.sh build",
    "keytool": "tests (Java truststore and keystores judged by keytool), trust_anchor on the controller",
    "java": "keytool's runtime",
    "openssl": "tests/conftest.py (fixtures), TLS handshakes in the tests",
    "ssh-keygen": "tests/lab/fleet.sh (the fleet's SSH key)",
    "ssh": "make bench (the fleet over SSH)",
    "rsync": "tests/sanity.sh, tests/release.sh",
    "git": "tests/sanity.sh, tests/release.sh, the release test",
    "mount": "tests/lab/fleet.sh (proc in the image), tests/unit/test_faults.py (tmpfs)",
    "umount": "tests/lab/fleet.sh, tests/unit/test_faults.py",
    "chroot": "tests/lab/fleet.sh (stage 2 of the images)",
    "tar": "tests/lab/fleet.sh (the image's rootfs)",
    "getent": "tests/unit/test_fleet_speed.py",
    "dd": "tests/unit/test_faults.py",
    "bash": "Makefile (SHELL), tests/run_all.sh",
    "sed": "Makefile, tests/lab/fleet.sh",
    "apt-cache": "this test",
    "dpkg": "this test, make deps",
    "dpkg-query": "this test",
    "promtool": "tests/unit/test_alert_rules.py (the monitoring role's alerting rules)",
    # not a binary: a library the doctor test copies into a lab host (a skewed clock); found by its absolute path
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1": "tests/integration/test_doctor_playbook.py",
}
# the machine's Python (pyenv here, Debian's python3 elsewhere) makes the venvs: not an apt package on every machine
NOT_FROM_APT = {"python3"}
SCANNED = ("tests", "bench", "molecule")
CALL = re.compile(r"""subprocess\.(?:run|Popen|call|check_call|check_output)\(\s*\[\s*["']([A-Za-z0-9_.+-]+)["']""")


def apt_packages():
    with open(os.path.join(TOP, "Makefile")) as handle:
        text = handle.read()
    match = re.search(r"^APT_PKGS\s*:=\s*(.+)$", text, re.M)
    assert match, "Makefile: no APT_PKGS line"
    return match.group(1).split()


def _depends(packages):
    """{package: [first alternative of each Depends/PreDepends]} for packages, virtual packages resolved to their
    first provider (what apt would install)."""
    out = subprocess.run(["apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks",
                          "--no-replaces", "--no-enhances"] + sorted(packages), capture_output=True, text=True,
                         check=False).stdout
    deps, current, alternative, virtual = {}, None, False, None
    for line in out.splitlines():
        if not line.startswith(" "):
            current, alternative, virtual = line.strip().strip("<>"), False, None
            deps.setdefault(current, [])
            continue
        stripped = line.strip()
        kind = re.match(r"^(\|?)(PreDepends|Depends): (.+)$", stripped)
        if kind:
            name = kind.group(3).strip()
            virtual = None
            if not alternative:  # the first alternative of an or-group is what apt installs
                if name.startswith("<"):
                    virtual = name.strip("<>")
                else:
                    deps[current].append(name.split(":")[0])
            alternative = kind.group(1) == "|"
        elif virtual and line.startswith("    "):  # the providers of a virtual package, listed under it
            deps[current].append(stripped.split(":")[0])
            virtual = None
    return deps


def closure(named):
    """The named packages, their Depends (recursively), and the base system (Essential, Priority required)."""
    base = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Essential} ${Priority}\n"], capture_output=True,
                          text=True, check=True).stdout
    have = set()
    for line in base.splitlines():
        parts = line.split()
        if len(parts) >= 3 and (parts[1] == "yes" or parts[2] == "required"):
            have.add(parts[0])
    todo = set(named)
    while todo:
        have |= todo
        deps = _depends(todo)
        todo = set(d for names in deps.values() for d in names) - have
    return have


def owner(binary):
    """The package that ships a binary (dpkg -S on its path, its real path, and the merged-/usr twin)."""
    if binary.startswith("/"):
        path = binary if os.path.exists(binary) else None
    else:
        path = shutil.which(binary) or next((p for p in ("/usr/libexec/podman/%s" % binary,) if os.path.exists(p)), None)
    if path is None:
        return None, None
    candidates = [path, os.path.realpath(path)]
    for candidate in list(candidates):
        if candidate.startswith("/usr/"):
            candidates.append(candidate[len("/usr"):])
        else:
            candidates.append("/usr" + candidate)
    for candidate in candidates:
        proc = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            return path, proc.stdout.split(":")[0].split(",")[0].strip()
    return path, None


@pytest.fixture(scope="module")
def packages():
    if not shutil.which("apt-cache") or not shutil.which("dpkg"):
        pytest.skip("not a Debian/Ubuntu machine")
    named = apt_packages()
    return named, closure(named)


def test_every_host_binary_comes_from_a_named_package_or_its_depends(packages):
    named, have = packages
    problems = []
    for binary, where in sorted(BINARIES.items()):
        path, package = owner(binary)
        if path is None:
            problems.append("%s (%s): not on this machine" % (binary, where))
        elif package is None:
            problems.append("%s (%s): %s belongs to no Debian package" % (binary, where, path))
        elif package not in have:
            problems.append("%s (%s): from package %s, which is neither named in the Makefile's APT_PKGS nor a "
                            "Depends of what is named (a fresh machine would not have it)" % (binary, where, package))
    assert not problems, "\n".join(problems)


def test_the_init_helper_is_named(packages):
    """The regression itself: podman's init helper is only a Recommends of podman, so it must be named."""
    named, have = packages
    path, package = owner("catatonit")
    assert package == "catatonit" and "catatonit" in named


def test_every_binary_the_tests_call_is_listed():
    """The scan that keeps BINARIES true: a subprocess call of a new tool fails here until it is listed."""
    called = set()
    for folder in SCANNED:
        for base, _dirs, files in os.walk(os.path.join(TOP, folder)):
            if "/output" in base:
                continue
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(base, name), encoding="utf-8") as handle:
                        called.update(CALL.findall(handle.read()))
    unknown = sorted(called - set(BINARIES) - NOT_FROM_APT)
    assert not unknown, "binaries called by the tests but not checked by this test: %s" % unknown


def test_the_closure_is_computed_not_assumed(packages):
    """The closure holds the Depends of the named packages (runc and conmon come with podman) and not their
    Recommends (apt-cache says catatonit is one): the check cannot pass by taking everything installed."""
    named, have = packages
    assert "conmon" in have and "golang-github-containers-common" in have
    recommends = subprocess.run(["apt-cache", "depends", "--no-depends", "--no-pre-depends", "podman"],
                                capture_output=True, text=True, check=False).stdout
    assert "Recommends: catatonit" in recommends or "Recommends: <catatonit>" in recommends or "catatonit" in named
    without = closure([p for p in named if p != "catatonit"])
    assert "catatonit" not in without
