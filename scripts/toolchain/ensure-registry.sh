#!/usr/bin/env bash
# Two image registries for the tests (Debian's docker-registry, distribution 2.8):
#   $DSENV_REGISTRY (127.0.0.1:5000): HTTPS with a CA made here, and a login
#     (htpasswd): what a real registry such as ACR is like.
#   $DSENV_PLAIN_REGISTRY (127.0.0.1:5001): plain HTTP, no login.
# Trust in the CA stays private to the tests' tools: the engine reads it from
# /etc/docker/certs.d/<addr>/ca.crt (per registry address, nothing else is
# affected); Pulumi's providers get it through SSL_CERT_FILE, a bundle of the
# system's CAs plus this one, set only in the tests' environment.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TLS_ADDR="${DSENV_REGISTRY_ADDR:-127.0.0.1:5000}"
PLAIN_ADDR="${DSENV_PLAIN_REGISTRY_ADDR:-127.0.0.1:5001}"
DIR="$CACHE/registry"
USER_NAME=dsenv
mkdir -p "$DIR"

have curl || apt_install curl
have openssl || apt_install openssl
have htpasswd || apt_install apache2-utils
[ -x /usr/bin/docker-registry ] || apt_install docker-registry

# ------------------------------------------------------------ CA, certificate, login
if [ ! -s "$DIR/ca.crt" ] || [ ! -s "$DIR/server.crt" ]; then
  log "registry: making a CA and a certificate for ${TLS_ADDR%:*}"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=dsenv test registry CA" \
    -keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=${TLS_ADDR%:*}" \
    -keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$DIR/server.ext"
  openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days 3650 -extfile "$DIR/server.ext" -out "$DIR/server.crt" 2>/dev/null
  rm -f "$DIR/bundle.pem"
fi
if [ ! -s "$DIR/password" ]; then
  (umask 077 && head -c 18 /dev/urandom | base64 | tr -dc A-Za-z0-9 >"$DIR/password")
  htpasswd -Bbn "$USER_NAME" "$(cat "$DIR/password")" >"$DIR/htpasswd"
fi
# The system's CAs plus ours, for SSL_CERT_FILE (it replaces the system store).
if [ ! -s "$DIR/bundle.pem" ]; then
  cat "$TRUST_STORE" "$DIR/ca.crt" >"$DIR/bundle.pem" 2>/dev/null || cp "$DIR/ca.crt" "$DIR/bundle.pem"
fi
as_root mkdir -p "/etc/docker/certs.d/$TLS_ADDR"
cmp -s "$DIR/ca.crt" "/etc/docker/certs.d/$TLS_ADDR/ca.crt" || as_root cp "$DIR/ca.crt" "/etc/docker/certs.d/$TLS_ADDR/ca.crt"

# ------------------------------------------------------------ the two servers
# answers NAME URL CURL_ARGS...: the registry's /v2/ answers (401 = wants a login).
answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${@:2}" "$1") || return 1
  [ "$code" = 200 ] || [ "$code" = 401 ]
}

# serve NAME ADDR URL CONFIG_EXTRA CURL_ARGS...: (re)start one registry unless it answers as wanted.
serve() {
  local name="$1" addr="$2" url="$3" extra="$4"; shift 4
  if answers "$url" "$@"; then
    log "registry: $url answers, reusing it"
    return 0
  fi
  # Ours, but not answering as wanted (an older, plain-HTTP one on the TLS
  # address, from before the registry spoke TLS): replace it.
  if [ -s "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
    kill "$(cat "$DIR/$name.pid")"; sleep 1
  fi
  pkill -f "docker-registry serve $DIR/config.yml" 2>/dev/null && sleep 1
  mkdir -p "$DIR/$name-data"
  # Written every time so that paths follow $CACHE.
  cat >"$DIR/$name.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $DIR/$name-data
  delete:
    enabled: true
http:
  addr: $addr
$extra
YAML
  log "registry: starting $url (log: $CACHE/registry-$name.log)"
  start_daemon "$CACHE/registry-$name.log" setsid /usr/bin/docker-registry serve "$DIR/$name.yml"
  echo $! >"$DIR/$name.pid"
  if ! wait_for 30 answers "$url" "$@"; then
    tail -n 20 "$CACHE/registry-$name.log" >&2 || true
    die "registry: $url did not answer within 30s"
  fi
}

serve tls "$TLS_ADDR" "https://$TLS_ADDR/v2/" "  tls:
    certificate: $DIR/server.crt
    key: $DIR/server.key
auth:
  htpasswd:
    realm: dsenv-test
    path: $DIR/htpasswd" --cacert "$DIR/ca.crt"
serve plain "$PLAIN_ADDR" "http://$PLAIN_ADDR/v2/" ""

write_env_fragment registry <<ENV
export DSENV_REGISTRY=$TLS_ADDR
export DSENV_REGISTRY_USER=$USER_NAME
export DSENV_REGISTRY_PASSWORD_FILE=$DIR/password
export DSENV_REGISTRY_CA_BUNDLE=$DIR/bundle.pem
export DSENV_PLAIN_REGISTRY=$PLAIN_ADDR
ENV
