// Runs the program through the Automation API's inline programs (the Node language host cannot
// be had here): the very function index.ts calls, in a work dir holding the project's own
// Pulumi.yaml, so the CLI applies the same config schema and defaults as `pulumi up`.
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import stackProgram from "../index";
import { Sandbox, SandboxOwner } from "./sandbox";
import { repoRoot } from "./toolchain";

export const ProjectName = "flux-push";

/** The program exactly as `pulumi up` runs it: index.ts's exported function, outputs and all. */
export const program = stackProgram;

/** The sandbox's settings by key: staging's shape, pointing at the sandbox (the stack's config without its `flux-push:` prefix, and the component's inputs). */
export function sandboxSettings(sb: Sandbox, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        nodeAddress: "127.0.0.1",
        // Every sandbox address is loopback: the opt-in a GitHub Enterprise Server on the same
        // private network would need (GitHub.com never delivers to such addresses).
        allowPrivateAddresses: true,
        gitRepositoryInterval: "1h",
        kustomizationInterval: "1h",
        repositories: [{
            name: "instavote",
            url: sb.repositories.instavote,
            branch: "main",
            // The sandbox starts without the app's namespace: the stack creates it (and keeps it on destroy).
            kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", prune: true, targetNamespace: "instavote", createTargetNamespace: true }],
        }],
        ...overrides,
    };
}

/** The sandbox stack's config, as a stack file would hold it. */
export function sandboxConfig(sb: Sandbox, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const project = sandboxSettings(sb, overrides);
    return {
        "github:owner": SandboxOwner,
        "github:baseUrl": sb.github.url,
        // As a user points the kubernetes provider (and the program's preflight) at a cluster.
        "kubernetes:kubeconfig": sb.controlPlane.kubeconfig,
        ...Object.fromEntries(Object.entries(project).filter(([, v]) => v !== undefined).map(([k, v]) => [`${ProjectName}:${k}`, v])),
    };
}

export interface SandboxStack {
    readonly stack: Stack;
    readonly workDir: string;
    /** Rewrites the stack file's config (as a user edits Pulumi.<stack>.yaml). */
    setConfig(config: Record<string, unknown>): void;
    /** The file backend's checkpoint, as stored (for secrecy checks). */
    stateFile(): string;
}

/**
 * The committed Pulumi.yaml for a work dir outside the project: its local package and plugin paths
 * (the project's own package, plugin/) made absolute, as the engine resolves them from the
 * project's dir.
 */
export function projectFileElsewhere(): string {
    const project = parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as { plugins?: Record<string, { path?: string }[]>; packages?: Record<string, string> };
    for (const entries of Object.values(project.plugins ?? {})) {
        for (const e of entries) if (e.path !== undefined) e.path = path.resolve(repoRoot, e.path);
    }
    for (const [name, source] of Object.entries(project.packages ?? {})) {
        if (source.startsWith(".") || source.startsWith("/")) project.packages![name] = path.resolve(repoRoot, source);
    }
    return stringify(project);
}

/** How the stack authenticates to GitHub: the sandbox's admin token as `github:token`, or its GitHub App as `github:appAuth` (and no token at all). */
export type SandboxAuth = "token" | "app";

/**
 * A stack of the program in its own work dir. `env` adds to the sandbox's environment for this
 * stack's Pulumi CLI and the plugins it starts (e.g. the data-residency host map for node plugins).
 */
export async function sandboxStack(sb: Sandbox, stackName: string, config: Record<string, unknown>, env: Record<string, string> = {}, auth: SandboxAuth = "token"): Promise<SandboxStack> {
    const workDir = path.join(sb.dir, `project-${stackName}`);
    fs.mkdirSync(workDir, { recursive: true });
    fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), projectFileElsewhere());

    // PulumiCommand wants <root>/bin/pulumi.
    const cliRoot = path.join(sb.dir, "pulumi-cli");
    if (!fs.existsSync(path.join(cliRoot, "bin", "pulumi"))) {
        fs.mkdirSync(path.join(cliRoot, "bin"), { recursive: true });
        fs.symlinkSync(sb.tools.pulumi, path.join(cliRoot, "bin", "pulumi"));
    }
    const pulumiCommand = await PulumiCommand.get({ root: cliRoot });
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName, projectName: ProjectName, program },
        { workDir, envVars: { ...sb.pulumiEnv, ...env }, pulumiHome: sb.pulumiEnv.PULUMI_HOME, pulumiCommand },
    );
    const stackFile = path.join(workDir, `Pulumi.${stackName}.yaml`);
    const setConfig = (c: Record<string, unknown>) => {
        // Keep what the CLI wrote (the passphrase provider's encryptionsalt, secure values, and
        // objects holding one: github:appAuth with its encrypted pemFile).
        const current = fs.existsSync(stackFile) ? (parse(fs.readFileSync(stackFile, "utf8")) as Record<string, unknown> | null) ?? {} : {};
        const holdsSecure = (v: unknown): boolean => typeof v === "object" && v !== null && ("secure" in v || Object.values(v).some(holdsSecure));
        const secure = Object.fromEntries(Object.entries((current.config ?? {}) as Record<string, unknown>).filter(([, v]) => holdsSecure(v)));
        fs.writeFileSync(stackFile, stringify({ ...current, config: { ...c, ...secure } }));
    };
    setConfig(config);
    if (auth === "app") {
        // The GitHub App as docs/github-app.md has a user set it: the ids by path, the key as a secret.
        await stack.setConfig("github:appAuth.id", { value: String(sb.githubApp.id) }, true);
        await stack.setConfig("github:appAuth.installationId", { value: String(sb.githubApp.installationId) }, true);
        await stack.setConfig("github:appAuth.pemFile", { value: sb.githubApp.privateKey, secret: true }, true);
    } else {
        // The GitHub token as a user stores it: an encrypted secret in the stack file.
        await stack.setConfig("github:token", { value: sb.githubToken, secret: true });
    }
    return {
        stack,
        workDir,
        setConfig,
        stateFile: () => fs.readFileSync(path.join(sb.pulumiEnv.PULUMI_BACKEND_URL.replace("file://", ""), ".pulumi", "stacks", ProjectName, `${stackName}.json`), "utf8"),
    };
}
