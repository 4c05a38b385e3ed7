#!/usr/bin/env bash
# A small local apt repository for tests and the test image, so package goals (pkg.install,
# auto_patch) run without a network: `deb [trusted=yes] file:OUTDIR ./` (a flat repository).
#
#   scripts/make-apt-fixture.sh OUTDIR [VERSION…]      (default versions: 1.0 1.1 1.2)
#
# Each version of the package `aios-hello` installs /usr/bin/aios-hello (prints its version) and
# /usr/share/aios-hello/VERSION. Version 1.2 is the broken upgrade: its postinst succeeds, but
# /usr/bin/aios-hello exits 1, so a verification step that runs it fails and a rollback is due.
# Only dpkg-deb (part of dpkg, on every Debian system) is needed; the Packages index is written
# here rather than with dpkg-scanpackages (dpkg-dev pulls in perl and a compiler toolchain).
# APT_FIXTURE_SUITE (default aios-fixture) names the repository's Suite and Label: one with
# "security" in it (aios-fixture-security) is what apt and auto_patch = "security" take for a
# security archive.
set -euo pipefail
suite=${APT_FIXTURE_SUITE:-aios-fixture}
out=${1:?usage: make-apt-fixture.sh OUTDIR [VERSION…]}
shift
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(1.0 1.1 1.2)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$out/Packages"
for v in "${versions[@]}"; do
  root="$work/aios-hello_$v"
  mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/aios-hello"
  cat > "$root/DEBIAN/control" <<CONTROL
Package: aios-hello
Version: $v
Architecture: all
Maintainer: aiOS tests <tests@aios.invalid>
Section: misc
Priority: optional
Description: aiOS test fixture package
 A tiny package that prints its version, for offline package tests.
CONTROL
  if [ "$v" = 1.2 ]; then
    printf '#!/bin/sh\necho "aios-hello %s is broken" >&2\nexit 1\n' "$v" > "$root/usr/bin/aios-hello"
  else
    printf '#!/bin/sh\necho "aios-hello %s"\n' "$v" > "$root/usr/bin/aios-hello"
  fi
  chmod 0755 "$root/usr/bin/aios-hello"
  echo "$v" > "$root/usr/share/aios-hello/VERSION"
  deb="aios-hello_${v}_all.deb"
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$out/$deb" >/dev/null
  {
    dpkg-deb -f "$out/$deb"
    echo "Filename: ./$deb"
    echo "Size: $(stat -c %s "$out/$deb")"
    echo "SHA256: $(sha256sum "$out/$deb" | cut -d' ' -f1)"
    echo
  } >> "$out/Packages"
done
gzip -9nkf "$out/Packages"
{
  echo "Origin: aiOS tests"
  echo "Label: $suite"
  echo "Suite: $suite"
  echo "Date: $(LC_ALL=C date -u -R)"
  echo "SHA256:"
  for f in Packages Packages.gz; do
    printf ' %s %s %s\n' "$(sha256sum "$out/$f" | cut -d' ' -f1)" "$(stat -c %s "$out/$f")" "$f"
  done
} > "$out/Release"
echo "$out"
