// Benchmark (issues 7 and 19): what `pulumi preview` with no changes costs, and what the state
// holds, on the user's path, side by side in one run on one sandbox:
// - the user's path: the plain `pulumi` CLI in a copy of the committed project (sandbox/userPath.ts),
//   through the Node language host, `preview --expect-no-changes`, against an empty TypeScript
//   program on the same path; at each size (SIZES, default 1 and 50 repositories) with the checks
//   on (default) and off (deliveryCheck/receiverProbe off), as committed and as before
//   tsconfig.pulumi.json (ts-node type-checking at run time), plus one variant per other candidate
//   (type-checked with index.ts alone, the program precompiled): each measured separately, in
//   turns, nothing else changed;
// - the state file after each `up`: size, per repository, and the serialized dynamic-provider code
//   (`__provider`) in it; for the project as committed and, before it in the same run, as it was at
//   BEFORE_REF (default: the last commit with dynamic providers; BEFORE_REF= skips it);
// - where one preview's time goes (the engine's own log: when each plugin is launched and ready);
// - the inline path (Automation API, as the e2e suite runs), 1 repository, for comparison.
// The empty program is `pulumi new typescript`'s (typescriptTemplate), with its own npm install,
// previewed in the same rounds as the project at each size ("side by side"), beside the empty
// program this benchmark used before; the Node language host stand-in's own start is read from the
// engine's log. Knobs: VARIANTS (name prefixes of the variants to measure; default all), CHECKS
// (default on,off), BEFORE_REF (default the dynamic-provider commit; empty skips it), INLINE=0
// skips the inline path. Medians of RUNS (default 3) runs. Prints tables; asserts nothing. Stand-ins: random/github
// providers, GitHub's API, the Git host, the Node language host itself (see docs/sandbox.md#real-parts-and-stand-ins).
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { repoRoot } from "../toolchain";
import { configCommands, copyProject, DynamicProvidersRef, runPulumi } from "../userPath";
import { median, table } from "./stats";

const runs = Number(process.env.RUNS ?? 3);
const sizes = (process.env.SIZES ?? "1,50").split(",").map(Number);
const StackName = "bench";
/** The project before its own resources moved from dynamic providers to the provider plugin; "" skips it. */
const beforeRef = process.env.BEFORE_REF ?? DynamicProvidersRef;

interface Timing { readonly label: string; readonly times: number[] }

/** The run-time candidates, each changing one thing in the project copy or the environment. */
interface Variant {
    readonly name: string;
    readonly env?: Record<string, string>;
    /** Changes files in the project copy; returns the undo. */
    readonly apply?: (project: string) => Promise<() => void>;
    /** Work done once per size before its runs (compiling); returns the clean-up. */
    readonly prepare?: (project: string) => Promise<() => void>;
}

function editPulumiYaml(project: string, edit: (doc: Record<string, unknown>) => void): () => void {
    const file = path.join(project, "Pulumi.yaml");
    const before = fs.readFileSync(file, "utf8");
    const doc = parse(before) as Record<string, unknown>;
    edit(doc);
    fs.writeFileSync(file, stringify(doc));
    return () => fs.writeFileSync(file, before);
}

function runtimeOptions(doc: Record<string, unknown>): Record<string, unknown> {
    const runtime = (typeof doc.runtime === "object" && doc.runtime !== null ? doc.runtime : { name: doc.runtime }) as Record<string, unknown>;
    doc.runtime = runtime;
    runtime.options = { ...((runtime.options ?? {}) as Record<string, unknown>) };
    return runtime.options as Record<string, unknown>;
}

/** Pulumi.yaml without runtime.options.tsconfig: the program type-checked by ts-node at every run, as before tsconfig.pulumi.json. */
const typeChecked: Variant["apply"] = async (project) => editPulumiYaml(project, (doc) => {
    delete runtimeOptions(doc).tsconfig;
});

/** The variants measured: all, or those whose name starts with one of VARIANTS (comma separated). */
const variantFilter = (process.env.VARIANTS ?? "").split(",").filter((v) => v !== "");
const checkSettings = (process.env.CHECKS ?? "on,off").split(",") as ("on" | "off")[];

/**
 * `pulumi new typescript`'s files, from the template's repository (github.com/pulumi/templates,
 * typescript/ at commit 65db26bfbdb2fef067d2a10dcadef7b553b36d60, 2026-08-04), with ${PROJECT} and
 * ${DESCRIPTION} filled in as `pulumi new` fills them. (.gitignore omitted: it changes nothing here.)
 */
export function typescriptTemplate(project: string, description: string): Record<string, string> {
    return {
        "Pulumi.yaml": `name: ${project}\ndescription: ${description}\nruntime: nodejs\n`,
        "index.ts": "import * as pulumi from \"@pulumi/pulumi\";\n",
        "package.json": JSON.stringify({
            name: project, main: "index.ts",
            devDependencies: { "@types/node": "^18", typescript: "^5.0.0" },
            dependencies: { "@pulumi/pulumi": "^3.113.0" },
        }, null, 4) + "\n",
        "tsconfig.json": JSON.stringify({
            compilerOptions: {
                strict: true, outDir: "bin", target: "es2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: true, experimentalDecorators: true,
                pretty: true, noFallthroughCasesInSwitch: true, noImplicitReturns: true, forceConsistentCasingInFileNames: true,
            },
            files: ["index.ts"],
        }, null, 4) + "\n",
    };
}

export const variants: readonly Variant[] = [
    { name: "as committed (tsconfig.pulumi.json: noCheck, index.ts)" },
    { name: "type-checked at run time (no runtime.options.tsconfig: before this change)", apply: typeChecked },
    { name: "type-checked, index.ts the only root (PULUMI_NODEJS_TRANSPILE_ONLY=false)", env: { PULUMI_NODEJS_TRANSPILE_ONLY: "false" } },
    {
        // The engine execs a plugin directory's pulumi-resource-<name> when it exists, before it
        // looks for PulumiPlugin.yaml (sdk/go/common/resource/plugin/plugin.go newPlugin): no
        // language host, no cmd/run-plugin (which loads typescript and ts-node first).
        name: "plugin started directly: an executable plugin/pulumi-resource-flux-push-github (node plugin/index.js), no RunPlugin",
        apply: async (project) => {
            const exe = path.join(project, "plugin", "pulumi-resource-flux-push-github");
            fs.writeFileSync(exe, "#!/bin/sh\nexec node \"$(dirname \"$0\")/direct.js\" \"$@\"\n", { mode: 0o755 });
            fs.writeFileSync(path.join(project, "plugin", "direct.js"), "require(\"./index.js\");\n");
            return () => {
                fs.rmSync(exe);
                fs.rmSync(path.join(project, "plugin", "direct.js"));
            };
        },
    },
    {
        name: "precompiled: package.json main bin/index.js, typescript: false",
        prepare: async (project) => {
            await new Promise<void>((resolve, reject) => execFile(process.execPath, [path.join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", project, "--outDir", path.join(project, "bin")],
                { cwd: project }, (err, stdout) => (err ? reject(new Error(`tsc: ${stdout}`)) : resolve())));
            return () => fs.rmSync(path.join(project, "bin"), { recursive: true, force: true });
        },
        apply: async (project) => {
            // As Pulumi documents: compile ahead, point package.json's main at the output, typescript: false.
            const pkgFile = path.join(project, "package.json");
            const pkg = fs.readFileSync(pkgFile, "utf8");
            fs.writeFileSync(pkgFile, JSON.stringify({ ...(JSON.parse(pkg) as object), main: "bin/index.js" }, null, 2));
            const undo = editPulumiYaml(project, (doc) => {
                runtimeOptions(doc).typescript = false;
            });
            return () => {
                undo();
                fs.writeFileSync(pkgFile, pkg);
            };
        },
    },
];

export interface StateStats {
    readonly bytes: number;
    readonly resources: number;
    readonly dynamic: number;
    /** Bytes of the serialized dynamic-provider code (`__provider`, inputs and outputs). */
    readonly providerCode: number;
}

export function stateStats(stateFile: string): StateStats {
    const text = fs.readFileSync(stateFile, "utf8");
    const resources = (JSON.parse(text) as { checkpoint: { latest: { resources?: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] } } }).checkpoint.latest.resources ?? [];
    const code = (props?: Record<string, unknown>) => (props && "__provider" in props ? JSON.stringify(props.__provider).length : 0);
    return {
        bytes: Buffer.byteLength(text),
        resources: resources.length,
        // pulumi-nodejs:dynamic:Resource, or pulumi-nodejs:dynamic/<module>:<Name> for a named one.
        dynamic: resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")).length,
        providerCode: resources.reduce((sum, r) => sum + code(r.inputs) + code(r.outputs), 0),
    };
}

const kib = (b: number) => `${Math.round(b / 1024).toLocaleString("en-US")} KiB`;
const secs = (t: number[]) => median(t).toFixed(2);

/** From the engine's log (`--logtostderr -v=9`): when each plugin was launched and answered, from the first log line. */
function pluginTimeline(log: string): string[][] {
    const rows: string[][] = [];
    let t0: number | undefined;
    const launched = new Map<string, number>();
    for (const line of log.split("\n")) {
        const m = /^\{"time":"([^"]+)","level":"[A-Z]+","msg":"(.*)/.exec(line);
        if (!m) continue;
        const t = Date.parse(m[1]) / 1000;
        t0 ??= t;
        const msg = m[2];
        const launch = /^newPlugin\(\): Launching plugin '([^']+)' from '([^']+)'/.exec(msg);
        if (launch) {
            launched.set(launch[2], t);
            rows.push([launch[1], path.basename(launch[2]), (t - t0).toFixed(2), ""]);
        }
        const ready = /^Handshake: (?:success \[|not supported by ')([^'\]]+)/.exec(msg);
        if (ready && launched.has(ready[1])) {
            const row = rows.filter((r) => r[1] === path.basename(ready[1]) && r[3] === "").shift();
            if (row) row[3] = (t - t0).toFixed(2);
        }
        const run = /^langhost\[nodejs\]\.Run\(.*(executing|success)/.exec(msg);
        if (run) rows.push([`program (Run ${run[1] === "executing" ? "starts" : "returns"})`, "", (t - t0).toFixed(2), ""]);
    }
    return rows;
}

async function main(): Promise<void> {
    const sb = await startSandbox({ quiet: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flux-push-bench-"));
    const timings: Timing[] = [];
    const stateRows: string[][] = [];
    let timeline: string[][] = [];
    const ratios: string[][] = [];
    const hostRows: string[][] = [];
    try {
        const pulumi = async (cwd: string, env: Record<string, string>, ...args: string[]) => {
            const res = await runPulumi(sb.tools.pulumi, cwd, { ...sb.pulumiEnv, ...env }, args);
            if (res.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
            return res;
        };
        /**
         * `preview --expect-no-changes` RUNS times for each of `cases`, round-robin (case 1, 2, ...,
         * then again), so the shared machine's load falls on all of them alike.
         */
        const previews = async (defaultCwd: string, cases: readonly { label: string; variant: Variant; cwd?: string }[]) => {
            const results = cases.map((c) => ({ label: c.label, times: [] as number[], note: "" }));
            for (let round = 0; round < runs; round++) {
                for (const [i, c] of cases.entries()) {
                    const cwd = c.cwd ?? defaultCwd;
                    const undo = await c.variant.apply?.(cwd);
                    try {
                        const r = results[i];
                        for (;;) {
                            const res = await runPulumi(sb.tools.pulumi, cwd, { ...sb.pulumiEnv, ...c.variant.env }, ["preview", ...(r.note ? [] : ["--expect-no-changes"])]);
                            if (res.code !== 0 && !r.note && /no changes were expected but changes were proposed/i.test(res.stdout + res.stderr)) {
                                // A variant that changes what the program registers (e.g. the dynamic providers'
                                // serialized code) is itself a finding: say so, and time the plain preview.
                                const changed = (res.stdout.match(/^\s+[~+-]+\s+\S+.*$/gm) ?? []).slice(0, 3).map((l) => l.trim()).join("; ");
                                r.note = ` [NOT a no-op: ${changed}]`;
                                continue;
                            }
                            if (res.code !== 0) throw new Error(`pulumi preview (${c.label}) exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
                            r.times.push(res.seconds);
                            break;
                        }
                    } finally {
                        undo?.();
                    }
                }
            }
            for (const r of results) {
                timings.push({ label: r.label + r.note, times: r.times });
                console.log(`[bench] ${r.label}${r.note}: ${secs(r.times)} s (${r.times.map((t) => t.toFixed(2)).join(", ")})`);
            }
            return results.map((r) => r.times);
        };

        // The empty TypeScript program as `pulumi new typescript` makes it: the template's own files
        // (github.com/pulumi/templates, typescript/ at TemplateCommit), its dependencies installed by
        // npm as `pulumi new` installs them (the newest @pulumi/pulumi ^3.113.0, typescript ^5, @types/node ^18).
        const empty = path.join(tmp, "empty");
        fs.mkdirSync(empty);
        for (const [file, text] of Object.entries(typescriptTemplate("empty", "An empty program"))) fs.writeFileSync(path.join(empty, file), text);
        await new Promise<void>((resolve, reject) => execFile("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: empty },
            (err, _out, stderr) => (err ? reject(new Error(`npm install of the template's dependencies: ${stderr}`)) : resolve())));
        const installed = (pkg: string) => (JSON.parse(fs.readFileSync(path.join(empty, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
        console.log(`[bench] the template's program: @pulumi/pulumi ${installed("@pulumi/pulumi")}, typescript ${installed("typescript")}, @types/node ${installed("@types/node")}`);
        await pulumi(empty, {}, "stack", "init", "empty");
        await pulumi(empty, {}, "up", "--yes", "--skip-preview");
        // The empty program this benchmark used before (issue 26: which difference moves the ratio),
        // and the template's with one difference each.
        const legacy = path.join(tmp, "empty-legacy");
        fs.mkdirSync(legacy);
        fs.writeFileSync(path.join(legacy, "Pulumi.yaml"), "name: empty-legacy\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n");
        fs.writeFileSync(path.join(legacy, "package.json"), JSON.stringify({ name: "empty-legacy", main: "index.ts" }));
        fs.writeFileSync(path.join(legacy, "index.ts"), "export const nothing: string = \"\";\n");
        fs.writeFileSync(path.join(legacy, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true }, files: ["index.ts"] }));
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(legacy, "node_modules"));
        await pulumi(legacy, {}, "stack", "init", "empty-legacy");
        await pulumi(legacy, {}, "up", "--yes", "--skip-preview");
        const editTsconfig = (edit: (o: Record<string, unknown>) => void): Variant["apply"] => async (dir) => {
            const file = path.join(dir, "tsconfig.json");
            const before = fs.readFileSync(file, "utf8");
            const doc = JSON.parse(before) as { compilerOptions: Record<string, unknown> };
            edit(doc.compilerOptions);
            fs.writeFileSync(file, JSON.stringify(doc));
            return () => fs.writeFileSync(file, before);
        };
        const TemplateLabel = "empty TypeScript program, as `pulumi new typescript` makes it (type-checked)";
        const emptyCases = [
            { label: TemplateLabel, cwd: empty, variant: { name: "template" } },
            { label: "  its legacy stand-in (this benchmark before: no dependencies, skipLibCheck, commonjs, the project's node_modules)", cwd: legacy, variant: { name: "legacy" } },
        ];
        await previews(empty, [
            ...emptyCases,
            { label: "  the template with skipLibCheck: true", cwd: empty, variant: { name: "skipLibCheck", apply: editTsconfig((o) => (o.skipLibCheck = true)) } },
            { label: "  the template with module commonjs, moduleResolution node", cwd: empty, variant: { name: "commonjs", apply: editTsconfig((o) => Object.assign(o, { module: "commonjs", moduleResolution: "node" })) } },
            { label: "  the template, PULUMI_NODEJS_TRANSPILE_ONLY=true", cwd: empty, variant: { name: "transpile only", env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } } },
            {
                label: "  the template with the project's node_modules (linked, as the legacy one)", cwd: empty, variant: {
                    name: "project modules",
                    apply: async (dir) => {
                        fs.renameSync(path.join(dir, "node_modules"), path.join(dir, "node_modules.own"));
                        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
                        return () => {
                            fs.unlinkSync(path.join(dir, "node_modules"));
                            fs.renameSync(path.join(dir, "node_modules.own"), path.join(dir, "node_modules"));
                        };
                    },
                },
            },
        ]);
        // The language host stand-in's own cost: spawn to the port it prints (the real host is a Go
        // binary), and how many times one preview starts it (from the engine's log).
        const hostStart = async () => {
            const t = process.hrtime.bigint();
            const host = spawn(path.join(repoRoot, "sandbox", "bin", "pulumi-language-nodejs"), [], { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, PATH: sb.pulumiEnv.PATH } });
            await new Promise<void>((resolve, reject) => {
                host.stdout.once("data", () => resolve());
                host.once("exit", (code) => reject(new Error(`the language host stand-in exited ${code} before it served`)));
            });
            const seconds = Number(process.hrtime.bigint() - t) / 1e9;
            const exited = new Promise((r) => host.once("exit", r));
            host.kill("SIGINT");
            await exited;
            return seconds;
        };
        const hostStarts = async (cwd: string) => pluginTimeline((await pulumi(cwd, {}, "preview", "--expect-no-changes", "--logtostderr", "-v=9")).stderr)
            .filter((r) => r[1] === "pulumi-language-nodejs").length;
        const starts: number[] = [];
        for (let i = 0; i < runs; i++) starts.push(await hostStart());
        hostRows.push(["the stand-in alone: spawn to serving (s)", `${secs(starts)} (${starts.map((x) => x.toFixed(2)).join(", ")})`]);
        hostRows.push(["starts per preview, empty program (template)", String(await hostStarts(empty))]);

        /**
         * One project copy, one stack, resized in place: `up` at each size with the checks on and
         * off, the state after it, and the previews of `measured` variants in turns.
         */
        const measureProject = async (project: string, stackName: string, program: string, measuredVariants: readonly Variant[], withTimeline: boolean, beside = true) => {
            await pulumi(project, {}, "stack", "init", stackName);
            const stateFile = path.join(sb.pulumiEnv.PULUMI_BACKEND_URL.replace("file://", ""), ".pulumi", "stacks", "flux-push", `${stackName}.json`);
            for (const n of sizes) {
                for (let i = 0; i < n; i++) {
                    if (!known.has(i)) sb.github.addRepository(SandboxOwner, `app-${i}`);
                    known.add(i);
                }
                const repositories = Array.from({ length: n }, (_, i) => ({
                    name: `app-${i}`, url: sb.repositories.instavote,
                    // prune off: the copies share one Deployment, and deleting one must not garbage-collect it.
                    kustomizations: [{ name: `app-${i}-staging`, path: "./deploy/vote/staging", targetNamespace: "instavote", prune: false }],
                }));
                for (const checks of checkSettings) {
                    const overrides = { repositories, ...(checks === "off" ? { deliveryCheck: "off", receiverProbe: "off" } : {}) };
                    await pulumi(project, {}, "config", "rm", "flux-push:repositories").catch(() => undefined);
                    for (const key of ["deliveryCheck", "receiverProbe"]) await pulumi(project, {}, "config", "rm", `flux-push:${key}`).catch(() => undefined);
                    for (const command of configCommands(sandboxConfig(sb, overrides))) await pulumi(project, {}, ...command);
                    await pulumi(project, {}, "config", "set", "--secret", "github:token", sb.githubToken);
                    const up = await pulumi(project, {}, "up", "--yes", "--skip-preview");
                    const st = stateStats(stateFile);
                    const label = `${program}, ${n} repositor${n === 1 ? "y" : "ies"}, checks ${checks}`;
                    console.log(`[bench] up (${label}): ${up.seconds.toFixed(1)} s; state ${kib(st.bytes)}, __provider ${kib(st.providerCode)}`);
                    const cleanups: (() => void)[] = [];
                    const measured = checks === "on" ? measuredVariants : measuredVariants.slice(0, 2);
                    for (const v of measured) if (v.prepare) cleanups.push(await v.prepare(project));
                    // Side by side: the empty programs in the same rounds as the project, so the ratio compares like with like.
                    const sideBySide = checks === "on" && beside;
                    const all = await previews(project, [
                        ...(sideBySide ? emptyCases.map((c) => ({ ...c, label: `${c.label.trim()} (beside ${n})` })) : []),
                        ...measured.map((v) => ({ label: `${label}: ${v.name}`, variant: v })),
                    ]);
                    if (sideBySide) {
                        ratios.push([program, String(n), secs(all[0]), secs(all[1]), secs(all[2]), `${(median(all[2]) / median(all[0])).toFixed(2)}x`, `${(median(all[2]) / median(all[1])).toFixed(2)}x`, os.loadavg()[0].toFixed(1)]);
                        hostRows.push([`starts per preview, ${program}, ${n} repositor${n === 1 ? "y" : "ies"}`, String(await hostStarts(project))]);
                    }
                    const [committed, checked] = all.slice(sideBySide ? emptyCases.length : 0);
                    for (const c of cleanups) c();
                    stateRows.push([program, String(n), checks === "on" ? "on (default)" : "deliveryCheck/receiverProbe off", `${st.resources} (${st.dynamic})`, kib(st.bytes), kib(st.bytes / n),
                        `${kib(st.providerCode)} (${Math.round((100 * st.providerCode) / st.bytes)}%)`, `${secs(committed)} s`, checked ? `${secs(checked)} s` : "", up.seconds.toFixed(1)]);
                    if (checks === "on" && withTimeline && n === sizes[0]) {
                        const logged = await pulumi(project, {}, "preview", "--expect-no-changes", "--logtostderr", "-v=9");
                        timeline = pluginTimeline(logged.stderr);
                    }
                }
            }
            await pulumi(project, {}, "destroy", "--yes", "--skip-preview");
        };

        await sb.controlPlane.api.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "instavote" } }]);
        const known = new Set<number>();
        // Before: the project at BEFORE_REF (default: the last commit whose own resources were dynamic
        // providers), measured in the same run on the same sandbox, as committed there.
        if (beforeRef !== "") {
            const before = await copyProject(path.join(tmp, "before"), beforeRef);
            await measureProject(before, `${StackName}-before`, `before (${beforeRef.slice(0, 7)})`, variants.slice(0, 1), false);
        }
        // The project as committed.
        const project = await copyProject(path.join(tmp, "project"));
        const chosen = variantFilter.length === 0 ? variants : variants.filter((v, i) => i === 0 || variantFilter.some((f) => v.name.startsWith(f)));
        await measureProject(project, StackName, "as committed", chosen, true);

        if (process.env.INLINE !== "0") {
            // The inline path (Automation API) for comparison, 1 repository, checks on.
            sb.github.addRepository(SandboxOwner, "inline-0");
            const inline = await sandboxStack(sb, "inline", sandboxConfig(sb, {
                repositories: [{ name: "inline-0", url: sb.repositories.instavote, kustomizations: [{ name: "inline-0-staging", path: "./deploy/vote/staging", targetNamespace: "instavote", prune: false }] }],
            }));
            await inline.stack.up();
            const inlineTimes: number[] = [];
            for (let i = 0; i < runs; i++) {
                const t = process.hrtime.bigint();
                await inline.stack.preview({ expectNoChanges: true });
                inlineTimes.push(Number(process.hrtime.bigint() - t) / 1e9);
            }
            timings.push({ label: "(inline program through the Automation API, 1 repository, checks on)", times: inlineTimes });
            await inline.stack.destroy();
            // The empty program inline too: the engine and CLI without any language host.
            const emptyInline = await LocalWorkspace.createOrSelectStack({ stackName: "empty-inline", projectName: "empty-inline", program: async () => ({}) },
                { workDir: fs.mkdtempSync(path.join(tmp, "inline-")), envVars: sb.pulumiEnv, pulumiHome: sb.pulumiEnv.PULUMI_HOME, pulumiCommand: await PulumiCommand.get({ root: path.join(sb.dir, "pulumi-cli") }) });
            await emptyInline.up();
            const emptyInlineTimes: number[] = [];
            for (let i = 0; i < runs; i++) {
                const t = process.hrtime.bigint();
                await emptyInline.preview({ expectNoChanges: true });
                emptyInlineTimes.push(Number(process.hrtime.bigint() - t) / 1e9);
            }
            timings.push({ label: "(inline empty program through the Automation API)", times: emptyInlineTimes });
        }

        const base = median(timings.find((t) => t.label === TemplateLabel)?.times ?? [NaN]);
        console.log(`\n\`pulumi preview --expect-no-changes\`, median of ${runs} (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}; the sandbox's real CLI (build.sh pulumi_version), kubernetes provider, API server, Flux 2.9; stand-ins: Node language host, random/github, GitHub's API)\n`);
        console.log(table(["program", "median (s)", "min (s)", "max (s)", "ratio to the template's empty program"],
            timings.map((r) => [r.label, secs(r.times), Math.min(...r.times).toFixed(2), Math.max(...r.times).toFixed(2), `${(median(r.times) / base).toFixed(2)}x`])));
        console.log(`\nSide by side (the empty programs and the project in the same rounds), checks on, median of ${runs}\n`);
        console.log(table(["program", "repositories", "empty, template (s)", "empty, legacy (s)", "project (s)", "ratio to template", "ratio to legacy", "load after"], ratios));
        console.log("\nThe Node language host stand-in's own cost (the real host is a Go binary): its start, and how often one preview starts it (engine log, -v=9)\n");
        console.log(table(["what", "figure"], hostRows));
        console.log("\nState after `up` (user path; the file backend's checkpoint), and previews\n");
        console.log(table(["program", "repositories", "checks", "resources (dynamic)", "state file", "per repository", "of it: `__provider` code", "preview", "preview type-checked at run time", "up (s)"], stateRows));
        console.log(`\nOne preview (1 repository, as committed), from the engine's log (-v=9, which slows it): seconds from the first log line\n`);
        console.log(table(["plugin", "binary", "launched", "answering"], timeline));
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
        await sb.stop();
    }
}

if (require.main === module) {
    main().catch((err: Error) => {
        console.error(err.message);
        process.exit(1);
    });
}
