#!/usr/bin/env bash
# Builds the tiny BIOS-bootable Linux test guest from Debian packages only:
#   build/test-guest/hive-test-guest.raw   raw disk: MBR (syslinux mbr.bin) + one bootable FAT partition holding
#                                          syslinux, vmlinuz, initrd.gz and syslinux.cfg
#   build/test-guest/vmlinuz, initrd.gz    the same kernel and initramfs, for direct-kernel (-kernel/-initrd) boots
#
# The guest is an initramfs only (busybox-static, dropbear and its libraries, a few kernel modules); it never mounts
# the disk it booted from. On the serial console (ttyS0) it prints
#   HIVE-GUEST-READY uptime=<s>        once, as soon as userspace is up and the ACPI power button is being watched
#   HIVE-GUEST-HEARTBEAT uptime=<s>    every 30 s
#   HIVE-GUEST-POWEROFF                when the ACPI power button is pressed (QMP system_powerdown), then powers off
# After READY, in the background (never delaying READY, heartbeats or power-off), the guest-access hooks in
# /etc/hive/boot.d/ run in name order:
#   10-drivers    loads virtio-net, virtio-scsi, sr_mod and isofs
#   20-seed       mounts a NoCloud seed (ISO 9660 labelled "cidata", e.g. a scsi-cd on virtio-scsi) read-only on
#                 /run/hive/seed and reads instance-id / local-hostname from its meta-data; sets the hostname
#   30-network    lo, then eth0: the seed's network-config (netplan v2, static IPv4 only) or DHCP (busybox udhcpc)
#                 HIVE-GUEST-NET eth0=<addr/len> gw=<gw> via=<dhcp|static|none>
#   40-metadata   seed first, then the EC2 metadata service (IMDSv2 at 169.254.169.254, <= 10 s in all) for what the
#                 seed lacks: instance-id, the ssh key (cloud-config ssh_authorized_keys / public-keys/0/openssh-key)
#                 and the user data;  HIVE-GUEST-META instance-id=<id> via=<seed|imds|none>
#   50-sshd       ec2-user (uid 1000) gets the keys; dropbear on port 22 (keys only, no root logins)
#                 HIVE-GUEST-HOSTKEY <type> <base64>, then HIVE-GUEST-SSH-READY uptime=<s>
#   60-user-data  a "#!" user data runs once per boot with /bin/sh, its output goes to /var/log/user-data.log and to
#                 the console as "HIVE-USERDATA: <line>", then HIVE-GUEST-USERDATA-DONE status=<exit status>
# The guest keeps no state: every boot is a first boot (new host key, user data runs again).
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
# These are loaded before READY.
NEEDED_FEATURES=("ACPI_BUTTON:button" "INPUT_EVDEV:evdev")
# Loaded after READY by /etc/hive/boot.d/10-drivers: the NIC, the CD-ROM on virtio-scsi holding the NoCloud seed, and
# virtio_blk so user data can read and write the disk it booted from (/dev/vda; tests prove images carry disk contents).
ACCESS_FEATURES=("VIRTIO_PCI:virtio_pci" "VIRTIO_NET:virtio_net" "SCSI_VIRTIO:virtio_scsi" "BLK_DEV_SR:sr_mod"
  "ISO9660_FS:isofs" "VIRTIO_BLK:virtio_blk")
# insmod arguments. scan=sync: virtio_scsi's insmod returns only when its LUNs are known, so no polling for sr0.
declare -A MODULE_ARGS=([scsi_mod]="scan=sync")
# The SSH server and every package its shared libraries come from (checked: build_rootfs_tree fails when a DT_NEEDED
# library is in none of them). Their files are copied from the extracted packages, never from the build host.
USERLAND_PKGS=(dropbear-bin libc6 libcrypt1 libtomcrypt1 libtommath1 libgmp10 zlib1g)

log() { echo "build-test-guest: $*" >&2; }
die() { echo "build-test-guest: error: $*" >&2; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# ---------------------------------------------------------------------------------------------------------------
# Step 0: tools. Each entry is "command:debian-package" (an absolute path stands for a data file).
# ---------------------------------------------------------------------------------------------------------------
TOOLS=(
  apt-get:apt apt-cache:apt dpkg-deb:dpkg cpio:cpio gzip:gzip xz:xz-utils
  mformat:mtools mcopy:mtools syslinux:syslinux /usr/lib/syslinux/mbr/mbr.bin:syslinux-common
  dd:coreutils truncate:coreutils sha256sum:coreutils install:coreutils readelf:binutils
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
declare -A PKG_VER=()
resolve_packages() {
  local show p v
  show="$(apt-cache show --no-all-versions "$KERNEL_META" "$BUSYBOX_PKG" "${USERLAND_PKGS[@]}" 2>/dev/null)" || return 1
  read -r KERNEL_PKG KERNEL_VER < <(awk -v m="$KERNEL_META" '
    /^Package:/ { p = $2 }
    p == m && /^Depends:/ {
      if (match($0, /linux-image-[0-9][^ ,|]*( \(= [^)]*\))?/)) {
        d = substr($0, RSTART, RLENGTH); sub(/ \(= /, " ", d); sub(/\)$/, "", d); print d; exit
      }
    }' <<<"$show")
  BUSYBOX_VER="$(awk -v m="$BUSYBOX_PKG" '/^Package:/ { p = $2 } p == m && /^Version:/ { print $2; exit }' <<<"$show")"
  [[ -n ${KERNEL_PKG:-} && -n $BUSYBOX_VER ]] || return 1
  while read -r p v; do PKG_VER[$p]=$v; done < <(awk '/^Package:/ { p = $2 } /^Version:/ && !(p in seen) { seen[p]; print p, $2 }' <<<"$show")
  for p in "${USERLAND_PKGS[@]}"; do [[ -n ${PKG_VER[$p]:-} ]] || return 1; done
  if [[ -z ${KERNEL_VER:-} ]]; then
    KERNEL_VER="$(apt-cache show --no-all-versions "$KERNEL_PKG" 2>/dev/null | awk '/^Version:/ { print $2; exit }')"
  fi
  [[ -n $KERNEL_VER ]]
}
script_hash() { sha256sum "$SCRIPT" | cut -d' ' -f1; }
stamp_text() {
  local p
  printf 'kernel=%s %s\nbusybox=%s %s\n' "$KERNEL_PKG" "$KERNEL_VER" "$BUSYBOX_PKG" "$BUSYBOX_VER"
  for p in "${USERLAND_PKGS[@]}"; do printf 'package=%s %s\n' "$p" "${PKG_VER[$p]}"; done
  printf 'script=%s\n' "$(script_hash)"
}
outputs_exist() { [[ -s $IMAGE && -s $OUT/vmlinuz && -s $OUT/initrd.gz && -s $STAMP ]]; }

# ---------------------------------------------------------------------------------------------------------------
# Step 2: download and unpack the Debian packages.
# ---------------------------------------------------------------------------------------------------------------
fetch_packages() {
  local dl="$WORK/debs" opts=() p specs=()
  mkdir -p "$dl" "$WORK/kernel" "$WORK/busybox" "$WORK/userland"
  # As root apt drops to the _apt user, which cannot write into our private temp dir.
  [[ $(id -u) -eq 0 ]] && opts+=(-o APT::Sandbox::User=root)
  for p in "${USERLAND_PKGS[@]}"; do specs+=("$p=${PKG_VER[$p]}"); done
  log "downloading $KERNEL_PKG=$KERNEL_VER, $BUSYBOX_PKG=$BUSYBOX_VER and ${specs[*]}"
  (cd "$dl" && apt-get download -q "${opts[@]}" "$KERNEL_PKG=$KERNEL_VER" "$BUSYBOX_PKG=$BUSYBOX_VER" "${specs[@]}" >&2) ||
    die "apt-get download failed (is the package index current? try: apt-get update)"
  dpkg-deb -x "$dl"/"${KERNEL_PKG}"_*.deb "$WORK/kernel"
  dpkg-deb -x "$dl"/"${BUSYBOX_PKG}"_*.deb "$WORK/busybox"
  for p in "${USERLAND_PKGS[@]}"; do dpkg-deb -x "$dl"/"${p}"_*.deb "$WORK/userland"; done
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
EARLY_MODULES=0   # MODULE_ORDER[0..EARLY_MODULES) load before READY, the rest in boot.d/10-drivers
select_modules() {
  local spec opt mod val
  for spec in "${NEEDED_FEATURES[@]}" - "${ACCESS_FEATURES[@]}"; do
    if [[ $spec == - ]]; then EARLY_MODULES=${#MODULE_ORDER[@]}; continue; fi
    opt="${spec%%:*}" mod="${spec#*:}"
    val="$(awk -F= -v k="CONFIG_$opt" '$1 == k { print $2 }' "$KCONFIG")"
    case "$val" in
      y) log "CONFIG_$opt is built in" ;;
      m) log "CONFIG_$opt is a module: $mod"; add_module "$mod" ;;
      *) die "the $KERNEL_PKG kernel lacks CONFIG_$opt, which the guest needs" ;;
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
  local i=0 list
  mkdir -p "$t/lib/modules"
  : >"$t/lib/modules/load-order"
  : >"$t/lib/modules/load-order.access"
  for name in "${MODULE_ORDER[@]}"; do
    list="$t/lib/modules/load-order"
    ((i++ < EARLY_MODULES)) || list="$t/lib/modules/load-order.access"
    f="${MODULE_FILE[$name]}"
    case "$f" in
      *.xz) xz -dc "$f" >"$t/lib/modules/$name.ko" ;;
      *.zst) zstd -qdc "$f" >"$t/lib/modules/$name.ko" ;;
      *.gz) gzip -dc "$f" >"$t/lib/modules/$name.ko" ;;
      *) cp "$f" "$t/lib/modules/$name.ko" ;;
    esac
    echo "$name ${MODULE_ARGS[$name]:-}" >>"$list"
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
  mkdir -p "$t"/{proc,sys,dev,run,tmp,root,home,var/log,etc/hive/boot.d}
  chmod 1777 "$t/tmp"
  chmod 0700 "$t/root"
  ln -s /run "$t/var/run"
  echo "hive-test-guest" >"$t/etc/hostname"
  # ec2-user's home is made at boot (the cpio archive is all root-owned). "*": no password can match; dropbear
  # refuses only accounts whose password field starts with "!", so key logins work without an /etc/shadow.
  printf 'root:x:0:0:root:/root:/bin/sh\nec2-user:*:1000:1000:EC2 Default User:/home/ec2-user:/bin/sh\n' >"$t/etc/passwd"
  printf 'root:x:0:\ntty:x:5:\nec2-user:x:1000:\n' >"$t/etc/group"
  printf '/bin/sh\n' >"$t/etc/shells"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$t/etc/nsswitch.conf"
  printf '127.0.0.1 localhost\n' >"$t/etc/hosts"
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
while read -r m args; do
  [ -n "$m" ] && insmod "/lib/modules/$m.ko" $args || echo "hive-guest: insmod $m failed"
done </lib/modules/load-order
acpid -f -c /etc/acpi -l /dev/null -p /run/acpid.pid &
# acpid writes its pid file after opening the event devices: wait for it (bounded) so that a power-off request
# sent right after READY is not lost.
i=0
while [ ! -s /run/acpid.pid ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done
[ -s /run/acpid.pid ] || echo "hive-guest: acpid did not start"

echo "HIVE-GUEST-READY uptime=$(uptime_s)"

# The boot hooks (network, seed, metadata, sshd, user data) run in the background: they never delay the heartbeat,
# and the power button works throughout (acpid is already watching it).
(
  for hook in /etc/hive/boot.d/*; do
    [ -x "$hook" ] && "$hook"
  done
) &

while :; do
  sleep 30
  echo "HIVE-GUEST-HEARTBEAT uptime=$(uptime_s)"
done
EOF
  chmod 0755 "$t/init"
}

# The SSH server: dropbear from dropbear-bin, with the dynamic loader and the DT_NEEDED closure of its binaries, all
# taken from the extracted packages (never from the build host, so the guest does not depend on what it has).
userland_file() {   # <path inside the extracted packages>: the real file, following symlinks inside that tree
  local u="$WORK/userland" p="$1" n=0 l
  while [[ -L $u$p ]]; do
    l="$(readlink "$u$p")"
    if [[ $l == /* ]]; then p="$l"; else p="$(dirname "$p")/$l"; fi
    ((n++ < 16)) || return 1
  done
  [[ -f $u$p ]] && echo "$u$p"
}
tree_dropbear() {
  local t="$1" u="$WORK/userland" f lib src d interp queue=() seen=" "
  for f in usr/sbin/dropbear usr/bin/dropbearkey; do
    [[ -f $u/$f ]] || die "dropbear-bin has no /$f"
    install -D -m 0755 "$u/$f" "$t/$f"
    queue+=("$u/$f")
  done
  while ((${#queue[@]})); do
    f="${queue[0]}" queue=("${queue[@]:1}")
    for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      [[ $seen == *" $lib "* ]] && continue
      seen+="$lib "
      src=""
      for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do src="$(userland_file "$d/$lib")" && break; done
      [[ -n $src ]] || die "$lib (needed by ${f#"$u"/}) is in none of the packages: ${USERLAND_PKGS[*]}"
      install -D -m 0755 "$src" "$t/lib/x86_64-linux-gnu/$lib"
      queue+=("$src")
    done
  done
  interp="$(readelf -l "$u/usr/sbin/dropbear" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')"
  [[ -n $interp ]] || die "dropbear has no program interpreter"
  if [[ ! -e $t/lib/x86_64-linux-gnu/${interp##*/} ]]; then
    src="$(userland_file "/lib/x86_64-linux-gnu/${interp##*/}")" || die "libc6 has no ${interp##*/}"
    install -D -m 0755 "$src" "$t/lib/x86_64-linux-gnu/${interp##*/}"
  fi
  [[ $interp == "/lib/x86_64-linux-gnu/${interp##*/}" ]] ||
    { mkdir -p "$t$(dirname "$interp")"; ln -sf "/lib/x86_64-linux-gnu/${interp##*/}" "$t$interp"; }
  mkdir -p "$t/etc/dropbear"
  log "dropbear with$(for lib in $seen; do printf ' %s' "$lib"; done)"
}

# Guest access: the boot hooks (see the top of this file), their shared functions and the udhcpc event script.
tree_guest_access() {
  local t="$1"
  mkdir -p "$t/usr/lib/hive" "$t/usr/share/udhcpc" "$t/etc/hive/boot.d"

  cat >"$t/usr/lib/hive/functions.sh" <<'EOF'
# Shared by the /etc/hive/boot.d hooks. State lives in /run/hive.
H=/run/hive
IMDS_ADDR=169.254.169.254 IMDS_PORT=80
IMDS_BUDGET_S=10
mkdir -p "$H"
say() { echo "$*" >/dev/console; }
warn() { echo "hive-guest: $*" >/dev/console; }
uptime_s() { read -r up _ </proc/uptime; echo "$up"; }
uptime_int() { read -r up _ </proc/uptime; echo "${up%.*}"; }
# yaml_value KEY FILE: the value of a top-level "KEY: value" line, unquoted (enough for meta-data and hostname:)
yaml_value() {
  [ -f "$2" ] || return 0
  tr -d '\r' <"$2" | sed -n "s/^$1:[[:space:]]*//p" | head -n 1 |
    sed -e 's/[[:space:]]\{1,\}#.*$//' -e 's/[[:space:]]*$//' -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}
# set_hostname NAME: only hostname characters; the first label is enough for the kernel's 64-byte limit
set_hostname() {
  h="$(echo "$1" | tr -cd 'A-Za-z0-9.-' | cut -c 1-63)"
  [ -n "$h" ] || return 0
  hostname "$h" && echo "$h" >/etc/hostname
}
# imds METHOD PATH [HEADER...]: one HTTP/1.0 request to the metadata service (busybox wget cannot PUT, so nc).
# Prints the body (Content-Length bytes when the server sends that header); succeeds only on status 200.
# All requests share one budget of IMDS_BUDGET_S seconds, counted from the first request.
imds() {
  method="$1" path="$2"
  shift 2
  [ -s "$H/imds.deadline" ] || echo $(($(uptime_int) + IMDS_BUDGET_S)) >"$H/imds.deadline"
  left=$(($(cat "$H/imds.deadline") - $(uptime_int)))
  [ "$left" -gt 0 ] || return 1
  [ "$left" -gt 3 ] && left=3
  {
    printf '%s %s HTTP/1.0\r\nHost: %s\r\n' "$method" "$path" "$IMDS_ADDR"
    for h in "$@"; do printf '%s\r\n' "$h"; done
    [ "$method" = PUT ] && printf 'Content-Length: 0\r\n'
    printf 'Connection: close\r\n\r\n'
  } | timeout "$left" nc -w "$left" "$IMDS_ADDR" "$IMDS_PORT" >"$H/imds.resp" 2>/dev/null
  status="$(head -n 1 "$H/imds.resp" | tr -d '\r' | cut -d ' ' -f 2)"
  [ "$status" = 200 ] || return 1
  hlen="$(awk '{ n += length($0) + 1 } /^\r?$/ { print n; exit }' "$H/imds.resp")"
  [ -n "$hlen" ] || return 1
  clen="$(head -n 40 "$H/imds.resp" | tr -d '\r' | awk -F': *' 'tolower($1) == "content-length" { print $2 + 0; exit }')"
  if [ -n "$clen" ]; then
    tail -c +$((hlen + 1)) "$H/imds.resp" | head -c "$clen"
  else
    tail -c +$((hlen + 1)) "$H/imds.resp"
  fi
}
# user_data_kind FILE: script | cloud-config | other
user_data_kind() {
  case "$(head -n 1 "$1" | tr -d '\r')" in
    '#!'*) echo script ;;
    '#cloud-config'*) echo cloud-config ;;
    *) echo other ;;
  esac
}
# take_user_data SRC: installs SRC (gunzipped when gzip-compressed) as $H/user-data
take_user_data() {
  if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = 1f8b ]; then
    gunzip -c "$1" >"$H/user-data" 2>/dev/null || return 1
  else
    cp "$1" "$H/user-data"
  fi
  [ -s "$H/user-data" ]
}
EOF

  # Keys from a cloud-config: the items of every "ssh_authorized_keys:" block list (top level or under users:).
  cat >"$t/usr/lib/hive/cloud-config-keys.awk" <<'EOF'
{ sub(/\r$/, "") }
/^[ \t]*(#.*)?$/ { next }
{ match($0, /^ */); ind = RLENGTH; line = substr($0, ind + 1) }
on && !(line ~ /^- / && ind >= kind) { on = 0 }
on { sub(/^- +/, "", line); sub(/[ \t]+$/, "", line); gsub(/^["']|["']$/, "", line); print line; next }
line ~ /^(- +)?ssh_authorized_keys:[ \t]*$/ {
  on = 1; kind = ind
  if (line ~ /^- /) { match(line, /^- +/); kind = ind + RLENGTH }
}
EOF

  # A netplan v2 network-config, reduced to the first static IPv4 address, the default gateway (gateway4, or a
  # route to default / 0.0.0.0/0) and the IPv4 name servers. Prints shell assignments.
  cat >"$t/usr/lib/hive/netplan.awk" <<'EOF'
function unquote(s) { gsub(/["']/, "", s); sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
{ sub(/\r$/, ""); sub(/(^|[ \t])#.*$/, "") }
/^[ \t]*$/ { next }
{ match($0, /^ */); ind = RLENGTH; line = substr($0, ind + 1) }
ns && ind <= nsind { ns = 0 }
rt && ind <= rtind { rt = 0 }
line ~ /^nameservers:/ { ns = 1; nsind = ind; nskey = ""; next }
line ~ /^routes:/ { rt = 1; rtind = ind; to = via = ""; next }
ns {
  s = line; sub(/^- +/, "", s)
  if (s ~ /^[A-Za-z0-9_-]+:/) { nskey = s; sub(/:.*/, "", nskey); sub(/^[^:]*:/, "", s) }
  if (nskey == "addresses") {
    gsub(/[][",']/, " ", s); n = split(s, a, " ")
    for (i = 1; i <= n; i++) if (a[i] ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) dns = dns " " a[i]
  }
  next
}
rt {
  if (line ~ /^- /) { to = via = ""; sub(/^- +/, "", line) }
  if (line ~ /^to:/) { to = line; sub(/^to:/, "", to); to = unquote(to) }
  if (line ~ /^via:/) { via = line; sub(/^via:/, "", via); via = unquote(via) }
  if (gw == "" && via != "" && (to == "default" || to == "0.0.0.0/0")) gw = via
  next
}
line ~ /^gateway4:/ { if (gw == "") { gw = line; sub(/^gateway4:/, "", gw); gw = unquote(gw) } next }
addr == "" {
  s = line; gsub(/[][",']/, " ", s); n = split(s, a, " ")
  for (i = 1; i <= n; i++) if (a[i] ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\/[0-9]+$/) { addr = a[i]; break }
}
END {
  if (gw !~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) gw = ""
  printf "addr='%s'\ngw='%s'\ndns='%s'\n", addr, gw, dns
}
EOF

  cat >"$t/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
# busybox udhcpc event script: $1 is deconfig|bound|renew|leasefail|nak; the lease is in the environment
# (ip, mask = prefix length, router, dns, domain).
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface" 2>/dev/null
    ip link set "$interface" up
    ;;
  bound|renew)
    if ! ip -4 addr show dev "$interface" | grep -q "inet $ip/${mask:-24} "; then
      ip -4 addr flush dev "$interface"
      ip addr add "$ip/${mask:-24}" dev "$interface"
    fi
    if [ -n "$router" ]; then
      while ip route del default dev "$interface" 2>/dev/null; do :; done
      for r in $router; do ip route add default via "$r" dev "$interface" && break; done
    fi
    {
      [ -n "$domain" ] && echo "search $domain"
      for d in $dns; do echo "nameserver $d"; done
    } >/etc/resolv.conf.new && mv /etc/resolv.conf.new /etc/resolv.conf
    echo "$ip/${mask:-24} ${router%% *}" >/run/hive/lease."$interface"
    ;;
esac
exit 0
EOF

  cat >"$t/etc/hive/boot.d/10-drivers" <<'EOF'
#!/bin/sh
# The NIC and the seed's CD-ROM drivers (after READY: they are not needed for it).
. /usr/lib/hive/functions.sh
while read -r m args; do
  [ -n "$m" ] || continue
  insmod "/lib/modules/$m.ko" $args || warn "insmod $m failed"
done </lib/modules/load-order.access
EOF

  cat >"$t/etc/hive/boot.d/20-seed" <<'EOF'
#!/bin/sh
# The NoCloud seed: an ISO 9660 volume labelled cidata (meta-data, user-data, network-config), mounted read-only.
. /usr/lib/hive/functions.sh
mkdir -p "$H/seed"
dev="$(findfs LABEL=cidata 2>/dev/null || findfs LABEL=CIDATA 2>/dev/null)"
for d in $dev /dev/sr*; do
  [ -b "$d" ] || continue
  if mount -t iso9660 -o ro "$d" "$H/seed" 2>/dev/null; then
    if [ -f "$H/seed/meta-data" ] || [ -f "$H/seed/user-data" ]; then dev="$d"; break; fi
    umount "$H/seed"
  fi
  dev=""
done
if [ -z "$dev" ]; then say "HIVE-GUEST-SEED none"; exit 0; fi
: >"$H/seed.ok"
iid="$(yaml_value instance-id "$H/seed/meta-data")"
[ -n "$iid" ] && echo "$iid" >"$H/instance-id.seed"
hn="$(yaml_value local-hostname "$H/seed/meta-data")"
[ -n "$hn" ] && set_hostname "$hn"
say "HIVE-GUEST-SEED dev=$dev instance-id=$iid hostname=$(hostname)"
EOF

  cat >"$t/etc/hive/boot.d/30-network" <<'EOF'
#!/bin/sh
# lo, then eth0: the seed's static network-config when it has an address, else DHCP. Never waits more than ~5 s:
# without a lease udhcpc goes on trying in the background.
. /usr/lib/hive/functions.sh
ip link set lo up
[ -e /sys/class/net/eth0 ] || { say "HIVE-GUEST-NET eth0=none via=none"; exit 0; }
addr="" gw="" dns="" via=dhcp
if [ -f "$H/seed/network-config" ]; then
  eval "$(awk -f /usr/lib/hive/netplan.awk "$H/seed/network-config")"
fi
if [ -n "$addr" ]; then
  via=static
  ip link set eth0 up
  ip addr add "$addr" dev eth0 || warn "cannot set $addr on eth0"
  if [ -n "$gw" ]; then
    ip route add default via "$gw" dev eth0 2>/dev/null ||
      { ip route add "$gw" dev eth0 && ip route add default via "$gw" dev eth0; } || warn "cannot route via $gw"
  fi
  for d in $dns; do echo "nameserver $d"; done >/etc/resolv.conf
else
  udhcpc -i eth0 -s /usr/share/udhcpc/default.script -p /run/udhcpc.eth0.pid -b -t 5 -T 1 -A 10 \
    -x hostname:"$(hostname)" >"$H/udhcpc.log" 2>&1
fi
addr="$(ip -4 -o addr show dev eth0 | awk '{ print $4; exit }')"
gw="$(ip route | awk '$1 == "default" { print $3; exit }')"
say "HIVE-GUEST-NET eth0=${addr:-none} gw=${gw:-none} via=$via"
EOF

  cat >"$t/etc/hive/boot.d/40-metadata" <<'EOF'
#!/bin/sh
# Instance id, ssh keys and user data: the seed first, then the metadata service (IMDSv2) for whatever the seed
# lacks (everything when there is no seed). The metadata service gets IMDS_BUDGET_S seconds in all.
. /usr/lib/hive/functions.sh
iid="$(cat "$H/instance-id.seed" 2>/dev/null)" via=none keys_via=none ud_via=none
[ -n "$iid" ] && via=seed
: >"$H/keys"
if [ -f "$H/seed/user-data" ] && take_user_data "$H/seed/user-data"; then ud_via=seed; fi
cloud_config() {   # keys and hostname from a cloud-config user data
  [ "$(user_data_kind "$H/user-data")" = cloud-config ] || return 0
  awk -f /usr/lib/hive/cloud-config-keys.awk "$H/user-data" >>"$H/keys"
  h="$(yaml_value hostname "$H/user-data")"
  [ -n "$h" ] && set_hostname "$h"
  [ -s "$H/keys" ] && keys_via=$ud_via
  return 0
}
[ "$ud_via" = seed ] && cloud_config

if [ -z "$iid" ] || [ ! -s "$H/keys" ] || [ ! -f "$H/seed.ok" ]; then
  if ip route get "$IMDS_ADDR" >/dev/null 2>&1; then
    token=""
    while :; do
      token="$(imds PUT /latest/api/token "X-aws-ec2-metadata-token-ttl-seconds: 300" | tr -d '\r\n')" && [ -n "$token" ] && break
      token=""
      [ $(($(cat "$H/imds.deadline") - $(uptime_int))) -gt 1 ] || break
      sleep 1
    done
    if [ -n "$token" ]; then
      auth="X-aws-ec2-metadata-token: $token"
      if [ -z "$iid" ]; then
        iid="$(imds GET /latest/meta-data/instance-id "$auth" | tr -d '\r\n')" && [ -n "$iid" ] && via=imds
      fi
      if [ ! -s "$H/keys" ] && imds GET /latest/meta-data/public-keys/0/openssh-key "$auth" >"$H/imds.key"; then
        tr -d '\r' <"$H/imds.key" >>"$H/keys"
        [ -s "$H/keys" ] && keys_via=imds
      fi
      if [ "$ud_via" = none ] && imds GET /latest/user-data "$auth" >"$H/imds.user-data" && [ -s "$H/imds.user-data" ] &&
        take_user_data "$H/imds.user-data"; then
        ud_via=imds
        cloud_config
      fi
    else
      warn "no metadata service at $IMDS_ADDR"
    fi
  else
    warn "no route to the metadata service"
  fi
fi
grep -E '^(ssh-|ecdsa-|sk-)' "$H/keys" >"$H/keys.ok" 2>/dev/null
mv "$H/keys.ok" "$H/keys"
echo "$iid" >"$H/instance-id"
say "HIVE-GUEST-META instance-id=$iid via=$via keys=$keys_via user-data=$ud_via"
EOF

  cat >"$t/etc/hive/boot.d/50-sshd" <<'EOF'
#!/bin/sh
# ec2-user's authorized keys, a fresh host key, and dropbear: keys only (-s), no root logins (-w, -g).
. /usr/lib/hive/functions.sh
home=/home/ec2-user
mkdir -p "$home/.ssh"
cp "$H/keys" "$home/.ssh/authorized_keys"
chown -R 1000:1000 "$home"
chmod 0755 "$home"
chmod 0700 "$home/.ssh"
chmod 0600 "$home/.ssh/authorized_keys"
mkdir -p /dev/pts
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
touch /var/log/lastlog /var/log/wtmp
hk=/etc/dropbear/dropbear_ed25519_host_key
dropbearkey -t ed25519 -f "$hk" >/dev/null 2>&1 || warn "dropbearkey failed"
pub="$(dropbearkey -y -f "$hk" 2>/dev/null | awk '/^ssh-/ { print $1, $2; exit }')"
[ -n "$pub" ] && say "HIVE-GUEST-HOSTKEY $pub"
dropbear -R -s -g -w -p 22 -P /run/dropbear.pid || { warn "dropbear failed"; exit 0; }
i=0
while ! awk '$2 ~ /:0016$/ && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
  [ $i -lt 100 ] || { warn "dropbear is not listening"; exit 0; }
  usleep 20000
  i=$((i + 1))
done
say "HIVE-GUEST-SSH-READY uptime=$(uptime_s)"
EOF

  cat >"$t/etc/hive/boot.d/60-user-data" <<'EOF'
#!/bin/sh
# A "#!" user data runs once per boot with /bin/sh, in the background; output to /var/log/user-data.log and the
# console (each line prefixed "HIVE-USERDATA: ").
. /usr/lib/hive/functions.sh
[ -s "$H/user-data" ] && [ "$(user_data_kind "$H/user-data")" = script ] || exit 0
cp "$H/user-data" "$H/user-data.sh" && chmod 0700 "$H/user-data.sh"
: >/var/log/user-data.log
chmod 0644 /var/log/user-data.log
(
  cd /
  { HOME=/root sh "$H/user-data.sh" </dev/null; echo $? >"$H/user-data.status"; } 2>&1 |
    tee -a /var/log/user-data.log | sed 's/^/HIVE-USERDATA: /' >/dev/console
  say "HIVE-GUEST-USERDATA-DONE status=$(cat "$H/user-data.status")"
) &
EOF
  chmod 0755 "$t"/etc/hive/boot.d/* "$t/usr/share/udhcpc/default.script"
}

build_rootfs_tree() {
  local t="$1"
  log "assembling the rootfs tree"
  tree_busybox "$t"
  tree_modules "$t"
  tree_acpi "$t"
  tree_init "$t"
  tree_dropbear "$t"
  tree_guest_access "$t"
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
