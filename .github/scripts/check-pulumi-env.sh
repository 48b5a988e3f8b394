#!/usr/bin/env bash
# Before `pulumi up` in CI: is there somewhere to keep the state, and can the
# stack's secrets be read? Fails with what to set instead of letting Pulumi
# stop half-way (or prompt for a passphrase no one can type).
#
#   check-pulumi-env.sh STACK_FILE      e.g. stacks/Pulumi.ci-push.yaml
#
# Reads PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN, AZURE_STORAGE_ACCOUNT,
# AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, PULUMI_CONFIG_PASSPHRASE(_FILE).
set -euo pipefail
stack_file=${1:?usage: check-pulumi-env.sh STACK_FILE}
problems=()
say() { printf '%s\n' "$*"; }

backend=${PULUMI_BACKEND_URL:-}
case "$backend" in
  "" | https://*)
    # Pulumi Cloud (or a self-hosted one): a token, nothing else.
    [ -n "${PULUMI_ACCESS_TOKEN:-}" ] ||
      problems+=("PULUMI_BACKEND_URL is ${backend:-unset} (Pulumi Cloud) but PULUMI_ACCESS_TOKEN is empty: add the token as a repository secret, or set PULUMI_BACKEND_URL to your own backend (azblob://<container>?storage_account=<account>)")
    cloud=1 ;;
  azblob://*)
    # The container's account comes from the URL (storage_account=) or AZURE_STORAGE_ACCOUNT.
    if [[ "$backend" != *storage_account=* ]] && [ -z "${AZURE_STORAGE_ACCOUNT:-}" ]; then
      problems+=("PULUMI_BACKEND_URL is $backend but no storage account is named: set AZURE_STORAGE_ACCOUNT (a repository variable) or add ?storage_account=<account> to the URL")
    fi
    if [ -n "${AZURE_STORAGE_KEY:-}${AZURE_STORAGE_SAS_TOKEN:-}" ]; then
      say "state: $backend, with a storage key or SAS token"
    else
      say "state: $backend, with the Azure login of this job (its identity needs Storage Blob Data Contributor on the container)"
    fi
    cloud=0 ;;
  file://*)
    problems+=("PULUMI_BACKEND_URL is $backend: a CI runner's disk is gone after the job, and the stack's state with it; use azblob://<container>?storage_account=<account> or Pulumi Cloud")
    cloud=0 ;;
  s3://* | gs://*)
    say "state: $backend (credentials for it are this job's business)"
    cloud=0 ;;
  *)
    problems+=("PULUMI_BACKEND_URL is $backend: expected azblob://..., s3://..., gs://..., https://... or empty for Pulumi Cloud")
    cloud=0 ;;
esac

# The stack's secrets provider, as its stack file records it.
[ -f "$stack_file" ] || problems+=("$stack_file does not exist")
provider=$(sed -n 's/^secretsprovider:[[:space:]]*//p' "$stack_file" 2>/dev/null | head -n 1)
salt=$(grep -c '^encryptionsalt:' "$stack_file" 2>/dev/null || true)
passphrase_set() { [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ] || [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; }
case "$provider" in
  azurekeyvault://*)
    say "secrets: $provider (this job's identity needs Key Vault Crypto User on the key)" ;;
  "" | passphrase)
    if [ "$provider" = passphrase ] || [ "$salt" -gt 0 ] || [ "$cloud" = 0 ]; then
      passphrase_set ||
        problems+=("$stack_file's secrets are encrypted with a passphrase (the default outside Pulumi Cloud) but PULUMI_CONFIG_PASSPHRASE is empty: add it as a repository secret, or move the stack to Azure Key Vault (pulumi stack change-secrets-provider azurekeyvault://<vault>.vault.azure.net/keys/<key>)")
    else
      say "secrets: Pulumi Cloud's"
    fi ;;
  *)
    say "secrets: $provider" ;;
esac

if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do printf '::error::%s\n' "$p" >&2; done
  exit 1
fi
