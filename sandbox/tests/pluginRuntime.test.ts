// The engine's node plugins (the stand-in providers, and pulumi-resource-pulumi-nodejs, which Pulumi
// ships for dynamic providers) run whichever `node` is first on PATH. Started with the PATH the
// sandbox gives the Pulumi CLI, each must run on the very node this test runs on (under `npm run`:
// node_modules/.bin/node, Node 24), not on an older system node later on PATH.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildStandins, pluginSearchPath, repoRoot, toolchainPaths } from "../toolchain";

/** PATH as a shell has it outside npm: no node_modules/.bin, so `node` there is the system's (or none). */
function pathOutsideNpm(): string {
    return (process.env.PATH ?? "").split(path.delimiter).filter((d) => !d.endsWith(path.join("node_modules", ".bin"))).join(path.delimiter);
}

/**
 * Starts a plugin as the engine does (its one argument: the engine's address, dialled only once
 * configured) and waits for the port it prints once serving.
 */
function startPlugin(name: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
    const plugin = spawn(path.join(repoRoot, "sandbox", "bin", name), ["127.0.0.1:1"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    plugin.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
        plugin.stdout?.once("data", () => resolve(plugin));
        plugin.once("exit", (code) => reject(new Error(`${name} exited (${code}) before serving: ${stderr}`)));
    });
}

describe("sandbox plugins run on the sandbox's own node", function () {
    this.timeout(60000);
    const running: ChildProcess[] = [];

    before(async function () {
        // /proc/<pid>/exe names the binary a process runs: Linux only, like the sandbox's toolchain.
        if (process.platform !== "linux") this.skip();
        await buildStandins();
    });
    afterEach(async () => {
        await Promise.all(running.splice(0).map((p) => new Promise<void>((r) => {
            if (p.exitCode !== null || p.signalCode !== null) return r();
            p.once("exit", () => r());
            p.kill();
        })));
    });

    it("pluginSearchPath puts the directory of the running node ahead of the rest of PATH", () => {
        const dirs = pluginSearchPath(toolchainPaths(), "/rest/of/path:/bin").split(path.delimiter);
        const nodeDir = dirs.indexOf(path.dirname(process.execPath));
        assert.ok(nodeDir >= 0 && nodeDir < dirs.indexOf("/rest/of/path"), dirs.join("\n"));
        assert.strictEqual(dirs[dirs.length - 1], "/bin");
    });

    for (const name of ["pulumi-resource-random", "pulumi-resource-github", "pulumi-resource-pulumi-nodejs"]) {
        it(`${name} runs ${process.version} at ${process.execPath}, as this test does`, async () => {
            const env = { ...process.env, PATH: pluginSearchPath(toolchainPaths(), pathOutsideNpm()) };
            const plugin = await startPlugin(name, env);
            running.push(plugin);
            // The bin scripts exec node: the script's pid is now node's.
            const exe = fs.readlinkSync(`/proc/${plugin.pid}/exe`);
            assert.strictEqual(exe, fs.realpathSync(process.execPath));
            assert.ok(Number(process.versions.node.split(".")[0]) >= 22, `this test runs on node ${process.version}: run it through npm (npm run test:standins), which puts node_modules/.bin/node first on PATH`);
        });
    }
});
