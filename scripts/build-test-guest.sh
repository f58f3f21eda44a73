#!/usr/bin/env bash
# Builds the tiny BIOS-bootable Linux test guest from Debian packages only:
#   build/test-guest/hive-test-guest.raw   raw disk: MBR (syslinux mbr.bin) + one bootable FAT partition holding
#                                          syslinux, vmlinuz, initrd.gz and syslinux.cfg
#   build/test-guest/vmlinuz, initrd.gz    the same kernel and initramfs, for direct-kernel (-kernel/-initrd) boots
#
# The guest is an initramfs only (busybox-static + a few kernel modules); it never mounts the disk it booted from.
# On the serial console (ttyS0) it prints
#   HIVE-GUEST-READY uptime=<s>        once, as soon as userspace is up and the ACPI power button is being watched
#   HIVE-GUEST-HEARTBEAT uptime=<s>    every 30 s
#   HIVE-GUEST-POWEROFF                when the ACPI power button is pressed (QMP system_powerdown), then powers off
#
# Nothing is mounted and no loop devices are used: the disk is written with dd/truncate, mtools and `syslinux`
# (which installs through mtools). Downloads are Debian packages via `apt-get download` only.
#
# Cached: when the outputs exist and the stamp records the same package versions and the same script, it exits at
# once. HIVE_TEST_GUEST_FORCE=1 rebuilds anyway; HIVE_TEST_GUEST_OUT=<dir> writes somewhere else.
#
# Usage: scripts/build-test-guest.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/$(basename "${BASH_SOURCE[0]}")"
OUT="${HIVE_TEST_GUEST_OUT:-$ROOT/build/test-guest}"
IMAGE="$OUT/hive-test-guest.raw"
STAMP="$OUT/stamp"

DISK_MIB=64          # whole raw disk
PART_START=2048      # first sector of the FAT partition (1 MiB aligned)
KERNEL_META=linux-image-cloud-amd64
BUSYBOX_PKG=busybox-static
CMDLINE="console=ttyS0 quiet panic=-1 mitigations=off nokaslr tsc=reliable no_timer_check 8250.nr_uarts=1 random.trust_cpu=on"
# Kernel features the guest needs at runtime, and the module that provides each when it is not built in.
# ACPI_BUTTON turns the ACPI power button into a KEY_POWER input event; INPUT_EVDEV exposes it as /dev/input/event*.
NEEDED_FEATURES=("ACPI_BUTTON:button" "INPUT_EVDEV:evdev")

log() { echo "build-test-guest: $*" >&2; }
die() { echo "build-test-guest: error: $*" >&2; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# ---------------------------------------------------------------------------------------------------------------
# Step 0: tools. Each entry is "command:debian-package" (an absolute path stands for a data file).
# ---------------------------------------------------------------------------------------------------------------
TOOLS=(
  apt-get:apt apt-cache:apt dpkg-deb:dpkg cpio:cpio gzip:gzip xz:xz-utils
  mformat:mtools mcopy:mtools syslinux:syslinux /usr/lib/syslinux/mbr/mbr.bin:syslinux-common
  dd:coreutils truncate:coreutils sha256sum:coreutils install:coreutils
)
have_tool() { if [[ $1 == /* ]]; then [[ -e $1 ]]; else command -v "$1" >/dev/null; fi; }
missing_pkgs() {
  local t pkgs=()
  for t in "${TOOLS[@]}"; do have_tool "${t%%:*}" || pkgs+=("${t#*:}"); done
  ((${#pkgs[@]})) && printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' '
  return 0
}
ensure_tools() {
  local need
  need="$(missing_pkgs)"
  [[ -z $need ]] && return 0
  log "installing missing Debian packages: $need"
  # shellcheck disable=SC2086
  if ! DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends $need >/dev/null; then
    die "could not install: $need — run: apt-get install --no-install-recommends $need"
  fi
  need="$(missing_pkgs)"
  [[ -z $need ]] || die "still missing tools after install; install the Debian packages: $need"
}

# ---------------------------------------------------------------------------------------------------------------
# Step 1: which package versions would be used (also the cache key).
# ---------------------------------------------------------------------------------------------------------------
# One apt-cache call (each costs ~0.5 s): the metapackage's Depends names the versioned image package, usually
# pinned with "(= version)"; only when it is not pinned is a second call needed.
resolve_packages() {
  local show
  show="$(apt-cache show --no-all-versions "$KERNEL_META" "$BUSYBOX_PKG" 2>/dev/null)" || return 1
  read -r KERNEL_PKG KERNEL_VER < <(awk -v m="$KERNEL_META" '
    /^Package:/ { p = $2 }
    p == m && /^Depends:/ {
      if (match($0, /linux-image-[0-9][^ ,|]*( \(= [^)]*\))?/)) {
        d = substr($0, RSTART, RLENGTH); sub(/ \(= /, " ", d); sub(/\)$/, "", d); print d; exit
      }
    }' <<<"$show")
  BUSYBOX_VER="$(awk -v m="$BUSYBOX_PKG" '/^Package:/ { p = $2 } p == m && /^Version:/ { print $2; exit }' <<<"$show")"
  [[ -n ${KERNEL_PKG:-} && -n $BUSYBOX_VER ]] || return 1
  if [[ -z ${KERNEL_VER:-} ]]; then
    KERNEL_VER="$(apt-cache show --no-all-versions "$KERNEL_PKG" 2>/dev/null | awk '/^Version:/ { print $2; exit }')"
  fi
  [[ -n $KERNEL_VER ]]
}
script_hash() { sha256sum "$SCRIPT" | cut -d' ' -f1; }
stamp_text() {
  printf 'kernel=%s %s\nbusybox=%s %s\nscript=%s\n' "$KERNEL_PKG" "$KERNEL_VER" "$BUSYBOX_PKG" "$BUSYBOX_VER" \
    "$(script_hash)"
}
outputs_exist() { [[ -s $IMAGE && -s $OUT/vmlinuz && -s $OUT/initrd.gz && -s $STAMP ]]; }

# ---------------------------------------------------------------------------------------------------------------
# Step 2: download and unpack the Debian packages.
# ---------------------------------------------------------------------------------------------------------------
fetch_packages() {
  local dl="$WORK/debs" opts=()
  mkdir -p "$dl" "$WORK/kernel" "$WORK/busybox"
  # As root apt drops to the _apt user, which cannot write into our private temp dir.
  [[ $(id -u) -eq 0 ]] && opts+=(-o APT::Sandbox::User=root)
  log "downloading $KERNEL_PKG=$KERNEL_VER and $BUSYBOX_PKG=$BUSYBOX_VER"
  (cd "$dl" && apt-get download -q "${opts[@]}" "$KERNEL_PKG=$KERNEL_VER" "$BUSYBOX_PKG=$BUSYBOX_VER" >&2) ||
    die "apt-get download failed (is the package index current? try: apt-get update)"
  dpkg-deb -x "$dl"/"${KERNEL_PKG}"_*.deb "$WORK/kernel"
  dpkg-deb -x "$dl"/"${BUSYBOX_PKG}"_*.deb "$WORK/busybox"
  VMLINUZ="$(ls "$WORK"/kernel/boot/vmlinuz-* 2>/dev/null | head -n1)"
  KCONFIG="$(ls "$WORK"/kernel/boot/config-* 2>/dev/null | head -n1)"
  [[ -n $VMLINUZ && -n $KCONFIG ]] || die "$KERNEL_PKG has no boot/vmlinuz-* or boot/config-*"
  KREL="${VMLINUZ##*/vmlinuz-}"
  MODDIR="$WORK/kernel/lib/modules/$KREL"
  [[ -d $MODDIR ]] || MODDIR="$WORK/kernel/usr/lib/modules/$KREL"   # merged-/usr layouts
  BUSYBOX="$WORK/busybox/bin/busybox"
  [[ -x $BUSYBOX ]] || BUSYBOX="$WORK/busybox/usr/bin/busybox"
  [[ -x $BUSYBOX ]] || die "$BUSYBOX_PKG has no bin/busybox"
  log "kernel $KREL ($(du -k "$VMLINUZ" | cut -f1) KiB)"
}

# ---------------------------------------------------------------------------------------------------------------
# Step 3: kernel modules the guest needs (none when the features are built in). Files: .ko, .ko.xz, .ko.zst.
# ---------------------------------------------------------------------------------------------------------------
MODULE_ORDER=()   # module names, dependencies first
find_module_file() { find "$MODDIR" -type f \( -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" -o -name "$1.ko.gz" \) | head -n1; }
module_depends() {   # prints the "depends=" list from the module's .modinfo section
  local f="$1"
  case "$f" in
    *.xz) xz -dc "$f" ;;
    *.zst) command -v zstd >/dev/null || die "module $f is zstd-compressed: apt-get install zstd"; zstd -dc "$f" ;;
    *.gz) gzip -dc "$f" ;;
    *) cat "$f" ;;
  esac | tr '\0' '\n' | awk -F= '$1 == "depends" { gsub(",", " ", $2); print $2; exit }'
}
add_module() {
  local name="$1" f dep
  for dep in "${MODULE_ORDER[@]}"; do [[ $dep == "$name" ]] && return 0; done
  f="$(find_module_file "$name")"
  [[ -z $f ]] && f="$(find_module_file "${name//_/-}")"
  [[ -n $f ]] || die "kernel module $name not found in $KERNEL_PKG"
  for dep in $(module_depends "$f"); do add_module "$dep"; done
  MODULE_ORDER+=("$name")
  MODULE_FILE["$name"]="$f"
}
declare -A MODULE_FILE=()
select_modules() {
  local spec opt mod val
  for spec in "${NEEDED_FEATURES[@]}"; do
    opt="${spec%%:*}" mod="${spec#*:}"
    val="$(awk -F= -v k="CONFIG_$opt" '$1 == k { print $2 }' "$KCONFIG")"
    case "$val" in
      y) log "CONFIG_$opt is built in" ;;
      m) log "CONFIG_$opt is a module: $mod"; add_module "$mod" ;;
      *) die "the $KERNEL_PKG kernel lacks CONFIG_$opt; the guest cannot answer ACPI power-off" ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------------------------
# Step 4: the rootfs tree (becomes the initramfs). Later additions (dropbear, NoCloud first-boot, metadata client)
# slot in here: put binaries into the tree and a boot hook into /etc/hive/boot.d/ (run in name order after READY).
# ---------------------------------------------------------------------------------------------------------------
tree_busybox() {
  local t="$1" applet
  install -D -m 0755 "$BUSYBOX" "$t/bin/busybox"
  # --list-full prints paths such as bin/sh, sbin/poweroff, usr/bin/awk
  while read -r applet; do
    [[ -z $applet || $applet == bin/busybox ]] && continue
    mkdir -p "$t/$(dirname "$applet")"
    [[ -e $t/$applet || -L $t/$applet ]] || ln -s /bin/busybox "$t/$applet"
  done < <("$t/bin/busybox" --list-full)
  [[ -L $t/bin/sh ]] || ln -s /bin/busybox "$t/bin/sh"
}

tree_modules() {
  local t="$1" name f
  mkdir -p "$t/lib/modules"
  : >"$t/lib/modules/load-order"
  for name in "${MODULE_ORDER[@]}"; do
    f="${MODULE_FILE[$name]}"
    case "$f" in
      *.xz) xz -dc "$f" >"$t/lib/modules/$name.ko" ;;
      *.zst) zstd -qdc "$f" >"$t/lib/modules/$name.ko" ;;
      *.gz) gzip -dc "$f" >"$t/lib/modules/$name.ko" ;;
      *) cp "$f" "$t/lib/modules/$name.ko" ;;
    esac
    echo "$name" >>"$t/lib/modules/load-order"
  done
}

tree_acpi() {
  # busybox acpid maps the KEY_POWER input event to "button/power PWRF 00000080" and, with its built-in action
  # table, runs /etc/acpi/PWRF/00000080.
  local t="$1"
  mkdir -p "$t/etc/acpi/PWRF"
  cat >"$t/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "HIVE-GUEST-POWEROFF" >/dev/console
sync
exec /sbin/poweroff -f
EOF
  chmod 0755 "$t/etc/acpi/PWRF/00000080"
}

tree_init() {
  local t="$1"
  mkdir -p "$t"/{proc,sys,dev,run,tmp,root,etc/hive/boot.d}
  chmod 1777 "$t/tmp"
  echo "hive-test-guest" >"$t/etc/hostname"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$t/etc/passwd"
  printf 'root:x:0:\n' >"$t/etc/group"
  cat >"$t/init" <<'EOF'
#!/bin/sh
# PID 1 of the Hive test guest. Keep it short: every command costs time under TCG.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755 tmpfs /run
hostname -F /etc/hostname

uptime_s() { read -r up _ </proc/uptime; echo "$up"; }

# The power button: load what the kernel lacks, then watch every /dev/input/event* with acpid.
while read -r m; do
  [ -n "$m" ] && insmod "/lib/modules/$m.ko" || echo "hive-guest: insmod $m failed"
done </lib/modules/load-order
acpid -f -c /etc/acpi -l /dev/null -p /run/acpid.pid &
# acpid writes its pid file after opening the event devices: wait for it (bounded) so that a power-off request
# sent right after READY is not lost.
i=0
while [ ! -s /run/acpid.pid ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done
[ -s /run/acpid.pid ] || echo "hive-guest: acpid did not start"

echo "HIVE-GUEST-READY uptime=$(uptime_s)"

for hook in /etc/hive/boot.d/*; do
  [ -x "$hook" ] && "$hook"
done

while :; do
  sleep 30
  echo "HIVE-GUEST-HEARTBEAT uptime=$(uptime_s)"
done
EOF
  chmod 0755 "$t/init"
}

build_rootfs_tree() {
  local t="$1"
  log "assembling the rootfs tree"
  tree_busybox "$t"
  tree_modules "$t"
  tree_acpi "$t"
  tree_init "$t"
  # (later: tree_dropbear "$t"; tree_nocloud "$t"; ...)
}

pack_initramfs() {
  local t="$1" out="$2"
  log "packing the initramfs (newc cpio, gzip)"
  find "$t" -exec touch -h -d @0 {} +   # fixed timestamps: the same inputs give the same initrd.gz
  (cd "$t" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
    cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) | gzip -9 -n >"$out"
}

# ---------------------------------------------------------------------------------------------------------------
# Step 5: the disk. MBR boot code from syslinux, one active FAT16 (LBA) partition, syslinux installed via mtools.
# ---------------------------------------------------------------------------------------------------------------
le32() {  # little-endian 32-bit value as printf escapes
  printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}
write_disk() {
  local img="$1" kernel="$2" initrd="$3" sectors part_sectors off entry
  sectors=$((DISK_MIB * 1024 * 2))
  part_sectors=$((sectors - PART_START))
  off=$((PART_START * 512))
  log "writing a ${DISK_MIB} MiB raw disk"
  rm -f "$img"
  truncate -s "${DISK_MIB}M" "$img"
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$img" bs=440 count=1 conv=notrunc status=none
  # Partition entry 1: active (0x80), CHS fields saturated (LBA is what counts), type 0x0e FAT16 LBA.
  entry="\\x80\\xfe\\xff\\xff\\x0e\\xfe\\xff\\xff$(le32 $PART_START)$(le32 $part_sectors)"
  # shellcheck disable=SC2059
  printf "$entry" | dd of="$img" bs=1 seek=446 conv=notrunc status=none
  printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none

  export MTOOLS_SKIP_CHECK=1
  # -H: hidden sectors = the partition's start, as a partitioned disk's boot sector must record.
  mformat -i "$img@@$off" -T "$part_sectors" -h 64 -s 32 -H "$PART_START" -v HIVEGUEST ::
  syslinux --install --offset "$off" "$img"
  cat >"$WORK/syslinux.cfg" <<EOF
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND $CMDLINE
EOF
  mcopy -i "$img@@$off" -o "$WORK/syslinux.cfg" ::syslinux.cfg
  mcopy -i "$img@@$off" -o "$kernel" ::vmlinuz
  mcopy -i "$img@@$off" -o "$initrd" ::initrd.gz
}

# ---------------------------------------------------------------------------------------------------------------
main() {
  local tmp_out
  ensure_tools
  local force=${HIVE_TEST_GUEST_FORCE:-0} lists=/var/lib/apt/lists
  # Fast path: same script, and apt's package index unchanged since the build, so the versions cannot differ.
  if [[ $force != 1 ]] && outputs_exist && grep -qx "script=$(script_hash)" "$STAMP" &&
    [[ -d $lists && -z "$(find "$lists" -maxdepth 1 -type f -newer "$STAMP" -print -quit)" ]]; then
    log "up to date: $IMAGE"
    return 0
  fi
  # A fresh machine may never have fetched apt's package lists: fetch them once and try again.
  if ! resolve_packages && ! outputs_exist; then
    log "apt cannot resolve the guest's packages yet; running apt-get update"
    as_root apt-get update -qq >&2 || true
  fi
  if resolve_packages; then
    if [[ $force != 1 ]] && outputs_exist && [[ "$(cat "$STAMP")" == "$(stamp_text)" ]]; then
      touch "$STAMP"
      log "up to date: $IMAGE"
      return 0
    fi
  else
    if [[ $force != 1 ]] && outputs_exist && grep -qx "script=$(script_hash)" "$STAMP"; then
      log "warning: apt cannot resolve $KERNEL_META/$BUSYBOX_PKG; keeping the existing $IMAGE"
      return 0
    fi
    die "apt cannot resolve $KERNEL_META and $BUSYBOX_PKG (run apt-get update; is this Debian amd64?)"
  fi

  local start=$SECONDS
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/hive-test-guest.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  fetch_packages
  select_modules
  build_rootfs_tree "$WORK/rootfs"
  pack_initramfs "$WORK/rootfs" "$WORK/initrd.gz"
  cp "$VMLINUZ" "$WORK/vmlinuz"
  write_disk "$WORK/disk.raw" "$WORK/vmlinuz" "$WORK/initrd.gz"

  # Publish all outputs together; the stamp goes last so a half-written set is never taken as current.
  mkdir -p "$OUT"
  rm -f "$STAMP"
  tmp_out="$OUT/.tmp.$$"
  for f in vmlinuz initrd.gz; do mv "$WORK/$f" "$OUT/$f"; done
  mv "$WORK/disk.raw" "$tmp_out" && mv "$tmp_out" "$IMAGE"
  stamp_text >"$STAMP"
  log "done in $((SECONDS - start)) s: $IMAGE (initrd $(du -k "$OUT/initrd.gz" | cut -f1) KiB, kernel $(du -k "$OUT/vmlinuz" | cut -f1) KiB)"
}

main "$@"
