#!/usr/bin/env bash
# OpenSSH's server, for the end-to-end tests that reach a second Docker engine
# over ssh:// (test/e2e/remote-host.ts starts its own sshd with its own config,
# in a network namespace of its own; nothing is started here), and socat, which
# forwards the test registries into that namespace.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ -x /usr/sbin/sshd ] && have ssh && have ssh-keygen && have iptables && have socat; then
  log "sshd: openssh-server and socat present"
else
  apt_install openssh-server openssh-client iptables socat
fi
write_env_fragment sshd </dev/null
