# Sourced by sandbox/bin/pulumi-resource-* and pulumi-language-nodejs: runs a stand-in compiled by
# `npm run build:standins` with the node first on PATH (the sandbox puts the node it runs on there:
# pluginSearchPath in sandbox/toolchain.ts). (Through ts-node, each plugin start cost about a second,
# and the engine starts every plugin on each preview and update.) A missing or stale build is an
# error, not a silent fallback: the sandbox builds before it starts, so this only happens by hand.
# Usage: run_standin <name> "$@"             (runs sandbox/dist/standins/<name>.js)
#        run_built <dir> <name> "$@"         (runs sandbox/dist/<dir>/<name>.js, built from sandbox/<dir>)
run_built() {
    dir=$1
    name=$2
    shift 2
    root=$(cd "$(dirname "$0")/../.." && pwd)
    main="$root/sandbox/dist/$dir/$name.js"
    if [ ! -f "$main" ]; then
        echo "$(basename "$0") (sandbox stand-in): $main is missing; run: npm run build:standins" >&2
        exit 1
    fi
    newer=$(find "$root/sandbox/$dir" \( -name '*.ts' -o -name tsconfig.json \) -newer "$main" | head -n 1)
    if [ -n "$newer" ]; then
        echo "$(basename "$0") (sandbox stand-in): $main is older than $newer; run: npm run build:standins" >&2
        exit 1
    fi
    exec node "$main" "$@"
}

run_standin() {
    run_built standins "$@"
}
