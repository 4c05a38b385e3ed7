#!/usr/bin/env bash
# Debian packages aiOS uses at run time and in its tests: bubblewrap (the sandbox for shell
# commands) and nftables (the firewall tools); acl (setfacl/getfacl) only for the tests that
# check a rollback brings ACLs back (aiOS itself reads and writes ACLs as xattrs, natively);
# grub-common for grub-editenv, which A/B updates use on GRUB's environment block (and the
# update tests on a real one).
# nats-server (2.9 in bookworm): the fleet hub (aios fleet hub) and its tests.
# mmdebstrap only for the auto_patch tests, which build a Debian tree to patch instead of the host.
# GRUB's BIOS and UEFI images, fdisk, dosfstools and mtools for iso/write-disk.sh and its test.
# Installs only what is missing; needs root (apt-get).
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v setfacl >/dev/null 2>&1 || need+=(acl)
command -v grub-editenv >/dev/null 2>&1 || need+=(grub-common)
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
[ -d /usr/lib/grub/i386-pc ] || need+=(grub-pc-bin)
[ -d /usr/lib/grub/x86_64-efi ] || need+=(grub-efi-amd64-bin)
command -v sfdisk >/dev/null 2>&1 || need+=(fdisk)
command -v mkfs.fat >/dev/null 2>&1 || need+=(dosfstools)
command -v mcopy >/dev/null 2>&1 || need+=(mtools)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "aiOS: please install: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
