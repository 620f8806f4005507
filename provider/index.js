// The plugin's entry, as @pulumi/pulumi's cmd/run-plugin loads it (package.json `main`).
//
// The runner registers ts-node with type-checking before it loads a plugin. Type-checking at every
// start is CI's job, not the engine's (`npm run build`, tsc --noEmit, covers provider/), as for the
// program itself (tsconfig.pulumi.json: noCheck). ts-node's hooks chain (a second registration
// still runs the first, and the first also hooks .js), so the runner's instance is disabled (its
// hooks then pass files through) before a transpile-only one is registered.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry, as the runner requires it */
"use strict";
const path = require("path");
const runners = process[Symbol.for("ts-node.register.instance")];
if (runners && typeof runners.enabled === "function") runners.enabled(false);
let tsNode;
try {
    tsNode = require("ts-node");
} catch (err) {
    throw new Error(`the flux-push-github provider plugin runs its TypeScript through ts-node, which is not installed: run npm ci in the project (ts-node is one of its devDependencies) (${err.message})`);
}
tsNode.register({ transpileOnly: true, project: path.join(__dirname, "tsconfig.json") });
require("./main.ts");
