// Which GitHub hooks to read for a stack: the hook ids come from the stack's outputs
// (`pulumi stack output repositories --json`), the owner and each repository's GitHub name from
// `Pulumi.<stack>.yaml`, read with the program's own config rules (lib/config), so the mapping
// is the one the program used when it created the hooks.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigKey, ConfigKeys, ProjectName, RawConfig, validateConfig } from "../../lib/config";

export interface HookTarget {
    /** The stack's name for the repository (GitRepository/Receiver name; the key in the outputs). */
    readonly name: string;
    readonly owner: string;
    readonly repository: string;
    readonly hookId: number;
}

export interface Targets {
    readonly hooks: readonly HookTarget[];
    /** Repositories that cannot be checked, each with the reason; they count as failures. */
    readonly problems: readonly { readonly name: string; readonly problem: string }[];
}

export interface StackFile {
    readonly owner: string | undefined;
    /** `github:baseUrl` as the stack file sets it (resolved by lib/github.ts resolveGitHubBase), if it does. */
    readonly baseUrl: string | undefined;
    /** Repository name in the stack -> GitHub repository name. */
    readonly repositories: ReadonlyMap<string, string>;
    readonly problems: readonly string[];
}

function configString(v: unknown): string {
    return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** Reads Pulumi.yaml (defaults) and Pulumi.<stack>.yaml as the CLI hands them to the program. */
export function readStackFile(root: string, stack: string): StackFile {
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config?: Record<string, { default?: unknown }> };
    const file = parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> } | null;
    const raw: Partial<Record<ConfigKey, string>> = {};
    for (const [k, decl] of Object.entries(project.config ?? {})) {
        if (decl.default !== undefined && (ConfigKeys as readonly string[]).includes(k)) raw[k as ConfigKey] = configString(decl.default);
    }
    for (const [k, v] of Object.entries(file?.config ?? {})) {
        const bare = k.startsWith(`${ProjectName}:`) ? k.slice(ProjectName.length + 1) : undefined;
        if (bare !== undefined && (ConfigKeys as readonly string[]).includes(bare)) raw[bare as ConfigKey] = configString(v);
    }
    const ownerValue = file?.config?.["github:owner"];
    const owner = typeof ownerValue === "string" && ownerValue !== "" ? ownerValue : undefined;
    const baseUrlValue = file?.config?.["github:baseUrl"];
    const baseUrl = typeof baseUrlValue === "string" && baseUrlValue !== "" ? baseUrlValue : undefined;
    const result = validateConfig(raw as RawConfig);
    const repositories = new Map<string, string>();
    if (result.ok) for (const r of result.config.repositories) repositories.set(r.name, r.githubRepository);
    const problems = [
        ...(owner === undefined ? [`Pulumi.${stack}.yaml sets no github:owner`] : []),
        ...(result.ok ? [] : result.problems.map((p) => `Pulumi.${stack}.yaml: ${p}`)),
    ];
    return { owner, baseUrl, repositories, problems };
}

/**
 * Pairs the outputs' hook ids with the stack file's repositories. `outputsJson` is the text of
 * `pulumi stack output repositories --json`; without --show-secrets, secret fields read "[secret]",
 * and webhookId is not secret.
 */
export function hookTargets(outputsJson: string, stackFile: StackFile): Targets {
    const problems: { name: string; problem: string }[] = stackFile.problems.map((problem) => ({ name: "(stack file)", problem }));
    let outputs: unknown;
    try {
        outputs = JSON.parse(outputsJson);
    } catch {
        return { hooks: [], problems: [...problems, { name: "(outputs)", problem: "the `repositories` output could not be read (the log's \"Read the webhook ids\" step says why): did the login work, is the stack deployed?" }] };
    }
    if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
        const what = outputs === "[secret]" ? "secret as a whole" : `not an object (${JSON.stringify(outputs)})`;
        return { hooks: [], problems: [...problems, { name: "(outputs)", problem: `the \`repositories\` output is ${what}: is the stack deployed?` }] };
    }
    const hooks: HookTarget[] = [];
    for (const [name, value] of Object.entries(outputs as Record<string, unknown>)) {
        const raw = (value as { webhookId?: unknown } | null)?.webhookId;
        // A repository whose triggers are [actions-oidc] has no hook to verify (no webhookId; its `actions` output instead).
        if (raw === undefined && (value as { actions?: unknown } | null)?.actions !== undefined) continue;
        // GitHub's hook ids are positive integers; the github provider keeps them as strings.
        const id = typeof raw === "number" && raw > 0 ? raw : typeof raw === "string" && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : NaN;
        const repository = stackFile.repositories.get(name);
        if (!Number.isSafeInteger(id)) problems.push({ name, problem: `no usable webhookId in the outputs (${JSON.stringify(raw)})` });
        else if (repository === undefined) problems.push({ name, problem: "the outputs name a repository the stack file no longer lists: deploy main, then check again" });
        else if (stackFile.owner !== undefined) hooks.push({ name, owner: stackFile.owner, repository, hookId: id });
    }
    if (Object.keys(outputs).length === 0) problems.push({ name: "(outputs)", problem: "the stack has no repositories: nothing pushes to it" });
    return { hooks, problems };
}
