// What the plugin's compiled JavaScript was built from (build.js writes it, index.js checks it at
// every start): each TypeScript source the build compiled, by content hash. A source that differs
// from its hash means the JavaScript is stale; a new source file can only be reached through an
// import in a changed one, so hashing the compiled set is enough.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, loaded before any TypeScript */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** The project's root: every source path in build-info.json is relative to it. */
const projectRoot = path.join(__dirname, "..");
/** Where the build writes the JavaScript (dist/<path of the source>.js) and build-info.json. */
const distDir = path.join(__dirname, "dist");
const infoFile = path.join(distDir, "build-info.json");
/** What to run when the build is missing or stale. */
const buildCommand = "npm run build:plugin";

function hashFile(file) {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The build's record, or undefined when there is none (never built, or an interrupted build). */
function readBuildInfo() {
    try {
        return JSON.parse(fs.readFileSync(infoFile, "utf8"));
    } catch {
        return undefined;
    }
}

/** Why the compiled JavaScript cannot run as built (undefined: it is current). */
function staleReason(info = readBuildInfo()) {
    if (info === undefined || typeof info.sources !== "object") return `${path.relative(projectRoot, infoFile)} is missing (not built yet)`;
    for (const [rel, hash] of Object.entries(info.sources)) {
        let now;
        try {
            now = hashFile(path.join(projectRoot, rel));
        } catch {
            return `${rel} is gone since the build`;
        }
        if (now !== hash) return `${rel} changed since the build`;
    }
    return undefined;
}

module.exports = { projectRoot, distDir, infoFile, buildCommand, hashFile, readBuildInfo, staleReason };
