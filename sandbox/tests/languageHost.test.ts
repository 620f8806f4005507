// The sandbox's Node language host (sandbox/languageHost, run as sandbox/bin/pulumi-language-nodejs)
// is tested like the other stand-ins: its pure parts against the real host's rules (same inputs,
// outputs and messages as main.go v3.274.1, see MirrorsVersion), the compiled host over gRPC, and the real Pulumi CLI
// driving it on tiny programs with a file backend in a temp dir (no cluster).
import * as assert from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { LanguageRuntimeClient } from "@pulumi/pulumi/proto/language_grpc_pb";
import { GetProgramDependenciesRequest, GetRequiredPackagesRequest, GetRequiredPackagesResponse, GetRequiredPluginsRequest, LanguageHandshakeRequest, ProgramInfo, RunRequest, RunResponse } from "@pulumi/pulumi/proto/language_pb";
import { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { parseFlags } from "../languageHost/main";
import {
    compatibleVersions, constructArguments, constructConfig, MirrorsVersion, packageDependency, parseConfigKey, parseOptions, RunArguments,
    runtimeEnvironment, shellSplit,
} from "../languageHost/options";
import { requiredPackages } from "../languageHost/packages";
import { buildStandins, pluginSearchPath, repoRoot, toolchainPaths } from "../toolchain";

describe("Node language host: the real host's rules", () => {
    it("reads Pulumi.yaml's runtime options with the real defaults and messages", () => {
        assert.deepStrictEqual(parseOptions({}), { typescript: true, tsconfigpath: "", nodeargs: "", packagemanager: "auto" });
        assert.deepStrictEqual(parseOptions({ typescript: false, tsconfig: "tsconfig.pulumi.json", nodeargs: "--inspect", packagemanager: "npm" }),
            { typescript: false, tsconfigpath: "tsconfig.pulumi.json", nodeargs: "--inspect", packagemanager: "npm" });
        const cases: [Record<string, unknown>, string][] = [
            [{ typescript: "false" }, "typescript option must be a boolean"],
            [{ tsconfig: 1 }, "tsconfigpath option must be a string"],
            [{ nodeargs: ["--x"] }, "nodeargs option must be a string"],
            [{ packagemanager: "deno" }, 'packagemanager option must be one of auto, npm, yarn, pnpm or bun, got "deno"'],
            [{ packagemanager: true }, "packagemanager option must be a string"],
        ];
        for (const [options, message] of cases) assert.throws(() => parseOptions(options), { message }, JSON.stringify(options));
    });

    it("splits nodeargs as google/shlex does", () => {
        const cases: [string, string[]][] = [
            ["", []],
            ["  --max-old-space-size=4096   --enable-source-maps ", ["--max-old-space-size=4096", "--enable-source-maps"]],
            [`--title 'a b' "c d"`, ["--title", "a b", "c d"]],
            [`a\\ b "x\\"y" "p\\q"`, ["a b", 'x"y', "pq"]],
            [`--a # a comment\n--b`, ["--a", "--b"]],
            [`x#y ""`, ["x#y", ""]],
        ];
        for (const [input, words] of cases) assert.deepStrictEqual(shellSplit(input), words, input);
        assert.throws(() => shellSplit(`"open`), { message: "EOF found when expecting closing quote" });
        assert.throws(() => shellSplit(`end\\`), { message: "EOF found after escape character" });
    });

    it("hands the program its config in the old <namespace>:config:<name> form, sorted, and refuses malformed keys", () => {
        assert.deepStrictEqual(parseConfigKey("flux-push:repositories"), { namespace: "flux-push", name: "repositories" });
        assert.deepStrictEqual(parseConfigKey("github:config:token"), { namespace: "github", name: "token" });
        assert.throws(() => parseConfigKey("a:b:c"), { message: "could not parse a:b:c as a configuration key (configuration keys should be of the form `<namespace>:<name>`)" });
        const config = new Map([["github:token", "t"], ["flux-push:nodePort", "31234"], ["aws:region", "x"]]);
        assert.strictEqual(constructConfig(config), '{"aws:config:region":"x","flux-push:config:nodePort":"31234","github:config:token":"t"}');
        assert.deepStrictEqual(runtimeEnvironment(parseOptions({}), "{}", '["github:token"]'),
            ["PULUMI_CONFIG={}", 'PULUMI_CONFIG_SECRET_KEYS=["github:token"]', "PULUMI_NODEJS_TYPESCRIPT=true"]);
        assert.deepStrictEqual(runtimeEnvironment(parseOptions({ typescript: false, tsconfig: "t.json" }), "{}", "[]"),
            ["PULUMI_CONFIG={}", "PULUMI_CONFIG_SECRET_KEYS=[]", "PULUMI_NODEJS_TSCONFIG_PATH=t.json"]);
    });

    it("builds the runner's command line flag for flag, empty values left out, --parallel always", () => {
        const base: RunArguments = {
            runPath: "/p/node_modules/@pulumi/pulumi/cmd/run/index.js", monitorAddress: "127.0.0.1:1", engineAddress: "127.0.0.1:2",
            organization: "", project: "flux-push", rootDirectory: "/p", stack: "dev", programDirectory: "/p", dryRun: true, parallel: 0,
            tracing: "", entryPoint: ".", args: ["extra"],
        };
        assert.deepStrictEqual(constructArguments(base), [
            base.runPath, "--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2", "--project", "flux-push", "--root-directory", "/p",
            "--stack", "dev", "--pwd", "/p", "--dry-run", "--parallel", "0", ".", "extra",
        ]);
        assert.deepStrictEqual(constructArguments({ ...base, dryRun: false, organization: "org", parallel: 16, tracing: "t", entryPoint: "index.ts", args: [] }).slice(3), [
            "--engine", "127.0.0.1:2", "--organization", "org", "--project", "flux-push", "--root-directory", "/p", "--stack", "dev",
            "--pwd", "/p", "--parallel", "16", "--tracing", "t", "index.ts",
        ]);
    });

    it("names a package's plugin as the real host does (pulumi.name, else @pulumi/<name>; version with a v)", () => {
        assert.strictEqual(packageDependency({ name: "@pulumi/kubernetes", version: "4.25.0" }), undefined, "no pulumi section: no plugin");
        assert.strictEqual(packageDependency({ name: "@pulumi/pulumi", version: "3.248.0", pulumi: { resource: false } }), undefined);
        assert.deepStrictEqual(packageDependency({ name: "@pulumi/kubernetes", version: "4.25.0", pulumi: { resource: true } }),
            { name: "kubernetes", kind: "resource", version: "v4.25.0", server: "" });
        assert.deepStrictEqual(packageDependency({ name: "@acme/thing", version: "1.0.0", pulumi: { resource: true, name: "thing", version: "v2.0.0", server: "https://x" } }),
            { name: "thing", kind: "resource", version: "v2.0.0", server: "https://x" });
        assert.deepStrictEqual(packageDependency({ name: "@x/y", version: "1.0.0", pulumi: { resource: true, name: "terraform-provider", parameterization: { name: "y", version: "0.1.0", value: Buffer.from("p").toString("base64") } } }),
            { name: "terraform-provider", kind: "resource", version: "v1.0.0", server: "", parameterization: { name: "y", version: "0.1.0", value: Buffer.from("p") } });
        assert.throws(() => packageDependency({ name: "@acme/thing", version: "1.0.0", pulumi: { resource: true } }),
            { message: `Missing property "name" for the third-party plugin '@acme/thing' inside package.json under the "pulumi" section.` });
        assert.throws(() => packageDependency({ name: "@pulumi/x", pulumi: { resource: true } }), { message: 'Missing expected "version" property' });
        assert.strictEqual(compatibleVersions("3.248.0", "3.1.0"), undefined);
        assert.strictEqual(compatibleVersions("3.248.0", "2.1.0"), "Differing major versions are not supported.");
        assert.strictEqual(compatibleVersions("0.16.0", "0.17.0"), "Differing major or minor versions are not supported.");
    });

    it("takes the engine's flags as Go's flag package does (glog's included) and refuses unknown ones", () => {
        assert.deepStrictEqual(parseFlags(["--logtostderr", "-v=9", "--tracing", "http://t", "127.0.0.1:5"]),
            { tracing: "http://t", runtime: "nodejs", version: false, args: ["127.0.0.1:5"] });
        assert.deepStrictEqual(parseFlags(["-version"]).version, true);
        assert.throws(() => parseFlags(["--bogus", "x"]), { message: "flag provided but not defined: -bogus" });
        assert.throws(() => parseFlags(["--tracing"]), { message: "flag needs an argument: -tracing" });
    });

    it("mirrors the language host of the CLI version the sandbox builds", () => {
        const build = fs.readFileSync(path.join(repoRoot, "sandbox", "toolchain", "build.sh"), "utf8");
        assert.strictEqual(/^pulumi_version=(\S+)/m.exec(build)?.[1], MirrorsVersion, "the CLI moved on: compare the host with main.go at that version");
    });
});

describe("Node language host: required packages (GetRequiredPackages)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-pkgs-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const pkg = (where: string, json: object) => {
        fs.mkdirSync(path.join(dir, where), { recursive: true });
        fs.writeFileSync(path.join(dir, where, "package.json"), JSON.stringify(json));
    };

    it("finds resource packages under node_modules, deeply, skips policy packs and what is not under node_modules, follows a symlink loop once", () => {
        pkg(".", { name: "prog", pulumi: { resource: true } });
        pkg("node_modules/@pulumi/kubernetes", { name: "@pulumi/kubernetes", version: "4.25.0", pulumi: { resource: true } });
        pkg("node_modules/@pulumi/pulumi", { name: "@pulumi/pulumi", version: "3.248.0" });
        pkg("node_modules/a/node_modules/@pulumi/random", { name: "@pulumi/random", version: "4.21.2", pulumi: { resource: true } });
        pkg("node_modules/@acme/unnamed", { name: "@acme/unnamed", version: "1.0.0", pulumi: { resource: true } });
        pkg("lib/node_modules/@pulumi/github", { name: "@pulumi/github", version: "6.15.0", pulumi: { resource: true } });
        pkg("policy/node_modules/@pulumi/aws", { name: "@pulumi/aws", version: "7.0.0", pulumi: { resource: true } });
        fs.writeFileSync(path.join(dir, "policy", "PulumiPolicy.yaml"), "runtime: nodejs\n");
        fs.symlinkSync(dir, path.join(dir, "node_modules", "a", "loop"));
        const found = requiredPackages(dir);
        assert.deepStrictEqual(found.packages.map((p) => `${p.name}@${p.version}`).sort(), ["github@v6.15.0", "kubernetes@v4.25.0", "random@v4.21.2"]);
        assert.deepStrictEqual(found.errors.map((e) => e.replace(dir, "DIR")), [
            `unmarshaling package.json DIR/node_modules/@acme/unnamed/package.json: Missing property "name" for the third-party plugin '@acme/unnamed' inside package.json under the "pulumi" section.`,
        ]);
        assert.strictEqual(found.incompatible, undefined);
    });

    it("reports two copies of @pulumi/pulumi of different majors", () => {
        pkg("node_modules/@pulumi/pulumi", { name: "@pulumi/pulumi", version: "3.248.0" });
        pkg("node_modules/old/node_modules/@pulumi/pulumi", { name: "@pulumi/pulumi", version: "2.25.0" });
        assert.match(requiredPackages(dir).incompatible ?? "", /^Found incompatible versions of @pulumi\/pulumi\. Differing major versions are not supported\.\n {2}Version 3\.248\.0 referenced at .*\n {2}Version 2\.25\.0 referenced at /);
    });

    it("this project needs exactly the plugins of the providers it installs", () => {
        const installed = (name: string) => (JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", "@pulumi", name, "package.json"), "utf8")) as { version: string }).version;
        const found = requiredPackages(repoRoot).packages.map((p) => `${p.name}@${p.version}`).sort();
        assert.deepStrictEqual(found, [`github@v${installed("github")}`, `kubernetes@v${installed("kubernetes")}`, `random@v${installed("random")}`]);
    });
});

type Settle<T> = (err: grpc.ServiceError | null, value: T) => void;

describe("Node language host: the compiled host over gRPC", function () {
    this.timeout(60000);
    let host: ChildProcess;
    let client: LanguageRuntimeClient;
    let engine: grpc.Server;
    let enginePort: number;

    const unary = <Req, Res>(method: (r: Req, cb: Settle<Res>) => unknown, req: Req) =>
        new Promise<Res>((resolve, reject) => method.call(client, req, (e: grpc.ServiceError | null, v: Res) => (e ? reject(e) : resolve(v))));

    before(async () => {
        await buildStandins();
        // A stand-in engine: it only has to exist for the host's health check.
        engine = new grpc.Server();
        enginePort = await new Promise<number>((resolve, reject) => engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
        host = spawn(path.join(repoRoot, "sandbox", "bin", "pulumi-language-nodejs"), [], { stdio: ["ignore", "pipe", "inherit"] });
        const port = await new Promise<string>((resolve, reject) => {
            host.stdout?.once("data", (d: Buffer) => resolve(d.toString()));
            host.once("exit", (code) => reject(new Error(`the host exited (${code})`)));
        });
        assert.match(port, /^\d+\n$/, "the port alone on the first line, as the engine reads it");
        client = new LanguageRuntimeClient(`127.0.0.1:${port.trim()}`, grpc.credentials.createInsecure());
    });
    after(async () => {
        client?.close();
        if (host && host.exitCode === null) {
            const exited = new Promise((r) => host.once("exit", r));
            host.kill("SIGINT");
            await exited;
        }
        engine?.forceShutdown();
    });

    it("answers GetPluginInfo with the mirrored version; GetRequiredPlugins and codegen calls are UNIMPLEMENTED", async () => {
        const info = await unary<Empty, PluginInfo>(client.getPluginInfo, new Empty());
        assert.strictEqual(info.getVersion(), MirrorsVersion);
        await assert.rejects(unary(client.getRequiredPlugins, new GetRequiredPluginsRequest()), { code: grpc.status.UNIMPLEMENTED, details: "method GetRequiredPlugins not implemented" });
        await assert.rejects(unary(client.getProgramDependencies, new GetProgramDependenciesRequest()), { code: grpc.status.UNIMPLEMENTED });
    });

    it("refuses Run before it knows the engine, as the real host does; after Handshake it answers from the program directory", async () => {
        await assert.rejects(unary<RunRequest, RunResponse>(client.run, new RunRequest()), { details: "when debugging or running explicitly, must call Handshake before Run" });
        const hs = new LanguageHandshakeRequest();
        hs.setEngineAddress(`127.0.0.1:${enginePort}`);
        await unary(client.handshake, hs);
        const info = new ProgramInfo();
        info.setProgramDirectory(repoRoot);
        info.setRootDirectory(repoRoot);
        info.setEntryPoint(".");
        const req = new GetRequiredPackagesRequest();
        req.setInfo(info);
        const res = await unary<GetRequiredPackagesRequest, GetRequiredPackagesResponse>(client.getRequiredPackages, req);
        assert.deepStrictEqual(res.getPackagesList().map((p) => p.getName()).sort(), ["github", "kubernetes", "random"]);
    });
});

/** The real CLI (sandbox toolchain) with a file backend in `dir`, the sandbox's bin first on PATH. */
function cli(dir: string) {
    const tools = toolchainPaths();
    if (!fs.existsSync(tools.pulumi)) throw new Error(`${tools.pulumi} is not built; run: bash sandbox/toolchain/build.sh pulumi`);
    const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        // As the sandbox: the CLI, the stand-ins, then the node this test runs on (the project's Node 24).
        PATH: pluginSearchPath(tools),
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "test",
        PULUMI_SKIP_UPDATE_CHECK: "1",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    fs.mkdirSync(env.PULUMI_HOME, { recursive: true });
    fs.mkdirSync(path.join(dir, "state"), { recursive: true });
    return (cwd: string, ...args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
        execFile(tools.pulumi, [...args, "--non-interactive", "--color", "never"], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, out: stdout + stderr }));
    });
}

/** A project directory: Pulumi.yaml, package.json, sources, node_modules linked to `modules`. */
function project(dir: string, files: Record<string, string>, modules = path.join(repoRoot, "node_modules")): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    fs.symlinkSync(modules, path.join(dir, "node_modules"));
    return dir;
}

describe("Node language host: the real CLI (the sandbox's, v3.276.0) runs programs and policy packs through it", function () {
    this.timeout(5 * 60 * 1000);
    let dir: string;
    let pulumi: ReturnType<typeof cli>;
    let prog: string;
    const ok = async (cwd: string, ...args: string[]) => {
        const res = await pulumi(cwd, ...args);
        assert.strictEqual(res.code, 0, `pulumi ${args.join(" ")}:\n${res.out}`);
        return res.out;
    };

    before(async () => {
        await buildStandins();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-cli-"));
        pulumi = cli(dir);
        prog = project(path.join(dir, "prog"), {
            "Pulumi.yaml": "name: tiny\nruntime:\n  name: nodejs\n  options:\n    nodeargs: --max-old-space-size=300 --stack-size=2000\n",
            "package.json": JSON.stringify({ name: "tiny", main: "index.ts" }),
            "index.ts": `import * as pulumi from "@pulumi/pulumi";
const config = new pulumi.Config();
const mode = config.get("mode") ?? "";
if (mode === "throw") throw new Error("the program refused: mode throw");
if (mode === "exit") process.exit(3);
// Typed on purpose: ts-node type-checks at run time unless told otherwise.
const port: number = config.requireNumber("port");
export const greeting = config.require("greeting");
export const token = config.requireSecret("token");
export const execArgv = process.execArgv;
export const typescript = process.env.PULUMI_NODEJS_TYPESCRIPT ?? "";
export const secretKeys = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "null");
export const stack = pulumi.getStack() + "/" + pulumi.getProject();
export const dryRun = pulumi.runtime.isDryRun();
export const doubled = port * 2;
`,
        });
        await ok(prog, "stack", "init", "dev");
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("up runs the TypeScript program with its config, secret keys, nodeargs and ts-node, as the real host starts it", async () => {
        await ok(prog, "config", "set", "greeting", "hello");
        await ok(prog, "config", "set", "port", "21");
        await ok(prog, "config", "set", "--secret", "token", "s3cret-value");
        await ok(prog, "up", "--yes", "--skip-preview");
        const outputs = JSON.parse(await ok(prog, "stack", "output", "--json", "--show-secrets")) as Record<string, unknown>;
        assert.deepStrictEqual(outputs, {
            greeting: "hello", token: "s3cret-value", execArgv: ["--max-old-space-size=300", "--stack-size=2000"], typescript: "true",
            secretKeys: ["tiny:token"], stack: "dev/tiny", dryRun: false, doubled: 42,
        });
        const hidden = JSON.parse(await ok(prog, "stack", "output", "--json")) as Record<string, unknown>;
        assert.strictEqual(hidden.token, "[secret]", "requireSecret kept the value secret: the host passed PULUMI_CONFIG_SECRET_KEYS");
        const state = fs.readFileSync(path.join(dir, "state", ".pulumi", "stacks", "tiny", "dev.json"), "utf8");
        assert.ok(!state.includes("s3cret-value"), "the secret is encrypted in the state file");
    });

    it("preview --policy-pack starts the pack through the host, which hands it the stack, project and config", async () => {
        const pack = project(path.join(dir, "pack"), {
            "PulumiPolicy.yaml": "runtime: nodejs\n",
            "package.json": JSON.stringify({ name: "tiny-pack", version: "0.0.1", main: "index.ts" }),
            "index.ts": `import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
new PolicyPack("tiny-pack", {
    policies: [{
        name: "says-where",
        description: "reports what the pack was started with",
        enforcementLevel: "mandatory",
        validateStack: (_args, reportViolation) => {
            reportViolation("stack=" + pulumi.getStack() + " project=" + pulumi.getProject() + " greeting=" + new pulumi.Config("tiny").get("greeting"));
        },
    }],
});
`,
        }, policyModules());
        const res = await pulumi(prog, "preview", "--policy-pack", pack);
        assert.notStrictEqual(res.code, 0, res.out);
        assert.match(res.out, /\[mandatory\] {2}says-where/);
        assert.match(res.out, /stack=dev project=tiny greeting=hello/);
    });

    it("a program that throws is reported once (exit 32: bail); a program that exits 3 gets the host's message", async () => {
        await ok(prog, "config", "set", "mode", "throw");
        const thrown = await pulumi(prog, "preview");
        assert.notStrictEqual(thrown.code, 0);
        assert.strictEqual(thrown.out.match(/the program refused: mode throw/g)?.length, 1, thrown.out);
        assert.doesNotMatch(thrown.out, /Program exited with non-zero exit code/);
        await ok(prog, "config", "set", "mode", "exit");
        const exited = await pulumi(prog, "preview");
        assert.notStrictEqual(exited.code, 0);
        assert.match(exited.out, /Program exited with non-zero exit code: 3/);
        await ok(prog, "config", "rm", "mode");
    });

    it("honours runtime options typescript: false (plain node, no ts-node) and refuses a malformed one with the real message", async () => {
        const js = project(path.join(dir, "js"), {
            "Pulumi.yaml": "name: plainjs\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
            "package.json": JSON.stringify({ name: "plainjs", main: "index.js" }),
            "index.js": `exports.typescript = process.env.PULUMI_NODEJS_TYPESCRIPT ?? "unset";\nexports.tsNodeLoaded = Object.keys(require.cache).some((f) => f.includes("/ts-node/"));\n`,
        });
        await ok(js, "stack", "init", "dev");
        await ok(js, "up", "--yes", "--skip-preview");
        assert.deepStrictEqual(JSON.parse(await ok(js, "stack", "output", "--json")), { typescript: "unset", tsNodeLoaded: false });
        fs.writeFileSync(path.join(js, "Pulumi.yaml"), "name: plainjs\nruntime:\n  name: nodejs\n  options:\n    typescript: \"no\"\n");
        const bad = await pulumi(js, "preview");
        assert.notStrictEqual(bad.code, 0);
        assert.match(bad.out, /typescript option must be a boolean/);
    });

    it("runs a source-based provider plugin (PulumiPlugin.yaml, Pulumi.yaml plugins.providers path) through RunPlugin: its default provider holds no config", async () => {
        const plugin = project(path.join(dir, "lifecycle"), {
            "PulumiPlugin.yaml": "runtime: nodejs\n",
            "package.json": JSON.stringify({ name: "lifecycle", version: "0.1.0", main: "index.ts" }),
            "index.ts": `import * as provider from "@pulumi/pulumi/provider";
provider.main({
    version: "0.1.0",
    async check(_urn: string, _olds: unknown, news: Record<string, unknown>) { return { inputs: news }; },
    async diff(_id: string, _urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) { return { changes: olds.target !== news.target }; },
    async create(_urn: string, inputs: Record<string, unknown>) { return { id: "probe-" + String(inputs.target), outs: { ...inputs, pid: process.pid } }; },
    async delete() { return; },
}, process.argv.slice(2));
`,
        });
        const user = project(path.join(dir, "user"), {
            "Pulumi.yaml": `name: user\nruntime: nodejs\nplugins:\n  providers:\n    - name: lifecycle\n      path: ${plugin}\n`,
            "package.json": JSON.stringify({ name: "user", main: "index.ts" }),
            "index.ts": `import * as pulumi from "@pulumi/pulumi";
class Probe extends pulumi.CustomResource {
    constructor(name: string, target: string) {
        super("lifecycle:index:Probe", name, { target, pid: undefined });
    }
}
const probe = new Probe("p1", "a");
export const id = probe.id;
`,
        });
        await ok(user, "stack", "init", "dev");
        await ok(user, "config", "set", "unrelated", "1");
        const log = await ok(user, "up", "--yes", "--skip-preview", "--logtostderr", "-v=7");
        assert.match(log, /langhost\[nodejs\]\.RunPlugin\(root=[^,]*\/lifecycle, program=[^,]*\/lifecycle/, "the engine ran the plugin through the language host");
        const outputs = JSON.parse(await ok(user, "stack", "output", "--json")) as { id: string };
        assert.strictEqual(outputs.id, "probe-a");
        const state = JSON.parse(fs.readFileSync(path.join(dir, "state", ".pulumi", "stacks", "user", "dev.json"), "utf8")) as { checkpoint: { latest: { resources: { type: string; inputs?: Record<string, unknown> }[] } } };
        const provider = state.checkpoint.latest.resources.find((r) => r.type === "pulumi:providers:lifecycle");
        assert.deepStrictEqual(provider?.inputs ?? {}, {}, "the stack's config is not the plugin's: nothing to diff on a config change");
        await ok(user, "config", "set", "unrelated", "2");
        await ok(user, "preview", "--expect-no-changes");
    });

    it("`pulumi package get-schema` of a local package: InstallDependencies runs npm install in its directory (output streamed), then the plugin serves its schema; yarn is refused", async () => {
        const files = (pm?: string) => ({
            "PulumiPlugin.yaml": `runtime:\n  name: nodejs\n${pm ? `  options:\n    packagemanager: ${pm}\n` : ""}`,
            "package.json": JSON.stringify({ name: "schemed", version: "0.2.0", main: "index.js" }),
            "index.js": `require("@pulumi/pulumi/provider").main({
    version: "0.2.0",
    async getSchema() { return JSON.stringify({ name: "schemed", version: "0.2.0", resources: { "schemed:index:Thing": { description: "A thing.", properties: {}, inputProperties: {} } } }); },
}, process.argv.slice(2));
`,
        });
        // As plugin/ in the project: the plugin's directory has no node_modules of its own (npm
        // install there must not prune a linked one), its parent's has @pulumi/pulumi.
        const parent = project(path.join(dir, "packages"), {});
        const plugin = (name: string, pm?: string) => {
            const d = path.join(parent, name);
            fs.mkdirSync(d);
            for (const [f, text] of Object.entries(files(pm))) fs.writeFileSync(path.join(d, f), text);
            return d;
        };
        const schemed = plugin("schemed");
        const res = await pulumi(dir, "package", "get-schema", schemed);
        assert.strictEqual(res.code, 0, res.out);
        assert.match(res.out, /Installing dependencies\.\.\.[\s\S]*Finished installing dependencies/, "the host's install output, streamed");
        assert.match(res.out, /"schemed:index:Thing"/);
        assert.ok(fs.existsSync(path.join(schemed, "package-lock.json")), "npm install ran in the plugin's directory");
        const yarn = plugin("schemed-yarn", "yarn");
        const refused = await pulumi(dir, "package", "get-schema", yarn);
        assert.notStrictEqual(refused.code, 0);
        assert.match(refused.out, /installs with npm only, not yarn|could not find yarn on the \$PATH/);
    });
});

/** The policy pack's installed modules (@pulumi/policy): `cd policy && npm ci` first, as CI does. */
function policyModules(): string {
    const modules = path.join(repoRoot, "policy", "node_modules");
    if (!fs.existsSync(path.join(modules, "@pulumi", "policy"))) throw new Error("policy/node_modules has no @pulumi/policy: run (cd policy && npm ci)");
    return modules;
}
