# Shared by demo.sh and test.sh: install what is missing, build in release mode.
# Sourced, not run.

TLRECON_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TLRECON_BUILD=${TLRECON_BUILD:-$TLRECON_ROOT/build}

# Debian packages the build and the tests need.
TLRECON_PACKAGES=(
  cmake g++ make pkg-config
  libpqxx-dev libcli11-dev nlohmann-json3-dev libhowardhinnant-date-dev doctest-dev
  libssl-dev libre2-dev tzdata postgresql
)

install_packages() {
  local missing=()
  for p in "${TLRECON_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

build_release() {
  cmake -S "$TLRECON_ROOT" -B "$TLRECON_BUILD" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$TLRECON_BUILD" -j "$(nproc)" >/dev/null
}
