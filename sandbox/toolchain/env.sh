# shellcheck shell=bash
# Source this (bash) to find the sandbox's binaries; it builds nothing (run build.sh for that):
#
#   source sandbox/toolchain/env.sh
#
# Exports FLUX_PUSH_CACHE, FLUX_PUSH_BIN (the binaries' directories, PATH-style), one variable per
# binary and manifest named after build.sh --paths (FLUX_PUSH_ETCD, FLUX_PUSH_KUBE_APISERVER,
# FLUX_PUSH_PULUMI, FLUX_PUSH_PULUMI_RESOURCE_KUBERNETES, FLUX_PUSH_FLUX_CRDS,
# FLUX_PUSH_WEBHOOK_RECEIVER_SERVICE, ...), and puts FLUX_PUSH_BIN first on PATH. Note that with
# pulumi-resource-kubernetes on PATH the Pulumi engine uses it as an "ambient" plugin.
# Prints the names of binaries not built yet, on stderr.

_fp_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export FLUX_PUSH_CACHE=${FLUX_PUSH_CACHE:-$HOME/.cache/flux-push-sandbox}
FLUX_PUSH_BIN=$(bash "$_fp_here/build.sh" --print-path)
export FLUX_PUSH_BIN
_fp_missing=""
while IFS='=' read -r _fp_name _fp_path; do
  _fp_var=FLUX_PUSH_$(printf '%s' "$_fp_name" | tr 'a-z-' 'A-Z_')
  export "$_fp_var=$_fp_path"
  [ -e "$_fp_path" ] || _fp_missing="$_fp_missing $_fp_name"
done < <(bash "$_fp_here/build.sh" --paths)
case ":$PATH:" in
  *":$FLUX_PUSH_BIN:"*) ;;
  *) export PATH="$FLUX_PUSH_BIN:$PATH" ;;
esac
[ -z "$_fp_missing" ] || echo "env.sh: not built yet:$_fp_missing (run: bash $_fp_here/build.sh)" >&2
unset _fp_here _fp_missing _fp_name _fp_path _fp_var
