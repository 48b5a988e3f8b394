#!/bin/bash
# Entrypoint honouring the official mysql image's environment contract.
set -euo pipefail

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

log() { echo "[standin-entrypoint] $*" >&2; }

# VAR or VAR_FILE (docker secrets), as the official image allows.
file_env() {
  local var="$1" fvar="${1}_FILE" def="${2:-}"
  if [ -n "${!var:-}" ] && [ -n "${!fvar:-}" ]; then
    log "both $var and $fvar are set"; exit 1
  fi
  local val="$def"
  if [ -n "${!var:-}" ]; then val="${!var}"
  elif [ -n "${!fvar:-}" ]; then val="$(<"${!fvar}")"; fi
  export "$var"="$val"; unset "$fvar"
}

# Quote a value for use inside a single-quoted SQL string.
sql_str() { printf '%s' "$1" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g"; }

init_db() {
  file_env MYSQL_ROOT_PASSWORD
  file_env MYSQL_DATABASE
  file_env MYSQL_USER
  file_env MYSQL_PASSWORD
  : "${MYSQL_ALLOW_EMPTY_PASSWORD:=}" "${MYSQL_RANDOM_ROOT_PASSWORD:=}" "${MYSQL_ROOT_HOST:=%}"
  if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "$MYSQL_ALLOW_EMPTY_PASSWORD" ] && [ -z "$MYSQL_RANDOM_ROOT_PASSWORD" ]; then
    log "Database is uninitialized and password option is not specified"
    log "  You need to specify one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD and MYSQL_RANDOM_ROOT_PASSWORD"
    exit 1
  fi
  if [ -n "$MYSQL_RANDOM_ROOT_PASSWORD" ]; then
    MYSQL_ROOT_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    echo "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi

  log "initialising database in $DATADIR"
  mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null

  # A private server (no TCP) to run the setup SQL against.
  mysqld --user=mysql --datadir="$DATADIR" --skip-networking --socket="$SOCKET" &
  local pid=$!
  for _ in $(seq 60); do
    mysqladmin --socket="$SOCKET" -uroot ping --silent >/dev/null 2>&1 && break
    sleep 0.5
  done
  mysqladmin --socket="$SOCKET" -uroot ping --silent >/dev/null 2>&1 || { log "temporary server did not start"; exit 1; }

  local rootpw; rootpw="$(sql_str "$MYSQL_ROOT_PASSWORD")"
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    # mariadb-install-db also creates root@127.0.0.1, root@::1 and
    # root@<hostname> with empty passwords; with skip-name-resolve those would
    # shadow root@'%' for TCP clients. Upstream keeps only root@localhost.
    echo "DROP USER IF EXISTS ''@'localhost', root@'127.0.0.1', root@'::1';"
    echo "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS \\'\\'@\\'', @@hostname, '\\'');"
    echo "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\'');"
    echo "DELETE FROM mysql.proxies_priv WHERE host NOT IN ('localhost');"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$rootpw';"
    if [ "$MYSQL_ROOT_HOST" != "localhost" ]; then
      echo "CREATE USER IF NOT EXISTS 'root'@'$(sql_str "$MYSQL_ROOT_HOST")' IDENTIFIED BY '$rootpw';"
      echo "GRANT ALL ON *.* TO 'root'@'$(sql_str "$MYSQL_ROOT_HOST")' WITH GRANT OPTION;"
    fi
    if [ -n "$MYSQL_DATABASE" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE//\`/\`\`}\`;"
    fi
    if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
      echo "CREATE USER '$(sql_str "$MYSQL_USER")'@'%' IDENTIFIED BY '$(sql_str "$MYSQL_PASSWORD")';"
      if [ -n "$MYSQL_DATABASE" ]; then
        echo "GRANT ALL ON \`${MYSQL_DATABASE//\`/\`\`}\`.* TO '$(sql_str "$MYSQL_USER")'@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mysql --protocol=socket --socket="$SOCKET" -uroot

  local client=(mysql --protocol=socket --socket="$SOCKET" -uroot)
  [ -n "$MYSQL_ROOT_PASSWORD" ] && client+=("-p$MYSQL_ROOT_PASSWORD")
  [ -n "$MYSQL_DATABASE" ] && client+=("$MYSQL_DATABASE")
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    # shellcheck disable=SC1090 # init scripts are the caller's
    case "$f" in
      *.sh)     log "running $f"; . "$f" ;;
      *.sql)    log "running $f"; "${client[@]}" <"$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${client[@]}" ;;
      *) [ -e "$f" ] && log "ignoring $f" ;;
    esac
  done

  if [ -n "$MYSQL_ROOT_PASSWORD" ]; then
    mysqladmin --socket="$SOCKET" -uroot "-p$MYSQL_ROOT_PASSWORD" shutdown
  else
    mysqladmin --socket="$SOCKET" -uroot shutdown
  fi
  wait "$pid" || true
  log "initialisation done"
}

# `docker run image --some-flag` means flags for mysqld, as upstream.
if [ "${1:0:1}" = "-" ]; then set -- mysqld "$@"; fi

if [ "$1" = "mysqld" ] || [ "$1" = "mariadbd" ]; then
  mkdir -p /run/mysqld
  if [ "$(id -u)" = 0 ]; then
    # A fresh named volume or bind mount may belong to someone else.
    chown mysql:mysql /run/mysqld
    [ -d "$DATADIR/mysql" ] || chown -R mysql:mysql "$DATADIR"
  fi
  # Data is kept: only an uninitialised datadir gets the setup.
  if [ ! -d "$DATADIR/mysql" ]; then init_db; fi
  # exec: mysqld becomes PID 1 and receives docker stop's SIGTERM itself.
  exec "$@"
fi
exec "$@"
