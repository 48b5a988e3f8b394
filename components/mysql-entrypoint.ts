// The MySQL container's entrypoint: a shell script that wraps the image's own
// (docker-entrypoint.sh, the official image's contract) so that the stack's
// credentials hold on every start, not only the first.
//
// The official image applies MYSQL_* only when it initialises an empty data
// dir; on a kept volume (after `pulumi destroy` and a new `up`, which generates
// new passwords) the old credentials would stay. So on an initialised data dir
// the server starts with an --init-file that sets the passwords, database and
// grants from the environment it was given now (each password from VAR, or
// from the file VAR_FILE names, as the official image reads them). Not on the
// first start: the image passes its arguments to the servers it initialises
// with too, where root has no password yet and MYSQL_USER is made afterwards
// by a plain CREATE USER, which an earlier one would break.
// Names are validated to [A-Za-z0-9_] and passwords are alphanumeric: nothing to escape.

/** Re-applies the workspace's credentials on an initialised data dir; without accounts, the script as it always was. */
const CREDENTIALS_SQL = `  [ -z "\${MYSQL_ROOT_PASSWORD_FILE:-}" ] || MYSQL_ROOT_PASSWORD=$(cat "$MYSQL_ROOT_PASSWORD_FILE")
  [ -z "\${MYSQL_PASSWORD_FILE:-}" ] || MYSQL_PASSWORD=$(cat "$MYSQL_PASSWORD_FILE")
  f=/tmp/dsenv-credentials.sql
  umask 077
  cat >"$f" <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
ALTER USER IF EXISTS 'root'@'%' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
CREATE DATABASE IF NOT EXISTS \\\`$MYSQL_DATABASE\\\`;
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
ALTER USER '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
GRANT ALL ON \\\`$MYSQL_DATABASE\\\`.* TO '$MYSQL_USER'@'%';
SQL
`;

const START_WITH_INIT_FILE = `  chown mysql "$f" 2>/dev/null || true
  set -- "$@" --init-file="$f"
`;

/** Where the image's first start runs extra SQL, as root, after it has made MYSQL_DATABASE and MYSQL_USER. */
export const ACCOUNTS_INITDB_FILE = "/docker-entrypoint-initdb.d/zz-dsenv-accounts.sql";

/**
 * The SQL that makes each account of DSENV_ACCOUNTS ("<database>:<user> ...")
 * and sets its password (pair i's in DSENV_ACCOUNT_<i>_PASSWORD, or in the file
 * DSENV_ACCOUNT_<i>_PASSWORD_FILE names): every statement may run again, and
 * each account gets ALL on its own database only. "_" is escaped in the GRANT,
 * where it would match any one character (and so, maybe, another user's database).
 */
const ACCOUNTS_SQL_FUNCTION = `accounts_sql() {
  i=0
  for account in $DSENV_ACCOUNTS; do
    database=\${account%%:*}
    user=\${account#*:}
    eval "password=\\\${DSENV_ACCOUNT_\${i}_PASSWORD:-} file=\\\${DSENV_ACCOUNT_\${i}_PASSWORD_FILE:-}"
    [ -z "$file" ] || password=$(cat "$file")
    if [ -z "$password" ]; then
      echo "dsenv: no password for the MySQL account $user (DSENV_ACCOUNT_\${i}_PASSWORD)" >&2
      exit 1
    fi
    pattern=$(printf '%s' "$database" | sed 's/_/\\\\_/g')
    cat <<SQL
CREATE DATABASE IF NOT EXISTS \\\`$database\\\`;
CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$password';
ALTER USER '$user'@'%' IDENTIFIED BY '$password';
GRANT ALL ON \\\`$pattern\\\`.* TO '$user'@'%';
SQL
    i=$((i + 1))
  done
}
`;

/**
 * The script `/bin/sh -c` runs before the image's entrypoint. With `accounts`
 * (DSENV_ACCOUNTS in the environment), it also makes those accounts: on an
 * initialised data dir in the --init-file, and on the first start in a file
 * the image runs from /docker-entrypoint-initdb.d once it has made its own
 * database and user (removed again on the next start: it holds passwords).
 */
export function mysqlEntrypoint(accounts: boolean): string {
    if (!accounts)
        return `set -eu\nif [ -d /var/lib/mysql/mysql ]; then\n${CREDENTIALS_SQL}${START_WITH_INIT_FILE}fi\nexec docker-entrypoint.sh "$@"`;
    return `set -eu
${ACCOUNTS_SQL_FUNCTION}initdb=${ACCOUNTS_INITDB_FILE}
if [ -d /var/lib/mysql/mysql ]; then
  rm -f "$initdb" 2>/dev/null || true
${CREDENTIALS_SQL}  accounts_sql >>"$f"
${START_WITH_INIT_FILE}else
  umask 077
  accounts_sql >"$initdb"
  chown mysql "$initdb" 2>/dev/null || true
fi
exec docker-entrypoint.sh "$@"`;
}
