// The pure parts of Pulumi's Node language host (`pulumi-language-nodejs`), as its Go source does
// them at the CLI version the sandbox runs (sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
// v3.274.1): Pulumi.yaml's runtime options, the program runner's command line and environment,
// and the plugin name and version a package.json announces. Same inputs, same outputs, same error
// messages; the gRPC server in host.ts only wires them up.

/**
 * The CLI release whose language host this one mirrors (sandbox/toolchain/build.sh pulumi_version).
 * Written from main.go as of v3.274.1; at v3.276.0 the engine's side (pkg/v3 resource/plugin:
 * langruntime_plugin.go, plugin.go, analyzer_plugin.go) and the sdk/v3 pieces the host uses
 * (policy_proxy.go, rpcutil's streams and health check, config keys, PulumiPluginJSON) are
 * byte-identical to v3.274.1's (compared in the Go module cache).
 */
export const MirrorsVersion = "v3.276.0";

/** Node's exit code that means "the program already told the user what went wrong" (@pulumi/pulumi cmd/run). */
export const ExitedAfterShowingUserActionableMessage = 32;

export type PackageManager = "auto" | "npm" | "yarn" | "pnpm" | "bun";
const PackageManagers: readonly PackageManager[] = ["auto", "npm", "yarn", "pnpm", "bun"];

/** Pulumi.yaml `runtime.options` for nodejs, as the real host reads them (parseOptions). */
export interface NodeOptions {
    /** Run TypeScript through ts-node (sets PULUMI_NODEJS_TYPESCRIPT); default true. */
    readonly typescript: boolean;
    /** PULUMI_NODEJS_TSCONFIG_PATH: which tsconfig the program runner hands ts-node. */
    readonly tsconfigpath: string;
    /** Arguments for node itself, split like a POSIX shell. */
    readonly nodeargs: string;
    readonly packagemanager: PackageManager;
}

/** Same checks and messages as the real host's parseOptions (runtime "nodejs"). */
export function parseOptions(options: Readonly<Record<string, unknown>>): NodeOptions {
    let typescript = true;
    let tsconfigpath = "";
    let nodeargs = "";
    let packagemanager: PackageManager = "auto";
    if ("typescript" in options) {
        if (typeof options.typescript !== "boolean") throw new Error("typescript option must be a boolean");
        typescript = options.typescript;
    }
    if ("tsconfig" in options) {
        if (typeof options.tsconfig !== "string") throw new Error("tsconfigpath option must be a string");
        tsconfigpath = options.tsconfig;
    }
    if ("nodeargs" in options) {
        if (typeof options.nodeargs !== "string") throw new Error("nodeargs option must be a string");
        nodeargs = options.nodeargs;
    }
    if ("packagemanager" in options) {
        const pm = options.packagemanager;
        if (typeof pm !== "string") throw new Error("packagemanager option must be a string");
        if (!(PackageManagers as readonly string[]).includes(pm)) {
            throw new Error(`packagemanager option must be one of auto, npm, yarn, pnpm or bun, got ${JSON.stringify(pm)}`);
        }
        packagemanager = pm as PackageManager;
    }
    return { typescript, tsconfigpath, nodeargs, packagemanager };
}

/**
 * Splits `nodeargs` as github.com/google/shlex does (the real host's shlex.Split): words separated
 * by whitespace; '...' literal; a backslash escapes the next character, inside "..." too (shlex
 * drops it before any character there, unlike a POSIX shell); `#` at the start of a word comments
 * out the rest of the line.
 */
export function shellSplit(input: string): string[] {
    const words: string[] = [];
    let word: string | undefined;
    let i = 0;
    const fail = (what: string) => {
        throw new Error(what);
    };
    while (i < input.length) {
        const c = input[i];
        if (/\s/.test(c)) {
            if (word !== undefined) words.push(word);
            word = undefined;
            i++;
        } else if (c === "#" && word === undefined) {
            while (i < input.length && input[i] !== "\n") i++;
        } else if (c === "\\") {
            if (i + 1 >= input.length) fail("EOF found after escape character");
            word = (word ?? "") + input[i + 1];
            i += 2;
        } else if (c === "'") {
            const end = input.indexOf("'", i + 1);
            if (end < 0) fail("EOF found when expecting closing quote");
            word = (word ?? "") + input.slice(i + 1, end);
            i = end + 1;
        } else if (c === '"') {
            let value = "";
            i++;
            for (;;) {
                if (i >= input.length) fail("EOF found when expecting closing quote");
                const d = input[i];
                if (d === '"') {
                    i++;
                    break;
                }
                if (d === "\\") {
                    if (i + 1 >= input.length) fail("EOF found after escape character");
                    value += input[i + 1];
                    i += 2;
                } else {
                    value += d;
                    i++;
                }
            }
            word = (word ?? "") + value;
        } else {
            word = (word ?? "") + c;
            i++;
        }
    }
    if (word !== undefined) words.push(word);
    return words;
}

/** A config key `<namespace>:<name>` or the old `<namespace>:config:<name>` (config.ParseKey). */
export function parseConfigKey(key: string): { namespace: string; name: string } {
    const parts = key.split(":");
    if (parts.length === 2) return { namespace: parts[0], name: parts[1] };
    if (parts.length === 3 && parts[1] === "config" && parts[0] !== "" && parts[2] !== "") return { namespace: parts[0], name: parts[2] };
    throw new Error(`could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
}

/**
 * PULUMI_CONFIG: the stack's config, keys in the old `<namespace>:config:<name>` form the real
 * host still presents (newer SDKs read both), sorted as Go's json.Marshal sorts a map.
 */
export function constructConfig(config: ReadonlyMap<string, string>): string {
    const out: Record<string, string> = {};
    for (const key of [...config.keys()].sort()) {
        const { namespace, name } = parseConfigKey(key);
        out[`${namespace}:config:${name}`] = config.get(key) as string;
    }
    // Go's map marshalling sorts by the transformed key.
    return JSON.stringify(Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** PULUMI_CONFIG_SECRET_KEYS: the keys whose values are secret, as the engine sent them. */
export function constructConfigSecretKeys(keys: readonly string[]): string {
    return JSON.stringify(keys);
}

export interface RunArguments {
    readonly runPath: string;
    readonly monitorAddress: string;
    readonly engineAddress: string;
    readonly syncDirectory?: string;
    readonly organization: string;
    readonly project: string;
    readonly rootDirectory: string;
    readonly stack: string;
    readonly programDirectory: string;
    readonly dryRun: boolean;
    readonly parallel: number;
    readonly tracing: string;
    readonly entryPoint: string;
    readonly args: readonly string[];
}

/** The program runner's command line, flag for flag (constructArguments). */
export function constructArguments(a: RunArguments): string[] {
    const args = [a.runPath];
    const maybe = (flag: string, value: string | undefined) => {
        if (value) args.push(`--${flag}`, value);
    };
    maybe("monitor", a.monitorAddress);
    maybe("engine", a.engineAddress);
    maybe("sync", a.syncDirectory);
    maybe("organization", a.organization);
    maybe("project", a.project);
    maybe("root-directory", a.rootDirectory);
    maybe("stack", a.stack);
    maybe("pwd", a.programDirectory);
    if (a.dryRun) args.push("--dry-run");
    // strconv.Itoa never yields "", so --parallel is always passed (0 included).
    maybe("parallel", String(Math.trunc(a.parallel)));
    maybe("tracing", a.tracing);
    // The engine always names an entry point, "." for the program directory.
    args.push(a.entryPoint, ...a.args);
    return args;
}

/** The environment additions for the program (execRuntime), after the inherited environment. */
export function runtimeEnvironment(opts: NodeOptions, config: string, secretKeys: string): string[] {
    const env = [`PULUMI_CONFIG=${config}`, `PULUMI_CONFIG_SECRET_KEYS=${secretKeys}`];
    if (opts.typescript) env.push("PULUMI_NODEJS_TYPESCRIPT=true");
    if (opts.tsconfigpath !== "") env.push(`PULUMI_NODEJS_TSCONFIG_PATH=${opts.tsconfigpath}`);
    return env;
}

/** The `pulumi` section of a package.json (plugin.PulumiPluginJSON). */
export interface PulumiPluginJson {
    readonly resource?: boolean;
    readonly name?: string;
    readonly version?: string;
    readonly server?: string;
    readonly parameterization?: { readonly name: string; readonly version: string; readonly value?: string };
    readonly extensionParameterization?: { readonly name: string; readonly version: string; readonly value?: string };
}

export interface PackageJson {
    readonly name?: string;
    readonly version?: string;
    readonly pulumi?: PulumiPluginJson;
}

export interface PackageDependency {
    readonly name: string;
    readonly kind: "resource";
    readonly version: string;
    readonly server: string;
    readonly parameterization?: { readonly name: string; readonly version: string; readonly value: Uint8Array };
    readonly extension?: { readonly name: string; readonly version: string; readonly value: Uint8Array };
}

/**
 * The resource plugin a package.json announces (`"pulumi": { "resource": true }`), or undefined
 * (getPackageInfo / getPluginName / getPluginVersion). A third-party package must name its plugin.
 */
export function packageDependency(info: PackageJson): PackageDependency | undefined {
    const pulumi = info.pulumi;
    if (!pulumi?.resource) return undefined;
    let name = pulumi.name ?? "";
    if (name === "") {
        if (!info.name) throw new Error('missing expected "name" property');
        if (!info.name.startsWith("@pulumi/")) {
            throw new Error(`Missing property "name" for the third-party plugin '${info.name}' inside package.json under the "pulumi" section.`);
        }
        name = info.name.slice("@pulumi/".length);
    }
    let version = pulumi.version || info.version || "";
    if (version === "") throw new Error('Missing expected "version" property');
    if (!version.startsWith("v")) version = `v${version}`;
    // []byte fields in Go's JSON are base64.
    const param = (p: PulumiPluginJson["parameterization"]) =>
        p ? { name: p.name, version: p.version, value: Buffer.from(p.value ?? "", "base64") } : undefined;
    return {
        name, kind: "resource", version, server: pulumi.server ?? "",
        ...(pulumi.parameterization ? { parameterization: param(pulumi.parameterization) } : {}),
        ...(pulumi.extensionParameterization ? { extension: param(pulumi.extensionParameterization) } : {}),
    };
}

/** Whether two @pulumi/pulumi versions may be loaded together (compatibleVersions); the message if not. */
export function compatibleVersions(a: string, b: string): string | undefined {
    const major = (v: string) => Number(v.split(".")[0]);
    const minor = (v: string) => Number(v.split(".")[1]);
    const [am, bm] = [major(a), major(b)];
    if (am === 0 && bm === 0) return minor(a) !== minor(b) ? "Differing major or minor versions are not supported." : undefined;
    if (am >= 1 && am <= 2 && bm >= 1 && bm <= 2) return undefined;
    if (am > 2 || bm > 2) return am !== bm ? "Differing major versions are not supported." : undefined;
    if ((am === 1 && bm === 0 && minor(b) === 17) || (bm === 1 && am === 0 && minor(a) === 17)) return undefined;
    return "Differing major or minor versions are not supported.";
}
