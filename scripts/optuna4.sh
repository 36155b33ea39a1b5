#!/usr/bin/env bash
# Optuna 4.x beside Debian 12's Optuna 3.1 (python3-optuna, installed), for the Optuna 4.x
# compatibility test and the samplers benchmark. It is Debian 13's python3-optuna 4.1:
# pure Python, and Debian 12's numpy, SQLAlchemy, alembic, colorlog and tqdm satisfy it.
# The package is fetched from Debian's archive, checked against the digest in Debian 13's
# package index, and unpacked into DIR; it is never installed, so 3.1 stays the system's.
#
#   scripts/optuna4.sh path DIR          print the PYTHONPATH (fetching on first use)
#   scripts/optuna4.sh run DIR CMD ARGS  run CMD with that PYTHONPATH
#
# Exits 1 with the reason on stderr when the package cannot be had.
set -euo pipefail
version=4.1.0-1
sha256=357c5d1e84a2b00895c8b0ceea1d17e17dd29419a78470282eb282567afa8dfe
url="http://deb.debian.org/debian/pool/main/o/optuna/python3-optuna_${version}_all.deb"

usage() {
  echo "usage: $0 path DIR | run DIR CMD [ARGS...]" >&2
  exit 2
}

unpacked() {
  local dir="$1/optuna-$version"
  local site="$dir/usr/lib/python3/dist-packages"
  if [ ! -f "$site/optuna/__init__.py" ]; then
    mkdir -p "$1"
    local deb
    deb=$(mktemp "$1/python3-optuna.XXXXXX.deb")
    # The archive is plain HTTP: the digest below is what makes the file trustworthy.
    if ! curl -fsS -m 120 -o "$deb" "$url"; then
      rm -f "$deb"
      echo "optuna4.sh: cannot download $url" >&2
      exit 1
    fi
    if ! echo "$sha256  $deb" | sha256sum -c --quiet - >/dev/null 2>&1; then
      rm -f "$deb"
      echo "optuna4.sh: $url does not match the SHA-256 of Debian 13's index ($sha256)" >&2
      exit 1
    fi
    # Unpack beside, then rename: a concurrent or interrupted run never sees half a tree.
    local tmp
    tmp=$(mktemp -d "$1/optuna-unpack.XXXXXX")
    dpkg-deb -x "$deb" "$tmp"
    rm -f "$deb"
    if ! mv -T "$tmp" "$dir" 2>/dev/null; then
      rm -rf "$tmp"  # another run got there first
    fi
  fi
  echo "$site"
}

[ $# -ge 2 ] || usage
case "$1" in
  path) unpacked "$2" ;;
  run)
    [ $# -ge 3 ] || usage
    site=$(unpacked "$2")
    shift 2
    PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}" exec "$@"
    ;;
  *) usage ;;
esac
