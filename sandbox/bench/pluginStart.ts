// Benchmark (issue 26): how long the project's provider plugin takes to serve, started as the
// engine starts it (the Node language host runs @pulumi/pulumi's cmd/run-plugin on the plugin's
// directory): from spawn to the port it prints. The engine starts plugins one after another, so
// this is added to every preview and `up`. PLUGIN_DIRS: plugin directories to compare, comma
// separated (default: this checkout's plugin/; e.g. another worktree's for "before"), measured in
// turns, RUNS (default 7) each; medians. Also the runner alone (an empty plugin directory's entry),
// which requires typescript and ts-node before any plugin whatever it is written in.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pluginDir, startProviderPlugin } from "../../tests/support/providerPlugin";
import { median, table } from "./stats";

const runs = Number(process.env.RUNS ?? 7);
const dirs = (process.env.PLUGIN_DIRS ?? pluginDir).split(",").map((d) => path.resolve(d));

async function timeToServe(dir: string): Promise<{ seconds: number; stderr: string }> {
    const t = process.hrtime.bigint();
    const plugin = await startProviderPlugin(process.env, dir);
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const stderr = plugin.stderr();
    await plugin.stop();
    return { seconds, stderr };
}

async function main(): Promise<void> {
    // The runner with a plugin that serves at once: what no plugin can avoid.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flux-push-plugin-start-"));
    try {
        const bare = path.join(tmp, "bare");
        fs.mkdirSync(bare);
        fs.writeFileSync(path.join(bare, "package.json"), JSON.stringify({ name: "bare", main: "index.js" }));
        fs.writeFileSync(path.join(bare, "index.js"), "console.log('1');\nsetInterval(() => undefined, 1000);\n");
        fs.symlinkSync(path.join(pluginDir, "..", "node_modules"), path.join(bare, "node_modules"));
        const cases = [...dirs.map((d) => ({ label: d, dir: d })), { label: "the runner alone (an entry that prints a port at once)", dir: bare }];
        const times = cases.map(() => [] as number[]);
        for (let round = 0; round < runs; round++) {
            for (const [i, c] of cases.entries()) {
                const r = await timeToServe(c.dir);
                if (round === 0 && r.stderr.trim() !== "") console.log(`[bench] ${c.label} stderr: ${r.stderr.trim()}`);
                times[i].push(r.seconds);
            }
        }
        console.log(`\nprovider plugin, spawn to serving, median of ${runs} (${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, node ${process.version})\n`);
        console.log(table(["plugin directory", "median (s)", "min (s)", "max (s)"], cases.map((c, i) => [c.label, median(times[i]).toFixed(2), Math.min(...times[i]).toFixed(2), Math.max(...times[i]).toFixed(2)])));
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
