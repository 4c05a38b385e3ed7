#!/usr/bin/env bash
# Builds the aiOS node images from one root filesystem (a minimal Debian bookworm with the
# kernel, Node 20 (this machine's binary), aiOS with the node_modules it loads at run time,
# openssh-server, and aios-init as init):
#   aios-node.iso    a live hybrid ISO (BIOS and UEFI), root a squashfs with a RAM overlay, plus
#                    aios-state.img, an empty state disk (ext4, AIOS-STATE) it mounts on
#                    /var/lib/aios; its installer (aios-init install-disk) writes the disk layout
#   aios-node.qcow2  a persistent disk (GPT, BIOS and UEFI, ext4 root; iso/write-disk.sh) that
#                    a hypervisor boots, seeded at first boot from a NoCloud-style cidata volume
# Only Debian packages (through mmdebstrap and apt) are downloaded; aiOS, its node_modules and
# Node come from this checkout and this machine.
#
#   sudo iso/build-image.sh [--out DIR] [--cache DIR] [--test-key KEY.pub] [--root-password PW]
#                           [--user NAME[:PASSWORD]] [--break-glass NAME:PASSWORD]
#                           [--grub-password PW] [--init pid1|systemd] [--compression lz4|zstd|xz]
#                           [--disk-size SIZE] [--no-disk] [--apt-fixture] [--extra-config FILE]
#                           [--plain] [--gpu] [--no-apt] [--update-key KEY.pub]
#
# Output goes to ~/.cache/aios-image/out (--out), the cached Debian base to ~/.cache/aios-image.
# --disk-size is the disk image's virtual size (default 4G; a qcow2 grows as it is written).
# --no-disk builds the ISO alone. --apt-fixture (test images) puts scripts/make-apt-fixture.sh's
# repository of aios-hello into the image with its apt source, so pkg.install works offline.
# --extra-config FILE is appended to /etc/aios/config.toml (tests: [[init.services]]).
# --plain builds debian-plain.qcow2 alone: the same recipe with systemd and without aiOS, the
# baseline that boot times are compared with.
# --update-key (repeatable) trusts KEY.pub for `aios update` bundles (/etc/aios/update-keys/):
# the public half of the key npm run bundle -- --key KEY signs with.
# --test-key bakes KEY.pub into root's and every --user's authorized_keys: for test images only.
# Without --root-password root is locked: rescue mode's sulogin refuses, so recovery goes
# through the break-glass account.
# The GRUB menu boots its entries without a password, but editing an entry (a kernel command
# line with init=/bin/sh) or GRUB's command line needs the user "root" and --grub-password;
# without one a random password is made and left in OUT/grub-password (mode 0600).
# --init systemd builds the other way aiOS runs: Debian's systemd as PID 1 and aios-init as
# the aios-init.service unit, installed by `aios-init install --init systemd` as on an existing
# host (systemd's gettys, sshd and networkd; the state disk through /etc/fstab).
# lz4 (the default) is the cheapest to decompress on a slow CPU; zstd makes a smaller ISO.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/aios-image"
OUT=""
TEST_KEY=""
ROOT_PASSWORD=""
USERS=()
UPDATE_KEYS=()
BREAK_GLASS=""
GRUB_PASSWORD=""
INIT=pid1
GPU=""
APT=1
COMP=lz4
DISK_SIZE=4G
DISK=1
APT_FIXTURE=0
PLAIN=0
EXTRA_CONFIG=""
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# bubblewrap: aiosd's sandbox for the programs its tools run. GRUB's BIOS and UEFI images,
# fdisk, dosfstools and mtools: iso/write-disk.sh writes the disk layout with them, at build
# time on this machine and on a node from the live ISO (aios-init install-disk).
PACKAGES=linux-image-amd64,live-boot,udev,tini,openssh-server,iproute2,isc-dhcp-client,kmod,procps,e2fsprogs,less,bubblewrap,grub-pc-bin,grub-efi-amd64-bin,fdisk,dosfstools,mtools

die() { echo "build-image: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$(realpath -m "$2"); shift 2 ;;
    --cache) CACHE=$(realpath -m "$2"); shift 2 ;;
    --test-key) TEST_KEY=$(realpath "$2"); shift 2 ;;
    --root-password) ROOT_PASSWORD=$2; shift 2 ;;
    --user) USERS+=("$2"); shift 2 ;;
    --break-glass) BREAK_GLASS=$2; shift 2 ;;
    --grub-password) GRUB_PASSWORD=$2; shift 2 ;;
    --init) INIT=$2; shift 2 ;;
    --gpu) GPU=--gpu; shift ;;
    --compression) COMP=$2; shift 2 ;;
    --no-apt) APT=0; shift ;;
    --disk-size) DISK_SIZE=$2; shift 2 ;;
    --no-disk) DISK=0; shift ;;
    --apt-fixture) APT_FIXTURE=1; shift ;;
    --plain) PLAIN=1; INIT=systemd; shift ;;
    --extra-config) EXTRA_CONFIG=$(realpath "$2"); shift 2 ;;
    --update-key) UPDATE_KEYS+=("$(realpath "$2")"); shift 2 ;;
    -h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[ -n "$OUT" ] || OUT="$CACHE/out"
case "$INIT" in
  pid1) ;;
  systemd) PACKAGES=$PACKAGES,systemd,systemd-sysv ;;
  *) die "--init: expected pid1 or systemd; got $INIT" ;;
esac
[ "$(id -u)" = 0 ] || die "run as root (sudo): the root filesystem is built with real owners and modes"
[ -z "$TEST_KEY" ] || [ -f "$TEST_KEY" ] || die "--test-key $TEST_KEY does not exist"
[ -z "$EXTRA_CONFIG" ] || [ -f "$EXTRA_CONFIG" ] || die "--extra-config $EXTRA_CONFIG does not exist"

START=$(date +%s.%N)
step_start=$START
step() {
  local now; now=$(date +%s.%N)
  [ -z "${STEP:-}" ] || printf '  %-28s %6.1f s\n' "$STEP" "$(echo "$now - $step_start" | bc)"
  STEP=$1; step_start=$now
  echo "==> $1"
}

step "host tools"
declare -A NEED=([mmdebstrap]=mmdebstrap [mksquashfs]=squashfs-tools [xorriso]=xorriso [grub-mkrescue]=grub-common
  [mformat]=mtools [mkfs.vfat]=dosfstools [mkfs.ext4]=e2fsprogs [debugfs]=e2fsprogs [bc]=bc [qemu-system-x86_64]=qemu-system-x86
  [qemu-img]=qemu-utils [sfdisk]=fdisk [grub-editenv]=grub-common [dpkg-deb]=dpkg)
MISSING=()
for cmd in "${!NEED[@]}"; do command -v "$cmd" >/dev/null || MISSING+=("${NEED[$cmd]}"); done
[ -d /usr/lib/grub/i386-pc ] || MISSING+=(grub-pc-bin)
[ -d /usr/lib/grub/x86_64-efi ] || MISSING+=(grub-efi-amd64-bin)
# For npm run test:image: UEFI firmware for QEMU, and ssh/scp/ssh-keygen.
[ -f /usr/share/ovmf/OVMF.fd ] || MISSING+=(ovmf)
command -v ssh >/dev/null || MISSING+=(openssh-client)
if [ ${#MISSING[@]} -gt 0 ]; then
  [ "$APT" = 1 ] || die "missing host packages: ${MISSING[*]} (drop --no-apt to install them)"
  echo "installing ${MISSING[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null
fi

step "aiOS build"
NODE=$(command -v node)
"$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) === 20 ? 0 : 1)' || die "$NODE is not Node 20"
(cd "$REPO" && "$NODE" scripts/build.mjs --if-stale)
PEERCRED="$REPO/native/peercred/build/Release/peercred.node"
[ -f "$PEERCRED" ] || die "$PEERCRED is missing: run npm ci first"
FSMETA="$REPO/native/fsmeta/build/Release/fsmeta.node"
[ -f "$FSMETA" ] || die "$FSMETA is missing: run npm ci first"

step "Debian base ($SUITE)"
mkdir -p "$CACHE" "$OUT"
# Drivers the initramfs needs to find the live medium (CD, USB, virtio, NVMe, SD) and a
# keyboard; live-boot's hook adds squashfs, overlay, loop and the network drivers. With
# MODULES=most the initramfs is 41 MB and its udev spends tens of seconds loading modules on
# an emulated CPU; the root's udev loads the rest once aios-init runs.
# virtio_console: /dev/hvc0 must exist when aios-init picks the consoles that get a getty.
# ext4: the disk image's root, mounted by the initramfs.
INITRD_MODULES="ext4 crc32c_generic ata_piix ata_generic ahci sr_mod isofs virtio_pci virtio_blk virtio_scsi virtio_console nvme usb_storage uas xhci_pci ehci_pci ohci_pci uhci_hcd sd_mod mmc_block sdhci_pci hid_generic usbhid"
KEY=$(printf '%s\n' "$SUITE" "$MIRROR" "$PACKAGES" "$INITRD_MODULES" v3 | sha256sum | cut -c1-16)
BASE="$CACHE/base-$KEY"
BASE_CACHED=false
# Two builds at once (an image test's and a person's) would share $BASE.tmp and $OUT/work: the
# second would remove what the first is building. The second waits for the first instead.
exec 8>"$OUT/.build.lock"
flock 8
exec 9>"$BASE.lock"
flock 9
rm -rf "$BASE.tmp"
if [ -d "$BASE" ]; then
  echo "cached: $BASE"
  BASE_CACHED=true
else
  # No documentation, manuals or translations: a node is administered through aiOS.
  mmdebstrap --variant=minbase --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='echo MODULES=list > "$1/etc/initramfs-tools/conf.d/aios.conf"' \
    --customize-hook="printf '%s\\n' $INITRD_MODULES > \"\$1/etc/initramfs-tools/modules\"" \
    --customize-hook='chroot "$1" update-initramfs -u -k all' \
    --format=directory --include="$PACKAGES" "$SUITE" "$BASE.tmp" "$MIRROR"
  mv "$BASE.tmp" "$BASE"
fi
flock -u 9

# /boot/grub on the root: the disk's menu, its environment block (the aiOS slots) and GRUB's
# modules for both firmwares. The ISO ignores it; the disk image and install-disk boot from it.
grub_for_disk() {
  step "GRUB for the disk"
  mkdir -p "$ROOTFS/boot/grub"
  cp -r "$ROOTFS/usr/lib/grub/i386-pc" "$ROOTFS/usr/lib/grub/x86_64-efi" "$ROOTFS/boot/grub/"
  grub-editenv "$ROOTFS/boot/grub/grubenv" create
  grub-editenv "$ROOTFS/boot/grub/grubenv" set aios_active=a aios_next=
  if [ -z "$GRUB_PASSWORD" ]; then
    GRUB_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
    (umask 077; echo "$GRUB_PASSWORD" > "$OUT/grub-password")
    echo "GRUB password (user root): in $OUT/grub-password"
  fi
  GRUB_HASH=$(printf '%s\n%s\n' "$GRUB_PASSWORD" "$GRUB_PASSWORD" | grub-mkpasswd-pbkdf2 | sed -n 's/.*is \(grub\.pbkdf2\..*\)$/\1/p')
  [ -n "$GRUB_HASH" ] || die "grub-mkpasswd-pbkdf2 gave no hash"
  GRUB_EDIT=("s|@GRUB_PASSWORD_HASH@|$GRUB_HASH|")
  # Under systemd the kernel starts /sbin/init, and rescue is systemd's rescue.target (sulogin).
  [ "$INIT" = pid1 ] || GRUB_EDIT+=('s| init=/usr/local/sbin/aios-init-pid1||' 's|aios\.rescue|systemd.unit=rescue.target|')
  sed "${GRUB_EDIT[@]/#/-e}" "$REPO/iso/grub-disk.cfg" > "$ROOTFS/boot/grub/grub.cfg"
}

# The disk image: written raw (sparse), then converted, so the qcow2 holds only the blocks in use.
disk_image() {
  step "disk image (GPT, BIOS + UEFI)"
  DISK_IMG="$OUT/$1"
  "$REPO/iso/write-disk.sh" "$ROOTFS" "$WORK/disk.raw" "$DISK_SIZE"
  qemu-img convert -f raw -O qcow2 "$WORK/disk.raw" "$DISK_IMG"
  rm -f "$WORK/disk.raw"
}

step "root filesystem"
WORK="$OUT/work"
ROOTFS="$WORK/rootfs"
rm -rf "$WORK"
mkdir -p "$ROOTFS" "$WORK/iso/live" "$WORK/iso/boot/grub"
cp -a "$BASE/." "$ROOTFS/"

if [ "$PLAIN" = 1 ]; then
  # The boot-time baseline: the same base, kernel, initramfs, disk layout and GRUB, with
  # Debian's systemd, its serial getty and nothing of aiOS.
  step "plain Debian"
  echo debian > "$ROOTFS/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n' > "$ROOTFS/etc/hosts"
  : > "$ROOTFS/etc/fstab"
  if [ -n "$ROOT_PASSWORD" ]; then echo "root:$ROOT_PASSWORD" | PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$ROOTFS" chpasswd; fi
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb
  grub_for_disk
  disk_image debian-plain.qcow2
  step "done"
  rm -rf "$WORK"
  printf 'disk image: %s (plain Debian with systemd)\n' "$DISK_IMG"
  exit 0
fi

step "aiOS into the image"
# Without its debug information (99 MB → 86 MB): less to read from the squashfs at boot.
if command -v strip >/dev/null; then strip -o "$ROOTFS/usr/local/bin/node" "$NODE"; chmod 0755 "$ROOTFS/usr/local/bin/node"
else install -m 0755 "$NODE" "$ROOTFS/usr/local/bin/node"; fi
# aiOS lives in slots: a is filled, b is where `aios update` puts the next version (GRUB's
# grubenv says which one boots; see iso/grub-disk.cfg). /opt/aios/current is the slot that booted.
APP="$ROOTFS/opt/aios/slots/a"
mkdir -p "$ROOTFS/opt/aios/slots/b"
ln -s slots/a "$ROOTFS/opt/aios/current"
mkdir -p "$APP/native/peercred/build/Release" "$APP/native/fsmeta/build/Release"
cp -a "$REPO/dist" "$REPO/bin" "$REPO/package.json" "$APP/"
cp "$PEERCRED" "$APP/native/peercred/build/Release/"
cp "$FSMETA" "$APP/native/fsmeta/build/Release/"
(cd "$REPO" && "$NODE" iso/runtime-modules.mjs $GPU | tar -cf - -T -) | tar -xf - -C "$APP"
# Sources, intermediate objects and other platforms' prebuilt binaries are not loaded at run time.
rm -rf "$APP/node_modules/better-sqlite3/deps" "$APP/node_modules/better-sqlite3/src" \
  "$APP/node_modules/node-pty/deps" "$APP/node_modules/node-pty/third_party" "$APP/node_modules/node-pty/src" \
  "$APP/node_modules/node-pty/prebuilds"
find "$APP/node_modules" -path '*/build/Release/obj*' -prune -exec rm -rf {} +
find "$APP/node_modules" -path '*/build/Release/.deps' -prune -exec rm -rf {} +
install -m 0755 "$REPO/iso/aios-init-pid1" "$ROOTFS/usr/local/sbin/aios-init-pid1"
install -m 0755 "$REPO/iso/write-disk.sh" "$ROOTFS/usr/local/sbin/aios-write-disk"
install -d -m 0755 "$ROOTFS/etc/aios"
install -m 0644 "$REPO/iso/node-config.toml" "$ROOTFS/etc/aios/config.toml"
# The public keys whose bundles `aios update` installs (docs/init-and-image.md); none: no updates yet.
install -d -m 0755 "$ROOTFS/etc/aios/update-keys"
for key in "${UPDATE_KEYS[@]}"; do install -m 0644 "$key" "$ROOTFS/etc/aios/update-keys/$(basename "$key")"; done
echo aios-node > "$ROOTFS/etc/hostname"
# The login prompt names the node; after login the TUI is the first thing on the screen.
printf 'aiOS node \\n (\\l)\n\n' > "$ROOTFS/etc/issue"
: > "$ROOTFS/etc/motd"
rm -f "$ROOTFS"/etc/update-motd.d/*
# live-boot writes /etc/network/interfaces; ifupdown is not installed, aios-init runs DHCP.
mkdir -p "$ROOTFS/etc/network"
printf '127.0.0.1\tlocalhost\n127.0.1.1\taios-node\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$ROOTFS/etc/hosts"
: > "$ROOTFS/etc/fstab"
# Host keys are made on each node's first boot (aios-init), never shared through the image.
rm -f "$ROOTFS"/etc/ssh/ssh_host_*
printf '# aiOS image: aios-init makes this key on first boot.\nHostKey /etc/ssh/ssh_host_ed25519_key\n' > "$ROOTFS/etc/ssh/sshd_config.d/10-aios-image.conf"

step "accounts and logins"
CHROOT_PATH=/usr/sbin:/usr/bin:/sbin:/bin
if [ -n "$ROOT_PASSWORD" ]; then
  echo "root:$ROOT_PASSWORD" | PATH=$CHROOT_PATH chroot "$ROOTFS" chpasswd
else
  PATH=$CHROOT_PATH chroot "$ROOTFS" passwd -l root >/dev/null
fi
INSTALL_USERS=(--user root)
for spec in "${USERS[@]}"; do
  name=${spec%%:*}
  PATH=$CHROOT_PATH chroot "$ROOTFS" useradd -m -s /bin/bash "$name"
  if [ "$spec" != "$name" ]; then echo "$name:${spec#*:}" | PATH=$CHROOT_PATH chroot "$ROOTFS" chpasswd; fi
  INSTALL_USERS+=(--user "$name")
done
BREAK_GLASS_ARGS=()
if [ -n "$BREAK_GLASS" ]; then
  name=${BREAK_GLASS%%:*}
  PATH=$CHROOT_PATH chroot "$ROOTFS" useradd -m -s /bin/bash "$name"
  echo "$name:${BREAK_GLASS#*:}" | PATH=$CHROOT_PATH chroot "$ROOTFS" chpasswd
  # [init] is the last table of node-config.toml, so an appended key belongs to it.
  printf 'break_glass_user = "%s"\n' "$name" >> "$ROOTFS/etc/aios/config.toml"
  BREAK_GLASS_ARGS=(--break-glass "$name")
fi
if [ -n "$TEST_KEY" ]; then
  for home in /root $(for spec in "${USERS[@]}"; do echo "/home/${spec%%:*}"; done); do
    install -d -m 0700 "$ROOTFS$home/.ssh"
    install -m 0600 "$TEST_KEY" "$ROOTFS$home/.ssh/authorized_keys"
    owner=$(stat -c %u:%g "$ROOTFS$home")
    chown -R "$owner" "$ROOTFS$home/.ssh"
  done
fi
# The same install an existing host gets, minus systemd: aios-init runs the gettys itself.
# It creates the role groups and puts each --user account in aios-operator (root is admin), so
# every account the image is built with has a role; an admin grants others with usermod -aG.
"$NODE" "$REPO/bin/aios-init.js" install --root "$ROOTFS" --init "$INIT" --prefix /opt/aios/current --node /usr/local/bin/node \
  --bin-dir /usr/local/bin "${INSTALL_USERS[@]}" "${BREAK_GLASS_ARGS[@]}"
if [ "$INIT" = systemd ]; then
  # What aios-init does itself as PID 1, done the systemd way: the state disk, DHCP, and the
  # node's own SSH host key on first boot.
  # nofail: without the disk the node boots with its state in memory, as under aios-init. The
  # drop-in holds aios-init back until the mount has succeeded or given up, so aiosd never
  # opens its database on the RAM overlay under a disk about to be mounted over it.
  echo 'LABEL=AIOS-STATE /var/lib/aios ext4 nofail,nosuid,nodev,x-systemd.device-timeout=90s 0 2' > "$ROOTFS/etc/fstab"
  mkdir -p "$ROOTFS/etc/systemd/system/aios-init.service.d"
  printf '[Unit]\nWants=var-lib-aios.mount\nAfter=var-lib-aios.mount\n' > "$ROOTFS/etc/systemd/system/aios-init.service.d/10-aios-image-state.conf"
  mkdir -p "$ROOTFS/etc/systemd/network"
  printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' > "$ROOTFS/etc/systemd/network/50-aios-dhcp.network"
  cat > "$ROOTFS/etc/systemd/system/aios-ssh-hostkey.service" <<'UNIT'
[Unit]
Description=aiOS image: this node's SSH host key, made on first boot
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key

[Install]
WantedBy=multi-user.target
UNIT
  PATH=$CHROOT_PATH chroot "$ROOTFS" systemctl enable -q systemd-networkd aios-ssh-hostkey.service
fi
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb
if [ -n "$EXTRA_CONFIG" ]; then cat "$EXTRA_CONFIG" >> "$ROOTFS/etc/aios/config.toml"; fi
if [ "$APT_FIXTURE" = 1 ]; then
  # A flat repository of aios-hello and its index, so apt finds it with no network at all.
  "$REPO/scripts/make-apt-fixture.sh" "$ROOTFS/srv/aios-apt-fixture" >/dev/null
  echo 'deb [trusted=yes] file:/srv/aios-apt-fixture ./' > "$ROOTFS/etc/apt/sources.list.d/aios-fixture.list"
  PATH=$CHROOT_PATH chroot "$ROOTFS" apt-get update -qq -o Dir::Etc::sourcelist=sources.list.d/aios-fixture.list \
    -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
fi

grub_for_disk

step "squashfs"
cp "$ROOTFS"/boot/vmlinuz-* "$WORK/iso/live/vmlinuz"
cp "$ROOTFS"/boot/initrd.img-* "$WORK/iso/live/initrd.img"
case "$COMP" in
  lz4) COMP_ARGS=(-comp lz4 -Xhc) ;;
  zstd) COMP_ARGS=(-comp zstd -Xcompression-level 15) ;;
  xz) COMP_ARGS=(-comp xz) ;;
  *) die "--compression: expected lz4, zstd or xz; got $COMP" ;;
esac
# /boot stays in: aios-init install-disk copies this filesystem to a disk as it is.
mksquashfs "$ROOTFS" "$WORK/iso/live/filesystem.squashfs" "${COMP_ARGS[@]}" -noappend -quiet -no-progress

step "ISO (BIOS + UEFI)"
sed "${GRUB_EDIT[@]/#/-e}" "$REPO/iso/grub.cfg" > "$WORK/iso/boot/grub/grub.cfg"
ISO="$OUT/aios-node.iso"
grub-mkrescue -o "$ISO" "$WORK/iso" -- -volid AIOS_NODE 2>"$WORK/grub-mkrescue.log" || { cat "$WORK/grub-mkrescue.log" >&2; exit 1; }

step "state disk"
STATE="$OUT/aios-state.img"
rm -f "$STATE"
truncate -s 512M "$STATE"
mkfs.ext4 -q -F -L AIOS-STATE "$STATE"

DISK_IMG=""
[ "$DISK" = 0 ] || disk_image aios-node.qcow2

step "done"
END=$(date +%s.%N)
ISO_BYTES=$(stat -c %s "$ISO")
SQUASH_BYTES=$(stat -c %s "$WORK/iso/live/filesystem.squashfs")
ROOT_KB=$(du -sk "$ROOTFS" | cut -f1)
BUILD_S=$(echo "$END - $START" | bc)
rm -rf "$ROOTFS"
cat > "$OUT/image-info.json" <<JSON
{"iso":"$ISO","init":"$INIT","isoBytes":$ISO_BYTES,"squashfsBytes":$SQUASH_BYTES,"rootfsBytes":$((ROOT_KB * 1024)),"stateDisk":"$STATE","disk":"$DISK_IMG","diskBytes":$([ -n "$DISK_IMG" ] && stat -c %s "$DISK_IMG" || echo 0),"buildSeconds":$BUILD_S,"baseCached":$BASE_CACHED,"testImage":$([ -n "$TEST_KEY" ] && echo true || echo false)}
JSON
printf 'image:      %s (%d MiB)\n' "$ISO" $((ISO_BYTES / 1048576))
printf 'root fs:    %d MiB unpacked, %d MiB as squashfs\n' $((ROOT_KB / 1024)) $((SQUASH_BYTES / 1048576))
printf 'state disk: %s (512 MiB, ext4 AIOS-STATE)\n' "$STATE"
[ -z "$DISK_IMG" ] || printf 'disk image: %s (%d MiB; %s virtual)\n' "$DISK_IMG" $(($(stat -c %s "$DISK_IMG") / 1048576)) "$DISK_SIZE"
printf 'built in:   %.0f s\n' "$BUILD_S"
