// Compiles the plugin's TypeScript (main.ts and everything it imports) to JavaScript in dist/,
// ahead of any `pulumi` command: `npm ci` runs it (the project's `prepare` script), as does
// `npm run build:plugin`. Transpile only: type-checking is CI's job (`npm run build`, tsc --noEmit
// over the whole project), as it is for the program (tsconfig.pulumi.json: noCheck). Syntax errors
// fail the build. The new build is written beside the old one and moved into place, so a plugin
// starting meanwhile reads one whole build or the other.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, run by node before anything is compiled */
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require("typescript");
const { projectRoot, distDir, hashFile } = require("./buildInfo");

function fail(message) {
    console.error(`build:plugin: ${message}`);
    process.exit(1);
}

const started = process.hrtime.bigint();
const staging = `${distDir}.tmp-${process.pid}`;
const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")) };
const parsed = ts.getParsedCommandLineOfConfigFile(path.join(__dirname, "tsconfig.json"), {
    noEmit: false, noCheck: true, outDir: staging, rootDir: projectRoot, sourceMap: true, incremental: false, declaration: false,
}, host);
if (parsed.errors.length > 0) fail(ts.formatDiagnostics(parsed.errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => projectRoot, getNewLine: () => "\n" }));
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
const syntax = program.getSyntacticDiagnostics();
const emitted = program.emit();
const problems = [...syntax, ...emitted.diagnostics];
if (problems.length > 0 || emitted.emitSkipped) {
    fs.rmSync(staging, { recursive: true, force: true });
    fail(ts.formatDiagnostics(problems, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => projectRoot, getNewLine: () => "\n" }) || "emit skipped");
}
const sources = {};
for (const f of program.getSourceFiles()) {
    if (f.isDeclarationFile || f.fileName.split(path.sep).includes("node_modules")) continue;
    sources[path.relative(projectRoot, f.fileName)] = hashFile(f.fileName);
}
fs.writeFileSync(path.join(staging, "build-info.json"), JSON.stringify({ typescript: ts.version, sources }, null, 2) + "\n");
const old = `${distDir}.old-${process.pid}`;
if (fs.existsSync(distDir)) fs.renameSync(distDir, old);
fs.renameSync(staging, distDir);
fs.rmSync(old, { recursive: true, force: true });
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(`build:plugin: ${Object.keys(sources).length} sources -> ${path.relative(projectRoot, distDir)}/ in ${(ms / 1000).toFixed(1)} s`);
