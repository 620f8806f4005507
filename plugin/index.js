// The plugin's entry, as @pulumi/pulumi's cmd/run-plugin loads it (package.json `main`).
//
// It runs the JavaScript compiled ahead into dist/ (build.js; `npm ci` builds it), so a start
// loads no TypeScript of ours. It first checks that build against the sources it was built from
// (buildInfo.js: content hashes): a source edited since, or no build at all, never runs stale
// JavaScript: the plugin then compiles its TypeScript at start (transpile-only ts-node, ~1 s more)
// and says so on stderr, naming `npm run build:plugin`, which restores the fast start.
//
// The runner registers ts-node with type-checking before it loads any plugin (it requires
// typescript and ts-node whatever the plugin is written in). Its hooks would also see our .js
// files, so its instance is disabled (its hooks then pass files through).
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry, as the runner requires it */
"use strict";
const path = require("path");
const { buildCommand, distDir, projectRoot, staleReason } = require("./buildInfo");
const { version } = require("./package.json");

const runners = process[Symbol.for("ts-node.register.instance")];
if (runners && typeof runners.enabled === "function") runners.enabled(false);

const stale = staleReason();
if (stale === undefined) {
    require(path.join(distDir, "plugin", "main.js")).serve(version, projectRoot);
} else {
    let tsNode;
    try {
        tsNode = require("ts-node");
    } catch (err) {
        throw new Error(`the flux-push-github provider plugin's JavaScript is not current (${stale}): run \`${buildCommand}\` in the project (or npm ci) (ts-node, to run it from source meanwhile, is not installed either: ${err.message})`);
    }
    console.error(`flux-push-github plugin: ${stale}; running from source (slower start): run \`${buildCommand}\` (or npm ci)`);
    tsNode.register({ transpileOnly: true, project: path.join(__dirname, "tsconfig.json") });
    require("./main.ts").serve(version, projectRoot);
}
