#!/usr/bin/env bash
# Installs what pingwatch needs to build and test on Debian 12, and nothing that is already there.
# Idempotent: a second run checks, installs nothing, and takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config ccache git zip unzip patchelf
  libcurl4-openssl-dev libssl-dev zlib1g-dev nlohmann-json3-dev libpugixml-dev libcli11-dev
  libspdlog-dev libfmt-dev libcpp-httplib-dev libsqlite3-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  python3 python3-botocore python3-boto3 python3-matplotlib awscli
  nodejs npm curl ca-certificates
  prometheus chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# A machine may have node/npm from elsewhere (not Debian's): accept them.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]:-}"

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present"
fi

# npm packages for the conformance tests (AWS SDK for JavaScript v3, cfn-lint schemas), pinned by the lock file.
for dir in tests/*/; do dir=${dir%/}
  if [ -f "$dir/package.json" ]; then
    stamp="$dir/node_modules/.pingwatch-stamp"
    if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
      echo "setup: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) && touch "$stamp"
    fi
  fi
done
