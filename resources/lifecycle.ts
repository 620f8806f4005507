// The program's own resources (resources/githubHooks.ts, resources/actionsTrigger.ts) are served
// by a provider plugin of the project's own (plugin/: PulumiPlugin.yaml `runtime: nodejs`, named
// in Pulumi.yaml `plugins.providers`), not by Pulumi's dynamic providers: a dynamic resource stores
// a serialized copy of its provider's code in its own state (67 KiB of the 109 KiB a one-repository
// stack wrote, 3.4 MB at 50 repositories, rewritten at every step of every update), and the engine
// hands the dynamic providers' plugin the whole stack config, so every config change previewed
// `~ pulumi:providers:pulumi-nodejs::default`. A plugin's state is the resources' inputs and
// outputs only.
//
// How the plugin reaches GitHub is its provider's configuration, not the resources' own inputs:
// the program registers one explicit provider (resources/pluginProvider.ts) with the GitHub REST
// base and credentials the stack has now, and every call of every resource (delete included)
// uses that configuration. The credentials are a token, or a GitHub App's ids and key: then the
// plugin mints its own installation tokens (lib/githubApp.ts), one source per configuration so
// every resource shares a token, and no token is ever an input or an output. A resource that kept the token it was created with could not be
// deleted once the token was rotated or expired (issue 23); the github provider works the same
// way (its resources hold no credentials, its provider does). The plugin's default provider is
// never used: it would receive only config in the plugin's own namespace (`flux-push-github:`),
// which the stack never sets.
//
// This file is the plugin's pure part: the resource types, the provider configuration, and what
// the engine's wire format means for a lifecycle written as plain functions over plain values (the
// shape the providers had as dynamic providers, which their tests run). The plugin's provider tells
// the engine it accepts secrets, so secret inputs arrive wrapped: they are unwrapped for the
// lifecycle, and an output named like a secret input is wrapped again on the way out (what the
// engine itself does for a provider that does not accept secrets), so no secret reaches state in
// plaintext.
import { GitHubApiSettings, githubBaseOf, GitHubTokenSource } from "../lib/github";
import { AppCredentials, appKeyProblem, InstallationTokenSource } from "../lib/githubApp";

/** The package the plugin serves: not the project's name, whose config (`flux-push:*`) the engine would hand its default provider. */
export const ProviderPackage = "flux-push-github";

/** The resource types the plugin serves (type tokens as the engine sees them). */
export const ResourceTypes = {
    hookCapacity: `${ProviderPackage}:index:HookCapacity`,
    payloadUrlProbe: `${ProviderPackage}:index:PayloadUrlProbe`,
    webhookPing: `${ProviderPackage}:index:WebhookPing`,
    workflowFile: `${ProviderPackage}:index:WorkflowFile`,
    actionsProof: `${ProviderPackage}:index:ActionsProof`,
} as const;

/** The component the plugin serves (construct): the whole stack (components/pushReconciliation.ts). */
export const ComponentTypes = {
    pushReconciliation: `${ProviderPackage}:index:PushReconciliation`,
} as const;

/**
 * What the same resources were as dynamic resources (module `flux-push`; the Actions trigger's two
 * since commit 5160d4a, the webhook's three before): stacks from before keep their URNs through
 * aliases. The engine then diffs them with the plugin (the new provider has no config it could
 * call a replacement for), and the plugin updates each once to rewrite its state without the old
 * code (LegacyCodeKey), running nothing unless its inputs changed too. Without the alias, an
 * upgrade would create the resource anew and then run the old one's stored delete: for the
 * WorkflowFile, that removed the workflow the stack had committed.
 */
export const DynamicTypes = {
    hookCapacity: "pulumi-nodejs:dynamic/flux-push:HookCapacity",
    payloadUrlProbe: "pulumi-nodejs:dynamic/flux-push:PayloadUrlProbe",
    webhookPing: "pulumi-nodejs:dynamic/flux-push:WebhookPing",
    workflowFile: "pulumi-nodejs:dynamic/flux-push:WorkflowFile",
    actionsProof: "pulumi-nodejs:dynamic/flux-push:ActionsProof",
} as const;

/** The plugin's provider configuration: which GitHub, and the credentials to call it with now. */
export interface PluginConfig {
    /** The REST base resolved from `github:baseUrl` (lib/github.ts resolveGitHubBase), ending in `/`. */
    readonly apiBaseUrl?: string;
    /** A token (`github:token` or GITHUB_TOKEN). */
    readonly token?: string;
    /** A GitHub App (`github:appAuth`): the plugin mints its own installation tokens; wins over `token`, as in the github provider. */
    readonly app?: AppCredentials;
}

/** The provider's inputs for a GitHub App (resources/pluginProvider.ts): the ids in plaintext, the key secret. */
export const AppInputKeys = { appId: "appId", installationId: "appInstallationId", privateKey: "appPrivateKey" } as const;

/** What a lifecycle's calls may use besides their own inputs: GitHub as the provider is configured now. */
export interface LifecycleContext {
    /** The REST base and credentials; throws, naming the fix, when the provider has none. */
    github(): GitHubApiSettings;
}

/**
 * A resource's lifecycle over plain values (inputs I, outputs O): olds are the last outputs, as
 * the engine keeps them. Method syntax on purpose: a table of lifecycles of different types is a
 * `Record<string, ResourceLifecycle>`.
 */
export interface ResourceLifecycle<I = unknown, O = unknown> {
    diff?(id: string, olds: O, news: I): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
    create(inputs: I, ctx: LifecycleContext): Promise<{ id: string; outs: O }>;
    update?(id: string, olds: O, news: I, ctx: LifecycleContext): Promise<{ outs: O }>;
    delete?(id: string, olds: O, ctx: LifecycleContext): Promise<void>;
    /**
     * Outputs an earlier version kept and this one does not (the credentials it was created with):
     * the first update drops them from state, running nothing unless the inputs changed too.
     */
    readonly formerOutputs?: readonly string[];
}

// The engine's wire format for values the JSON of a Struct cannot say (sdk/nodejs/runtime/rpc.ts).
export const SpecialSigKey = "4dabf18193072939515e22adb298388d";
export const SecretSig = "1b47061264138c4ac30d75fd1eb44270";
export const OutputValueSig = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const UnknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A property value as the provider server hands it over (a Struct's JSON). */
type Wire = unknown;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A value from the wire as a lifecycle reads it: secrets unwrapped, unknowns (a preview's values
 * not known yet) as undefined, as Pulumi's dynamic providers received them. `secret` says whether
 * any part of it was secret.
 */
export function fromWire(v: Wire): { value: unknown; secret: boolean } {
    if (v === undefined || v === UnknownValue) return { value: undefined, secret: false };
    if (Array.isArray(v)) {
        const items = v.map(fromWire);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (!isObject(v)) return { value: v, secret: false };
    const sig = v[SpecialSigKey];
    if (sig === SecretSig) return { value: fromWire(v.value).value, secret: true };
    if (sig === OutputValueSig) {
        const inner = fromWire(v.value);
        return { value: inner.value, secret: v.secret === true || inner.secret };
    }
    const out: Record<string, unknown> = {};
    let secret = false;
    for (const [k, item] of Object.entries(v)) {
        const r = fromWire(item);
        if (r.value !== undefined) out[k] = r.value;
        secret ||= r.secret;
    }
    return { value: out, secret };
}

/** A property map from the wire: plain values, and the names of the properties that held a secret. */
export function propertiesFromWire(props: Record<string, Wire> | undefined): { values: Record<string, unknown>; secretKeys: Set<string> } {
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [k, v] of Object.entries(props ?? {})) {
        const r = fromWire(v);
        if (r.value !== undefined) values[k] = r.value;
        if (r.secret) secretKeys.add(k);
    }
    return { values, secretKeys };
}

/** A value as the engine's wire says "secret". */
export function wireSecret(value: unknown): { [SpecialSigKey]: typeof SecretSig; value: unknown } {
    return { [SpecialSigKey]: SecretSig, value };
}

/** Outputs for the wire: each one named like a secret input (or a secret old output) goes back wrapped as a secret. */
export function outputsToWire(outs: unknown, secretKeys: Set<string>): Record<string, unknown> {
    const wire: Record<string, unknown> = {};
    if (outs === null || typeof outs !== "object") return wire;
    for (const [k, v] of Object.entries(outs)) {
        if (v === undefined) continue;
        wire[k] = secretKeys.has(k) ? wireSecret(v) : v;
    }
    return wire;
}

/** Where a dynamic provider's serialized code sat in its resources' inputs and outputs. */
export const LegacyCodeKey = "__provider";

/** Outputs without what earlier versions kept (a dynamic provider's code, `formerOutputs`); whether they held any. */
function withoutFormerState(outs: Record<string, unknown>, former: readonly string[] = []): { outs: Record<string, unknown>; legacy: boolean } {
    const rest: Record<string, unknown> = {};
    let legacy = false;
    for (const [k, v] of Object.entries(outs)) {
        if (k === LegacyCodeKey || former.includes(k)) legacy = true;
        else rest[k] = v;
    }
    return { outs: rest, legacy };
}

/** The type of a URN (`urn:pulumi:stack::project::parentType$type::name`). */
export function typeOfUrn(urn: string): string {
    const parts = urn.split("::");
    if (parts.length < 4) throw new Error(`not a resource URN: ${urn}`);
    const qualified = parts[2];
    return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/**
 * The provider configuration from Configure's arguments (the explicit provider's inputs, secrets
 * wrapped); unknown keys are ignored, a malformed REST base is refused.
 */
export function pluginConfigFromWire(args: Record<string, Wire> | undefined): PluginConfig {
    const { values } = propertiesFromWire(args);
    const text = (k: string): string | undefined => (typeof values[k] === "string" && values[k] !== "" ? (values[k] as string) : undefined);
    const apiBaseUrl = text("apiBaseUrl");
    if (apiBaseUrl !== undefined) githubBaseOf(apiBaseUrl);
    const token = text("token");
    const appId = text(AppInputKeys.appId);
    const installationId = text(AppInputKeys.installationId);
    const privateKey = text(AppInputKeys.privateKey);
    let app: AppCredentials | undefined;
    if (appId !== undefined || installationId !== undefined || privateKey !== undefined) {
        if (appId === undefined || installationId === undefined || privateKey === undefined) {
            throw new Error(`the ${ProviderPackage} provider has an incomplete GitHub App: ${AppInputKeys.appId}, ${AppInputKeys.installationId} and ${AppInputKeys.privateKey} go together (the program sets them from github:appAuth)`);
        }
        const problem = appKeyProblem(privateKey, `the ${ProviderPackage} provider's ${AppInputKeys.privateKey} (github:appAuth.pemFile)`);
        if (problem) throw new Error(problem);
        app = { appId, installationId, privateKey };
    }
    return { ...(apiBaseUrl !== undefined ? { apiBaseUrl } : {}), ...(app !== undefined ? { app } : token !== undefined ? { token } : {}) };
}

/** The credentials a configuration calls GitHub with: the App's token source (one per configuration, so tokens are reused across resources), else the token. */
export function pluginCredentials(config: PluginConfig): string | GitHubTokenSource | undefined {
    if (config.app !== undefined && config.apiBaseUrl !== undefined) return new InstallationTokenSource(config.app, githubBaseOf(config.apiBaseUrl).restBase);
    return config.token;
}

/**
 * GitHub as a call may reach it: the provider's configuration; for a resource still on the
 * plugin's default provider (state from before the explicit provider: its first `destroy` after
 * an upgrade, with no `up` in between), the credentials its state kept, as that version used them.
 */
export function lifecycleContext(config: PluginConfig, former?: Record<string, unknown>, credentials: string | GitHubTokenSource | undefined = pluginCredentials(config)): LifecycleContext {
    return {
        github(): GitHubApiSettings {
            if (config.apiBaseUrl !== undefined && credentials !== undefined) return { baseUrl: githubBaseOf(config.apiBaseUrl).restBase, token: credentials };
            const apiBaseUrl = typeof former?.apiBaseUrl === "string" ? former.apiBaseUrl : undefined;
            const token = typeof former?.token === "string" ? former.token : undefined;
            if (config.apiBaseUrl === undefined && credentials === undefined && apiBaseUrl !== undefined && token !== undefined) {
                return { baseUrl: githubBaseOf(apiBaseUrl).restBase, token };
            }
            throw new Error(`the ${ProviderPackage} provider has no GitHub ${config.apiBaseUrl === undefined ? "REST base" : "credentials"}: ` +
                "the program registers it with `github:baseUrl` and `github:appAuth` or `github:token` (or their env vars); run `pulumi up` (or `pulumi destroy --run-program`) so it is configured from the stack's current settings");
        },
    };
}

/** The engine's calls, for the lifecycles by type: what plugin/main.ts hands @pulumi/pulumi/provider. */
export function lifecycleProvider(lifecycles: Record<string, ResourceLifecycle>, version: string) {
    const of = (urn: string): ResourceLifecycle => {
        const type = typeOfUrn(urn);
        const l = lifecycles[type];
        if (!l) throw new Error(`${ProviderPackage} serves ${Object.keys(lifecycles).join(", ")}; not ${type}`);
        return l;
    };
    let config: PluginConfig = {};
    // One source per configuration: an App's installation token is minted once and shared by every resource.
    let credentials: string | GitHubTokenSource | undefined;
    const context = (former?: Record<string, unknown>) => lifecycleContext(config, former, credentials);
    return {
        version,
        /** Configure's arguments (plugin/main.ts hands them over; @pulumi/pulumi/provider does not). */
        configure(args: Record<string, Wire> | undefined): void {
            config = pluginConfigFromWire(args);
            credentials = pluginCredentials(config);
        },
        async diff(id: string, urn: string, olds: Record<string, Wire>, news: Record<string, Wire>) {
            const l = of(urn);
            const old = withoutFormerState(propertiesFromWire(olds).values, l.formerOutputs);
            const diff = l.diff ? await l.diff(id, old.outs, propertiesFromWire(news).values) : { changes: undefined };
            // State from an earlier version: an update writes it again without what it no longer keeps.
            return old.legacy && diff.changes !== true ? { changes: true } : diff;
        },
        async create(urn: string, inputs: Record<string, Wire>) {
            const ins = propertiesFromWire(inputs);
            const r = await of(urn).create(ins.values, context());
            return { id: r.id, outs: outputsToWire(r.outs, ins.secretKeys) };
        },
        async update(id: string, urn: string, olds: Record<string, Wire>, news: Record<string, Wire>) {
            const l = of(urn);
            const o = propertiesFromWire(olds);
            const n = propertiesFromWire(news);
            const old = withoutFormerState(o.values, l.formerOutputs);
            const secretKeys = new Set([...o.secretKeys, ...n.secretKeys]);
            // Only former state to drop: the same outputs, nothing run again.
            if (old.legacy && (!l.diff || (await l.diff(id, old.outs, n.values)).changes !== true)) return { outs: outputsToWire(old.outs, secretKeys) };
            if (!l.update) throw new Error(`${typeOfUrn(urn)} is replaced, never updated, when its inputs change`);
            const r = await l.update(id, old.outs, n.values, context(o.values));
            return { outs: outputsToWire(r.outs, secretKeys) };
        },
        async delete(id: string, urn: string, props: Record<string, Wire>) {
            const l = of(urn);
            const o = propertiesFromWire(props).values;
            await l.delete?.(id, withoutFormerState(o, l.formerOutputs).outs, context(o));
        },
    };
}
