#!/usr/bin/env bash
# LAB ONLY: a fleet of Debian containers for the demo, molecule and the benchmark.
#
#   fleet.sh build [bookworm|trixie|all]   build (once) and cache the images from debootstrap
#   fleet.sh up N [DISTS]                  start N containers (DISTS: "bookworm trixie" alternates)
#   fleet.sh down                          stop and remove them
#   fleet.sh inventory                     print the inventory path
#
# Images are made with debootstrap and `podman import` (no registry is reachable); the rootfs
# tarball is cached under .cache/images/ and the image is kept in podman's store. Containers run
# with --init (they stop at once), runtime runc, and publish SSH on 127.0.0.1 only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cache="${ROC_CACHE_DIR:-$top/.cache}/images"
labdir="${ROC_LAB_DIR:-$top/.lab}"
fleetdir="${ROC_FLEET_DIR:-$labdir/fleet}"
prefix="${ROC_FLEET_PREFIX:-roc-lab}"
base_port="${ROC_FLEET_BASE_PORT:-22200}"
mirror="${ROC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Bump when the package list changes: images are cached by this revision.
image_rev=4
packages="python3,python3-cryptography,python3-cffi-backend,openssh-server,systemd,systemd-sysv,dbus,openssl,ca-certificates,iproute2,procps,sudo,xmlsec1,nginx-light,curl"
# Installed in a second stage (their scripts need /proc): Java for keytool and the JDK HttpClient lab client, node_exporter for the monitoring role.
packages_stage2="default-jre-headless prometheus-node-exporter"

export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

image_name() { echo "localhost/esante-roc-lab:$1-r$image_rev"; }

build_one() {
  local dist=$1 image rootfs tarball
  image=$(image_name "$dist")
  if podman image exists "$image"; then
    echo "image $image: cached"
    return 0
  fi
  mkdir -p "$cache"
  tarball="$cache/$dist-r$image_rev.tar"
  if [ ! -s "$tarball" ]; then
    rootfs="$cache/$dist-rootfs"
    rm -rf "$rootfs"
    echo "debootstrap $dist (about a minute)..."
    debootstrap --variant=minbase --include="$packages" "$dist" "$rootfs" "$mirror" \
      >"$cache/$dist-debootstrap.log" 2>&1 || {
      tail -20 "$cache/$dist-debootstrap.log" >&2
      echo "debootstrap of $dist failed (log: $cache/$dist-debootstrap.log)" >&2
      exit 1
    }
    mount -t proc proc "$rootfs/proc"
    chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      $packages_stage2 >>"$cache/$dist-debootstrap.log" 2>&1 || {
      umount "$rootfs/proc"
      tail -20 "$cache/$dist-debootstrap.log" >&2
      echo "stage 2 of the $dist image failed (log: $cache/$dist-debootstrap.log)" >&2
      exit 1
    }
    umount "$rootfs/proc"
    chroot "$rootfs" apt-get clean
    # Slim the image and make it container-friendly.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    echo "$prefix" >"$rootfs/etc/hostname"
    mkdir -p "$rootfs/run/sshd" "$rootfs/root/.ssh"
    chmod 700 "$rootfs/root/.ssh"
    # systemd in a container: no getty, no udev triggers.
    rm -f "$rootfs"/etc/systemd/system/getty.target.wants/* || true
    ln -sf /dev/null "$rootfs/etc/systemd/system/systemd-udevd.service" || true
    ln -sf /dev/null "$rootfs/etc/systemd/system/nginx.service" || true
    tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  podman import --change 'CMD ["/bin/bash"]' "$tarball" "$image" >/dev/null
  echo "image $image: built"
}

ensure_ssh_key() {
  mkdir -p "$fleetdir"
  chmod 700 "$fleetdir"
  [ -f "$fleetdir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C 'roc-lab' -f "$fleetdir/id_ed25519"
}

up() {
  local n=${1:-2} dists=${2:-"bookworm trixie"} i dist image port name inv
  read -r -a dist_list <<<"$dists"
  for dist in "${dist_list[@]}"; do build_one "$dist"; done
  ensure_ssh_key
  inv="$fleetdir/inventory.ini"
  {
    echo "# LAB ONLY fleet, written by tests/lab/fleet.sh"
    echo "[lab]"
  } >"$inv.tmp"
  for ((i = 1; i <= n; i++)); do
    dist=${dist_list[$(((i - 1) % ${#dist_list[@]}))]}
    image=$(image_name "$dist")
    name="$prefix-$i"
    port=$((base_port + i))
    if ! podman container exists "$name"; then
      podman run -d --init --name "$name" --hostname "$name" \
        --label esante.roc.lab=1 \
        -p "127.0.0.1:$port:22" \
        -v "$fleetdir/id_ed25519.pub:/root/.ssh/authorized_keys:ro,Z" \
        "$image" sh -c 'mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e' >/dev/null
    elif [ "$(podman inspect -f '{{.State.Running}}' "$name")" != "true" ]; then
      podman start "$name" >/dev/null
    fi
    echo "$name ansible_connection=containers.podman.podman ansible_host=$name roc_lab_ssh_port=$port roc_lab_dist=$dist" >>"$inv.tmp"
  done
  {
    echo
    echo "[lab:vars]"
    echo "ansible_python_interpreter=/usr/bin/python3"
    echo "roc_lab_ssh_key=$fleetdir/id_ed25519"
  } >>"$inv.tmp"
  mv "$inv.tmp" "$inv"
  # The same hosts over SSH on 127.0.0.1 (the benchmark uses this one).
  sed -e 's/ansible_connection=containers.podman.podman ansible_host=[^ ]* roc_lab_ssh_port=\([0-9]*\)/ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=\1 ansible_user=root/' \
    -e "s|^roc_lab_ssh_key=.*|ansible_ssh_private_key_file=$fleetdir/id_ed25519|" "$inv" >"$fleetdir/inventory-ssh.ini"
  echo "fleet up: $n container(s); inventory $inv (podman) and $fleetdir/inventory-ssh.ini (ssh)"
}

down() {
  local ids
  ids=$(podman ps -a -q --filter "label=esante.roc.lab=1" --filter "name=^$prefix-")
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    podman rm -f -t 0 $ids >/dev/null
  fi
  rm -f "$fleetdir/inventory.ini" "$fleetdir/inventory-ssh.ini"
  echo "fleet down"
}

cmd=${1:-}
shift || true
case "$cmd" in
build)
  what=${1:-all}
  if [ "$what" = all ]; then what="bookworm trixie"; fi
  for d in $what; do build_one "$d"; done
  ;;
image) image_name "${1:-bookworm}" ;;
up) up "$@" ;;
down) down ;;
inventory) echo "$fleetdir/inventory.ini" ;;
*)
  sed -n '2,8p' "$0"
  exit 2
  ;;
esac
