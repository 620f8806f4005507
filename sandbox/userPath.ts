// The user's path: the plain `pulumi` CLI in a copy of the committed project directory, started
// through the Node language host (sandbox/bin/pulumi-language-nodejs), as `pulumi up` runs for a
// user. Used by the user-path e2e suite and the preview benchmark.
//
// Why a copy: it holds exactly the git-tracked files (nothing untracked, no build output, no
// local stack file can make it pass), and `stack init` / `config set` write Pulumi.<stack>.yaml
// into the project directory: in a temp copy nothing is left in the checkout, even after a crash.
// node_modules (and policy/node_modules) are links to the checkout's installs.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./toolchain";

/**
 * Copies the git-tracked files of the checkout to `dest` and links the installed node_modules.
 * With `ref`, the project as committed at that ref instead (a benchmark's "before"), with the
 * checkout's node_modules.
 */
export async function copyProject(dest: string, ref?: string): Promise<string> {
    if (ref !== undefined) {
        fs.mkdirSync(dest, { recursive: true });
        await new Promise<void>((resolve, reject) =>
            execFile("sh", ["-c", 'git archive --format=tar "$1" | tar -x -C "$2"', "sh", ref, dest], { cwd: repoRoot }, (err, _out, stderr) => (err ? reject(new Error(`git archive ${ref}: ${stderr}`)) : resolve())));
        return linkModules(dest);
    }
    const listed = await new Promise<string>((resolve, reject) =>
        execFile("git", ["ls-files", "-z"], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
    for (const file of listed.split("\0").filter((f) => f !== "")) {
        const from = path.join(repoRoot, file);
        // A tracked file deleted in the working tree is not part of what would be committed now.
        if (!fs.existsSync(from)) continue;
        fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
        fs.copyFileSync(from, path.join(dest, file));
        fs.chmodSync(path.join(dest, file), fs.statSync(from).mode);
    }
    linkModules(dest);
    // What `npm ci` does for a user (the `prepare` script): the plugin's JavaScript, compiled ahead.
    await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, [path.join(dest, "plugin", "build.js")], { cwd: dest }, (err, _out, stderr) => (err ? reject(new Error(`build:plugin in ${dest}: ${stderr}`)) : resolve())));
    return dest;
}

function linkModules(dest: string): string {
    for (const modules of ["node_modules", path.join("policy", "node_modules")]) {
        if (!fs.existsSync(path.join(repoRoot, modules))) {
            throw new Error(`${modules} is not installed: run npm ci${modules.startsWith("policy") ? " in policy/" : ""}`);
        }
        fs.symlinkSync(path.join(repoRoot, modules), path.join(dest, modules));
    }
    return dest;
}

/** The last commit whose own resources (hook capacity, probe, ping) were dynamic providers: stacks made by it upgrade in place. */
export const DynamicProvidersRef = "5160d4a21492f915171e4122d1349ce72bb20336";

/**
 * The last commit whose plugin resources kept the GitHub token and REST base they were created
 * with (the plugin's default provider, no configuration): stacks made by it move to the plugin's
 * explicit provider in one `up`.
 */
export const PluginDefaultProviderRef = "b4a09e67bf690a81b6971939d22246d44ad5cb3d";

/**
 * The last commit that loaded the plugin through Pulumi.yaml's `plugins.providers` (a development
 * override) and compiled its TypeScript at every start: stacks made by it take the package
 * (`packages:`, compiled ahead) with no change at all.
 */
export const PluginOverrideRef = "ae611106f625a6187f4977881bd56697f53561c6";

/** Whether the checkout's history holds `ref` (a shallow clone may not). */
export function hasCommit(ref: string): Promise<boolean> {
    return new Promise((resolve) => execFile("git", ["cat-file", "-e", `${ref}^{commit}`], { cwd: repoRoot }, (err) => resolve(!err)));
}

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

/** Runs `pulumi ARGS` in `cwd` with `env`, never throwing: the exit code is part of the result. */
export function runPulumi(pulumi: string, cwd: string, env: Record<string, string>, args: readonly string[]): Promise<CliResult> {
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
        execFile(pulumi, [...args, "--non-interactive", "--color", "never"], { cwd, env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 },
            (err, stdout, stderr) => resolve({
                code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
                stdout, stderr,
                seconds: Number(process.hrtime.bigint() - started) / 1e9,
            }));
    });
}

/**
 * The `pulumi config set` commands a user types for a stack's config (as sandboxConfig spells
 * it): scalars with --type where they are not strings, nested values with --path in one
 * `config set-all`. Secrets are set apart, with --secret.
 */
export function configCommands(config: Readonly<Record<string, unknown>>): string[][] {
    const commands: string[][] = [];
    const nested: string[] = [];
    const leaves = (prefix: string, value: unknown) => {
        if (Array.isArray(value)) value.forEach((v, i) => leaves(`${prefix}[${i}]`, v));
        else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) leaves(`${prefix}.${k}`, v);
        else nested.push("--plaintext", `${prefix}=${String(value)}`);
    };
    for (const [key, value] of Object.entries(config)) {
        if (value === undefined) continue;
        if (value !== null && typeof value === "object") {
            leaves(key, value);
        } else {
            const type = typeof value === "boolean" ? ["--type", "bool"] : typeof value === "number" ? ["--type", "int"] : [];
            commands.push(["config", "set", ...type, key, String(value)]);
        }
    }
    if (nested.length > 0) commands.push(["config", "set-all", "--path", ...nested]);
    return commands;
}
