#!/usr/bin/env bash
# The local AWS emulator for integration tests: moto server (PyPI moto[server]) in a virtualenv,
# on 127.0.0.1 and a free port. Source this file, then:
#   emulator_start      installs (first time) and starts it; exports BEDROCK_LENS_EMULATOR=http://127.0.0.1:PORT
#   emulator_stop       stops only the process it started (also call it from a trap)
# Env: EMULATOR_VENV (default: target/emulator-venv), MOTO_VERSION (default 5.1.*|5.2.*: the
# series checked against this project, see ../shared/reference/emulator.md).

emulator_start() {
  local root venv port i
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  venv=${EMULATOR_VENV:-$root/target/emulator-venv}
  if [ ! -x "$venv/bin/moto_server" ]; then
    echo "installing the AWS emulator (moto[server]) into $venv ..." >&2
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install -q "moto[server]${MOTO_VERSION:->=5.1,<5.3}" || return 1
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  # The request recorder (tests count API calls with it) writes here, not into the repository.
  MOTO_RECORDER_FILEPATH="${TMPDIR:-/tmp}/bedrock-lens-emulator-$port.recording" \
    "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "${TMPDIR:-/tmp}/bedrock-lens-emulator-$port.log" 2>&1 &
  EMULATOR_PID=$!
  for i in $(seq 50); do
    if "$venv/bin/python" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" > /dev/null 2>&1; then
      export BEDROCK_LENS_EMULATOR="http://127.0.0.1:$port"
      echo "AWS emulator on $BEDROCK_LENS_EMULATOR (pid $EMULATOR_PID)" >&2
      return 0
    fi
    kill -0 "$EMULATOR_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "error: the AWS emulator did not start (log: ${TMPDIR:-/tmp}/bedrock-lens-emulator-$port.log)" >&2
  emulator_stop
  return 1
}

emulator_stop() {
  if [ -n "${EMULATOR_PID:-}" ]; then
    kill "$EMULATOR_PID" 2>/dev/null
    wait "$EMULATOR_PID" 2>/dev/null
    EMULATOR_PID=
  fi
}
