// One mocks module for every test: records each resource the program registers (with the raw,
// serialized inputs the engine would receive, so secret markers are visible, and the dependencies
// the engine would order operations by), answers with plausible provider outputs, and refuses any
// invoke the program was not expected to make.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/** The marker the Pulumi wire format puts on a secret value (sdk/nodejs/runtime/rpc.ts). */
const SecretSig = "1b47061264138c4ac30d75fd1eb44270";
const SpecialSigKey = "4dabf18193072939515e22adb298388d";

export interface Registered {
    /** The id the provider answered with (set once the registration completes). */
    id?: string;
    readonly retainOnDelete: boolean;
    /** The `deleteBeforeReplace` option: a replacement would delete the old object before creating the new one. */
    readonly deleteBeforeReplace: boolean;
    /** Names of the resource hooks bound to run before this resource is created. */
    readonly beforeCreateHooks: readonly string[];
    /** Names of the resource hooks bound to run after it is created. */
    readonly afterCreateHooks: readonly string[];
    /** The `customTimeouts` option as sent (create, update, delete), when set. */
    readonly customTimeouts?: { readonly create: string; readonly update: string; readonly delete: string };
    readonly type: string;
    readonly name: string;
    /** Inputs as the program sees them (secrets unwrapped). */
    readonly inputs: Record<string, unknown>;
    /** Inputs as serialized for the engine: secrets appear as wrapped values. */
    readonly wire: Record<string, unknown>;
    readonly parent: string;
    readonly urn: string;
    readonly read: boolean;
    /** A custom resource (a provider's), as opposed to a component. */
    readonly custom: boolean;
    /**
     * URNs of the custom resources this one waits for, as sent to the engine: explicit `dependsOn`
     * and every resource behind an Output among its inputs (a component stands for its children).
     */
    readonly dependencies: readonly string[];
    /** Per top-level input property, the URNs behind the Outputs in it (what `pulumi preview` diffs by). */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    /** The URNs its aliases name, as the engine resolves them: state under any of them is this resource's. */
    readonly aliases: readonly string[];
    /** The provider reference it was registered with (`URN::ID`), "" for a component or the default provider. */
    readonly provider: string;
}

interface WireRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom?(): boolean;
    getObject?(): { toJavaScript(): Record<string, unknown> };
    getProperties?(): { toJavaScript(): Record<string, unknown> };
    getDependenciesList?(): string[];
    /** registerResource only: a jspb Map of property name to PropertyDependencies. */
    getPropertydependenciesMap?(): { forEach(cb: (deps: { getUrnsList(): string[] }, property: string) => void): void } | undefined;
    /** registerResource only: the aliases (the mock monitor supports alias specs). */
    getAliasesList?(): AliasWire[];
}
interface AliasWire {
    getUrn(): string;
    getSpec(): { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

/** The URN of a resource of `type` named `name` under `parent` (sdk/go/common/resource/urn.go NewURN). */
function urnOf(parent: string, type: string, name: string, stack = "test", proj = project): string {
    const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:${stack}::${proj}::${qualified}::${name}`;
}

/** The URN an alias names: given fields, else the resource's own (as the engine fills them in). */
function aliasUrn(a: AliasWire, type: string, name: string, parent: string): string {
    const spec = a.getSpec();
    if (!spec) return a.getUrn();
    const aliasParent = spec.getNoparent() ? "" : spec.getParenturn() || parent;
    return urnOf(aliasParent, spec.getType() || type, spec.getName() || name, spec.getStack() || undefined, spec.getProject() || undefined);
}
type Callback = (err: Error | null, res: unknown) => void;
interface MonitorMethods {
    registerResourceHook?(req: { getName(): string }, cb: Callback): void;
    registerResource(req: WireRequest, cb: Callback): void;
    readResource(req: WireRequest, cb: Callback): void;
}

export const project = "flux-push";
export let registered: Registered[] = [];
/** Names of the resource hooks the program registered (their callbacks run only in a real `up`). */
export let hooks: string[] = [];

/** A token-like alphanumeric string, reproducible from the resource name and length. */
export function fakeToken(name: string, length: number): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let out = "";
    for (let i = 0; out.length < length; i++) {
        for (const byte of createHash("sha256").update(`${name}/${i}`).digest()) {
            if (out.length < length) out += alphabet[byte % alphabet.length];
        }
    }
    return out;
}

export const LoadBalancerIp = "198.51.100.7";

/** A `getIpRanges` answer: `hooks` is what allowedSources: github applies. */
export const GitHubMeta = {
    id: "github-ip-ranges",
    hooks: ["192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "2a0a:a440::/29"],
    hooksIpv4s: ["192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20"],
    hooksIpv6s: ["2a0a:a440::/29"],
};

/** GitHub's spelling and id of a repository (owner "example-org" is spelled Example-Org on GitHub, to show the claims use GitHub's case). */
export const RepositoryIds: Record<string, number> = { instavote: 700000001, result: 700000002, "fleet-infra": 700000003 };
function repositoryAnswer(fullName: string): Record<string, unknown> {
    const [owner, name] = fullName.split("/");
    const canonical = owner === "example-org" ? "Example-Org" : owner;
    return { id: fullName, fullName: `${canonical}/${name}`, name, repoId: RepositoryIds[name] ?? 700000099, defaultBranch: "main", nodeId: `R_${name}` };
}

function providerOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword": {
            // A new rotation label is a new token, as the provider's keepers make it; Pulumi.yaml's
            // default label keeps the token every fixture was computed from.
            const rotation = (inputs.keepers as { rotation?: string } | undefined)?.rotation;
            return { ...inputs, result: fakeToken(rotation === undefined || rotation === "initial" ? name : `${name}/${rotation}`, Number(inputs.length)) };
        }
        case "kubernetes:core/v1:Service":
            return (inputs.spec as { type?: string } | undefined)?.type === "LoadBalancer"
                ? { ...inputs, status: { loadBalancer: { ingress: [{ ip: LoadBalancerIp }] } } }
                : inputs;
        // The program's own resources (its provider plugin's), as the plugin answers when all is well.
        case "flux-push-github:index:PayloadUrlProbe":
            return { ...inputs, ok: true, statusCode: 200, attempts: 1, seconds: 0.1, message: "answered 200" };
        case "flux-push-github:index:WebhookPing":
            return { ...inputs, result: "accepted", ok: true, seenInCluster: true, statusCode: 200, status: "OK", deliveryId: 7, deliveredAt: "2026-11-25T12:00:00Z", durationSeconds: 0.01, checkSeconds: 1.5, message: "got 200" };
        case "flux-push-github:index:ActionsProof":
            return { ...inputs, ok: true, state: "reconciled", seconds: 4.2, runId: 31, jobConclusion: "success", message: "triggered the Receiver" };
        case "flux-push-github:index:WorkflowFile":
            return { ...inputs, sha: "5d0b3e0b7c3f2a1e9d8c7b6a5f4e3d2c1b0a9f8e", commit: "c0ffee0000000000000000000000000000000001" };
        case "github:index/repositoryWebhook:RepositoryWebhook":
            return { ...inputs, url: `https://api.github.com/repos/example-org/${inputs.repository}/hooks/1` };
        default:
            return inputs;
    }
}

function idOf(type: string, name: string, inputs: Record<string, unknown>): string {
    const meta = inputs.metadata as { name?: string; namespace?: string } | undefined;
    if (type.startsWith("kubernetes:") && meta?.name) return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
    if (type === "github:index/repositoryWebhook:RepositoryWebhook") return String(100000 + registered.length);
    return `${name}-id`;
}

/** Installs fresh mocks (and forgets what earlier tests registered). */
export async function resetMocks(preview = false): Promise<void> {
    registered = [];
    hooks = [];
    await pulumi.runtime.setMocks({
        newResource: (args: pulumi.runtime.MockResourceArgs) => {
            // A read (`.get`) has an id and no inputs worth returning: answer with what the cluster would hold.
            const state = args.id && args.type.startsWith("kubernetes:")
                ? { metadata: { name: args.id.split("/").pop(), namespace: args.id.split("/")[0] }, ...args.inputs }
                : providerOutputs(args.type, args.name, args.inputs);
            return { id: args.id || idOf(args.type, args.name, args.inputs), state };
        },
        call: (args: pulumi.runtime.MockCallArgs) => {
            // GitHub's /meta, as @pulumi/github 6.15.0's getIpRanges returns it (allowedSources: github).
            if (args.token === "github:index/getIpRanges:getIpRanges") return { ...GitHubMeta };
            // A repository as @pulumi/github 6.15.0's getRepository returns it (the actions-oidc trigger's validations).
            if (args.token === "github:index/getRepository:getRepository") return repositoryAnswer(String(args.inputs.fullName ?? ""));
            throw new Error(`unexpected invoke ${args.token}: the program makes no other provider calls`);
        },
    }, project, "test", preview);

    const customTimeoutsOf = (req: WireRequest) => {
        const t = (req as { getCustomtimeouts?(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined }).getCustomtimeouts?.();
        return t && (t.getCreate() || t.getUpdate() || t.getDelete()) ? { customTimeouts: { create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() } } : {};
    };
    // Record what reaches the engine, wire form included, by wrapping the mock monitor.
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorMethods;
    // The SDK's mock monitor (3.248 to 3.276 at least) says it supports resource hooks but has no registerResourceHook:
    // accept the registration as the engine would, and remember the hook's name.
    monitor.registerResourceHook = (req: { getName(): string }, cb: Callback) => {
        hooks.push(req.getName());
        cb(null, {});
    };
    for (const method of ["registerResource", "readResource"] as const) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req: WireRequest, cb: Callback) => {
            const wire = (method === "registerResource" ? req.getObject?.() : req.getProperties?.())?.toJavaScript() ?? {};
            const parent = req.getParent();
            const type = req.getType();
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap?.()?.forEach((deps, property) => {
                propertyDependencies[property] = [...deps.getUrnsList()];
            });
            const bound = (req as { getHooks?(): { getBeforeCreateList?(): string[]; getAfterCreateList?(): string[] } | undefined }).getHooks?.();
            const entry: Registered = {
                retainOnDelete: (req as { getRetainondelete?(): boolean }).getRetainondelete?.() === true,
                deleteBeforeReplace: (req as { getDeletebeforereplace?(): boolean }).getDeletebeforereplace?.() === true,
                beforeCreateHooks: [...(bound?.getBeforeCreateList?.() ?? [])],
                afterCreateHooks: [...(bound?.getAfterCreateList?.() ?? [])],
                ...customTimeoutsOf(req),
                type,
                name: req.getName(),
                inputs: unwrap(wire) as Record<string, unknown>,
                wire,
                provider: (req as { getProvider?(): string }).getProvider?.() ?? "",
                parent,
                urn: urnOf(parent, type, req.getName()),
                read: method === "readResource",
                custom: method === "readResource" || req.getCustom?.() === true,
                dependencies: [...(req.getDependenciesList?.() ?? [])],
                propertyDependencies,
                aliases: (req.getAliasesList?.() ?? []).map((a) => aliasUrn(a, type, req.getName(), parent)),
            };
            registered.push(entry);
            original(req, (err, res) => {
                entry.id = (res as { getId?(): string } | undefined)?.getId?.();
                cb(err, res);
            });
        };
    }
}

/** The wire form with secret markers removed: the plain values. */
export function unwrap(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrap);
    if (typeof v === "object" && v !== null) {
        const o = v as Record<string, unknown>;
        if (o[SpecialSigKey] === SecretSig) return unwrap(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

/** Whether the value at `path` (dot/bracket-free keys) reaches the engine marked secret, at that level or above. */
export function isWireSecret(wire: Record<string, unknown>, path: readonly string[]): boolean {
    let v: unknown = wire;
    for (const k of path) {
        if (typeof v === "object" && v !== null && (v as Record<string, unknown>)[SpecialSigKey] === SecretSig) return true;
        v = (v as Record<string, unknown> | undefined)?.[k];
    }
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SpecialSigKey] === SecretSig;
}

/** The value of an Output (or of a structure holding Outputs), awaited. */
export function promiseOf<T>(o: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
    return new Promise((resolve) => pulumi.output(o).apply((v) => {
        resolve(v);
        return v;
    }));
}

/** Whether an Output is secret. */
export function isSecret<T>(o: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(o);
}

export function byType(type: string): Registered[] {
    return registered.filter((r) => r.type === type);
}

export function one(type: string, name: string): Registered {
    const found = registered.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type} named ${name}, found ${found.length}; registered: ${registered.map((r) => `${r.type}::${r.name}`).join(", ")}`);
    }
    return found[0];
}

/** Resolves after registrations in flight have reached the monitor. */
export function settle(ms = 50): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
