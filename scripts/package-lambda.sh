#!/usr/bin/env bash
# Builds dist/pingwatch-lambda-<arch>.zip for the provided.al2023 runtime from the built pingwatch-lambda (the
# slim Lambda executable: no CLI, daemon, status server or local stack; libcurl loaded at the first AWS request).
#
# Amazon Linux 2023 has glibc 2.34, older than the 2.36 this binary is linked against on Debian 12, so the zip
# carries its own dynamic loader and the shared libraries the binary needs at exec (as aws-lambda-cpp's packager
# does), and `bootstrap` starts the binary through that loader (pingwatch-lambda-bootstrap, a static executable
# built beside the binary: src/runtime/lambda_bootstrap.cpp; it also points libcurl and OpenSSL at Amazon Linux's
# CA bundle when it exists):
#   bootstrap                      exec lib/ld-linux-*.so.* --library-path $LAMBDA_TASK_ROOT/lib bin/pingwatch
#   bin/pingwatch                  the binary (stripped)
#   lib/*.so*                      the loader, libc and every library ldd lists
# Not bundled, the system's instead (docs/deploy.md, "What the zip holds"): libcurl.so.4 and OpenSSL 3, which the
# binary dlopen()s at its first AWS request (AL2023's libcurl-minimal and the OpenSSL 3 it is linked against).
#
# usage: scripts/package-lambda.sh [PATH_TO_PINGWATCH_LAMBDA] [OUTPUT_ZIP]
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-build/src/pingwatch-lambda}
case "$(uname -m)" in
  x86_64) arch=x86_64 ;;
  aarch64) arch=arm64 ;;
  *) echo "package-lambda: unsupported machine $(uname -m): Lambda runs x86_64 and arm64" >&2; exit 2 ;;
esac
output=${2:-dist/pingwatch-lambda-$arch.zip}

if [ ! -x "$binary" ]; then
  echo "package-lambda: $binary is not an executable: build first (make package) or pass the binary's path" >&2
  exit 2
fi
launcher=$(dirname "$binary")/pingwatch-lambda-bootstrap
if [ ! -x "$launcher" ]; then
  echo "package-lambda: $launcher is missing: it is built with pingwatch-lambda (make package)" >&2
  exit 2
fi
for tool in ldd zip strip; do
  command -v "$tool" >/dev/null || { echo "package-lambda: $tool not found (scripts/setup.sh installs it)" >&2; exit 2; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"

# Only the slim executable: the full pingwatch links libcurl at exec, whose ~30 dependencies would triple the zip
# and the time to the first /next. pingwatch-lambda loads libcurl and libcrypto at its first AWS request
# (src/runtime/lambda_lazy_libs.cpp).
# ldd's output is captured first: under pipefail, `ldd | grep -q` fails when grep exits at its first match and the
# loader's later writes meet a closed pipe (SIGPIPE), which read as "no match" and let the full binary through.
libraries=$(ldd "$binary")
if grep -Eq 'lib(curl|crypto|ssl)\.so' <<<"$libraries"; then
  echo "package-lambda: $binary loads libcurl or OpenSSL at exec: package build/src/pingwatch-lambda (make package)" >&2
  exit 2
fi

cp "$binary" "$stage/bin/pingwatch"
# Symbols are not needed at run time (exception types are reported from typeid, not from the symbol table).
strip --strip-all "$stage/bin/pingwatch"

# Every library ldd resolves, plus the loader (the line with no "=>", an absolute path).
loader=""
while read -r line; do
  if [[ $line =~ =\>\ (/[^ ]+) ]]; then
    cp -L "${BASH_REMATCH[1]}" "$stage/lib/"
  elif [[ $line =~ ^(/[^ ]+ld-linux[^ ]*)\ \( ]]; then
    loader=$(basename "${BASH_REMATCH[1]}")
    cp -L "${BASH_REMATCH[1]}" "$stage/lib/$loader"
  elif [[ $line =~ "not found" ]]; then
    echo "package-lambda: $line" >&2; exit 2
  fi
done <<<"$libraries"
if [ -z "$loader" ]; then
  echo "package-lambda: ldd shows no dynamic loader for $binary (a static binary needs no bundling: not supported here)" >&2
  exit 2
fi
chmod 755 "$stage/lib/$loader"
# Debug info is not needed at run time; a smaller zip uploads and cold-starts faster.
find "$stage/lib" -name '*.so*' ! -name "$loader" -exec strip --strip-debug {} + 2>/dev/null || true

# The launcher, built beside the binary (src/runtime/lambda_bootstrap.cpp): it must name the loader bundled here.
if ! grep -qaF "$loader" "$launcher"; then
  echo "package-lambda: $launcher does not start lib/$loader: rebuild it for this machine" >&2
  exit 2
fi
cp "$launcher" "$stage/bootstrap"
strip --strip-all "$stage/bootstrap"
chmod 755 "$stage/bootstrap" "$stage/bin/pingwatch"

mkdir -p "$(dirname "$output")"
rm -f "$output"
output_abs=$(cd "$(dirname "$output")" && pwd)/$(basename "$output")
# -X: no extra file attributes; -y: keep symlinks as links (there are none: cp -L resolved them).
(cd "$stage" && zip -q -X -r "$output_abs" bootstrap bin lib)
size=$(stat -c %s "$output_abs")
echo "package-lambda: $output ($((size / 1024)) KiB, $(ls "$stage/lib" | wc -l) files in lib/, loader $loader, arch $arch)"
