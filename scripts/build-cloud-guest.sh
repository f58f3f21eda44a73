#!/usr/bin/env bash
# Builds a stock-style Debian cloud image from Debian's packages, to prove that an unmodified cloud image comes up on
# Hive through cloud-init alone (the key installed for the default user "debian", user data run), as Debian's own
# genericcloud images do. Nothing Hive-specific goes inside: it is debootstrap's minimal Debian plus the packages a
# cloud image carries (cloud-init, openssh-server, the cloud kernel, ifupdown and a DHCP client), with the usual
# image hygiene (no SSH host keys, an empty machine-id).
#
#   build/cloud-guest/debian-cloud.raw   raw disk, 2 GiB sparse: MBR (syslinux mbr.bin); partition 1, FAT, active:
#                                        syslinux with the kernel and initramfs; partition 2: the ext4 root file
#                                        system, labelled cloudimg-rootfs (the last partition, as growpart expects)
#
# Debian's images boot with GRUB; this one boots the same kernel and initramfs with syslinux because that installs
# without mounting anything or using loop devices (mtools for the FAT side, `mke2fs -d` for the root).
# Packages come from the mirror this machine's apt already uses; its name is read from apt's sources, never stored.
#
# Cached: when the image exists and the stamp records this script's hash, it exits at once.
# HIVE_CLOUD_GUEST_FORCE=1 rebuilds anyway; HIVE_CLOUD_GUEST_OUT=<dir> writes somewhere else.
#
# Usage: scripts/build-cloud-guest.sh        (root: debootstrap needs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/$(basename "${BASH_SOURCE[0]}")"
OUT="${HIVE_CLOUD_GUEST_OUT:-$ROOT/build/cloud-guest}"
IMAGE="$OUT/debian-cloud.raw"
STAMP="$OUT/stamp"

SUITE=bookworm
DISK_MIB=2048
BOOT_START=2048       # sectors: partition 1 (FAT, kernel and initramfs) at 1 MiB
BOOT_SECTORS=131072   # 64 MiB
ROOT_LABEL=cloudimg-rootfs
# What Debian's cloud images are made of, minus GRUB. python3-cffi-backend is named because debootstrap's resolver
# does not follow the virtual package python3-cryptography needs from it.
PACKAGES=(systemd-sysv udev dbus cloud-init python3-cffi-backend openssh-server linux-image-cloud-amd64 ifupdown
  isc-dhcp-client iproute2 netbase sudo locales)
CMDLINE="root=LABEL=$ROOT_LABEL ro console=tty0 console=ttyS0,115200 mitigations=off"

log() { echo "build-cloud-guest: $*" >&2; }
die() { echo "build-cloud-guest: error: $*" >&2; exit 1; }

script_hash() { sha256sum "$SCRIPT" | cut -d' ' -f1; }

ensure_tools() {
  local t pkgs=()
  for t in debootstrap:debootstrap mke2fs:e2fsprogs mformat:mtools mcopy:mtools syslinux:syslinux \
    /usr/lib/syslinux/mbr/mbr.bin:syslinux-common; do
    if [[ ${t%%:*} == /* ]]; then [[ -e ${t%%:*} ]] || pkgs+=("${t#*:}"); else command -v "${t%%:*}" >/dev/null || pkgs+=("${t#*:}"); fi
  done
  ((${#pkgs[@]} == 0)) && return 0
  log "installing ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2 ||
    { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2; }
}

# The Debian mirror apt is configured with (deb822 .sources first, then one-line sources.list entries).
apt_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e $f ]] || continue
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
    [[ -n $uri ]] && { echo "$uri"; return 0; }
  done
  uri=$(awk '$1 == "deb" && $2 !~ /^\[/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  [[ -n $uri ]] && { echo "$uri"; return 0; }
  die "no Debian mirror found in apt's sources"
}

le32() {  # little-endian 32-bit value as printf escapes
  printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

# Image hygiene, as cloud images are published: every instance makes its own host keys and machine id.
prepare_root() {
  local root="$1"
  rm -f "$root"/etc/ssh/ssh_host_*
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id" "$root/etc/hostname"
  echo "LABEL=$ROOT_LABEL / ext4 rw,discard,errors=remount-ro 0 1" >"$root/etc/fstab"
  # cloud-init's default locale on Debian is en_US.UTF-8, and Debian's locale-gen only builds what /etc/locale.gen
  # names: generated here, as published images have it, so the first boot does not spend time (or fail) on it.
  sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' "$root/etc/locale.gen"
  chroot "$root" locale-gen >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root/debootstrap"
}

write_disk() {
  local img="$1" root="$2" sectors root_start root_sectors kernel initrd
  sectors=$((DISK_MIB * 2048))
  root_start=$((BOOT_START + BOOT_SECTORS))
  root_sectors=$((sectors - root_start))
  kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)
  initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n 1)
  rm -f "$img"
  truncate -s "${DISK_MIB}M" "$img"
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$img" bs=440 count=1 conv=notrunc status=none
  # Partition 1: active, FAT16 LBA (0x0e). Partition 2: Linux (0x83). CHS fields saturated; LBA is what counts.
  # shellcheck disable=SC2059
  printf "\\x80\\xfe\\xff\\xff\\x0e\\xfe\\xff\\xff$(le32 $BOOT_START)$(le32 $BOOT_SECTORS)" | dd of="$img" bs=1 seek=446 conv=notrunc status=none
  # shellcheck disable=SC2059
  printf "\\x00\\xfe\\xff\\xff\\x83\\xfe\\xff\\xff$(le32 $root_start)$(le32 $root_sectors)" | dd of="$img" bs=1 seek=462 conv=notrunc status=none
  printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none

  export MTOOLS_SKIP_CHECK=1
  mformat -i "$img@@$((BOOT_START * 512))" -T "$BOOT_SECTORS" -h 64 -s 32 -H "$BOOT_START" -v BOOT ::
  syslinux --install --offset "$((BOOT_START * 512))" "$img"
  printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.img\n  APPEND %s\n' "$CMDLINE" >"$WORK/syslinux.cfg"
  mcopy -i "$img@@$((BOOT_START * 512))" -o "$WORK/syslinux.cfg" ::syslinux.cfg
  mcopy -i "$img@@$((BOOT_START * 512))" -o "$kernel" ::vmlinuz
  mcopy -i "$img@@$((BOOT_START * 512))" -o "$initrd" ::initrd.img

  mke2fs -q -F -t ext4 -L "$ROOT_LABEL" -d "$root" -E "offset=$((root_start * 512))" "$img" "$((root_sectors / 2))k"
}

main() {
  if [[ ${HIVE_CLOUD_GUEST_FORCE:-0} != 1 && -f $IMAGE && -f $STAMP ]] && grep -qx "script=$(script_hash)" "$STAMP"; then
    log "up to date: $IMAGE"
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || die "needs root (debootstrap)"
  ensure_tools
  local start=$SECONDS mirror
  mirror=$(apt_mirror)
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/hive-cloud-guest.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  log "debootstrap $SUITE with ${PACKAGES[*]}"
  if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" "$SUITE" "$WORK/root" "$mirror" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/root/debootstrap/debootstrap.log" "$WORK/debootstrap.log" >&2 2>/dev/null || true
    die "debootstrap failed"
  fi
  prepare_root "$WORK/root"
  write_disk "$WORK/disk.raw" "$WORK/root"

  mkdir -p "$OUT"
  rm -f "$STAMP"
  mv "$WORK/disk.raw" "$IMAGE"
  echo "script=$(script_hash)" >"$STAMP"
  log "done in $((SECONDS - start)) s: $IMAGE ($(du -m "$IMAGE" | cut -f1) MiB allocated of $DISK_MIB)"
}

main "$@"
