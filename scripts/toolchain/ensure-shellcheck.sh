#!/usr/bin/env bash
# ShellCheck, for the unit test that lints the Azure VM's boot script
# (test/unit/azure-boot-script.test.ts; scripts/test.sh tells it to fail, not
# skip, when shellcheck is missing).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if have shellcheck; then
  log "shellcheck: present"
else
  apt_install shellcheck
  have shellcheck || die "apt-get install shellcheck put no shellcheck on PATH"
fi
write_env_fragment shellcheck </dev/null
