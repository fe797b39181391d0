# esante.roc — every entry point. Run as root on Debian/Ubuntu from a fresh clone:
#   make demo   the whole procedure on the built-in lab fleet
#   make test   every test (lint, sanity, unit, molecule), ending with "N passed, N failed"
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOP        := $(abspath .)
VENV       := $(TOP)/.venv
VENV_OLD   := $(TOP)/.venv-oldest
PY         := $(VENV)/bin/python
BIN        := $(VENV)/bin
BUILD      := $(TOP)/.build
COLL_PATH  := $(BUILD)/collections
COLL_DIR   := $(COLL_PATH)/ansible_collections/esante/roc
LAB        := $(TOP)/.lab
VERSION    := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL    := $(BUILD)/esante-roc-$(VERSION).tar.gz
APT_PKGS   := podman catatonit runc debootstrap uidmap slirp4netns fuse-overlayfs openssl openssh-client default-jre-headless rsync git prometheus libfaketime
FLEET_N    ?= 2

export CONTAINERS_CONF := $(TOP)/tests/lab/containers.conf
export ANSIBLE_COLLECTIONS_PATH := $(COLL_PATH)
export ANSIBLE_CONFIG := $(TOP)/ansible.cfg
export ROC_LAB_DIR := $(LAB)
export PATH := $(BIN):$(PATH)

.PHONY: help deps venv venv-oldest venv-docs docs lab images collection demo demo-down bench release test lint sanity unit integration molecule matrix clean

help:
	@sed -n '2,4p' Makefile

## System packages (only those missing; apt-get update once).
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

## Controller tooling, pinned in requirements.txt, in .venv (git-ignored).
venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

venv-oldest: $(VENV_OLD)/.stamp
$(VENV_OLD)/.stamp: requirements-oldest.txt
	@test -x $(VENV_OLD)/bin/python || python3 -m venv $(VENV_OLD)
	$(VENV_OLD)/bin/python -m pip install -q --disable-pip-version-check -r requirements-oldest.txt
	@touch $@

## Documentation site tooling, pinned in requirements-docs.txt, in .venv-docs (git-ignored).
venv-docs: $(TOP)/.venv-docs/.stamp
$(TOP)/.venv-docs/.stamp: requirements-docs.txt
	@test -x $(TOP)/.venv-docs/bin/python || python3 -m venv $(TOP)/.venv-docs
	$(TOP)/.venv-docs/bin/python -m pip install -q --disable-pip-version-check -r requirements-docs.txt
	@touch $@

## The documentation site (antsibull-docs + Sphinx) in .build/docs-site/build/html; fails on any warning.
docs: venv-docs
	@bash tests/docs.sh

## LAB ONLY PKI (idempotent).
lab: venv
	@$(PY) tests/lab/labpki.py init --out $(LAB)/pki

images: deps
	@bash tests/lab/fleet.sh build all

## Build the collection tarball and install it where ansible finds it (esante.roc.* from the tarball).
collection: venv
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/esante-roc-*.tar.gz
	@$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD) . >/dev/null
	@$(BIN)/ansible-galaxy collection install --force -p $(COLL_PATH) $(TARBALL) >/dev/null
	@echo "collection esante.roc $(VERSION) built ($(TARBALL)) and installed in $(COLL_PATH)"

demo: deps venv lab images collection
	@bash tests/lab/fleet.sh up $(FLEET_N)
	@$(BIN)/ansible-playbook -i $(LAB)/fleet/inventory.ini -i tests/lab/inventory esante.roc.order
	@$(BIN)/ansible-playbook -i localhost, -c local tests/lab/platform.yml
	@$(BIN)/ansible-playbook -i $(LAB)/fleet/inventory.ini -i tests/lab/inventory esante.roc.site
	@$(BIN)/ansible-playbook -i $(LAB)/fleet/inventory.ini -i tests/lab/inventory tests/lab/summary.yml
	@$(BIN)/ansible-playbook -i $(LAB)/fleet/inventory.ini -i tests/lab/inventory esante.roc.report | grep -E '"msg"|RECAP' || true
	@echo "Order sheets and the expiry report (report.html) are in $(LAB)/orders/; make demo-down stops the lab fleet."

demo-down:
	@bash tests/lab/fleet.sh down

## Benchmark (a tool, not a test): ours against the floor and the community.crypto way, N = 5, 10, 20.
## BENCH_SIZES=5,10 BENCH_REPS=1 BENCH_ONLY='site' make bench for a quick look.
bench: deps venv lab images collection
	@$(PY) bench/bench.py

## Maintainer: changelog fragments -> CHANGELOG.rst for galaxy.yml's version, and the release tarball.
release: venv
	@bash tests/release.sh

## Every test; the last line is "N passed, N failed".
test: deps venv venv-oldest venv-docs lab images collection
	@bash tests/run_all.sh

lint sanity unit integration molecule matrix: deps venv venv-oldest venv-docs lab images collection
	@bash tests/run_all.sh $@

clean:
	rm -rf $(BUILD) $(LAB) tests/output
