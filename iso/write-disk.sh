#!/usr/bin/env bash
# Writes the aiOS disk layout onto TARGET (an image file, or a whole disk such as /dev/vdb)
# from ROOTDIR, a complete root filesystem whose /boot holds the kernel, the initramfs and
# /boot/grub (grub.cfg, grubenv and GRUB's modules, put there by iso/build-image.sh):
#
#   p1  BIOS boot partition, 1 MiB: GRUB's core image for BIOS firmware
#   p2  EFI system partition, 64 MiB, vfat AIOS-ESP: /EFI/BOOT/BOOTX64.EFI for UEFI firmware
#   p3  root, ext4 aios-root, the rest: Debian, /etc, /var and /var/lib/aios; everything persists
#
#   iso/write-disk.sh ROOTDIR TARGET [SIZE]     SIZE (e.g. 4G) makes TARGET a sparse file first
#
# Nothing is mounted and no loop device is used: sfdisk writes the GPT, mkfs.fat and mke2fs
# write their filesystems at the partitions' offsets (mke2fs -d copies ROOTDIR in), mtools
# fills the ESP, and grub-bios-setup patches the boot sector. So the same script runs at image
# build time on a file and on a node from the live ISO (`aios-init install-disk`) on a disk.
# Both GRUB images find the root by its filesystem UUID, made here for each disk.
set -euo pipefail
# sfdisk, mke2fs and mkfs.fat live in /usr/sbin, which a root shell from plain `su` (the
# installer's usual caller on the live ISO) does not have in its PATH.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
die() { echo "write-disk: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: write-disk.sh ROOTDIR TARGET [SIZE]"
ROOTDIR=$1
TARGET=$2
SIZE=${3:-}
for need in boot/grub/grub.cfg boot/grub/grubenv boot/grub/i386-pc/normal.mod boot/grub/x86_64-efi/normal.mod; do
  [ -e "$ROOTDIR/$need" ] || die "$ROOTDIR/$need is missing: ROOTDIR must be a root built by iso/build-image.sh"
done
if [ -n "$SIZE" ]; then
  [ ! -b "$TARGET" ] || die "SIZE is for an image file; $TARGET is a block device"
  rm -f "$TARGET"
  truncate -s "$SIZE" "$TARGET"
fi
[ -e "$TARGET" ] || die "$TARGET does not exist (give SIZE to create an image file)"
GRUBLIB=$ROOTDIR/usr/lib/grub
[ -d "$GRUBLIB/i386-pc" ] && [ -d "$GRUBLIB/x86_64-efi" ] || GRUBLIB=/usr/lib/grub

ESP_START=4096   # sectors of 512 bytes: 2 MiB
ESP_SECTORS=131072
ROOT_START=$((ESP_START + ESP_SECTORS))
sfdisk --quiet --wipe always "$TARGET" <<TABLE
label: gpt
start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="bios-boot"
start=$ESP_START, size=$ESP_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="AIOS-ESP"
start=$ROOT_START, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="aios-root"
TABLE
ROOT_SECTORS=$(partx -g -n 3 -o SECTORS "$TARGET" | tr -d ' ')
[ -n "$ROOT_SECTORS" ] || die "sfdisk wrote no root partition on $TARGET"
# A block device's partitions get their own nodes; the kernel must let go of the old ones first.
if [ -b "$TARGET" ]; then blockdev --rereadpt "$TARGET" 2>/dev/null || partx -u "$TARGET" || true; fi

ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
# (mkfs.fat warns that the device is larger than the filesystem: with --offset it is meant to be.)
# On a whole disk it refuses to write over the partition table it sees, the one just written
# (install-disk: "Partitions or virtual mappings on device"): -I says that is meant too.
whole=
[ ! -b "$TARGET" ] || whole=-I
out=$(mkfs.fat -F 32 -s 1 -n AIOS-ESP $whole --offset "$ESP_START" "$TARGET" $((ESP_SECTORS / 2)) 2>&1) || die "mkfs.fat: $out"
# -d copies ROOTDIR with its owners, modes, links and extended attributes (file capabilities).
mke2fs -q -F -t ext4 -L aios-root -U "$ROOT_UUID" -E offset=$((ROOT_START * 512)) -d "$ROOTDIR" \
  "$TARGET" $((ROOT_SECTORS / 2))k

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\n' "$ROOT_UUID" > "$WORK/early.cfg"
# BIOS: GRUB's core image in the BIOS boot partition, and its boot sector in the protective MBR,
# set up as grub-bios-setup does (it cannot run here: it insists on finding the device under
# its --directory, which is a temporary directory on the build machine or in the live system's RAM).
grub-mkimage -d "$GRUBLIB/i386-pc" -O i386-pc -o "$WORK/core.img" -c "$WORK/early.cfg" -p /boot/grub \
  biosdisk part_gpt ext2 search search_fs_uuid
[ "$(stat -c %s "$WORK/core.img")" -le $((2048 * 512)) ] || die "GRUB's core image does not fit the BIOS boot partition"
poke() { printf "$2" | dd of="$1" bs=1 seek="$3" conv=notrunc status=none; }
# The core image's first sector loads the rest: its block list starts at sector 2049.
poke "$WORK/core.img" '\x01\x08\x00\x00\x00\x00\x00\x00' $((0x200 - 12))
cp "$GRUBLIB/i386-pc/boot.img" "$WORK/boot.img"
dd if="$TARGET" of="$WORK/mbr" bs=512 count=1 status=none
# Keep the MBR's BPB area, disk signature and protective partition table; the code is GRUB's.
dd if="$WORK/mbr" of="$WORK/boot.img" bs=1 skip=3 seek=3 count=$((0x5a - 3)) conv=notrunc status=none
dd if="$WORK/mbr" of="$WORK/boot.img" bs=1 skip=$((0x1b8)) seek=$((0x1b8)) count=$((0x1fe - 0x1b8)) conv=notrunc status=none
poke "$WORK/boot.img" '\x00\x08\x00\x00\x00\x00\x00\x00' $((0x5c)) # the core image's sector: 2048
poke "$WORK/boot.img" '\xff' $((0x64))                                # boot from the drive the BIOS says
poke "$WORK/boot.img" '\x90\x90' $((0x66))                           # a hard disk: no floppy check
dd if="$WORK/core.img" of="$TARGET" bs=512 seek=2048 conv=notrunc status=none
dd if="$WORK/boot.img" of="$TARGET" bs=512 count=1 conv=notrunc status=none
# UEFI: the removable-media path, which firmware boots without an NVRAM entry.
grub-mkimage -d "$GRUBLIB/x86_64-efi" -O x86_64-efi -o "$WORK/BOOTX64.EFI" -c "$WORK/early.cfg" -p /boot/grub \
  part_gpt ext2 fat search search_fs_uuid
ESP="$TARGET@@$((ESP_START * 512))"
MTOOLS_SKIP_CHECK=1 mmd -i "$ESP" ::/EFI ::/EFI/BOOT
MTOOLS_SKIP_CHECK=1 mcopy -i "$ESP" "$WORK/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
sync "$TARGET" 2>/dev/null || sync
echo "write-disk: $TARGET: BIOS boot, ESP (AIOS-ESP), root ext4 aios-root $ROOT_UUID ($((ROOT_SECTORS / 2048)) MiB)"
