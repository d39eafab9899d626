# Sourced by run.sh and test.sh: make sure .venv exists with pip in it.
# Debian's python3 ships without ensurepip (the `python3-venv` package), so `python3 -m venv`
# fails there until it is installed: install it with apt-get then, as test.sh does for chromium.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x .venv/bin/pip ]; then
  rm -rf .venv  # a half-made one from an earlier failed attempt
  if ! python3 -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    echo "python3 -m venv is unavailable: installing python3-venv with apt-get" >&2
    apt_install python3-venv
    python3 -m venv .venv
  fi
fi
