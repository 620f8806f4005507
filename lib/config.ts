// Stack configuration: read raw strings, validate everything in one pass, return a frozen,
// typed object. Defaults for top-level keys live in Pulumi.yaml (the CLI applies them); the
// per-item defaults of `repositories` entries live here, since Pulumi.yaml cannot hold them.
import * as net from "net";
import { WebhookTokenSecretBaseName } from "./names";
import { FluxIntervalPattern, GitRepositoryUrlSchemes } from "./flux";
import { hostReach } from "./urls";
import { ActionsConfig, checkActions, parseActionsValidations, parseTriggers, Trigger } from "./actionsConfig";
import { OidcValidation } from "./oidc";

export const ProjectName = "flux-push";

/**
 * `none`: webhook-receiver stays Flux's ClusterIP Service (only the actions-oidc trigger, with
 * in-cluster runners). `gateway`: an HTTPRoute attached to a Gateway the user names (Gateway API).
 */
export const ExposureModes = ["patch-nodeport", "nodeport-service", "loadbalancer", "ingress", "gateway", "url", "none"] as const;
export type ExposureMode = (typeof ExposureModes)[number];

/** What a check around GitHub's hook does when it finds a problem: stop the update, warn, or not run. */
export const CheckModes = ["fail", "warn", "off"] as const;
export type CheckMode = (typeof CheckModes)[number];

/** Who may reach the receiver: anyone (the HMAC signature is the guard), or GitHub's hook ranges only. */
export const AllowedSources = ["any", "github"] as const;
export type AllowedSource = (typeof AllowedSources)[number];

/**
 * Every plain project-level key the program reads (with `config.get`); Pulumi.yaml declares each
 * with type, default and description.
 */
export const ConfigKeys = [
    "namespace",
    "exposure",
    "nodePort",
    "nodeAddress",
    "ingressHost",
    "ingressTlsSecret",
    "ingressClassName",
    "gatewayName",
    "gatewayListener",
    "gatewayHost",
    "gatewayPort",
    "loadBalancerTimeout",
    "publicUrl",
    "allowPrivateAddresses",
    "allowedSources",
    "insecureSsl",
    "receiverProbe",
    "deliveryCheck",
    "deliveryCheckTrigger",
    "deliveryCheckTimeout",
    "commitStatusSecret",
    "commitStatusApp",
    "gitRepositoryInterval",
    "kustomizationInterval",
    "tokenLength",
    "tokenRotation",
    "repositories",
    "actionsRunners",
    "actionsRunner",
    "actionsAudience",
    "actionsWorkflowPath",
    "actionsWorkflowDelivery",
    "actionsCheck",
    "actionsCheckTimeout",
    "actionsOidcIssuer",
] as const;
export type ConfigKey = (typeof ConfigKeys)[number];

/**
 * Secret keys: read only with `config.getSecret`, never with `config.get`, and not declared in
 * Pulumi.yaml (the CLI requires a declared key that has no default, and applies a `secret: true`
 * key's default as plaintext, which it then refuses as not encrypted: see tests/stackFiles.test.ts).
 * Validation learns only which of them are set.
 */
export const SecretConfigKeys = ["commitStatusToken"] as const;
export type SecretConfigKey = (typeof SecretConfigKeys)[number];

/**
 * Config as the CLI hands it to a program: every plain value a string (objects and lists as JSON);
 * of the secret keys only which are set, so no secret value ever passes through validation.
 */
export type RawConfig = Readonly<Partial<Record<ConfigKey, string>>> & {
    readonly secretsSet?: readonly SecretConfigKey[];
};

/** The part of `pulumi.Config` the reader uses (this module stays free of the SDK). */
export interface ConfigReader {
    get(key: string): string | undefined;
    /** As `pulumi.Config.getSecret`: undefined when unset, else a secret Output the reader never opens. */
    getSecret(key: string): unknown;
}

/**
 * The project's config as the program should read it: plain keys with `get`, secret keys only with
 * `getSecret` and only to learn whether they are set (where the program uses a secret, it reads it
 * again with `getSecret`, as a secret Output).
 */
export function readRawConfig(config: ConfigReader): RawConfig {
    const raw: Partial<Record<ConfigKey, string>> = {};
    for (const k of ConfigKeys) {
        const v = config.get(k);
        if (v !== undefined) raw[k] = v;
    }
    return { ...raw, secretsSet: SecretConfigKeys.filter((k) => config.getSecret(k) !== undefined) };
}

export const NodePortRange = { min: 30000, max: 32767 } as const;
/** 43 alphanumeric characters carry 43 * log2(62) = 256.03 bits. */
export const MinTokenLength = 43;
export const MaxTokenLength = 1024;
/** Seconds the delivery check waits for an answer to its ping (default 60, in Pulumi.yaml). */
export const DeliveryCheckTimeoutRange = { min: 10, max: 600 } as const;
/** Seconds to wait for a load-balancer controller's address (default 600: the kubernetes provider's own 10 minutes). */
export const LoadBalancerTimeoutRange = { min: 10, max: 3600 } as const;
/** loadBalancerTimeout's default, as Pulumi.yaml declares it. */
const LoadBalancerTimeoutDefault = 600;
/** The Secret the stack creates for the commit-status token when commitStatusSecret is empty. */
export const DefaultCommitStatusSecretName = "github-commit-status";
/**
 * Name of the webhook token's Secret (components/webhookToken.ts; a test keeps the two equal); a
 * rotation may add a suffix, so `webhook-token-*` is kept for it too.
 */
/** The token Secrets' name prefix (lib/names.ts): `webhook-token`, then `webhook-token-<generation>`. */
export const WebhookTokenSecretName = WebhookTokenSecretBaseName;
/** Namespaces every cluster has: the stack never creates (nor, on destroy, deletes) them. */
export const ClusterNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

export interface KustomizationConfig {
    readonly name: string;
    readonly path: string;
    readonly prune: boolean;
    readonly interval: string;
    readonly targetNamespace?: string;
    /** The stack creates targetNamespace (and deletes it on destroy); only with targetNamespace. */
    readonly createTargetNamespace: boolean;
}

/** A GitRepository the stack creates, with its Kustomizations. */
export interface ManagedRepositoryConfig {
    readonly name: string;
    readonly githubRepository: string;
    readonly existing: false;
    /** Reconcile only on pushes to `branch` (the Receiver drops pushes to other refs). */
    readonly branchFilter: boolean;
    /** How pushes reach the cluster: GitHub's webhook, a GitHub Actions job with an OIDC token, or both. */
    readonly triggers: readonly Trigger[];
    /** CEL validations replacing the stack's own for the actions-oidc Receiver. */
    readonly actionsValidations?: readonly OidcValidation[];
    readonly url: string;
    readonly branch: string;
    readonly interval: string;
    readonly secretRef?: string;
    readonly kustomizations: readonly KustomizationConfig[];
}

/** A GitRepository that already exists (e.g. made by `flux bootstrap` or `flux create`): only referenced. */
export interface ExistingRepositoryConfig {
    readonly name: string;
    readonly githubRepository: string;
    readonly existing: true;
    /** Reconcile only on pushes to the existing GitRepository's branch. */
    readonly branchFilter: boolean;
    readonly triggers: readonly Trigger[];
    readonly actionsValidations?: readonly OidcValidation[];
}

export type RepositoryConfig = ManagedRepositoryConfig | ExistingRepositoryConfig;

export type ExposureConfig =
    | { readonly mode: "patch-nodeport" | "nodeport-service"; readonly nodePort: number; readonly nodeAddress: string }
    | { readonly mode: "loadbalancer"; readonly timeoutSeconds: number }
    | { readonly mode: "ingress"; readonly host: string; readonly tlsSecretName: string; readonly ingressClassName?: string }
    | {
        readonly mode: "gateway";
        /** The Gateway the HTTPRoute attaches to (gatewayName: NAMESPACE/NAME, or NAME in the Flux namespace). */
        readonly gateway: { readonly namespace: string; readonly name: string };
        /** The listener (sectionName) to attach to; default: the one listener that can take the route. */
        readonly listener?: string;
        /** The route's host name; default: the listener's hostname. */
        readonly host?: string;
        /** The port in the payload URL; default: the listener's port. */
        readonly port?: number;
    }
    | { readonly mode: "url"; readonly publicUrl: string }
    | { readonly mode: "none" };

export interface StackConfig {
    readonly namespace: string;
    readonly exposure: ExposureConfig;
    /** Private and loopback addresses accepted (a GitHub Enterprise Server on the same private network). */
    readonly allowPrivateAddresses: boolean;
    readonly allowedSources: AllowedSource;
    readonly insecureSsl: boolean;
    /** Before GitHub's hook moves to a new payload URL: a signed ping to it from where `pulumi up` runs. */
    readonly receiverProbe: CheckMode;
    /** After the hook is created or its URL or secret change: a ping, and GitHub's delivery result. */
    readonly deliveryCheck: { readonly mode: CheckMode; readonly trigger: string; readonly timeoutSeconds: number };
    /**
     * Commit statuses back to GitHub; absent unless commitStatusSecret, commitStatusToken or
     * commitStatusApp is set. `createSecret`: the stack writes the Secret, from commitStatusToken
     * (`credentials: "token"`) or from the stack's GitHub App (`"app"`); else it only refers to it.
     */
    readonly commitStatus?: { readonly secretName: string; readonly createSecret: boolean; readonly credentials?: "token" | "app" };
    readonly token: { readonly length: number; readonly rotation: string };
    readonly repositories: readonly RepositoryConfig[];
    /** The actions-oidc trigger's settings; present when a repository uses it. */
    readonly actions?: ActionsConfig;
}

export type ValidationResult =
    | { readonly ok: true; readonly config: StackConfig }
    | { readonly ok: false; readonly problems: readonly string[] };

// RFC 1123 names, as Kubernetes (and `flux create`) require them.
const Dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const Dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// GitHub repository names: letters, digits, '-', '_' and '.', at most 100 characters.
const GitHubRepositoryName = /^[A-Za-z0-9._-]{1,100}$/;
const Hostname = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;

export const RepositoryKeys = ["name", "githubRepository", "existing", "branchFilter", "triggers", "actionsValidations", "url", "branch", "interval", "secretRef", "kustomizations"] as const;
const ExistingRepositoryKeys = ["name", "githubRepository", "existing", "branchFilter", "triggers", "actionsValidations"] as const;
export const KustomizationKeys = ["name", "path", "prune", "interval", "targetNamespace", "createTargetNamespace"] as const;

/**
 * How a configuration problem names the setting and its fix. The same validation serves the
 * stack's config (`flux-push:exposure`, fixed with `pulumi config set`) and the inputs of the
 * PushReconciliation component (components/pushReconciliation.ts: input `exposure`, fixed where the
 * component is declared), whose inputs carry the config keys' names.
 */
export interface ConfigNaming {
    /** What the settings are, as the summary of their problems says: "stack configuration". */
    readonly subject: string;
    /** The setting as a problem names it. */
    key(k: string): string;
    /** The fix that sets `k` (a key, or a path into one such as `actionsRunners[0].job`) to `example`. */
    set(k: string, example: string): string;
    /** The fix that removes `k`. */
    rm(k: string): string;
}

/** The stack's own config: `flux-push:<key>`, `pulumi config set|rm`. */
export const StackConfigNaming: ConfigNaming = {
    subject: "stack configuration",
    key: (k) => `${ProjectName}:${k}`,
    set: (k, example) => (/[[.]/.test(k) ? `\`pulumi config set --path '${k}' ${example}\`` : `\`pulumi config set ${k} ${example}\``),
    rm: (k) => `\`pulumi config rm ${k}\``,
};

/** A component's inputs (named as the config keys): `<component> input <key>`, set or removed where the component is declared. */
export function componentInputNaming(component: string): ConfigNaming {
    return {
        subject: `${component} inputs`,
        key: (k) => `${component} input ${k}`,
        set: (k, example) => `\`${k}: ${example}\` in the ${component} inputs`,
        rm: (k) => `remove input ${k} from the ${component}`,
    };
}
const quote = (v: unknown) => JSON.stringify(v);

/** Problems collected in one pass; each names the key, the bad value and the fix. */
class Problems {
    readonly list: string[] = [];
    constructor(readonly naming: ConfigNaming) {}
    key(k: string): string {
        return this.naming.key(k);
    }
    set(k: string, example: string): string {
        return this.naming.set(k, example);
    }
    add(where: string, message: string): void {
        this.list.push(`${where}: ${message}`);
    }
}

export function isDns1123Label(v: string): boolean {
    return v.length <= 63 && Dns1123Label.test(v);
}

export function isDns1123Subdomain(v: string): boolean {
    return v.length <= 253 && Dns1123Subdomain.test(v);
}

export function isFluxInterval(v: string): boolean {
    return FluxIntervalPattern.test(v);
}

/**
 * git check-ref-format's rules for a branch name, the ones users actually trip on. The `.lock` and
 * leading-dot rules hold for every slash-separated component, not just the whole name.
 */
export function isGitBranchName(v: string): boolean {
    return (
        v.length > 0 &&
        !/[\s~^:?*[\\\x00-\x1f\x7f]/.test(v) &&
        !v.includes("..") &&
        !v.includes("@{") &&
        !v.includes("//") &&
        !v.startsWith("/") &&
        !v.endsWith("/") &&
        !v.startsWith("-") &&
        !v.endsWith(".") &&
        v.split("/").every((c) => !c.startsWith(".") && !c.endsWith(".lock")) &&
        v !== "@" &&
        v !== "HEAD"
    );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkUnknownKeys(p: Problems, where: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(value)) {
        if (!allowed.includes(k)) {
            p.add(`${where}.${k}`, `unknown setting; allowed here: ${allowed.join(", ")}`);
        }
    }
}

function optionalString(p: Problems, where: string, v: unknown): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || v === "") {
        p.add(where, `must be a non-empty string, got ${quote(v)}`);
        return undefined;
    }
    return v;
}

function optionalBoolean(p: Problems, where: string, v: unknown, fallback: boolean): boolean {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") {
        p.add(where, `must be true or false, got ${quote(v)}`);
        return fallback;
    }
    return v;
}

function checkInterval(p: Problems, where: string, v: string | undefined, fix: string): string {
    if (v === undefined || v === "") {
        p.add(where, `is required; ${fix}`);
        return "";
    }
    if (!isFluxInterval(v)) {
        p.add(where, `${quote(v)} is not a Flux duration (pattern ${FluxIntervalPattern.source}, e.g. 30s, 10m, 1h, 1h30m); ${fix}`);
    }
    return v;
}

function parseInteger(p: Problems, where: string, raw: string | undefined, fix: string): number | undefined {
    if (raw === undefined || raw === "") {
        p.add(where, `is required; ${fix}`);
        return undefined;
    }
    if (!/^-?[0-9]+$/.test(raw.trim())) {
        p.add(where, `${quote(raw)} is not an integer; ${fix}`);
        return undefined;
    }
    return Number(raw.trim());
}

function parseBoolean(p: Problems, where: string, raw: string | undefined): boolean {
    if (raw === undefined || raw === "") return false;
    if (raw === "true") return true;
    if (raw === "false") return false;
    p.add(where, `${quote(raw)} is not a boolean; use true or false`);
    return false;
}

function parseChoice<T extends string>(p: Problems, k: ConfigKey, raw: string | undefined, allowed: readonly T[], what: string, example: T): T | undefined {
    const v = raw ?? "";
    if (!(allowed as readonly string[]).includes(v)) {
        p.add(p.key(k), `${quote(v)} is not ${what}; allowed: ${allowed.join(", ")} (e.g. ${p.set(k, example)})`);
        return undefined;
    }
    return v as T;
}

/**
 * A payload URL host GitHub can post to: never localhost (GitHub refuses it), and a private or
 * loopback address only with allowPrivateAddresses (GitHub.com never delivers there).
 */
function checkReachable(p: Problems, k: ConfigKey, shown: string, host: string, allowPrivate: boolean): void {
    const reach = hostReach(host);
    if (reach.kind === "localhost") {
        p.add(p.key(k), `${shown} is localhost, which GitHub refuses in a payload URL ("Sorry, the URL host localhost is not supported because it isn't reachable over the public Internet"), whatever allowPrivateAddresses says; give a host GitHub can reach`);
    } else if (reach.kind === "private" && !allowPrivate) {
        p.add(p.key(k), `${shown} is in ${reach.range}: GitHub.com never delivers to private or loopback addresses; give an address GitHub can reach, or, only for a GitHub Enterprise Server on the same private network, ${p.set("allowPrivateAddresses", "true")}`);
    }
}

/** A node address GitHub can reach: an IPv4/IPv6 address or a DNS name, without scheme or port. */
export function isNodeAddress(v: string): boolean {
    return net.isIP(v) !== 0 || Hostname.test(v);
}

function checkPublicUrl(p: Problems, raw: string, allowPrivate: boolean): string {
    const where = p.key("publicUrl");
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        p.add(where, `${quote(raw)} is not a URL; give the public origin GitHub reaches, e.g. ${p.set("publicUrl", "https://flux-webhook.example.com")}`);
        return raw;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
        p.add(where, `scheme ${quote(url.protocol.replace(/:$/, ""))} is not allowed; use https:// (or http://)`);
    } else {
        checkReachable(p, "publicUrl", `the host ${quote(url.hostname)} of ${quote(raw)}`, url.hostname, allowPrivate);
    }
    if (url.username || url.password) {
        p.add(where, "must not carry credentials; GitHub authenticates with the HMAC signature, not the URL");
    }
    // notification-controller matches the request URI exactly: a prefix or query answers 404.
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
        p.add(where, `${quote(raw)} has a path, query or fragment; give the origin only (scheme://host[:port]): notification-controller serves /hook/<sha256> at the root and answers 404 to anything else`);
    }
    return url.origin;
}

function checkExposure(p: Problems, raw: RawConfig, allowPrivate: boolean): ExposureConfig | undefined {
    const mode = raw.exposure ?? "";
    const modeKnown = (ExposureModes as readonly string[]).includes(mode);
    if (!modeKnown) {
        p.add(p.key("exposure"), `${quote(mode)} is not an exposure mode; allowed: ${ExposureModes.join(", ")} (e.g. ${p.set("exposure", "patch-nodeport")})`);
    }
    // Keys that only one mode reads: setting them for another mode is almost always a mistake.
    const usedBy: Record<string, readonly ExposureMode[]> = {
        loadBalancerTimeout: ["loadbalancer"],
        nodeAddress: ["patch-nodeport", "nodeport-service"],
        ingressHost: ["ingress"],
        ingressTlsSecret: ["ingress"],
        ingressClassName: ["ingress"],
        gatewayName: ["gateway"],
        gatewayListener: ["gateway"],
        gatewayHost: ["gateway"],
        gatewayPort: ["gateway"],
        publicUrl: ["url"],
    };
    // The keys with a default other than "" (Pulumi.yaml, which the CLI applies): only a value other
    // than it is a mistake elsewhere. gatewayPort's 0 is "the listener's port".
    const unsetAs: Readonly<Record<string, string>> = { loadBalancerTimeout: String(LoadBalancerTimeoutDefault), gatewayPort: "0" };
    if (modeKnown) {
        for (const [k, modes] of Object.entries(usedBy)) {
            const v = raw[k as ConfigKey];
            if (v !== undefined && v !== "" && v !== unsetAs[k] && !modes.includes(mode as ExposureMode)) {
                p.add(p.key(k), `is set but exposure is ${quote(mode)}; it is read only with exposure ${modes.join(" or ")}: remove it (${p.naming.rm(k)}) or change exposure`);
            }
        }
    }
    switch (mode as ExposureMode) {
        case "patch-nodeport":
        case "nodeport-service": {
            const nodePort = parseInteger(p, p.key("nodePort"), raw.nodePort, `e.g. ${p.set("nodePort", "31234")}`);
            if (nodePort !== undefined && (nodePort < NodePortRange.min || nodePort > NodePortRange.max)) {
                p.add(p.key("nodePort"), `${nodePort} is outside Kubernetes' NodePort range ${NodePortRange.min}-${NodePortRange.max}; e.g. ${p.set("nodePort", "31234")}`);
            }
            const nodeAddress = raw.nodeAddress ?? "";
            if (nodeAddress === "") {
                p.add(p.key("nodeAddress"), `is required with exposure ${mode}: the IP or DNS name of a node GitHub can reach, e.g. ${p.set("nodeAddress", "203.0.113.10")}`);
            } else if (!isNodeAddress(nodeAddress)) {
                p.add(p.key("nodeAddress"), `${quote(nodeAddress)} is not an IP address or DNS name; give the node's address alone, without scheme or port (the port is nodePort)`);
            } else {
                checkReachable(p, "nodeAddress", quote(nodeAddress), nodeAddress, allowPrivate);
            }
            return { mode: mode as "patch-nodeport" | "nodeport-service", nodePort: nodePort ?? 0, nodeAddress };
        }
        case "loadbalancer": {
            const fix = `e.g. ${p.set("loadBalancerTimeout", String(LoadBalancerTimeoutDefault))}`;
            const timeoutSeconds = raw.loadBalancerTimeout === undefined || raw.loadBalancerTimeout === "" ? LoadBalancerTimeoutDefault : parseInteger(p, p.key("loadBalancerTimeout"), raw.loadBalancerTimeout, fix);
            if (timeoutSeconds !== undefined && (timeoutSeconds < LoadBalancerTimeoutRange.min || timeoutSeconds > LoadBalancerTimeoutRange.max)) {
                p.add(p.key("loadBalancerTimeout"), `${timeoutSeconds} is outside ${LoadBalancerTimeoutRange.min}-${LoadBalancerTimeoutRange.max} (seconds to wait for the load balancer's address); ${fix}`);
            }
            return { mode: "loadbalancer", timeoutSeconds: timeoutSeconds ?? LoadBalancerTimeoutDefault };
        }
        case "gateway":
            return checkGateway(p, raw, allowPrivate);
        case "ingress": {
            const host = raw.ingressHost ?? "";
            if (host === "") {
                p.add(p.key("ingressHost"), `is required with exposure ingress: the public DNS name routed to the Ingress, e.g. ${p.set("ingressHost", "flux-webhook.example.com")}`);
            } else if (!Hostname.test(host) || net.isIP(host) !== 0) {
                p.add(p.key("ingressHost"), `${quote(host)} is not a DNS name; give the host alone, without scheme, port or path`);
            } else {
                checkReachable(p, "ingressHost", quote(host), host, allowPrivate);
            }
            const tlsSecretName = raw.ingressTlsSecret ?? "";
            if (tlsSecretName === "") {
                p.add(p.key("ingressTlsSecret"), `is required with exposure ingress: the Secret holding the certificate for ${host || "ingressHost"}, e.g. ${p.set("ingressTlsSecret", "flux-webhook-tls")}`);
            } else if (!isDns1123Subdomain(tlsSecretName)) {
                p.add(p.key("ingressTlsSecret"), `${quote(tlsSecretName)} is not a valid Secret name (RFC 1123: lowercase letters, digits, '-' and '.')`);
            }
            const ingressClassName = raw.ingressClassName || undefined;
            if (ingressClassName !== undefined && !isDns1123Subdomain(ingressClassName)) {
                p.add(p.key("ingressClassName"), `${quote(ingressClassName)} is not a valid IngressClass name (RFC 1123)`);
            }
            return { mode: "ingress", host, tlsSecretName, ...(ingressClassName ? { ingressClassName } : {}) };
        }
        case "none":
            return { mode: "none" };
        case "url": {
            const publicUrl = raw.publicUrl ?? "";
            if (publicUrl === "") {
                p.add(p.key("publicUrl"), `is required with exposure url: the public origin that reaches webhook-receiver, e.g. ${p.set("publicUrl", "https://flux-webhook.example.com")}`);
                return undefined;
            }
            return { mode: "url", publicUrl: checkPublicUrl(p, publicUrl, allowPrivate) };
        }
        default:
            return undefined;
    }
}

/** The keys of exposure gateway: which Gateway, and optionally which listener, host and port. */
function checkGateway(p: Problems, raw: RawConfig, allowPrivate: boolean): ExposureConfig {
    const namespace = raw.namespace ?? "";
    const ref = raw.gatewayName ?? "";
    let gateway = { namespace, name: "" };
    const example = p.set("gatewayName", "gateway-system/internet-gateway");
    if (ref === "") {
        p.add(p.key("gatewayName"), `is required with exposure gateway: the Gateway the HTTPRoute attaches to, as NAMESPACE/NAME (or NAME in the Flux namespace), e.g. ${example}`);
    } else {
        const parts = ref.split("/");
        const [ns, name] = parts.length === 2 ? parts : [namespace, parts[0]];
        if (parts.length > 2 || !isDns1123Label(ns) || !isDns1123Subdomain(name)) {
            p.add(p.key("gatewayName"), `${quote(ref)} is not NAMESPACE/NAME or NAME (a namespace is an RFC 1123 label, a Gateway's name an RFC 1123 subdomain), e.g. ${example}`);
        } else {
            gateway = { namespace: ns, name };
        }
    }
    const listener = raw.gatewayListener || undefined;
    if (listener !== undefined && !isDns1123Subdomain(listener)) {
        p.add(p.key("gatewayListener"), `${quote(listener)} is not a listener name (a Gateway API SectionName: RFC 1123 subdomain), e.g. ${p.set("gatewayListener", "websecure")}`);
    }
    const host = raw.gatewayHost || undefined;
    if (host !== undefined) {
        if (!Hostname.test(host) || net.isIP(host) !== 0) {
            p.add(p.key("gatewayHost"), `${quote(host)} is not a DNS name; give the host alone (no scheme, port, path or wildcard), e.g. ${p.set("gatewayHost", "flux-webhook.example.com")}`);
        } else {
            checkReachable(p, "gatewayHost", quote(host), host, allowPrivate);
        }
    }
    let port: number | undefined;
    if (raw.gatewayPort !== undefined && raw.gatewayPort !== "" && raw.gatewayPort !== "0") {
        port = parseInteger(p, p.key("gatewayPort"), raw.gatewayPort, `e.g. ${p.set("gatewayPort", "443")}`);
        if (port !== undefined && (port < 1 || port > 65535)) {
            p.add(p.key("gatewayPort"), `${port} is not a port (1-65535); it is the port GitHub connects to when it differs from the listener's (a load balancer in front that maps 443 to the listener's 8443), e.g. ${p.set("gatewayPort", "443")}`);
        }
    }
    return { mode: "gateway", gateway, ...(listener ? { listener } : {}), ...(host ? { host } : {}), ...(port ? { port } : {}) };
}

function checkGitUrl(p: Problems, where: string, v: unknown): string {
    const url = optionalString(p, where, v);
    if (url === undefined) {
        if (v === undefined || v === null) p.add(where, "is required: the Git URL source-controller clones, e.g. https://github.com/OWNER/REPO.git");
        return "";
    }
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
    if (scheme === undefined || !(GitRepositoryUrlSchemes as readonly string[]).includes(scheme)) {
        const hint = /^[^/:]+@[^/:]+:/.test(url) ? ` (scp-like addresses are not accepted: write ssh://${url.replace(":", "/")})` : "";
        p.add(where, `${quote(url)} must start with ${GitRepositoryUrlSchemes.map((s) => `${s}://`).join(", ")}, as GitRepository requires${hint}`);
    }
    return url;
}

/** What Kustomization entries share: defaults, and names already taken across all repositories. */
interface KustomizationContext {
    readonly fluxNamespace: string;
    readonly defaultInterval: string;
    readonly names: Map<string, string>;
    readonly createdNamespaces: Map<string, string>;
}

function checkKustomization(p: Problems, where: string, v: unknown, ctx: KustomizationContext): KustomizationConfig | undefined {
    if (!isPlainObject(v)) {
        p.add(where, `must be an object with ${KustomizationKeys.join(", ")}, got ${quote(v)}`);
        return undefined;
    }
    checkUnknownKeys(p, where, v, KustomizationKeys);
    const name = optionalString(p, `${where}.name`, v.name) ?? "";
    if (v.name === undefined) p.add(`${where}.name`, "is required: the Kustomization's name, e.g. vote-staging");
    else if (name !== "" && !isDns1123Subdomain(name)) p.add(`${where}.name`, `${quote(name)} is not a valid name (RFC 1123: lowercase letters, digits, '-' and '.', at most 253)`);
    else if (name !== "") {
        const first = ctx.names.get(name);
        if (first !== undefined) p.add(`${where}.name`, `${quote(name)} is already used by ${first}; Kustomization names must be unique in the namespace`);
        else ctx.names.set(name, where);
    }
    const path = optionalString(p, `${where}.path`, v.path) ?? "";
    if (v.path === undefined) p.add(`${where}.path`, "is required: the directory in the repository to apply, e.g. ./deploy/vote/staging");
    else if (path !== "" && !path.startsWith("./")) p.add(`${where}.path`, `${quote(path)} must begin with ./ (as flux create requires), e.g. ./${path.replace(/^\/+/, "")}`);
    else if (path.split("/").includes("..")) p.add(`${where}.path`, `${quote(path)} must stay inside the repository (no '..')`);
    const prune = optionalBoolean(p, `${where}.prune`, v.prune, true);
    const targetNamespace = optionalString(p, `${where}.targetNamespace`, v.targetNamespace);
    const targetValid = targetNamespace !== undefined && isDns1123Label(targetNamespace);
    if (targetNamespace !== undefined && !targetValid) {
        p.add(`${where}.targetNamespace`, `${quote(targetNamespace)} is not a valid namespace name (RFC 1123 label: lowercase letters, digits and '-', at most 63)`);
    }
    const createTargetNamespace = optionalBoolean(p, `${where}.createTargetNamespace`, v.createTargetNamespace, false);
    const at = `${where}.createTargetNamespace`;
    if (createTargetNamespace && v.targetNamespace === undefined) {
        p.add(at, "is true but targetNamespace is not set, so there is no namespace to create; set targetNamespace, or remove createTargetNamespace");
    } else if (createTargetNamespace && targetValid) {
        const first = ctx.createdNamespaces.get(targetNamespace);
        if (targetNamespace === ctx.fluxNamespace) {
            p.add(at, `is true but targetNamespace ${quote(targetNamespace)} is Flux's own namespace: it exists already, and the stack would delete it on destroy; remove createTargetNamespace`);
        } else if ((ClusterNamespaces as readonly string[]).includes(targetNamespace)) {
            p.add(at, `is true but targetNamespace ${quote(targetNamespace)} exists in every cluster and is never the stack's to create or delete; remove createTargetNamespace`);
        } else if (first !== undefined) {
            p.add(at, `is true but ${first} creates namespace ${quote(targetNamespace)} already; a namespace is created once: remove createTargetNamespace here`);
        } else {
            ctx.createdNamespaces.set(targetNamespace, where);
        }
    }
    const ownInterval = optionalString(p, `${where}.interval`, v.interval);
    const interval = ownInterval === undefined ? ctx.defaultInterval : checkInterval(p, `${where}.interval`, ownInterval, "or remove it to use kustomizationInterval");
    return { name, path, prune, interval, ...(targetNamespace !== undefined ? { targetNamespace } : {}), createTargetNamespace };
}

function checkRepositories(p: Problems, raw: string | undefined, fluxNamespace: string, gitRepositoryInterval: string, kustomizationInterval: string): RepositoryConfig[] {
    const where = p.key("repositories");
    const example = "see Pulumi.staging.yaml for an example";
    if (raw === undefined || raw === "") {
        p.add(where, `is required: the Git repositories whose pushes trigger a reconcile; ${example}`);
        return [];
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        p.add(where, `is not a list of objects (could not parse ${quote(raw)}); ${example}`);
        return [];
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
        p.add(where, `must be a non-empty list of repositories; ${example}`);
        return [];
    }
    const repositories: RepositoryConfig[] = [];
    const repositoryNames = new Map<string, string>();
    const ctx: KustomizationContext = { fluxNamespace, defaultInterval: kustomizationInterval, names: new Map(), createdNamespaces: new Map() };
    parsed.forEach((entry: unknown, i: number) => {
        const at = `${where}[${i}]`;
        if (!isPlainObject(entry)) {
            p.add(at, `must be an object with ${RepositoryKeys.join(", ")}, got ${quote(entry)}`);
            return;
        }
        const existing = optionalBoolean(p, `${at}.existing`, entry.existing, false);
        checkUnknownKeys(p, at, entry, RepositoryKeys);

        const name = optionalString(p, `${at}.name`, entry.name) ?? "";
        if (entry.name === undefined) p.add(`${at}.name`, "is required: the GitRepository (and Receiver) name, e.g. instavote");
        else if (name !== "" && !isDns1123Subdomain(name)) p.add(`${at}.name`, `${quote(name)} is not a valid name (RFC 1123: lowercase letters, digits, '-' and '.', at most 253)`);
        else if (name !== "") {
            const first = repositoryNames.get(name);
            if (first !== undefined) p.add(`${at}.name`, `${quote(name)} is already used by ${first}; each GitRepository/Receiver name must be unique`);
            else repositoryNames.set(name, at);
        }

        const githubRepository = optionalString(p, `${at}.githubRepository`, entry.githubRepository) ?? name;
        if (githubRepository.includes("/")) {
            p.add(`${at}.githubRepository`, `${quote(githubRepository)} must be the repository name alone; the owner comes from \`pulumi config set github:owner OWNER\``);
        } else if (githubRepository !== "" && (!GitHubRepositoryName.test(githubRepository) || githubRepository === "." || githubRepository === ".." || githubRepository.endsWith(".git"))) {
            p.add(`${at}.githubRepository`, `${quote(githubRepository)} is not a GitHub repository name (letters, digits, '-', '_' and '.', at most 100, without .git)`);
        }

        const branchFilter = optionalBoolean(p, `${at}.branchFilter`, entry.branchFilter, true);
        const triggers = parseTriggers((w, m) => p.add(w, m), `${at}.triggers`, entry.triggers);
        const actionsValidations = parseActionsValidations((w, m) => p.add(w, m), `${at}.actionsValidations`, entry.actionsValidations);
        if (actionsValidations !== undefined && !triggers.includes("actions-oidc")) {
            p.add(`${at}.actionsValidations`, "is set but this repository does not use the actions-oidc trigger; add it to triggers, or remove actionsValidations");
        }
        const oidc = { triggers, ...(actionsValidations !== undefined ? { actionsValidations } : {}) };

        if (existing) {
            // The objects live elsewhere (Git, `flux create`): settings that describe them would be ignored.
            for (const k of RepositoryKeys) {
                if (!(ExistingRepositoryKeys as readonly string[]).includes(k) && entry[k] !== undefined) {
                    p.add(`${at}.${k}`, `is set but existing is true: the stack only references GitRepository ${quote(name)} and changes none of its settings; remove ${k}, or set existing: false to let the stack create and own the objects`);
                }
            }
            repositories.push({ name, githubRepository, existing: true, branchFilter, ...oidc });
            return;
        }

        const url = checkGitUrl(p, `${at}.url`, entry.url);
        const branch = optionalString(p, `${at}.branch`, entry.branch) ?? "main";
        if (!isGitBranchName(branch)) p.add(`${at}.branch`, `${quote(branch)} is not a valid branch name`);
        const secretRef = optionalString(p, `${at}.secretRef`, entry.secretRef);
        if (secretRef !== undefined && !isDns1123Subdomain(secretRef)) p.add(`${at}.secretRef`, `${quote(secretRef)} is not a valid Secret name (RFC 1123)`);
        const ownInterval = optionalString(p, `${at}.interval`, entry.interval);
        const interval = ownInterval === undefined ? gitRepositoryInterval : checkInterval(p, `${at}.interval`, ownInterval, "or remove it to use gitRepositoryInterval");

        const kustomizations: KustomizationConfig[] = [];
        if (entry.kustomizations !== undefined && !Array.isArray(entry.kustomizations)) {
            p.add(`${at}.kustomizations`, `must be a list, got ${quote(entry.kustomizations)}`);
        } else {
            (entry.kustomizations ?? []).forEach((k: unknown, j: number) => {
                const ks = checkKustomization(p, `${at}.kustomizations[${j}]`, k, ctx);
                if (ks !== undefined) kustomizations.push(ks);
            });
        }
        repositories.push({ name, githubRepository, existing: false, branchFilter, ...oidc, url, branch, interval, kustomizations, ...(secretRef !== undefined ? { secretRef } : {}) });
    });
    return repositories;
}

/**
 * Commit statuses: on when a Secret is named, the token is set or commitStatusApp is true. With the
 * token, or with commitStatusApp (the GitHub App of `github:appAuth`, Flux's githubApp* keys), the
 * stack creates the Secret (commitStatusSecret, else github-commit-status); with a name alone it
 * only refers to it. Whether the stack has a GitHub App is known only to the program (program.ts).
 */
function checkCommitStatus(p: Problems, raw: RawConfig, exposure: ExposureConfig | undefined): StackConfig["commitStatus"] {
    const where = p.key("commitStatusSecret");
    const name = raw.commitStatusSecret ?? "";
    const tokenSet = (raw.secretsSet ?? []).includes("commitStatusToken");
    const app = parseBoolean(p, p.key("commitStatusApp"), raw.commitStatusApp);
    if (app && tokenSet) {
        p.add(p.key("commitStatusApp"), `and the secret commitStatusToken are both set: the commit-status Secret holds either the GitHub App's credentials or a token; remove one (${p.naming.rm("commitStatusToken")}, or ${p.naming.rm("commitStatusApp")})`);
    }
    const instead = `name another Secret, e.g. ${p.set("commitStatusSecret", DefaultCommitStatusSecretName)}`;
    if (name !== "" && !isDns1123Subdomain(name)) {
        p.add(where, `${quote(name)} is not a valid Secret name (RFC 1123: lowercase letters, digits, '-' and '.')`);
    } else if (name === WebhookTokenSecretName || name.startsWith(`${WebhookTokenSecretName}-`)) {
        p.add(where, `${quote(name)} is the webhook token's Secret (${WebhookTokenSecretName}, and ${WebhookTokenSecretName}-* after a rotation), whose token is the hooks' HMAC secret, not a GitHub token; ${instead}`);
    } else if (name !== "" && exposure?.mode === "ingress" && name === exposure.tlsSecretName) {
        p.add(where, `${quote(name)} is ingressTlsSecret, the Ingress's certificate; ${instead}`);
    }
    if (!tokenSet && !app && name === "") return undefined;
    return {
        secretName: name || DefaultCommitStatusSecretName,
        createSecret: tokenSet || app,
        ...(tokenSet ? { credentials: "token" as const } : app ? { credentials: "app" as const } : {}),
    };
}

/**
 * How the triggers and the exposure fit together: GitHub's webhooks need an exposure, so `none`
 * (webhook-receiver stays ClusterIP) is for repositories that use only the actions-oidc trigger;
 * each GitHub repository gets one workflow file, so two actions-oidc entries cannot share one.
 */
function checkTriggers(p: Problems, raw: RawConfig, namespace: string, repositories: readonly RepositoryConfig[], exposure: ExposureConfig | undefined, allowedSources: AllowedSource | undefined): ActionsConfig | undefined {
    // A repository whose triggers were refused ([]) could use either: no rule guesses.
    if (repositories.some((r) => r.triggers.length === 0)) {
        const runners = raw.actionsRunners ?? "";
        return runners !== "" && runners !== "[]" ? checkActions((w, m) => p.add(w, m), p.naming, raw, namespace, true) : undefined;
    }
    const webhook = repositories.filter((r) => r.triggers.includes("webhook"));
    const oidc = repositories.filter((r) => r.triggers.includes("actions-oidc"));
    if (exposure?.mode === "none" && webhook.length > 0) {
        p.add(p.key("exposure"), `is none, which leaves webhook-receiver ClusterIP where GitHub's webhooks cannot reach it, but ${webhook.map((r) => r.name).join(", ")} use${webhook.length === 1 ? "s" : ""} the webhook trigger; choose an exposure (e.g. ${p.set("exposure", "patch-nodeport")}) or set those repositories' triggers to [actions-oidc]`);
    }
    if (webhook.length === 0 && (exposure?.mode === "patch-nodeport" || exposure?.mode === "nodeport-service") && exposure.nodeAddress === "") {
        p.add(p.key("exposure"), `is ${exposure.mode} (the default), but no repository uses the webhook trigger, so nothing needs GitHub to reach the cluster: ${p.set("exposure", "none")} keeps webhook-receiver ClusterIP (the actions-oidc runner reaches it inside the cluster)`);
    }
    if (exposure?.mode === "gateway" && allowedSources === "github") {
        p.add(p.key("allowedSources"), `is github, but exposure gateway cannot apply it: the Gateway API has no standard way to admit only some client addresses (each implementation has its own policy, on the Gateway it owns); narrow the sources at that Gateway or its load balancer and set ${p.set("allowedSources", "any")}, or use an exposure that applies it (patch-nodeport, nodeport-service, loadbalancer, ingress)`);
    }
    if (exposure?.mode === "none" && allowedSources === "github") {
        p.add(p.key("allowedSources"), `is github, but exposure is none: nothing is exposed to narrow; remove it (${p.naming.rm("allowedSources")})`);
    }
    const byGitHub = new Map<string, string>();
    for (const r of oidc) {
        const first = byGitHub.get(r.githubRepository.toLowerCase());
        if (first !== undefined) p.add(p.key("repositories"), `${first} and ${r.name} both use the actions-oidc trigger for GitHub repository ${r.githubRepository}, whose one workflow file (actionsWorkflowPath) can name one Receiver; use the trigger on one of them`);
        else byGitHub.set(r.githubRepository.toLowerCase(), r.name);
    }
    return checkActions((w, m) => p.add(w, m), p.naming, raw, namespace, oidc.length > 0);
}

function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null) {
        for (const v of Object.values(value)) deepFreeze(v);
        Object.freeze(value);
    }
    return value;
}

/** Validates the whole stack config at once; nothing is registered unless `ok`. */
export function validateConfig(raw: RawConfig, naming: ConfigNaming = StackConfigNaming): ValidationResult {
    const p = new Problems(naming);

    const namespace = raw.namespace ?? "";
    if (!isDns1123Label(namespace)) {
        p.add(p.key("namespace"), `${quote(namespace)} is not a valid namespace name (RFC 1123 label); Flux installs into flux-system: ${p.set("namespace", "flux-system")}`);
    }
    const allowPrivateAddresses = parseBoolean(p, p.key("allowPrivateAddresses"), raw.allowPrivateAddresses);
    const exposure = checkExposure(p, raw, allowPrivateAddresses);
    // With allowPrivateAddresses (a GitHub Enterprise Server on a private network) the ranges are
    // that server's own `/meta` hooks list; the program refuses an empty list before any change.
    const allowedSources = parseChoice(p, "allowedSources", raw.allowedSources, AllowedSources, "an allowedSources setting", "github");
    const insecureSsl = parseBoolean(p, p.key("insecureSsl"), raw.insecureSsl);
    if (insecureSsl && exposure !== undefined && exposure.mode !== "ingress" && exposure.mode !== "gateway" && exposure.mode !== "url") {
        p.add(p.key("insecureSsl"), `applies only to https payload URLs, and exposure ${exposure.mode} serves plain http; remove it (${p.naming.rm("insecureSsl")})`);
    }
    const receiverProbe = parseChoice(p, "receiverProbe", raw.receiverProbe, CheckModes, "a receiverProbe mode", "warn");
    const deliveryCheckMode = parseChoice(p, "deliveryCheck", raw.deliveryCheck, CheckModes, "a deliveryCheck mode", "warn");
    const deliveryCheckTrigger = raw.deliveryCheckTrigger ?? "";
    const timeoutSeconds = parseInteger(p, p.key("deliveryCheckTimeout"), raw.deliveryCheckTimeout, `e.g. ${p.set("deliveryCheckTimeout", "60")}`);
    if (timeoutSeconds !== undefined && (timeoutSeconds < DeliveryCheckTimeoutRange.min || timeoutSeconds > DeliveryCheckTimeoutRange.max)) {
        p.add(p.key("deliveryCheckTimeout"), `${timeoutSeconds} is outside ${DeliveryCheckTimeoutRange.min}-${DeliveryCheckTimeoutRange.max} (seconds to wait for an answer to the delivery check's ping); e.g. ${p.set("deliveryCheckTimeout", "60")}`);
    }
    const commitStatus = checkCommitStatus(p, raw, exposure);
    const gitRepositoryInterval = checkInterval(p, p.key("gitRepositoryInterval"), raw.gitRepositoryInterval, `e.g. ${p.set("gitRepositoryInterval", "1h")}`);
    const kustomizationInterval = checkInterval(p, p.key("kustomizationInterval"), raw.kustomizationInterval, `e.g. ${p.set("kustomizationInterval", "1h")}`);

    const length = parseInteger(p, p.key("tokenLength"), raw.tokenLength, `e.g. ${p.set("tokenLength", "48")}`);
    if (length !== undefined && (length < MinTokenLength || length > MaxTokenLength)) {
        p.add(p.key("tokenLength"), `${length} is outside ${MinTokenLength}-${MaxTokenLength}: ${MinTokenLength} alphanumeric characters are the least that carry 256 bits; e.g. ${p.set("tokenLength", "48")}`);
    }
    const rotation = raw.tokenRotation ?? "";
    if (rotation === "") {
        p.add(p.key("tokenRotation"), `is required: any label; changing it rotates the token, e.g. ${p.set("tokenRotation", "2026-11")}`);
    }

    const repositories = checkRepositories(p, raw.repositories, namespace, gitRepositoryInterval, kustomizationInterval);
    const actions = checkTriggers(p, raw, namespace, repositories, exposure, allowedSources);

    if (
        p.list.length > 0 || exposure === undefined || length === undefined || allowedSources === undefined ||
        receiverProbe === undefined || deliveryCheckMode === undefined || timeoutSeconds === undefined
    ) {
        return { ok: false, problems: p.list };
    }
    const config: StackConfig = {
        namespace,
        exposure,
        allowPrivateAddresses,
        allowedSources,
        insecureSsl,
        receiverProbe,
        deliveryCheck: { mode: deliveryCheckMode, trigger: deliveryCheckTrigger, timeoutSeconds },
        ...(commitStatus !== undefined ? { commitStatus } : {}),
        token: { length, rotation },
        repositories,
        ...(actions !== undefined ? { actions } : {}),
    };
    return { ok: true, config: deepFreeze(config) };
}

/** One error naming every problem, as the program reports it before registering anything. */
export function formatProblems(problems: readonly string[], naming: ConfigNaming = StackConfigNaming): string {
    const n = problems.length;
    return `invalid ${naming.subject} (${n} problem${n === 1 ? "" : "s"}); nothing was changed:\n` + problems.map((x) => `  - ${x}`).join("\n");
}
