#!/usr/bin/env bash
# OpenSSH's server, for the end-to-end test that reaches a second Docker engine
# over ssh:// (test/e2e/remote-host.ts starts its own sshd with its own config;
# nothing is started here).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ -x /usr/sbin/sshd ] && have ssh && have ssh-keygen && have iptables; then
  log "sshd: openssh-server present"
else
  apt_install openssh-server openssh-client iptables
fi
write_env_fragment sshd </dev/null
