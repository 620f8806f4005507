#!/usr/bin/env bash
# Builds the sandbox's binaries from Go modules at pinned versions into a cache outside the clone,
# keyed by name and version: a binary already cached is not built again.
#
#   build.sh              build whatever is missing (all binaries)
#   build.sh NAME...      only these (e.g. build.sh actionlint)
#   build.sh --paths      print NAME=PATH for every binary and data dir (nothing is built)
#
# Cache: ${FLUX_PUSH_CACHE:-$HOME/.cache/flux-push-sandbox}/bin/<name>-<version>/<binary>,
# build logs in .../logs/, Flux's CRDs and webhook-receiver Service in .../flux/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FLUX_PUSH_CACHE:-$HOME/.cache/flux-push-sandbox}
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

k8s_ldflags="-X k8s.io/component-base/version.gitVersion=v1.34.3 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean"
k8s_provider=v4.0.0-20260115033456-f47bc2d6f199

# Modules the proxy serves but whose checksum-database lookup answers 404: they skip that lookup
# once, and the wrapper's committed go.sum pins their hash from then on.
nosumdb="github.com/fluxcd/pkg"

# name | version | wrapper module | go get | main package | extra ldflags
components=(
  "actionlint|v1.7.12|actionlint|github.com/rhysd/actionlint@v1.7.12|github.com/rhysd/actionlint/cmd/actionlint|"
  "etcd|v3.6.5|etcd|go.etcd.io/etcd/server/v3@v3.6.5|go.etcd.io/etcd/server/v3|"
  "kube-apiserver|v1.34.3|kubernetes|k8s.io/kubernetes@v1.34.3|k8s.io/kubernetes/cmd/kube-apiserver|$k8s_ldflags"
  "kube-controller-manager|v1.34.3|kubernetes|k8s.io/kubernetes@v1.34.3|k8s.io/kubernetes/cmd/kube-controller-manager|$k8s_ldflags"
  "pulumi|v3.274.1|pulumi|github.com/pulumi/pulumi/pkg/v3@v3.274.1 github.com/pulumi/pulumi/sdk/v3@v3.274.1|github.com/pulumi/pulumi/pkg/v3/cmd/pulumi|-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.274.1"
  "notification-controller|v1.6.0|notification-controller|github.com/fluxcd/notification-controller@v1.6.0|github.com/fluxcd/notification-controller|"
  "source-controller|v1.7.0|source-controller|github.com/fluxcd/source-controller@v1.7.0|github.com/fluxcd/source-controller|"
  "kustomize-controller|v1.6.0|kustomize-controller|github.com/fluxcd/kustomize-controller@v1.6.0|github.com/fluxcd/kustomize-controller|"
  # The provider's own main go:embeds a generated schema that is not in the module zip: the wrapper
  # has its own main embedding the zip's schema.json. Labelled 4.25.0, the npm release of this commit.
  "pulumi-resource-kubernetes|$k8s_provider|pulumi-resource-kubernetes|github.com/pulumi/pulumi-kubernetes/provider/v4@$k8s_provider|.|-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=4.25.0"
)
flux_modules=("github.com/fluxcd/notification-controller@v1.6.0" "github.com/fluxcd/source-controller@v1.7.0" "github.com/fluxcd/kustomize-controller@v1.6.0")
flux_dir="$cache/flux/nc-v1.6.0_sc-v1.7.0_kc-v1.6.0"

binary_path() { echo "$cache/bin/$1-$2/$1"; }

if [ "${1:-}" = "--paths" ]; then
  for c in "${components[@]}"; do IFS='|' read -r name version _ <<<"$c"; echo "$name=$(binary_path "$name" "$version")"; done
  echo "flux-crds=$flux_dir/crds"
  echo "webhook-receiver-service=$flux_dir/webhook-receiver-service.yaml"
  exit 0
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[toolchain] %s\n' "$*"; }

wanted=("$@")
want() { [ ${#wanted[@]} -eq 0 ] && return 0; local w; for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

mkdir -p "$cache/bin" "$cache/logs"
total_start=$(now)

fail() { # name version module-dir logfile
  log "FAILED: $1 $2 (wrapper module sandbox/toolchain/modules/$3); last lines of $4:"
  tail -n 25 "$4" | sed 's/^/    /'
  log "What to do: check the module still downloads (go mod download -json MODULE@VERSION; see sandbox/toolchain/README.md"
  log "for what the proxy serves), then rerun: bash sandbox/toolchain/build.sh $1"
  exit 1
}

for c in "${components[@]}"; do
  IFS='|' read -r name version module get pkg ldflags <<<"$c"
  want "$name" || continue
  out=$(binary_path "$name" "$version")
  if [ -x "$out" ]; then log "$name $version: cached"; continue; fi
  start=$(now)
  logfile="$cache/logs/$name-$version.log"
  log "$name $version: building (log: $logfile)"
  dir="$here/modules/$module"
  # Outside a checked context, so `set -e` holds in the subshell: the first failing step stops it.
  set +e
  (
    set -e
    cd "$dir"
    export GONOSUMDB="$nosumdb"
    # shellcheck disable=SC2086 # several modules on purpose
    go get $get
    if [ "$name" = "pulumi-resource-kubernetes" ]; then
      src=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)
      cp "$src/cmd/pulumi-resource-kubernetes/schema.json" schema.json
      [ -f "$src/cmd/pulumi-resource-kubernetes/terraform-mapping.json" ] && cp "$src/cmd/pulumi-resource-kubernetes/terraform-mapping.json" terraform-mapping.json
      chmod u+w schema.json terraform-mapping.json 2>/dev/null || true
    fi
    mkdir -p "$(dirname "$out")"
    go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg"
    mv "$out.tmp" "$out"  # atomic: an interrupted build never leaves a cached binary behind
  ) >"$logfile" 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || fail "$name" "$version" "$module" "$logfile"
  log "$name $version: built in $(elapsed "$start") s ($(du -m "$out" | cut -f1) MB)"
done

# Flux's CRDs and the webhook-receiver Service as the controllers' module zips ship them.
if want flux-manifests || [ ${#wanted[@]} -eq 0 ]; then
  if [ -f "$flux_dir/webhook-receiver-service.yaml" ]; then
    log "flux manifests: cached"
  else
    start=$(now)
    mkdir -p "$flux_dir/crds.tmp"
    for m in "${flux_modules[@]}"; do
      src=$(go mod download -json "$m" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
      cp "$src"/config/crd/bases/*.yaml "$flux_dir/crds.tmp/"
      case "$m" in *notification-controller*) cp "$src/config/manager/service.yaml" "$flux_dir/webhook-receiver-service.yaml.tmp" ;; esac
    done
    chmod -R u+w "$flux_dir"
    rm -rf "$flux_dir/crds" && mv "$flux_dir/crds.tmp" "$flux_dir/crds"
    mv "$flux_dir/webhook-receiver-service.yaml.tmp" "$flux_dir/webhook-receiver-service.yaml"
    log "flux manifests: $(ls "$flux_dir/crds" | wc -l) CRDs and webhook-receiver Service in $(elapsed "$start") s"
  fi
fi

log "done in $(elapsed "$total_start") s; cache: $cache"
