// Experiment (issue 19.3), not the program: a TypeScript program's own resource lifecycle, three
// ways, on the user's path (the sandbox's real CLI, its Node language host, a file backend;
// no cluster). The same small resource (check/diff/create/delete of a "probe") as:
// - a dynamic provider (`pulumi.dynamic.Resource`): the engine runs `pulumi-resource-pulumi-nodejs`,
//   and every resource's state carries the provider's serialized code (`__provider`);
// - a provider plugin of the project's own, from its source directory (PulumiPlugin.yaml
//   `runtime: nodejs`, named in Pulumi.yaml `plugins.providers[].path`): the engine starts it
//   through the language host's RunPlugin (@pulumi/pulumi cmd/run-plugin, ts-node with type-checking
//   for a .ts entry), with index.ts, with index.ts and `noCheck` in its tsconfig, and with index.js
//   compiled ahead;
// - the same provider as the documented TypeScript provider layout: a `pulumi-resource-<name>`
//   wrapper script in that directory that runs the compiled index.js with node (no language host),
//   and such a wrapper running index.ts through ts-node, transpile-only (no build step).
// For 1 and COUNT (default 50) resources: `up`, state bytes per resource and of `__provider`,
// `preview --expect-no-changes` (median of RUNS), and whether the default provider's state holds
// the stack's unrelated config (the engine hands dynamic providers the whole stack config, so any
// config change updates their default provider; the CLI's display hides default providers).
// Prints a table; asserts nothing.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pluginSearchPath, repoRoot, toolchainPaths } from "../toolchain";
import { runPulumi } from "../userPath";
import { stateStats } from "./previewScaling";
import { median, table } from "./stats";

const runs = Number(process.env.RUNS ?? 3);
const count = Number(process.env.COUNT ?? 50);

const providerSource = `// The probe's lifecycle: what a dynamic provider would do, as a provider plugin.
import * as provider from "@pulumi/pulumi/provider";

provider.main({
    version: "0.1.0",
    async check(_urn: string, _olds: unknown, news: Record<string, unknown>) {
        return { inputs: news };
    },
    async diff(_id: string, _urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
        return { changes: olds.target !== news.target };
    },
    async create(_urn: string, inputs: Record<string, unknown>) {
        return { id: "probe-" + String(inputs.target), outs: { ...inputs, checkedAt: new Date().toISOString() } };
    },
    async delete() {
        return;
    },
}, process.argv.slice(2));
`;

const dynamicProgram = `import * as pulumi from "@pulumi/pulumi";
const count = new pulumi.Config().requireNumber("count");
const probe: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
        return { changes: olds.target !== news.target };
    },
    async create(inputs: Record<string, unknown>) {
        return { id: "probe-" + String(inputs.target), outs: { ...inputs, checkedAt: new Date().toISOString() } };
    },
};
class Probe extends pulumi.dynamic.Resource {
    constructor(name: string, target: string) {
        super(probe, name, { target, checkedAt: undefined }, {});
    }
}
for (let i = 0; i < count; i++) new Probe("p" + i, "t" + i);
`;

const pluginProgram = `import * as pulumi from "@pulumi/pulumi";
const count = new pulumi.Config().requireNumber("count");
class Probe extends pulumi.CustomResource {
    constructor(name: string, target: string) {
        super("lifecycle:index:Probe", name, { target, checkedAt: undefined });
    }
}
for (let i = 0; i < count; i++) new Probe("p" + i, "t" + i);
`;

interface Way { name: string; program: string; plugin?: "ts" | "ts-nocheck" | "js" | "wrapper" | "wrapper-ts" }
const ways: Way[] = [
    { name: "dynamic provider (pulumi.dynamic.Resource)", program: dynamicProgram },
    { name: "provider plugin from source, index.ts (RunPlugin; ts-node type-checks)", program: pluginProgram, plugin: "ts" },
    { name: "provider plugin from source, index.ts, its tsconfig noCheck (RunPlugin)", program: pluginProgram, plugin: "ts-nocheck" },
    { name: "provider plugin from source, index.js compiled ahead (RunPlugin)", program: pluginProgram, plugin: "js" },
    { name: "provider plugin with a pulumi-resource-lifecycle wrapper (node index.js)", program: pluginProgram, plugin: "wrapper" },
    { name: "provider plugin with a wrapper running index.ts (ts-node transpile-only, no build)", program: pluginProgram, plugin: "wrapper-ts" },
];

function write(dir: string, files: Record<string, string>): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: name.startsWith("pulumi-resource-") ? 0o755 : 0o644 });
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

const tsconfigNoCheck = JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true, types: ["node"], noCheck: true }, files: ["index.ts"] });
const tsconfig = JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true, types: ["node"] }, files: ["index.ts"] });

async function main(): Promise<void> {
    const tools = toolchainPaths();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flux-push-lifecycle-"));
    const env: Record<string, string> = {
        PATH: pluginSearchPath(tools),
        PULUMI_HOME: path.join(tmp, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "bench",
        PULUMI_SKIP_UPDATE_CHECK: "1",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    fs.mkdirSync(env.PULUMI_HOME);
    fs.mkdirSync(path.join(tmp, "state"));
    const rows: string[][] = [];
    try {
        for (const [i, way] of ways.entries()) {
            const project = `way${i}`;
            const dir = path.join(tmp, project);
            let plugins = "";
            if (way.plugin) {
                const pluginDir = path.join(tmp, `plugin${i}`);
                const main = way.plugin === "ts" || way.plugin === "ts-nocheck" || way.plugin === "wrapper-ts" ? "index.ts" : "index.js";
                write(pluginDir, {
                    ...(way.plugin === "wrapper" ? { "pulumi-resource-lifecycle": "#!/bin/sh\nexec node \"$(dirname \"$0\")/index.js\" \"$@\"\n" }
                        : way.plugin === "wrapper-ts" ? { "pulumi-resource-lifecycle": "#!/bin/sh\ndir=$(dirname \"$0\")\nTS_NODE_PROJECT=\"$dir/tsconfig.json\" exec node -r ts-node/register/transpile-only \"$dir/index.ts\" \"$@\"\n" }
                        : { "PulumiPlugin.yaml": "runtime: nodejs\n" }),
                    "package.json": JSON.stringify({ name: "lifecycle", version: "0.1.0", main }),
                    "index.ts": providerSource,
                    "tsconfig.json": way.plugin === "ts-nocheck" ? tsconfigNoCheck : tsconfig,
                });
                if (way.plugin === "js" || way.plugin === "wrapper") {
                    await new Promise<void>((resolve, reject) => execFile(process.execPath, [path.join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", pluginDir], (err, out) => (err ? reject(new Error(out)) : resolve())));
                }
                plugins = `plugins:\n  providers:\n    - name: lifecycle\n      path: ${pluginDir}\n`;
            }
            write(dir, {
                "Pulumi.yaml": `name: ${project}\nruntime: nodejs\n${plugins}`,
                "package.json": JSON.stringify({ name: project, main: "index.ts" }),
                "index.ts": way.program,
                "tsconfig.json": tsconfig,
            });
            const pulumi = async (...args: string[]) => {
                const res = await runPulumi(tools.pulumi, dir, env, args);
                if (res.code !== 0) throw new Error(`${way.name}: pulumi ${args.join(" ")} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
                return res;
            };
            await pulumi("stack", "init", "dev");
            for (const n of [1, count]) {
                await pulumi("config", "set", "count", String(n));
                const up = await pulumi("up", "--yes", "--skip-preview");
                const st = stateStats(path.join(tmp, "state", ".pulumi", "stacks", project, "dev.json"));
                const times: number[] = [];
                for (let r = 0; r < runs; r++) times.push((await pulumi("preview", "--expect-no-changes")).seconds);
                // The stack's config, as the engine hands it to the default provider and stores it there.
                await pulumi("config", "set", "unrelated", `v${n}`);
                await pulumi("up", "--yes", "--skip-preview");
                const state = JSON.parse(fs.readFileSync(path.join(tmp, "state", ".pulumi", "stacks", project, "dev.json"), "utf8")) as { checkpoint: { latest: { resources: { type: string; inputs?: Record<string, unknown> }[] } } };
                const provider = state.checkpoint.latest.resources.find((r) => r.type.startsWith("pulumi:providers:"));
                const providerNoise = Object.keys(provider?.inputs ?? {}).some((k) => k.endsWith(":unrelated")) ? `yes: ${provider?.type} inputs hold it` : "no";
                rows.push([way.name, String(n), up.seconds.toFixed(1), `${Math.round(st.bytes / 1024)} KiB`, `${Math.round((st.bytes / n) / 102.4) / 10} KiB`,
                    `${Math.round(st.providerCode / 1024)} KiB`, median(times).toFixed(2), providerNoise]);
                console.log(`[lifecycle] ${rows[rows.length - 1].join(" | ")}`);
            }
            await pulumi("destroy", "--yes", "--skip-preview");
        }
        console.log(`\nA resource lifecycle of the program's own, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)} (the sandbox's real CLI, file backend, its Node language host; node ${process.version})\n`);
        console.log(table(["way", "resources", "up (s)", "state", "state per resource", "`__provider`", `preview, no changes (s, median of ${runs})`, "default provider stores unrelated stack config"], rows));
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
