#!/usr/bin/env bash
# The real PC/SC stack for tests and demos, without systemd and without a physical reader.
#
# Idempotent. Installs pcscd, vsmartcard-vpcd and libpcsclite-dev with apt when missing (as root,
# or through sudo), then starts `pcscd -f` in the background with the project's reader
# configuration (two vpcd readers, "Virtual PCD 00 00" on TCP 35963 and "Virtual PCD 00 01" on
# 35964) -- only if no pcscd is running: there is one pcscd per machine (/run/pcscd/pcscd.comm).
#
# stdout: the PID of the pcscd this script started, or nothing when one was already running.
# Stop only what you started: kill -TERM <that pid>  (never by name).
#
#   pid=$(scripts/pcsc-env.sh)
set -euo pipefail

log() { echo "pcsc-env: $*" >&2; }

missing=()
for pkg in pcscd vsmartcard-vpcd libpcsclite-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo_=(); elif command -v sudo >/dev/null; then sudo_=(sudo); else
    log "missing ${missing[*]} and not root: install them first"; exit 1
  fi
  log "installing ${missing[*]}"
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 || {
    "${sudo_[@]}" apt-get update -qq >&2
    "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  }
fi

if running=$(pgrep -r R,S,D -x pcscd); then  # a pcscd just stopped (a zombie) is not one
  if ! ss -ltn 2>/dev/null | grep -q ':35963 '; then
    log "pcscd is running (pid $(echo "$running" | tr '\n' ' ')) without the virtual readers on TCP 35963; stop it and run this again"
    exit 1
  fi
  log "pcscd already running (pid $(echo "$running" | tr '\n' ' ')); reusing it, nothing started"
  exit 0
fi

PCSCD=$(command -v pcscd || echo /usr/sbin/pcscd)
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
[ -e "$VPCD_DRIVER" ] || VPCD_DRIVER=$(dpkg -L vsmartcard-vpcd | grep -m1 'libifdvpcd\.so$')

conf_dir="${REDANGEL_PCSCD_CONF_DIR:-${TMPDIR:-/tmp}/redangel-pcscd}/reader.conf.d"
mkdir -p "$conf_dir"
# One vpcd entry gives two slots: port 0x8C7B (35963) and the next one (35964).
cat >"$conf_dir/redangel-vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      $VPCD_DRIVER
CHANNELID    0x8C7B
CONF

log_file="$(dirname "$conf_dir")/pcscd.log"
# vpcd opens its readers' ports when pcscd starts; a port a pcscd stopped a moment ago may still
# be held (TIME_WAIT), and then this pcscd would run without readers. Start again until the
# readers listen, for up to a minute and a half.
for attempt in $(seq 1 30); do
  setsid "$PCSCD" -f -c "$conf_dir" >"$log_file" 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 1 100); do
    if [ -S /run/pcscd/pcscd.comm ] && ss -ltn 2>/dev/null | grep -q ':35963 '; then break 2; fi
    kill -0 "$pid" 2>/dev/null || { log "pcscd exited; see $log_file"; exit 1; }
    sleep 0.05
  done
  log "the readers' port is still in use (attempt $attempt); starting pcscd again"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 3
done
if ! ss -ltn 2>/dev/null | grep -q ':35963 '; then
  log "pcscd started but its readers cannot listen on TCP 35963; see $log_file"
  exit 1
fi
log "started pcscd (pid $pid, readers from $conf_dir, log $log_file)"
echo "$pid"
