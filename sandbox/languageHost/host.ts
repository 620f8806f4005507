// The LanguageRuntime gRPC service of the sandbox's Node language host, method by method as the
// real `pulumi-language-nodejs` (v3.274.1, sdk/nodejs/cmd/pulumi-language-nodejs/main.go) does
// what the CLI asks on `stack init`, `config`, `preview`, `up`, `destroy` and `--policy-pack`.
// Methods not served here answer UNIMPLEMENTED (grpc-js does that for any method not registered).
//
// Differences from the real host, none of which changes what the program sees:
// - Run passes the engine's monitor address straight to the program instead of a proxy of its
//   own (the real proxy forwards every call untouched), and no `--sync` directory: synchronous
//   invokes over files are gone from @pulumi/pulumi (3.248's `tryGetSyncInvokes` has no caller).
// - No debugger attach (`--attach-debugger`), no OOM hint, no `bun` runtime, no tracing spans.
// - InstallDependencies (what `pulumi install`, `package add` and `package get-schema` of a local
//   plugin ask) runs npm only (`npm install --loglevel=error`, as npm.Install does), refuses other
//   package managers and directories inside an npm workspace (the real host installs at the
//   workspace's root), and installs no Node version (`.nvmrc`, fnm).
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as langproto from "@pulumi/pulumi/proto/language_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import {
    constructArguments, constructConfig, constructConfigSecretKeys, ExitedAfterShowingUserActionableMessage,
    MirrorsVersion, NodeOptions, parseOptions, runtimeEnvironment, shellSplit,
} from "./options";
import { requiredPackages } from "./packages";
import { PolicyProxy } from "./policyProxy";

const DefaultRunPath = "@pulumi/pulumi/cmd/run";

/** exec.LookPath: the first executable `name` on PATH. */
export function lookPath(name: string, envPath = process.env.PATH ?? ""): string | undefined {
    for (const dir of envPath.split(path.delimiter)) {
        if (dir === "") continue;
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

function grpcError(message: string, code = grpc.status.UNKNOWN): grpc.ServiceError {
    return Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
}

/** Like exec.Command(...).Output(): stdout, or an error carrying stderr. */
function output(file: string, args: string[], cwd?: string): Promise<{ stdout: string; stderr: string; failed: boolean }> {
    return new Promise((resolve) => {
        execFile(file, args, { cwd }, (err, stdout, stderr) => resolve({ stdout, stderr, failed: err !== null }));
    });
}

/**
 * locateModule: asks node, from the program's directory, where a module resolves, so the program
 * runs the @pulumi/pulumi it installed (not ours). Same script and message as the real host.
 */
export async function locateModule(mod: string, programDir: string, nodeBin: string, isPlugin: boolean): Promise<string> {
    const install = isPlugin ? `npm install in ${programDir}` : "pulumi install";
    const script = `try { console.log(require.resolve('${mod}')); } catch (error) { if (error.code === 'MODULE_NOT_FOUND') { console.error("It looks like the Pulumi SDK has not been installed. Have you run ${install}?") } else { console.error(error.message); } process.exit(1); }`;
    const res = await output(nodeBin, ["-e", script], programDir);
    if (res.failed) throw new Error(res.stderr);
    return res.stdout.trim();
}

/** Go's exec with an env list: later entries win. */
function envObject(list: readonly string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const entry of list) {
        const i = entry.indexOf("=");
        if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    return env;
}

/** How the process ended, in the real host's words. */
function exitMessage(code: number | null): string {
    // Go's ExitCode() is -1 for a process killed by a signal.
    return `Program exited with non-zero exit code: ${code ?? -1}`;
}

export interface HostOptions {
    engineAddress: string;
    tracing: string;
}

export class NodeLanguageHost {
    /** Programs started by Run: Cancel interrupts them, as the real host's cancel context does. */
    private readonly programs = new Set<ChildProcess>();
    private readonly plugins = new Set<ChildProcess>();

    constructor(private readonly opts: HostOptions, private readonly onEngineGone: () => void) {}

    get engineAddress(): string {
        return this.opts.engineAddress;
    }

    /** Every 5 minutes, as rpcutil.Healthcheck: if the engine no longer answers, stop. */
    startHealthcheck(address: string, intervalMs = 5 * 60 * 1000): void {
        const client = new grpc.Client(address, grpc.credentials.createInsecure());
        const check = () => {
            client.makeUnaryRequest("/grpc.health.v1.Health/Check", (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (err) => {
                // UNIMPLEMENTED still means the engine is there.
                if (err && err.code !== grpc.status.UNIMPLEMENTED) {
                    client.close();
                    this.onEngineGone();
                    return;
                }
                timer = setTimeout(check, intervalMs);
                timer.unref();
            });
        };
        let timer = setTimeout(check, intervalMs);
        timer.unref();
    }

    /** SIGINT to every child (the engine is stopping us), then whatever is left after 5 s. */
    stopChildren(): Promise<void> {
        const all = [...this.programs, ...this.plugins].filter((c) => c.exitCode === null && c.signalCode === null);
        for (const c of all) c.kill("SIGINT");
        return Promise.all(all.map((c) => new Promise<void>((resolve) => {
            const t = setTimeout(() => {
                c.kill("SIGKILL");
                resolve();
            }, 5000);
            c.once("exit", () => {
                clearTimeout(t);
                resolve();
            });
        }))).then(() => undefined);
    }

    service(): Partial<langrpc.ILanguageRuntimeServer> {
        return {
            handshake: (call, callback) => {
                this.opts.engineAddress = call.request.getEngineAddress();
                this.startHealthcheck(this.opts.engineAddress);
                callback(null, new langproto.LanguageHandshakeResponse());
            },
            getRequiredPlugins: (_call, callback) => callback(grpcError("method GetRequiredPlugins not implemented", grpc.status.UNIMPLEMENTED)),
            getRequiredPackages: (call, callback) => {
                const dir = call.request.getInfo()?.getProgramDirectory() ?? "";
                const found = requiredPackages(dir);
                if (found.incompatible) process.stderr.write(found.incompatible);
                const res = new langproto.GetRequiredPackagesResponse();
                res.setPackagesList(found.packages.map((p) => {
                    const dep = new plugproto.PackageDependency();
                    dep.setName(p.name);
                    dep.setKind(p.kind);
                    dep.setVersion(p.version);
                    dep.setServer(p.server);
                    const param = (x: NonNullable<typeof p.parameterization>) => {
                        const m = new plugproto.PackageParameterization();
                        m.setName(x.name);
                        m.setVersion(x.version);
                        m.setValue(x.value);
                        return m;
                    };
                    if (p.parameterization) dep.setParameterization(param(p.parameterization));
                    if (p.extension) dep.setExtension$(param(p.extension));
                    return dep;
                }));
                callback(null, res);
            },
            getPluginInfo: (_call, callback) => {
                const info = new plugproto.PluginInfo();
                info.setVersion(MirrorsVersion);
                callback(null, info);
            },
            run: (call, callback) => {
                this.run(call).then((res) => callback(null, res), (err: Error) => callback(grpcError(err.message)));
            },
            about: (call, callback) => {
                this.about(call.request).then((res) => callback(null, res), (err: Error) => callback(grpcError(err.message)));
            },
            installDependencies: (call) => {
                this.installDependencies(call).then(() => call.end(), (err: Error) => call.emit("error", grpcError(err.message)));
            },
            runPlugin: (call) => {
                this.runPlugin(call).then(() => call.end(), (err: Error) => call.emit("error", grpcError(err.message)));
            },
            cancel: (_call, callback) => {
                for (const c of this.programs) c.kill("SIGINT");
                callback(null, new Empty());
            },
        };
    }

    private requireEngine(): void {
        if (this.opts.engineAddress === "") throw new Error("when debugging or running explicitly, must call Handshake before Run");
    }

    /** Run: start @pulumi/pulumi's program runner, as execRuntime does. */
    private async run(call: grpc.ServerUnaryCall<langproto.RunRequest, langproto.RunResponse>): Promise<langproto.RunResponse> {
        const req = call.request;
        this.requireEngine();
        const response = (error: string, bail = false) => {
            const r = new langproto.RunResponse();
            r.setError(error);
            r.setBail(bail);
            return r;
        };
        const info = req.getInfo();
        const programDirectory = info?.getProgramDirectory() ?? "";
        const nodeBin = lookPath("node");
        if (!nodeBin) return response('could not find node on the $PATH: exec: "node": executable file not found in $PATH');
        let runPath: string;
        try {
            runPath = await locateModule(process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH || DefaultRunPath, programDirectory, nodeBin, false);
        } catch (err) {
            return response((err as Error).message);
        }
        if (req.getAttachDebugger()) return response("the sandbox's language host cannot attach a debugger");

        const args = constructArguments({
            runPath,
            monitorAddress: req.getMonitorAddress(),
            engineAddress: this.opts.engineAddress,
            organization: req.getOrganization(),
            project: req.getProject(),
            rootDirectory: info?.getRootDirectory() ?? "",
            stack: req.getStack(),
            programDirectory,
            dryRun: req.getDryrun(),
            parallel: req.getParallel(),
            tracing: this.opts.tracing,
            entryPoint: info?.getEntryPoint() ?? ".",
            args: req.getArgsList(),
        });
        let config: string;
        try {
            config = constructConfig(req.getConfigMap() as unknown as ReadonlyMap<string, string>);
        } catch (err) {
            return response(`failed to serialize configuration: ${(err as Error).message}`);
        }
        let opts: NodeOptions;
        let nodeArgs: string[];
        try {
            opts = parseOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);
            nodeArgs = shellSplit(opts.nodeargs);
        } catch (err) {
            return response((err as Error).message);
        }
        const env = { ...process.env, ...envObject(runtimeEnvironment(opts, config, constructConfigSecretKeys(req.getConfigsecretkeysList()))) };

        return new Promise((resolve) => {
            const child = spawn(nodeBin, [...nodeArgs, ...args], { env, stdio: ["ignore", "inherit", "inherit"] });
            this.programs.add(child);
            // The engine gave up on this Run (its context ended): interrupt, then kill after 5 s (WaitDelay).
            const onCancel = () => {
                if (child.exitCode !== null || child.signalCode !== null) return;
                child.kill("SIGINT");
                setTimeout(() => child.kill("SIGKILL"), 5000).unref();
            };
            call.on("cancelled", onCancel);
            child.on("error", (err) => {
                this.programs.delete(child);
                resolve(response(`Problem executing program (could not run language executor): ${err.message}`));
            });
            child.on("close", (code) => {
                this.programs.delete(child);
                call.removeListener("cancelled", onCancel);
                if (code === 0) resolve(response(""));
                else if (code === ExitedAfterShowingUserActionableMessage) resolve(response("", true));
                else resolve(response(exitMessage(code)));
            });
        });
    }

    /** About: node's path and version, the package manager and its version (called by preview and up). */
    private async about(req: langproto.AboutRequest): Promise<langproto.AboutResponse> {
        const info = req.getInfo();
        const opts = (() => {
            try {
                return parseOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);
            } catch (err) {
                throw new Error(`failed to parse options: ${(err as Error).message}`);
            }
        })();
        const pm = resolvePackageManager(opts.packagemanager, info?.getProgramDirectory() ?? "");
        const nodeBin = lookPath("node");
        if (!nodeBin) throw new Error('could not find executable "node"');
        const [nodeVersion, pmVersion] = await Promise.all([
            output("node", ["--version"]).then((r) => (r.failed ? "" : r.stdout.trim())),
            output(pm.executable, ["--version"]).then((r) => (r.failed ? "" : r.stdout.trim())),
        ]);
        const res = new langproto.AboutResponse();
        res.setExecutable(nodeBin);
        res.setVersion(nodeVersion);
        res.getMetadataMap().set("packagemanager", pm.name);
        res.getMetadataMap().set("packagemanagerVersion", /^\d+\.\d+\.\d+/.test(pmVersion) ? pmVersion : "");
        return res;
    }

    /**
     * InstallDependencies (sdk/nodejs/cmd/pulumi-language-nodejs InstallDependencies, npm.Install):
     * `npm install --loglevel=error` in the program's (or plugin's) directory, output streamed, then
     * a node_modules directory must be found there or above.
     */
    private async installDependencies(call: grpc.ServerWritableStream<langproto.InstallDependenciesRequest, langproto.InstallDependenciesResponse>): Promise<void> {
        const req = call.request;
        const info = req.getInfo();
        const dir = info?.getProgramDirectory() || req.getDirectory();
        const send = (stream: "stdout" | "stderr", data: Buffer | string) => {
            const msg = new langproto.InstallDependenciesResponse();
            const bytes = typeof data === "string" ? Buffer.from(data) : data;
            if (stream === "stdout") msg.setStdout(bytes);
            else msg.setStderr(bytes);
            call.write(msg);
        };
        send("stdout", "Installing dependencies...\n\n");
        for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
            const manifest = path.join(d, "package.json");
            if (fs.existsSync(manifest) && "workspaces" in (JSON.parse(fs.readFileSync(manifest, "utf8")) as object)) {
                throw new Error(`the sandbox's language host does not install npm workspaces (${manifest} declares one)`);
            }
        }
        const opts = parseOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);
        const pm = resolvePackageManager(opts.packagemanager, dir);
        if (pm.name !== "npm") throw new Error(`the sandbox's language host installs with npm only, not ${pm.name}`);
        await new Promise<void>((resolve, reject) => {
            const child = spawn(pm.executable, ["install", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
            child.stdout.on("data", (d: Buffer) => send("stdout", d));
            child.stderr.on("data", (d: Buffer) => send("stderr", d));
            child.on("error", reject);
            child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`exit status ${code}`))));
        });
        let found = false;
        for (let d = dir; ; d = path.dirname(d)) {
            if (fs.existsSync(path.join(d, "node_modules"))) found = true;
            if (found || d === path.dirname(d)) break;
        }
        if (!found) throw new Error("npm install reported success, but node_modules directory is missing");
        send("stdout", "Finished installing dependencies\n\n");
    }

    /**
     * RunPlugin: a plugin written in Node, from its directory. Policy packs (kind "analyzer") run
     * @pulumi/pulumi/cmd/run-policy-pack behind the analyzer proxy; resource plugins (a directory
     * with PulumiPlugin.yaml) run cmd/run-plugin. Output is streamed as it comes; a clean exit
     * ends the stream (the engine reads that as exit code 0), any other exit is an error.
     */
    private async runPlugin(call: grpc.ServerWritableStream<langproto.RunPluginRequest, langproto.RunPluginResponse>): Promise<void> {
        const req = call.request;
        this.requireEngine();
        const send = (stream: "stdout" | "stderr", data: Buffer) => {
            const msg = new langproto.RunPluginResponse();
            if (stream === "stdout") msg.setStdout(data);
            else msg.setStderr(data);
            call.write(msg);
        };
        const info = req.getInfo();
        const programDirectory = info?.getProgramDirectory() ?? "";
        const nodeBin = lookPath("node");
        if (!nodeBin) throw new Error('exec: "node": executable file not found in $PATH');
        const opts = parseOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>);
        const env = [...req.getEnvList()];
        if (opts.typescript) env.push("PULUMI_NODEJS_TYPESCRIPT=true");
        if (opts.tsconfigpath !== "") env.push(`PULUMI_NODEJS_TSCONFIG_PATH=${opts.tsconfigpath}`);

        const analyzer = req.getKind() === "analyzer";
        const runPath = await locateModule(
            analyzer ? "@pulumi/pulumi/cmd/run-policy-pack" : process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH || "@pulumi/pulumi/cmd/run-plugin",
            programDirectory, nodeBin, true);
        if (req.getAttachDebugger()) throw new Error("the sandbox's language host cannot attach a debugger");
        // As the real host: node's own arguments come after the runner here, and a policy pack gets
        // its directory last, everything else first.
        const args = [runPath, ...shellSplit(opts.nodeargs)];
        if (analyzer) args.push(...req.getArgsList(), programDirectory);
        else args.push(programDirectory, ...req.getArgsList());

        let proxy: PolicyProxy | undefined;
        if (analyzer) {
            proxy = await PolicyProxy.start();
            send("stdout", Buffer.from(`${proxy.port}\n`));
            const config = await proxy.awaitConfiguration();
            if (config) {
                const add = (k: string, v: string) => {
                    if (v !== "") env.push(`${k}=${v}`);
                };
                add("PULUMI_NODEJS_ORGANIZATION", config.getOrganization());
                add("PULUMI_NODEJS_PROJECT", config.getProject());
                add("PULUMI_NODEJS_STACK", config.getStack());
                add("PULUMI_NODEJS_DRY_RUN", String(config.getDryRun()));
                const cfg: Record<string, string> = {};
                const entries: [string, string][] = [];
                config.getConfigMap().forEach((v: string, k: string) => entries.push([k, v]));
                for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) cfg[k] = v;
                add("PULUMI_CONFIG", JSON.stringify(cfg));
            }
        }

        try {
            await new Promise<void>((resolve, reject) => {
                const child = spawn(nodeBin, args, {
                    cwd: analyzer ? programDirectory : req.getPwd(),
                    env: envObject(env),
                    stdio: ["ignore", "pipe", "pipe"],
                });
                this.plugins.add(child);
                // The engine kills a plugin by ending the call (exec.CommandContext: SIGKILL).
                const onCancel = () => child.kill("SIGKILL");
                call.on("cancelled", onCancel);
                child.stderr.on("data", (d: Buffer) => send("stderr", d));
                if (proxy) {
                    // The pack's first line is its port, for the proxy; the rest is the pack's output.
                    let buffered = Buffer.alloc(0);
                    let attached = false;
                    let gotLine!: (line: string) => void;
                    let noLine!: (err: Error) => void;
                    const firstLine = new Promise<string>((res, rej) => {
                        gotLine = res;
                        noLine = rej;
                    });
                    child.stdout.on("data", (d: Buffer) => {
                        if (attached) {
                            send("stdout", d);
                            return;
                        }
                        buffered = Buffer.concat([buffered, d]);
                        const nl = buffered.indexOf("\n");
                        if (nl < 0) return;
                        attached = true;
                        gotLine(buffered.subarray(0, nl).toString());
                        if (nl + 1 < buffered.length) send("stdout", buffered.subarray(nl + 1));
                    });
                    child.stdout.on("end", () => noLine(new Error("EOF")));
                    proxy.attach(firstLine).catch(reject);
                } else {
                    child.stdout.on("data", (d: Buffer) => send("stdout", d));
                }
                child.on("error", (err) => {
                    this.plugins.delete(child);
                    proxy?.abort(err);
                    reject(new Error(`Problem executing plugin program (could not run language executor): ${err.message}`));
                });
                child.on("close", (code) => {
                    this.plugins.delete(child);
                    call.removeListener("cancelled", onCancel);
                    if (code === 0) resolve();
                    else {
                        proxy?.abort(new Error(exitMessage(code)));
                        reject(new Error(exitMessage(code)));
                    }
                });
            });
        } finally {
            proxy?.close();
        }
    }
}

interface ResolvedPackageManager {
    readonly name: string;
    readonly executable: string;
}

/** npm.ResolvePackageManager, for About: an explicit choice, else the lock file's, else npm. */
export function resolvePackageManager(choice: NodeOptions["packagemanager"], dir: string): ResolvedPackageManager {
    const found = (name: string): ResolvedPackageManager | undefined => {
        const executable = lookPath(name);
        return executable ? { name, executable } : undefined;
    };
    const need = (name: string): ResolvedPackageManager => {
        const pm = found(name);
        if (!pm) throw new Error(`could not resolve packagemanager: could not find ${name} on the $PATH`);
        return pm;
    };
    if (choice !== "auto") return need(choice);
    const has = (...files: string[]) => files.some((f) => fs.existsSync(path.join(dir, f)));
    if (has("yarn.lock")) {
        const yarn = found("yarn");
        if (yarn) return yarn;
    }
    if (has("pnpm-lock.yaml")) {
        const pnpm = found("pnpm");
        if (pnpm) return pnpm;
    }
    if (has("bun.lock", "bun.lockb")) {
        const bun = found("bun");
        if (bun) return bun;
    }
    return need("npm");
}
