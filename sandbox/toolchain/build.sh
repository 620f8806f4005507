#!/usr/bin/env bash
# Builds the sandbox's binaries from Go modules at pinned versions into a cache outside the clone,
# keyed by name and version: a binary already cached is not built again (a warm run takes seconds).
#
#   build.sh                build whatever is missing (all binaries, then Flux's manifests)
#   build.sh NAME...        only these, e.g. `build.sh actionlint` (`flux-manifests` for the YAML,
#                           `flux-2.10-notification-crds` for Flux 2.10's Alert and Provider CRDs,
#                           `exposure-manifests` for cert-manager's and the Gateway API's CRDs and
#                           Traefik's Gateway RBAC)
#   build.sh --paths        print NAME=PATH for every binary and the Flux manifests (builds nothing)
#   build.sh --print-path   print the binaries' directories, PATH-style (builds nothing)
#   build.sh --list         print NAME VERSION MODULE@VERSION of every binary
#
# `source sandbox/toolchain/env.sh` exports the same paths and puts the binaries on PATH.
#
# Cache: ${FLUX_PUSH_CACHE:-$HOME/.cache/flux-push-sandbox}/
#   bin/<name>-<version>/<name>   the binary (written under a temp name, then moved into place)
#   logs/<name>-<version>.log     its last build's log
#   flux/<versions>/              Flux's CRDs and webhook-receiver Service, from the module zips
#   flux/notification-api-<v>/    Flux 2.10's notification CRDs, generated from its api module
#   exposure/<versions>/          cert-manager's and the Gateway API's CRDs, Traefik's Gateway RBAC
#   tmp/                          build dirs, removed after each build
# Builds run one at a time: a second build.sh on the same cache waits for the first (flock).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${FLUX_PUSH_CACHE:-$HOME/.cache/flux-push-sandbox}
# -mod=mod: the wrappers' go.mod/go.sum are committed tidy, and a build never fails on a missing
# go.sum line (it is fetched and checked instead). The build runs on a temp copy of the wrapper, so
# the clone is never written. GOTOOLCHAIN=local: use the installed go, never download another.
# CGO_ENABLED=0: static binaries, as the upstream releases of all of these are built.
export GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
# Modules the proxy serves but whose checksum-database lookup answers 404 (some fluxcd/pkg
# versions): they skip that lookup, and the wrapper's committed go.sum pins their hashes.
export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/fluxcd/pkg

k8s_version=v1.34.3
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean"
k8s_provider=v4.0.0-20260115033456-f47bc2d6f199
k8s_provider_label=4.25.0 # the npm release of @pulumi/kubernetes that matches this provider commit
pulumi_version=v3.276.0
# Pulumi YAML's language host, for the suite that runs the stack as a component from a YAML program
# (sandbox/tests/yamlProgram.test.ts). It prints no version of its own: `go version -m` checks it.
# Built with pulumi's sdk/pkg v3.210.0, not the v3.206.0 its go.mod asks for: v1.25.0 loads schemas
# with a plugin host of its own, which before v3.210 started language hosts with `-root=DIR`, a flag
# pulumi-language-nodejs refuses since v3.214 ("flag provided but not defined: -root"), so it could
# not load the schema of a package written in Node (this project's) next to a current CLI. v3.210.0
# is the first sdk without that flag (pulumi/pulumi#21054) that v1.25.0 still compiles against.
pulumi_yaml_version=v1.25.0
pulumi_yaml_sdk=v3.210.0
# The exposures suite's real parts (sandbox/tests/exposures.e2e.test.ts): an ingress controller with
# Gateway API support, and cert-manager's controllers with a CA Issuer. Traefik v3.6.12, not v3.7.x:
# see modules/traefik/go.mod. Its Gateway API provider supports the standard channel of
# sigs.k8s.io/gateway-api v1.4.0 (its go.mod; docs/.../kubernetes-gateway.md), whose CRDs are applied.
traefik_version=v3.6.12
cert_manager_version=v1.21.2
gateway_api_version=v1.4.0

# The Flux release line the sandbox runs: FLUX_PUSH_FLUX_SET=2.9 (default; what CI runs) or 2.6
# (the v1.6-era set this project was first proven on; out of support since Flux 2.9, kept selectable
# to compare behaviour across versions). Each set caches apart (versions are part of the key).
flux_set=${FLUX_PUSH_FLUX_SET:-2.9}
case "$flux_set" in
  2.9)
    # source-controller v1.9.3, not v1.9.6: v1.9.4+ need github.com/fluxcd/pkg/artifact v0.18.2+,
    # whose zips the proxy here does not serve (403); v1.9.3 is the newest 2.9 release that builds.
    nc_version=v1.9.3 sc_version=v1.9.3 kc_version=v1.9.6 ;;
  2.6)
    nc_version=v1.6.0 sc_version=v1.7.0 kc_version=v1.6.0 ;;
  *) echo "build.sh: FLUX_PUSH_FLUX_SET=$flux_set is not a known Flux set; use 2.9 (default) or 2.6" >&2; exit 2 ;;
esac
flux_cli_version=v2.9.5
# Flux 2.10 serves Alert and Provider as notification.toolkit.fluxcd.io/v1 (storage) and v1beta3.
# The proxy serves notification-controller's api module v1.10.0 (go 1.27), not the controller
# v1.10.x whose zip ships the CRDs: controller-gen (the version Flux 2.10's source- and
# kustomize-controller CRDs name) generates them from the api types, as Flux's Makefile does. The
# sandbox applies them over Flux 2.9's to show a stack moving from v1beta3 to v1.
nc210_api_version=v1.10.0
controller_gen_version=v0.21.0
nc210_dir="$cache/flux/notification-api-$nc210_api_version"
# notification-controller v1.9.x is served without a checksum-database entry, as some fluxcd/pkg are.
export GONOSUMDB=$GONOSUMDB,github.com/fluxcd/notification-controller

# Built in this order (control plane and CLI first, then the slow provider, then the exposures
# suite's ingress controller and cert-manager).
# name | version (cache key) | wrapper dir under modules/ | module@version | main package |
#   extra ldflags | version check: "ARGS|EXPECTED" (empty: only `go version -m` is checked)
# The flux CLI has no wrapper: it is built from its own module source (see build_one).
components=(
  "actionlint|v1.7.12|actionlint|github.com/rhysd/actionlint@v1.7.12|github.com/rhysd/actionlint/cmd/actionlint||-version|v1.7.12"
  "etcd|v3.6.5|etcd|go.etcd.io/etcd/server/v3@v3.6.5|go.etcd.io/etcd/server/v3||--version|etcd Version: 3.6.5"
  "kube-apiserver|$k8s_version|kubernetes|k8s.io/kubernetes@$k8s_version|k8s.io/kubernetes/cmd/kube-apiserver|$k8s_ldflags|--version|Kubernetes $k8s_version"
  "kube-controller-manager|$k8s_version|kubernetes|k8s.io/kubernetes@$k8s_version|k8s.io/kubernetes/cmd/kube-controller-manager|$k8s_ldflags|--version|Kubernetes $k8s_version"
  "pulumi|$pulumi_version|pulumi|github.com/pulumi/pulumi/pkg/v3@$pulumi_version|github.com/pulumi/pulumi/pkg/v3/cmd/pulumi|-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version|version|$pulumi_version"
  "pulumi-language-yaml|$pulumi_yaml_version+sdk-$pulumi_yaml_sdk|pulumi-language-yaml|github.com/pulumi/pulumi-yaml@$pulumi_yaml_version|github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml|-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$pulumi_yaml_version||"
  "notification-controller|$nc_version|flux-$flux_set/notification-controller|github.com/fluxcd/notification-controller@$nc_version|github.com/fluxcd/notification-controller|||"
  "source-controller|$sc_version|flux-$flux_set/source-controller|github.com/fluxcd/source-controller@$sc_version|github.com/fluxcd/source-controller|||"
  "kustomize-controller|$kc_version|flux-$flux_set/kustomize-controller|github.com/fluxcd/kustomize-controller@$kc_version|github.com/fluxcd/kustomize-controller|||"
  "flux|$flux_cli_version||github.com/fluxcd/flux2/v2@$flux_cli_version|./cmd/flux|-X main.VERSION=${flux_cli_version#v}|version --client|flux: $flux_cli_version"
  "controller-gen|$controller_gen_version|controller-gen|sigs.k8s.io/controller-tools@$controller_gen_version|sigs.k8s.io/controller-tools/cmd/controller-gen|-X sigs.k8s.io/controller-tools/pkg/version.version=$controller_gen_version|--version|Version: $controller_gen_version"
  "pulumi-resource-kubernetes|$k8s_provider|pulumi-resource-kubernetes|github.com/pulumi/pulumi-kubernetes/provider/v4@$k8s_provider|github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes|-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$k8s_provider_label||"
  "traefik|$traefik_version|traefik|github.com/traefik/traefik/v3@$traefik_version|github.com/traefik/traefik/v3/cmd/traefik|-X github.com/traefik/traefik/v3/pkg/version.Version=$traefik_version -X github.com/traefik/traefik/v3/pkg/version.Codename=sandbox|version|Version:      $traefik_version"
  "cert-manager-controller|$cert_manager_version|cert-manager-controller|github.com/cert-manager/cert-manager@$cert_manager_version|flux-push.sandbox/toolchain/cert-manager-controller|-X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$cert_manager_version|--version|cert-manager controller $cert_manager_version"
)
flux_modules=("github.com/fluxcd/notification-controller@$nc_version" "github.com/fluxcd/source-controller@$sc_version" "github.com/fluxcd/kustomize-controller@$kc_version")
flux_dir="$cache/flux/nc-${nc_version}_sc-${sc_version}_kc-${kc_version}"
exposure_dir="$cache/exposure/traefik-${traefik_version}_cert-manager-${cert_manager_version}_gateway-api-${gateway_api_version}"

binary_path() { echo "$cache/bin/$1-$2/$1"; }
field() { local IFS='|'; read -r -a f <<<"$1"; echo "${f[$2]}"; }

case "${1:-}" in
  --paths)
    for c in "${components[@]}"; do echo "$(field "$c" 0)=$(binary_path "$(field "$c" 0)" "$(field "$c" 1)")"; done
    echo "flux-crds=$flux_dir/crds"
    echo "webhook-receiver-service=$flux_dir/webhook-receiver-service.yaml"
    echo "flux-2.10-notification-crds=$nc210_dir/crds"
    echo "cert-manager-crds=$exposure_dir/cert-manager-crds"
    echo "gateway-api-crds=$exposure_dir/gateway-api-crds"
    echo "traefik-gateway-rbac=$exposure_dir/traefik-gateway-rbac.yaml"
    exit 0 ;;
  --print-path)
    dirs=()
    for c in "${components[@]}"; do dirs+=("$(dirname "$(binary_path "$(field "$c" 0)" "$(field "$c" 1)")")"); done
    (IFS=:; echo "${dirs[*]}")
    exit 0 ;;
  --list)
    for c in "${components[@]}"; do echo "$(field "$c" 0) $(field "$c" 1) $(field "$c" 3)"; done
    exit 0 ;;
  -h|--help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0 ;;
  -*) echo "build.sh: unknown option $1 (see build.sh --help)" >&2; exit 2 ;;
esac

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[toolchain] %s\n' "$*"; }
# The directory a module was downloaded to, from `go mod download -json` on stdin.
module_dir() { sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }

names=(flux-manifests flux-2.10-notification-crds exposure-manifests)
for c in "${components[@]}"; do names+=("$(field "$c" 0)"); done
for w in "$@"; do
  [[ " ${names[*]} " == *" $w "* ]] || { echo "build.sh: unknown name '$w'; known: ${names[*]}" >&2; exit 2; }
done
want() { [ $# -gt 0 ] || return 1; local n=$1; shift; [ $# -eq 0 ] && return 0; [[ " $* " == *" $n "* ]]; }

flux_cached() { [ -f "$flux_dir/webhook-receiver-service.yaml" ] && [ -d "$flux_dir/crds" ]; }
nc210_cached() { [ -d "$nc210_dir/crds" ]; }
exposure_cached() { [ -f "$exposure_dir/traefik-gateway-rbac.yaml" ] && [ -d "$exposure_dir/cert-manager-crds" ] && [ -d "$exposure_dir/gateway-api-crds" ]; }
# controller-gen is built when asked for, or when the CRDs it generates are to be made.
wanted() { want "$@" || { [ "$1" = controller-gen ] && shift && want flux-2.10-notification-crds "$@" && ! nc210_cached; }; }

# What is missing? (A warm run stops here without taking the lock.)
todo=()
for c in "${components[@]}"; do
  name=$(field "$c" 0); wanted "$name" "$@" || continue
  [ -x "$(binary_path "$name" "$(field "$c" 1)")" ] || todo+=("$name")
done
if want flux-manifests "$@" && ! flux_cached; then todo+=(flux-manifests); fi
if want flux-2.10-notification-crds "$@" && ! nc210_cached; then todo+=(flux-2.10-notification-crds); fi
if want exposure-manifests "$@" && ! exposure_cached; then todo+=(exposure-manifests); fi

total_start=$(now)
mkdir -p "$cache/bin" "$cache/logs" "$cache/tmp"

if [ ${#todo[@]} -gt 0 ]; then
  command -v go >/dev/null || { log "FAILED: no go on PATH (Go 1.26 is needed; see sandbox/toolchain/README.md)"; exit 1; }
  # One build at a time per cache: 2 cores, and two builds of one binary would race.
  if command -v flock >/dev/null; then
    exec 9>"$cache/.build.lock"
    if ! flock -n 9; then log "another build.sh is building in $cache; waiting for it"; flock 9; fi
  fi
  # Holding the lock, nothing else is building here: leftovers are from interrupted builds.
  rm -rf "${cache:?}/tmp/"* "$cache"/bin/*/*.partial.* 2>/dev/null || true
  log "$(go version); cache: $cache"
fi

work="" partial=""
cleanup() { [ -n "$work" ] && rm -rf "$work"; [ -n "$partial" ] && rm -f "$partial"; return 0; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

fail() { # name version module@version wrapper-dir logfile [what failed]
  log "FAILED: $1 $2 (${6:-build of} $3${4:+, wrapper module sandbox/toolchain/modules/$4}); last lines of $5:"
  tail -n 30 "$5" | sed 's/^/    /'
  log "What to do: check the module version is still served (go mod download -json $3);"
  log "see sandbox/toolchain/README.md and /work/shared/docs/sandbox.md; then rerun: bash sandbox/toolchain/build.sh $1"
  exit 1
}

# Builds one binary in a temp copy of its wrapper module; runs in a subshell with output to the log.
build_one() { # name module@version wrapper pkg ldflags out
  local name=$1 modver=$2 wrapper=$3 pkg=$4 ldflags=$5 out=$6
  set -x
  if [ "$name" = flux ]; then
    # The flux CLI builds from its own module (its go.mod and go.sum as released). cmd/flux
    # go:embeds manifests/*.yaml, which a release generates from GitHub release URLs that cannot be
    # fetched here: give it one file saying so. `flux install`/`bootstrap` of this build therefore
    # do not install a release; get, reconcile, create --export, create secret do not read it.
    local src
    src=$(go mod download -json "$modver" | module_dir)
    [ -n "$src" ] || { echo "download of $modver failed"; return 1; }
    cp -r "$src/." "$work/"
    chmod -R u+w "$work"
    cd "$work"
    mkdir -p cmd/flux/manifests
    printf '%s\n' "# flux-push sandbox build of the flux CLI: the release manifests are not embedded." \
      "# flux install / bootstrap are not available from this binary." >cmd/flux/manifests/not-a-release.yaml
    go build -trimpath -ldflags "-s -w $ldflags" -o "$partial" "$pkg"
    set +x
    return 0
  fi
  cp "$here/modules/$wrapper/go.mod" "$here/modules/$wrapper/go.sum" "$work/"
  # A wrapper with a main of its own (cert-manager-controller) builds that package.
  if compgen -G "$here/modules/$wrapper/*.go" >/dev/null; then cp "$here/modules/$wrapper/"*.go "$work/"; fi
  cd "$work"
  if [ "$name" = pulumi-resource-kubernetes ]; then
    # Upstream's main go:embeds schema-embed.json and terraform-mapping-embed.json, which its
    # generate.go makes from the zip's schema.json (setting the release version): do the same.
    go mod download "${modver%@*}"
    local src
    src=$(go list -m -f '{{.Dir}}' "${modver%@*}")/cmd/pulumi-resource-kubernetes
    cp "$src/main.go" "$src/generate.go" "$src/schema.json" "$src/terraform-mapping.json" .
    chmod u+w ./*
    VERSION=$k8s_provider_label go run -trimpath generate.go
    pkg=.
  fi
  go build -trimpath -ldflags "-s -w $ldflags" -o "$partial" "$pkg"
  set +x
}

# Checks a fresh binary before it is cached: it embeds the right module version, and prints its own.
check_one() { # name module@version binary checkargs expected
  local info
  info=$(go version -m "$3")
  if [ "$1" = flux ]; then # built as its own main module: go records it as (devel); `version` checks it
    grep -Eq "^[[:space:]]+path[[:space:]]+${2%@*}/cmd/flux$" <<<"$info" || { echo "check: $3 is not ${2%@*}/cmd/flux"; return 1; }
  else
  grep -Eq "^[[:space:]]+(mod|dep)[[:space:]]+${2%@*}[[:space:]]+${2#*@}([[:space:]]|$)" <<<"$info" \
    || { echo "check: $3 does not embed ${2}:"; echo "$info" | head -20; return 1; }
  fi
  if [ -n "$4" ]; then
    local got
    # shellcheck disable=SC2086 # ARGS may be several words
    got=$(PULUMI_SKIP_UPDATE_CHECK=1 PULUMI_HOME="$work/.pulumi" "$3" $4 2>&1 | head -5) || true
    grep -qF -- "$5" <<<"$got" || { echo "check: '$3 $4' printed:"; echo "$got"; echo "expected: $5"; return 1; }
    echo "check: '$(basename "$3") $4' -> $(grep -F -- "$5" <<<"$got" | head -1)"
  fi
  echo "check: ok"
}

for c in "${components[@]}"; do
  IFS='|' read -r name version wrapper modver pkg ldflags checkargs expected <<<"$c"
  wanted "$name" "$@" || continue
  out=$(binary_path "$name" "$version")
  if [ -x "$out" ]; then log "$name $version: cached"; continue; fi
  start=$(now)
  logfile="$cache/logs/$name-$version.log"
  log "$name $version: building (log: $logfile)"
  mkdir -p "$(dirname "$out")"
  work=$(mktemp -d "$cache/tmp/$name-$version.XXXXXX")
  partial="$out.partial.$$" # same directory as the binary, so the final mv is atomic
  rc=0
  (build_one "$name" "$modver" "$wrapper" "$pkg" "$ldflags" "$out") >"$logfile" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "$name" "$version" "$modver" "$wrapper" "$logfile"
  check_one "$name" "$modver" "$partial" "$checkargs" "$expected" >>"$logfile" 2>&1 \
    || fail "$name" "$version" "$modver" "$wrapper" "$logfile" "version check of"
  mv -f "$partial" "$out"
  rm -rf "$work"; work="" partial=""
  log "$name $version: built in $(elapsed "$start") s ($(du -m "$out" | cut -f1) MB)"
done

# Flux's CRDs and the webhook-receiver Service, as the controllers' module zips ship them.
if want flux-manifests "$@"; then
  if flux_cached; then
    log "flux manifests: cached"
  else
    start=$(now)
    logfile="$cache/logs/flux-manifests.log"
    work=$(mktemp -d "$cache/tmp/flux-manifests.XXXXXX")
    mkdir -p "$work/crds" "$(dirname "$flux_dir")"
    for m in "${flux_modules[@]}"; do
      src=$( (cd "$work" && go mod download -json "$m") 2>>"$logfile" | module_dir) || true
      if [ -z "$src" ] || [ ! -d "$src/config/crd/bases" ]; then
        fail flux-manifests "${m#*@}" "$m" "" "$logfile" "download of"
      fi
      cp "$src"/config/crd/bases/*.yaml "$work/crds/"
      case "$m" in *notification-controller@*) cp "$src/config/manager/service.yaml" "$work/webhook-receiver-service.yaml" ;; esac
    done
    chmod -R u+w "$work"
    rm -rf "$flux_dir" && mv "$work" "$flux_dir" && work=""
    log "flux manifests: $(find "$flux_dir/crds" -name '*.yaml' | wc -l) CRDs and the webhook-receiver Service in $(elapsed "$start") s"
  fi
fi

# Flux 2.10's notification CRDs: controller-gen over the api module's packages (v1 and v1beta3
# Alert/Provider, v1 Receiver; the removed versions are marked skipversion), as Flux's Makefile runs it.
if want flux-2.10-notification-crds "$@"; then
  if nc210_cached; then
    log "flux 2.10 notification CRDs: cached"
  else
    start=$(now)
    logfile="$cache/logs/flux-2.10-notification-crds.log"
    work=$(mktemp -d "$cache/tmp/notification-api.XXXXXX")
    modver=github.com/fluxcd/notification-controller/api@$nc210_api_version
    # The api module says go 1.27: the go command fetches that toolchain from the proxy (~76 MB, once).
    src=$( (cd "$work" && GOTOOLCHAIN=go1.27.3 go mod download -json "$modver") 2>>"$logfile" | module_dir) || true
    [ -n "$src" ] || fail flux-2.10-notification-crds "$nc210_api_version" "$modver" "" "$logfile" "download of"
    cp -r "$src" "$work/api" && chmod -R u+w "$work/api"
    (cd "$work/api" && GOTOOLCHAIN=go1.27.3 "$(binary_path controller-gen "$controller_gen_version")" crd paths=./... output:crd:artifacts:config="$work/crds") >>"$logfile" 2>&1 \
      || fail flux-2.10-notification-crds "$nc210_api_version" "$modver" "" "$logfile" "controller-gen crd on"
    for kind in alerts providers; do
      grep -q '^    name: v1$' "$work/crds/notification.toolkit.fluxcd.io_$kind.yaml" \
        || fail flux-2.10-notification-crds "$nc210_api_version" "$modver" "" "$logfile" "no v1 $kind in the CRDs generated from"
    done
    mkdir -p "$nc210_dir" && rm -rf "$nc210_dir/crds" && mv "$work/crds" "$nc210_dir/crds"
    rm -rf "$work"; work=""
    log "flux 2.10 notification CRDs: $(find "$nc210_dir/crds" -name '*.yaml' | wc -l) generated by controller-gen $controller_gen_version from $modver in $(elapsed "$start") s"
  fi
fi

# The exposures suite's manifests, as the modules' zips ship them: cert-manager's CRDs
# (deploy/crds), the Gateway API's standard channel (config/crd/standard) and Traefik's RBAC for its
# Gateway API provider (docs/content/reference/dynamic-configuration/kubernetes-gateway-rbac.yml).
if want exposure-manifests "$@"; then
  if exposure_cached; then
    log "exposure manifests: cached"
  else
    start=$(now)
    logfile="$cache/logs/exposure-manifests.log"
    : >"$logfile"
    work=$(mktemp -d "$cache/tmp/exposure-manifests.XXXXXX")
    mkdir -p "$work/cert-manager-crds" "$work/gateway-api-crds" "$(dirname "$exposure_dir")"
    for m in "github.com/cert-manager/cert-manager@$cert_manager_version" "sigs.k8s.io/gateway-api@$gateway_api_version" "github.com/traefik/traefik/v3@$traefik_version"; do
      src=$( (cd "$work" && go mod download -json "$m") 2>>"$logfile" | module_dir) || true
      [ -n "$src" ] || fail exposure-manifests "${m#*@}" "$m" "" "$logfile" "download of"
      case "$m" in
        *cert-manager@*) cp "$src"/deploy/crds/*.yaml "$work/cert-manager-crds/" ;;
        *gateway-api@*) cp "$src"/config/crd/standard/*.yaml "$work/gateway-api-crds/" ;;
        *traefik*) cp "$src/docs/content/reference/dynamic-configuration/kubernetes-gateway-rbac.yml" "$work/traefik-gateway-rbac.yaml" ;;
      esac
    done
    chmod -R u+w "$work"
    rm -rf "$exposure_dir" && mv "$work" "$exposure_dir" && work=""
    log "exposure manifests: $(find "$exposure_dir/cert-manager-crds" -name '*.yaml' | wc -l) cert-manager CRDs, $(find "$exposure_dir/gateway-api-crds" -name '*.yaml' | wc -l) Gateway API CRDs, Traefik's Gateway RBAC in $(elapsed "$start") s"
  fi
fi

log "done in $(elapsed "$total_start") s; cache: $cache"
