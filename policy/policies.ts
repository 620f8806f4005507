// The rules flux-push's users want enforced, as plain policy objects exported one by one so each
// can be unit tested with hand-made arguments (as pulumi-policy's own tests do: tests/harness.ts).
//
// What a policy sees (read from @pulumi/policy 1.21.0, server.js and deserialize.js):
// - validateResource gets a resource's inputs; validateStack gets every resource's outputs (inputs
//   for resources a preview has not created yet) plus their property dependencies.
// - Secrets arrive unwrapped: validations deserialize with `proxySecrets = false`, so whether a value
//   is secret cannot be read (pulumi/pulumi-policy#241, open). What can be read, and is checked
//   below, is where the token comes from: by property dependencies, which the engine records per
//   top-level input only (`configuration`, not `configuration.secret`), and by value (a token must
//   equal a RandomPassword's result the stack holds).
// - Stack config cannot be read (only the stack's tags reach the pack): what the rules need to know
//   about the environment comes from the stack's own resources or from policy config.
// - A value not known yet (preview) throws UnknownValueError when read; the server turns that into
//   an advisory "can't run policy during preview". Stack rules catch it per resource instead, so one
//   unknown payload URL does not switch the rule off for the others.
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { actionsOidcPinned } from "./oidcPolicies";

/** Type tokens of what the flux-push program registers. */
export const Types = {
    repositoryWebhook: "github:index/repositoryWebhook:RepositoryWebhook",
    randomPassword: "random:index/randomPassword:RandomPassword",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    servicePatch: "kubernetes:core/v1:ServicePatch",
    stack: "pulumi:pulumi:Stack",
} as const;

/**
 * A Flux object made with `k8s.apiextensions.CustomResource` reaches the engine typed
 * `kubernetes:<apiVersion>:<kind>` (pulumi-kubernetes customResource.ts), e.g.
 * `kubernetes:source.toolkit.fluxcd.io/v1:GitRepository` or
 * `kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider`. The API group must be Flux's (a
 * `Receiver` of another group is someone else's kind); any version of the group matches, since
 * Flux promotes kinds between versions (Provider and Alert: v1beta3 up to 2.9, v1 from 2.10).
 */
export function isFluxKind(type: string, group: string, kind: string): boolean {
    const m = /^kubernetes:([^/:]+)\/[^/:]+:([A-Za-z]+)$/.exec(type);
    return m !== null && m[1] === group && m[2] === kind;
}

export const FluxGroups = {
    source: "source.toolkit.fluxcd.io",
    kustomize: "kustomize.toolkit.fluxcd.io",
    notification: "notification.toolkit.fluxcd.io",
} as const;

/** Flux's Receiver reads the token from this key of its secretRef Secret. */
export const TokenSecretKey = "token";
/**
 * The token Secret's name in the Flux guide and in earlier versions of the program. Token Secrets
 * are found by what the stack's Receivers name in spec.secretRef (the program now adds a
 * generation suffix, `webhook-token-<generation>`); this name counts even when no Receiver names it.
 */
export const DefaultTokenSecretName = "webhook-token";
/** Flux's webhook-receiver Service, which the patch-nodeport exposure turns into a NodePort. */
export const WebhookReceiverServiceName = "webhook-receiver";
/** notification-controller's Pod label, selected by any Service that exposes its receiver. */
export const NotificationControllerSelector = { app: "notification-controller" } as const;

/** 256 bits: what a 43-character alphanumeric token gives (43 * log2(62) = 256.03). */
export const MinTokenBits = 256;
export const MinTokenLength = 43;

/** Flux's duration syntax (the CRDs' pattern for spec.interval). */
export const FluxDurationPattern = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

/** A Flux duration in milliseconds, or undefined if it is not one. */
export function durationMs(d: string): number | undefined {
    if (!FluxDurationPattern.test(d)) return undefined;
    const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
    return [...d.matchAll(/([0-9.]+)(ms|s|m|h)/g)].reduce((total, [, n, u]) => total + Number(n) * unit[u], 0);
}

/** What `read` returns for a value the engine does not know yet (preview). */
export const Unknown: unique symbol = Symbol("unknown");

/** Runs `f`, or returns `Unknown` when it reads a value the engine does not know yet (preview). */
export function read<T>(f: () => T): T | typeof Unknown {
    try {
        return f();
    } catch (e) {
        if (e instanceof UnknownValueError) return Unknown;
        throw e;
    }
}

/** As `read`, for where an unknown value and an absent one mean the same: both give undefined. */
export function known<T>(f: () => T): T | undefined {
    const value = read(f);
    return value === Unknown ? undefined : value;
}

type Props = Record<string, unknown>;
const obj = (v: unknown): Props => (v !== null && typeof v === "object" ? (v as Props) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

// ---------------------------------------------------------------------------------------------

/**
 * The values of `configuration.insecureSsl` that certainly keep GitHub's certificate check on: the
 * provider's boolean false, GitHub's own "0" (its API takes "0"/"1", and 0), "false", or no value.
 * The provider sends "1" for true, "1" and "true" (terraform-provider-github
 * `webhookConfigFromInterface`); what other spellings ("True", "t", "yes") become depends on how
 * the bridge coerces them into a boolean, so the rule does not guess: anything else counts as off.
 */
const VerifyingInsecureSsl: ReadonlySet<unknown> = new Set([undefined, null, false, 0, "0", "false"]);

/** True unless `insecureSsl` is one of the spellings that certainly keep TLS verification on. */
export function skipsTlsVerification(insecureSsl: unknown): boolean {
    return !VerifyingInsecureSsl.has(insecureSsl);
}

export interface TlsConfig {
    /** Let webhooks skip TLS verification (flux-push:insecureSsl, https with a self-signed certificate). */
    allowInsecureSsl?: boolean;
}

export const webhookTlsVerified: ResourceValidationPolicy = {
    name: "webhook-tls-verified",
    description: "GitHub verifies the TLS certificate of every payload URL: no webhook sets configuration.insecureSsl, unless the environment's policy config allows it (allowInsecureSsl).",
    // Mandatory everywhere; an environment that accepts self-signed certificates says so in its
    // policy config (reviewed in Git) rather than by lowering the level, which would hide the rule.
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowInsecureSsl: {
                type: "boolean",
                default: false,
                description: "Allow flux-push:insecureSsl (an https exposure with a self-signed certificate). Never in production.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== Types.repositoryWebhook) return;
        if (args.getConfig<TlsConfig>().allowInsecureSsl === true) return;
        // Only insecureSsl is read: the URL is unknown in a preview that creates the token, and
        // reading it would turn this rule into an advisory "can't run" exactly then.
        const insecureSsl: unknown = obj(args.props.configuration).insecureSsl;
        if (skipsTlsVerification(insecureSsl)) {
            reportViolation(`webhook on ${String(args.props.repository)} sets insecureSsl ${JSON.stringify(insecureSsl)}: GitHub would skip the certificate check and post signed deliveries to whoever answers; use a certificate GitHub trusts and set flux-push:insecureSsl false (this environment's policy config does not set allowInsecureSsl)`);
        }
    },
};

// ---------------------------------------------------------------------------------------------

/**
 * The namespaces of the stack's Flux Receivers: where notification-controller runs
 * (flux-push:namespace, `flux-system` by default). A policy cannot read the stack's config, and
 * the Receivers are the one place the program always states it.
 */
export function fluxNamespaces(resources: readonly PolicyResource[]): Set<string> {
    const namespaces = new Set<string>();
    for (const r of resources) {
        if (!isFluxKind(r.type, FluxGroups.notification, "Receiver")) continue;
        const ns = known(() => str(obj(r.props.metadata).namespace));
        if (ns !== undefined) namespaces.add(ns);
    }
    return namespaces;
}

/**
 * Where this stack itself exposes notification-controller's receiver over plain http. Choosing
 * one of these exposures is the explicit opt-in to http: they carry no TLS by nature.
 * - `NodePort`: a ServicePatch of Flux's own `webhook-receiver` (exposure patch-nodeport) or a
 *   NodePort Service selecting notification-controller (nodeport-service): any node, on the
 *   nodePort. Which address reaches a node appears nowhere in the Service (it is
 *   flux-push:nodeAddress, which only the payload URL carries), so the environment's policy
 *   config names it (`nodeAddresses`).
 * - `LoadBalancer`: such a Service of type LoadBalancer (exposure loadbalancer): its ports, at the
 *   addresses its controller reports in `status.loadBalancer.ingress`, which the stack holds.
 * Both must be in Flux's namespace: a `webhook-receiver` elsewhere is someone else's Service, and
 * a selector picks Pods of its own namespace only.
 */
export interface HttpExposure {
    /** namespace/name of the Service, for messages. */
    readonly service: string;
    readonly type: "NodePort" | "LoadBalancer";
    /** NodePort: the nodePorts; LoadBalancer: the Service's ports. */
    readonly ports: readonly number[];
    /** LoadBalancer only: the reported addresses; undefined while a preview does not know them. */
    readonly addresses?: readonly string[];
}

/** A URL's or config's host as compared here: lower case, IPv6 without the URL's brackets. */
export function normalizeHost(host: string): string {
    return host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

export function plainHttpExposures(resources: readonly PolicyResource[]): HttpExposure[] {
    const exposures: HttpExposure[] = [];
    const namespaces = fluxNamespaces(resources);
    for (const r of resources) {
        if (r.type !== Types.servicePatch && r.type !== Types.service) continue;
        const found = known((): HttpExposure | undefined => {
            const spec = obj(r.props.spec);
            const metadata = obj(r.props.metadata);
            const selector = obj(spec.selector);
            const inFluxNamespace = typeof metadata.namespace === "string" && namespaces.has(metadata.namespace);
            const exposesReceiver = inFluxNamespace && (r.type === Types.servicePatch
                ? metadata.name === WebhookReceiverServiceName
                : selector.app === NotificationControllerSelector.app);
            if (!exposesReceiver) return undefined;
            const service = `${String(metadata.namespace)}/${String(metadata.name)}`;
            const ports = Array.isArray(spec.ports) ? spec.ports.map(obj) : [];
            const numbers = (key: string) => ports.map((p) => p[key]).filter((p): p is number => typeof p === "number");
            if (spec.type === "NodePort") return { service, type: "NodePort", ports: numbers("nodePort") };
            if (spec.type !== "LoadBalancer") return undefined;
            // The address is unknown while a preview creates the Service (and so is the URL built from it).
            const addresses = known(() => {
                const ingress: unknown = obj(obj(r.props.status).loadBalancer).ingress;
                return (Array.isArray(ingress) ? ingress.map(obj) : [])
                    .map((i) => str(i.ip) ?? str(i.hostname)).filter((a): a is string => a !== undefined).map(normalizeHost);
            });
            return { service, type: "LoadBalancer", ports: numbers("port"), addresses };
        });
        if (found !== undefined) exposures.push(found);
    }
    return exposures;
}

export interface PayloadUrlConfig {
    /** Addresses (IP or DNS name) of nodes GitHub may reach on the stack's NodePort: flux-push:nodeAddress. */
    nodeAddresses?: string[];
    /** http origins of an exposure this stack does not manage (exposure url over http). */
    plainHttpOrigins?: string[];
}

/** The origins of `plainHttpOrigins`, as `URL.origin` spells them; throws on an entry that is not one. */
function httpOrigins(entries: readonly string[]): Set<string> {
    return new Set(entries.map((entry) => {
        let url: URL | undefined;
        try {
            url = new URL(entry);
        } catch {
            url = undefined;
        }
        const originOnly = url !== undefined && url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
        if (url === undefined || url.protocol !== "http:" || !originOnly) {
            throw new Error(`payload-url-https: plainHttpOrigins entry ${JSON.stringify(entry)} is not an http origin (http://host[:port])`);
        }
        return url.origin;
    }));
}

function describeExposure(e: HttpExposure, port: number, nodeAddresses: readonly string[]): string {
    return e.type === "NodePort"
        ? `NodePort ${port} of ${e.service}, on a node address in payload-url-https nodeAddresses (${nodeAddresses.length > 0 ? nodeAddresses.join(", ") : "none set"})`
        : `LoadBalancer ${e.service} at ${e.addresses !== undefined && e.addresses.length > 0 ? e.addresses.join(", ") : "no address yet"}`;
}

export const payloadUrlHttps: StackValidationPolicy = {
    name: "payload-url-https",
    description: "Webhook payload URLs are https; plain http only to the host and port this stack's own NodePort/LoadBalancer exposure serves (NodePort hosts: the environment's nodeAddresses), or to an origin the environment lists in plainHttpOrigins.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            nodeAddresses: {
                type: "array",
                items: { type: "string", pattern: "^[^/?#\\s]+$" },
                default: [],
                description: "IP addresses or DNS names of the nodes GitHub may reach on the stack's NodePort over http: the stack's flux-push:nodeAddress.",
            },
            plainHttpOrigins: {
                type: "array",
                items: { type: "string", pattern: "^http://[^/?#\\s]+$" },
                default: [],
                description: "http origins (http://host[:port]) of an exposure this stack does not manage (exposure url over http).",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<PayloadUrlConfig>();
        const nodeAddresses = config.nodeAddresses ?? [];
        const nodeHosts = new Set(nodeAddresses.map(normalizeHost));
        const allowedOrigins = httpOrigins(config.plainHttpOrigins ?? []);
        const exposures = plainHttpExposures(args.resources);
        const httpPorts = [...new Set(exposures.flatMap((e) => e.ports))].sort((a, b) => a - b);
        for (const r of args.resources.filter((x) => x.type === Types.repositoryWebhook)) {
            // The URL embeds the token's digest: unknown during a preview that creates or rotates it.
            const url = known(() => str(obj(r.props.configuration).url));
            if (url === undefined) continue;
            const where = `webhook on ${String(r.props.repository)}`;
            let parsed: URL;
            try {
                parsed = new URL(url);
            } catch {
                reportViolation(`${where}: payload URL is not a URL; check flux-push:publicUrl / ingressHost / nodeAddress`, r.urn);
                continue;
            }
            if (parsed.protocol === "https:") continue;
            if (parsed.protocol !== "http:") {
                reportViolation(`${where}: payload URL scheme ${parsed.protocol} is neither https nor http; use an https URL`, r.urn);
                continue;
            }
            // Only the origin goes into messages: the path is a digest of the token.
            if (allowedOrigins.has(parsed.origin)) continue;
            const port = parsed.port === "" ? 80 : Number(parsed.port);
            const host = normalizeHost(parsed.hostname);
            const onPort = exposures.filter((e) => e.ports.includes(port));
            if (onPort.length === 0) {
                const exposed = httpPorts.length === 0 ? "this stack exposes the receiver on no NodePort/LoadBalancer" : `this stack exposes it over http on port ${httpPorts.join(", ")} only`;
                reportViolation(`${where} posts to plain http (${parsed.origin}) but ${exposed}; use exposure ingress or an https publicUrl, or list the origin in payload-url-https plainHttpOrigins if another stack serves it`, r.urn);
                continue;
            }
            // A LoadBalancer a preview is creating has no address yet: judged again at `up`.
            if (onPort.some((e) => e.type === "LoadBalancer" && e.addresses === undefined)) continue;
            if (onPort.some((e) => (e.type === "NodePort" ? nodeHosts.has(host) : e.addresses?.includes(host) === true))) continue;
            const fix = onPort.some((e) => e.type === "NodePort") ? "add the node's address there if it is one, or use exposure ingress" : "use exposure ingress or an https publicUrl";
            reportViolation(`${where} posts to plain http (${parsed.origin}) but ${host} is not where this stack serves the receiver: ${onPort.map((e) => describeExposure(e, port, nodeAddresses)).join("; ")}; ${fix}`, r.urn);
        }
    },
};

// ---------------------------------------------------------------------------------------------

/** Bits of a RandomPassword's result, from its length and character classes (special excluded). */
export function passwordBits(props: Props): number {
    const length = typeof props.length === "number" ? props.length : Number.NaN;
    const alphabet = (props.upper === false ? 0 : 26) + (props.lower === false ? 0 : 26) + (props.numeric === false ? 0 : 10);
    return alphabet > 0 ? length * Math.log2(alphabet) : 0;
}

export const tokenStrength: ResourceValidationPolicy = {
    name: "webhook-token-strength",
    description: `The webhook token is a RandomPassword of at least ${MinTokenBits} bits (${MinTokenLength} alphanumerics) without special characters, which would need escaping in headers, YAML or a shell.`,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== Types.randomPassword) return;
        const props = args.props as Props;
        const bits = passwordBits(props);
        if (!(bits >= MinTokenBits)) {
            reportViolation(`length ${String(props.length)} gives ${Number.isNaN(bits) ? "no" : Math.floor(bits)} bits, below ${MinTokenBits} (${MinTokenLength} alphanumerics); raise flux-push:tokenLength`);
        }
        if (props.special !== false) {
            reportViolation("special characters are enabled (the provider's default): the token goes into a YAML Secret and an HMAC key; set special: false");
        }
    },
};

// ---------------------------------------------------------------------------------------------

/** namespace/name of the Secrets that hold a Receiver's token: each Receiver's secretRef, and webhook-token. */
export function tokenSecretRefs(resources: readonly PolicyResource[]): Set<string> {
    const refs = new Set<string>();
    for (const r of resources) {
        if (!isFluxKind(r.type, FluxGroups.notification, "Receiver")) continue;
        const ref = known(() => {
            const ns = str(obj(r.props.metadata).namespace) ?? "";
            const name = str(obj(obj(r.props.spec).secretRef).name);
            return name === undefined ? undefined : `${ns}/${name}`;
        });
        if (ref !== undefined) refs.add(ref);
    }
    return refs;
}

function dependencyTypes(r: PolicyResource, props: readonly string[]): string[] {
    return [...new Set(props.flatMap((p) => (r.propertyDependencies[p] ?? []).map((d) => d.type)))];
}

function sourceMessage(types: readonly string[]): string {
    return types.length === 0 ? "a literal or a config value" : types.join(", ");
}

/** The results of the stack's RandomPasswords that are known (a preview creating or replacing one does not know its result). */
export function passwordResults(resources: readonly PolicyResource[]): Set<string> {
    const results = new Set<string>();
    for (const r of resources.filter((x) => x.type === Types.randomPassword)) {
        const result = known(() => str(r.props.result));
        if (result !== undefined && result !== "") results.add(result);
    }
    return results;
}

// Where the token comes from is judged twice, because neither way alone is enough:
// - Property dependencies say which resources fed an input, but @pulumi/policy (and the engine)
//   record them per top-level input only: `propertyDependencies.configuration` of a webhook lists
//   the RandomPassword because configuration.url embeds the token's digest, whatever
//   configuration.secret holds. They still rule out a source (no RandomPassword among them: the
//   value cannot be its result).
// - Values: policies see secrets unwrapped, so a token can be compared with the RandomPasswords'
//   results the stack holds. A value the preview already knows while every RandomPassword result
//   is unknown cannot come from one (it would be unknown too). What values cannot tell: a literal
//   that copies the current result (e.g. out of `pulumi stack export --show-secrets`) equals it
//   until the next rotation, and a value equal to some other RandomPassword of the stack passes.

/**
 * The token a Secret hands to Flux: `stringData.token` when set (the API server writes stringData
 * over data, key by key), else `data.token` base64-decoded. After `up` the Secret's outputs are
 * the object the cluster returned, which carries only `data`; a preview carries the inputs.
 */
export function secretToken(props: Props): string | undefined | typeof Unknown {
    return read(() => {
        const fromStringData: unknown = obj(props.stringData)[TokenSecretKey];
        if (fromStringData !== undefined) return str(fromStringData);
        const fromData: unknown = obj(props.data)[TokenSecretKey];
        return typeof fromData === "string" ? Buffer.from(fromData, "base64").toString("utf8") : undefined;
    });
}

function checkTokenSecret(r: PolicyResource, ref: string, results: ReadonlySet<string>, report: (message: string) => void): void {
    // Either input may carry the token, and after `up` the outputs hold `data` whichever did: the
    // dependencies of both count here, and the value decides which one wins.
    const types = dependencyTypes(r, ["stringData", "data"]);
    if (!types.includes(Types.randomPassword)) {
        report(`Secret ${ref}: its ${TokenSecretKey} comes from ${sourceMessage(types)}, not a RandomPassword; set stringData.${TokenSecretKey} from the RandomPassword's result`);
        return;
    }
    const value = secretToken(r.props);
    if (value === Unknown) return;
    if (value === undefined || value === "") {
        report(`Secret ${ref} has no key ${TokenSecretKey}: the Receiver answers 400 to every delivery; put the RandomPassword's result under stringData.${TokenSecretKey}`);
    } else if (!results.has(value)) {
        report(`Secret ${ref}: its ${TokenSecretKey} (stringData over data, as the API server merges them) equals no RandomPassword's result in this stack; set stringData.${TokenSecretKey} to the RandomPassword's result`);
    }
}

function checkWebhookSecret(r: PolicyResource, results: ReadonlySet<string>, report: (message: string) => void): void {
    const where = `webhook on ${String(r.props.repository)}`;
    const types = dependencyTypes(r, ["configuration"]);
    if (!types.includes(Types.randomPassword)) {
        report(`${where}: its secret comes from ${sourceMessage(types)}, not a RandomPassword; set configuration.secret from the RandomPassword's result`);
        return;
    }
    const secret = read(() => obj(r.props.configuration).secret);
    // Unknown in a preview that creates or rotates the token; the same rule runs again at `up`.
    if (secret === Unknown) return;
    if (typeof secret !== "string" || secret === "") {
        report(`${where} has no configuration.secret: GitHub would not sign deliveries and a github Receiver refuses unsigned ones; set it to the RandomPassword's result`);
    } else if (!results.has(secret)) {
        report(`${where}: configuration.secret is not the token: it equals no RandomPassword's result in this stack; set it from the RandomPassword the Receiver's Secret holds, or GitHub signs with a key Flux does not have`);
    }
}

export const tokenFromRandomPassword: StackValidationPolicy = {
    name: "webhook-token-secret-source",
    description: "The token in the Receivers' Secret and in every webhook's configuration.secret is a RandomPassword's result (which the provider always stores as a secret), never a literal, a config value or a RandomString.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const refs = tokenSecretRefs(args.resources);
        const results = passwordResults(args.resources);
        for (const r of args.resources) {
            if (r.type === Types.secret) {
                const ref = known(() => `${str(obj(r.props.metadata).namespace) ?? ""}/${str(obj(r.props.metadata).name) ?? ""}`);
                const name = ref?.split("/")[1];
                if (ref === undefined || !(refs.has(ref) || name === DefaultTokenSecretName)) continue;
                checkTokenSecret(r, ref, results, (message) => reportViolation(message, r.urn));
            }
            if (r.type === Types.repositoryWebhook) checkWebhookSecret(r, results, (message) => reportViolation(message, r.urn));
        }
    },
};

/** True if `value` (a stack output) holds one of `needles` anywhere, as or inside a string. */
export function containsAny(value: unknown, needles: readonly string[]): boolean {
    if (typeof value === "string") return needles.some((n) => value.includes(n));
    if (Array.isArray(value)) return value.some((v) => containsAny(v, needles));
    if (value !== null && typeof value === "object") return Object.values(value).some((v) => containsAny(v, needles));
    return false;
}

export const tokenNotExported: StackValidationPolicy = {
    name: "webhook-token-not-exported",
    description: "No stack output contains the webhook token: outputs are read with `pulumi stack output`, and a RandomPassword's result stays secret only while nothing unwraps it on the way out.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        // AnalyzeStack passes every resource's final outputs, the root Stack's exports included.
        // A token a preview is about to create is not known yet: nothing to compare then.
        const tokens = args.resources
            .filter((r) => r.type === Types.randomPassword)
            .map((r) => known(() => str(r.props.result)))
            .filter((t): t is string => t !== undefined && t.length > 0);
        if (tokens.length === 0) return;
        for (const stack of args.resources.filter((r) => r.type === Types.stack)) {
            for (const key of Object.keys(stack.props)) {
                if (known(() => containsAny(stack.props[key], tokens)) === true) {
                    reportViolation(`stack output ${key} contains the webhook token; export what is derived from it instead (the payload URL and webhook path are already secret outputs)`, stack.urn);
                }
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------

export interface IntervalConfig {
    /** Shortest allowed spec.interval (Flux duration); empty: no minimum. */
    minimumInterval?: string;
}

export const pollIntervals: ResourceValidationPolicy = {
    name: "poll-intervals",
    description: "GitRepository and Kustomization intervals are not shorter than the environment's minimumInterval (policy config): pushes trigger syncs, so polling is only the safety net and faster polling is load.",
    // Not a security rule: advisory unless an environment's policy config raises it (production does).
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            minimumInterval: {
                type: "string",
                default: "",
                pattern: "^(([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)?$",
                description: "Shortest allowed interval (Flux duration, e.g. 10m); empty: no minimum.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const kind = isFluxKind(args.type, FluxGroups.source, "GitRepository") ? "GitRepository"
            : isFluxKind(args.type, FluxGroups.kustomize, "Kustomization") ? "Kustomization" : undefined;
        if (kind === undefined) return;
        const { minimumInterval } = args.getConfig<IntervalConfig>();
        if (!minimumInterval) return;
        const minimum = durationMs(minimumInterval);
        if (minimum === undefined) throw new Error(`poll-intervals: minimumInterval ${JSON.stringify(minimumInterval)} is not a Flux duration`);
        const interval: unknown = obj(args.props.spec).interval;
        // A `CustomResource.get` (an object made elsewhere) has no spec among its inputs: not ours to judge.
        if (interval === undefined) return;
        const name = String(obj(args.props.metadata).name);
        const ms = typeof interval === "string" ? durationMs(interval) : undefined;
        if (ms === undefined) {
            reportViolation(`${kind} ${name}: interval ${JSON.stringify(interval)} is not a Flux duration`);
        } else if (ms < minimum) {
            const key = kind === "GitRepository" ? "gitRepositoryInterval" : "kustomizationInterval";
            reportViolation(`${kind} ${name} polls every ${interval}, more often than ${minimumInterval}: pushes trigger syncs, so raise flux-push:${key} (or the repository's own interval)`);
        }
    },
};

/** Every rule of the pack, in the order `pulumi preview` reports them. */
export const policies = [webhookTlsVerified, payloadUrlHttps, tokenStrength, tokenFromRandomPassword, tokenNotExported, pollIntervals, actionsOidcPinned];
