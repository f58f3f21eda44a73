#!/usr/bin/env bash
# Installs what Hive needs on a Debian/Ubuntu machine and builds dist/hive. Safe to run again: it only adds what is missing.
# Usage: scripts/setup.sh [--test]   (--test also installs what the test suite drives: the aws CLI and the test guest)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need=()
command -v nats-server >/dev/null || [[ -x /usr/sbin/nats-server ]] || need+=(nats-server)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v qemu-storage-daemon >/dev/null || need+=(qemu-system-common)
# Guests' NoCloud seeds are ISO images; socat relays their metadata-service connections.
command -v genisoimage >/dev/null || need+=(genisoimage)
command -v socat >/dev/null || need+=(socat)
# Bridge networking (the default as root): iproute2 for the bridge and taps, nftables for NAT and the taps' guards.
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || [[ -x /usr/sbin/nft ]] || need+=(nftables)
# Each VPC's DNS resolver (AmazonProvidedDNS) is a dnsmasq in the VPC's namespace; dnsmasq-base ships no service.
command -v dnsmasq >/dev/null || [[ -x /usr/sbin/dnsmasq ]] || need+=(dnsmasq-base)
# Image archives (.tar.xz) unpack through tar and xz.
command -v xz >/dev/null || need+=(xz-utils)
if $want_test; then
  command -v aws >/dev/null || need+=(awscli)
  command -v ssh >/dev/null || need+=(openssh-client)
  command -v readelf >/dev/null || need+=(binutils)
  command -v puttygen >/dev/null || need+=(putty-tools)
  # Ansible's amazon.aws modules (the playbook test) run on Debian's own python3, with Debian's boto3.
  command -v ansible-playbook >/dev/null || need+=(ansible)
  [[ ! -x /usr/bin/python3 ]] || /usr/bin/python3 -c "import boto3" 2>/dev/null || need+=(python3-boto3)
  # The VPC data plane's test sends ICMP between guest namespaces.
  command -v ping >/dev/null || need+=(iputils-ping)
  # A data directory on a USB stick's filesystem: exFAT on a loop device through FUSE (no kernel FAT module needed).
  command -v mkfs.exfat >/dev/null || [[ -x /usr/sbin/mkfs.exfat ]] || need+=(exfatprogs)
  command -v mount.exfat-fuse >/dev/null || [[ -x /usr/sbin/mount.exfat-fuse ]] || need+=(exfat-fuse)
  # The test guest is built from Debian packages with these (scripts/build-test-guest.sh).
  command -v mcopy >/dev/null || need+=(mtools)
  command -v syslinux >/dev/null || need+=(syslinux syslinux-common)
  command -v cpio >/dev/null || need+=(cpio)
  # The stock-style cloud image (scripts/build-cloud-guest.sh, root only) comes from debootstrap and mke2fs -d.
  if [[ $(id -u) -eq 0 ]]; then
    command -v debootstrap >/dev/null || need+=(debootstrap)
    # The offline bundle's test installs it into a bare Debian made by mmdebstrap, cut off from the network.
    command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
    command -v mke2fs >/dev/null || [[ -x /usr/sbin/mke2fs ]] || need+=(e2fsprogs)
  fi
fi
if ((${#need[@]})); then
  echo "setup: installing ${need[*]} from Debian's packages" >&2
  apt_install "${need[@]}"
fi

# The binary needs one package install script: bun's, which puts the platform's bun in place. The others are
# skipped unless --test: better-sqlite3's compiles a native module (two minutes) that only the Node tests load (the
# binary uses bun:sqlite), esbuild's only checks its binary (tsx finds it without), aws-sdk's prints a notice.
# --prefer-offline: the lock file pins every tarball by hash, so a cached one is the one; asking the registry again
# about each took half a minute.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages" >&2
  if $want_test; then
    npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  else
    npm ci --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error
    npm rebuild bun --loglevel=error
  fi
fi
# node_modules from a run without --test (npm run up) lacks what the Node tests load.
if $want_test && [[ ! -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]]; then
  echo "setup: building better-sqlite3 for the Node tests" >&2
  npm rebuild better-sqlite3 esbuild --loglevel=error
fi

if [[ ! -x dist/hive || -n "$(find src build.ts package.json -newer dist/hive -print -quit 2>/dev/null)" ]]; then
  echo "setup: building dist/hive" >&2
  ./node_modules/.bin/bun build.ts
fi

if $want_test; then
  bash scripts/build-test-guest.sh
  # Needs root (debootstrap); its e2e test skips without root, as bridge networking's does.
  if [[ $(id -u) -eq 0 ]]; then bash scripts/build-cloud-guest.sh; fi
fi
