#!/usr/bin/env bash
# Debian packages aiOS uses at run time and in its tests: bubblewrap (the sandbox for shell
# commands) and nftables (the firewall tools); acl (setfacl/getfacl) only for the tests that
# check a rollback brings ACLs back (aiOS itself reads and writes ACLs as xattrs, natively);
# grub-common for grub-editenv, which A/B updates use on GRUB's environment block (and the
# update tests on a real one).
# nats-server (2.9 in bookworm): the fleet hub (aios fleet hub) and its tests.
# Installs only what is missing; needs root (apt-get).
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v setfacl >/dev/null 2>&1 || need+=(acl)
command -v grub-editenv >/dev/null 2>&1 || need+=(grub-common)
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "aiOS: please install: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
