// Exposure `gateway`: an HTTPRoute in the Flux namespace attached to a Gateway the user names, to
// webhook-receiver port 80, as Flux's webhook-receiver guide shows ("Using a HTTPRoute (Gateway
// API)"). Which listener it attaches to, and so the payload URL's scheme, host and port, follow
// from the Gateway's own listeners: this module judges them (pure; the preflight reads them), by
// the Gateway API's rules for attaching a route (gateway.networking.k8s.io/v1: Listener,
// AllowedRoutes, RouteNamespaces, Hostname).
import { hostReach } from "./urls";

export const GatewayApiGroup = "gateway.networking.k8s.io";
export const GatewayApiVersion = `${GatewayApiGroup}/v1`;

interface LabelSelector {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export interface GatewayListener {
    readonly name: string;
    readonly hostname?: string;
    readonly port: number;
    readonly protocol: string;
    readonly allowedRoutes?: {
        readonly namespaces?: { readonly from?: string; readonly selector?: LabelSelector };
        readonly kinds?: readonly { readonly group?: string; readonly kind: string }[];
    };
}

/** The parts of a Gateway the attachment depends on. */
export interface GatewayView {
    readonly metadata?: { readonly name?: string; readonly namespace?: string };
    readonly spec?: { readonly gatewayClassName?: string; readonly listeners?: readonly GatewayListener[] };
}

/** What the stack asked for (exposure gateway's keys). */
export interface GatewayRequest {
    readonly gateway: { readonly namespace: string; readonly name: string };
    readonly listener?: string;
    readonly host?: string;
    readonly port?: number;
}

/** Where the HTTPRoute attaches and the payload URL GitHub posts to through it. */
export interface GatewayAttachment {
    readonly gateway: { readonly namespace: string; readonly name: string };
    /** The listener's name: the parentRef's sectionName. */
    readonly listener: string;
    /** The route's hostname. */
    readonly host: string;
    readonly scheme: "https" | "http";
    readonly port: number;
    /** scheme://host[:port] (the port left out when it is the scheme's default). */
    readonly baseUrl: string;
}

export type GatewayJudgement = { readonly ok: true; readonly attachment: GatewayAttachment } | { readonly ok: false; readonly problem: string };

/** Gateway API hostname matching: exact, or a `*.` wildcard as a suffix of at least one more label. */
export function gatewayHostnameMatches(listenerHostname: string | undefined, host: string): boolean {
    if (!listenerHostname) return true;
    const l = listenerHostname.toLowerCase();
    const h = host.toLowerCase();
    if (!l.startsWith("*.")) return l === h;
    return h.endsWith(l.slice(1)) && h.length > l.length - 1;
}

function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
    if (!selector) return false;
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = e.values ?? [];
        if (e.operator === "In" && !(has && values.includes(labels[e.key]))) return false;
        if (e.operator === "NotIn" && has && values.includes(labels[e.key])) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
}

/** Why a listener cannot take an HTTPRoute from `routeNamespace` for `host` (undefined: it can). */
export function listenerRefusal(l: GatewayListener, gatewayNamespace: string, routeNamespace: string, routeNamespaceLabels: Readonly<Record<string, string>>, host: string | undefined): string | undefined {
    if (l.protocol !== "HTTP" && l.protocol !== "HTTPS") {
        return `protocol ${l.protocol} carries no HTTPRoute (only HTTP and HTTPS do)`;
    }
    const kinds = l.allowedRoutes?.kinds;
    if (kinds && kinds.length > 0 && !kinds.some((k) => k.kind === "HTTPRoute" && (k.group ?? GatewayApiGroup) === GatewayApiGroup)) {
        return `allowedRoutes.kinds admits ${kinds.map((k) => k.kind).join(", ")}, not HTTPRoute`;
    }
    const from = l.allowedRoutes?.namespaces?.from ?? "Same";
    if (from === "Same" && routeNamespace !== gatewayNamespace) {
        return `allowedRoutes.namespaces.from is Same (the default): only routes in ${gatewayNamespace} attach, and the HTTPRoute lives in ${routeNamespace} beside webhook-receiver; the Gateway's owner can set from: All, or from: Selector matching namespace ${routeNamespace}`;
    }
    if (from === "Selector" && !selectorMatches(l.allowedRoutes?.namespaces?.selector, routeNamespaceLabels)) {
        return `allowedRoutes.namespaces.selector does not match namespace ${routeNamespace} (its labels: ${JSON.stringify(routeNamespaceLabels)})`;
    }
    if (from !== "Same" && from !== "All" && from !== "Selector") return `allowedRoutes.namespaces.from is ${from}`;
    if (host !== undefined && !gatewayHostnameMatches(l.hostname, host)) {
        return `its hostname ${l.hostname} does not match ${host}`;
    }
    return undefined;
}

/**
 * The listener the HTTPRoute attaches to, and the payload URL. `gateway` undefined: it does not
 * exist. `routeNamespaceLabels` are the Flux namespace's labels (for a Selector).
 */
export function attachToGateway(gateway: GatewayView | undefined, req: GatewayRequest, routeNamespace: string, routeNamespaceLabels: Readonly<Record<string, string>>, allowPrivateAddresses: boolean): GatewayJudgement {
    const ref = `Gateway ${req.gateway.namespace}/${req.gateway.name}`;
    if (gateway === undefined) {
        return { ok: false, problem: `${ref} (gatewayName) does not exist; create it, or name the Gateway the HTTPRoute should attach to (\`pulumi config set gatewayName NAMESPACE/NAME\`)` };
    }
    const listeners = gateway.spec?.listeners ?? [];
    let candidates = listeners;
    if (req.listener !== undefined) {
        candidates = listeners.filter((l) => l.name === req.listener);
        if (candidates.length === 0) {
            return { ok: false, problem: `${ref} has no listener ${req.listener} (gatewayListener); its listeners: ${listeners.map((l) => `${l.name} (${l.protocol} ${l.port})`).join(", ") || "none"}` };
        }
    }
    const why = candidates.map((l) => ({ l, refusal: listenerRefusal(l, req.gateway.namespace, routeNamespace, routeNamespaceLabels, req.host) }));
    const usable = why.filter((x) => x.refusal === undefined).map((x) => x.l);
    if (usable.length === 0) {
        return { ok: false, problem: `no listener of ${ref} can take the HTTPRoute: ${why.map((x) => `${x.l.name}: ${x.refusal}`).join("; ") || "it has no listeners"}` };
    }
    // GitHub verifies https: prefer an HTTPS listener; among several of one kind, the user chooses.
    const https = usable.filter((l) => l.protocol === "HTTPS");
    const pick = https.length > 0 ? https : usable;
    if (pick.length > 1) {
        return { ok: false, problem: `several listeners of ${ref} could take the HTTPRoute (${pick.map((l) => l.name).join(", ")}): choose one, e.g. \`pulumi config set gatewayListener ${pick[0].name}\`` };
    }
    const listener = pick[0];
    const host = req.host ?? (listener.hostname && !listener.hostname.startsWith("*") ? listener.hostname : undefined);
    if (host === undefined) {
        return { ok: false, problem: `listener ${listener.name} of ${ref} has ${listener.hostname ? `a wildcard hostname (${listener.hostname})` : "no hostname"}: set the host GitHub posts to, e.g. \`pulumi config set gatewayHost flux-webhook.${listener.hostname?.replace(/^\*\./, "") ?? "example.com"}\`` };
    }
    const reach = hostReach(host);
    if (reach.kind === "localhost" || (reach.kind === "private" && !allowPrivateAddresses)) {
        return { ok: false, problem: `listener ${listener.name} of ${ref} names host ${host}, ${reach.kind === "localhost" ? "localhost, which GitHub refuses in a payload URL" : `in ${reach.range}, where GitHub.com never delivers`}; set gatewayHost to a public name` };
    }
    const scheme = listener.protocol === "HTTPS" ? "https" : "http";
    const port = req.port ?? listener.port;
    const defaultPort = scheme === "https" ? 443 : 80;
    return {
        ok: true,
        attachment: { gateway: req.gateway, listener: listener.name, host, scheme, port, baseUrl: `${scheme}://${host}${port === defaultPort ? "" : `:${port}`}` },
    };
}

/** The HTTPRoute's spec: Flux's guide's route, for the receiver's paths only, on the chosen listener. */
export function httpRouteSpec(a: GatewayAttachment, backend: { readonly name: string; readonly port: number }): Record<string, unknown> {
    return {
        parentRefs: [{ group: GatewayApiGroup, kind: "Gateway", name: a.gateway.name, namespace: a.gateway.namespace, sectionName: a.listener }],
        hostnames: [a.host],
        rules: [{
            // Only the receiver's paths, as the Ingress does; notification-controller answers 404 to the rest anyway.
            matches: [{ path: { type: "PathPrefix", value: "/hook/" } }],
            backendRefs: [{ name: backend.name, port: backend.port }],
        }],
    };
}

interface RouteParentStatus {
    readonly parentRef?: { readonly name?: string; readonly namespace?: string; readonly sectionName?: string };
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string; readonly message?: string }[];
}

/**
 * Whether the Gateway's controller accepted the route on that parent: "accepted", "refused" (with
 * its reason and message), or "pending" (no status from that Gateway's controller yet).
 */
export function routeAcceptance(route: { readonly status?: { readonly parents?: readonly RouteParentStatus[] } } | undefined, a: GatewayAttachment): { readonly state: "accepted" | "refused" | "pending"; readonly detail?: string } {
    const parent = route?.status?.parents?.find((p) => p.parentRef?.name === a.gateway.name && (p.parentRef?.namespace ?? a.gateway.namespace) === a.gateway.namespace);
    const accepted = parent?.conditions?.find((c) => c.type === "Accepted");
    const resolved = parent?.conditions?.find((c) => c.type === "ResolvedRefs");
    if (accepted?.status === "True" && resolved?.status !== "False") return { state: "accepted" };
    const bad = [accepted, resolved].find((c) => c?.status === "False");
    if (bad) return { state: "refused", detail: `${bad.type} False, ${bad.reason ?? "no reason"}: ${bad.message ?? ""}`.trim() };
    return { state: "pending" };
}

/**
 * Reads the HTTPRoute until the Gateway's controller accepted it on the chosen parent, and throws
 * what it said (or that it said nothing) after `timeoutSeconds`.
 */
export async function waitForRouteAcceptance(
    cluster: { get(path: string): Promise<{ status: number; body: unknown }> },
    route: { readonly namespace: string; readonly name: string },
    a: GatewayAttachment,
    timeoutSeconds: number,
    io: { readonly sleep: (ms: number) => Promise<void>; readonly now: () => number; readonly pollMs?: number },
): Promise<void> {
    const deadline = io.now() + timeoutSeconds * 1000;
    let last: ReturnType<typeof routeAcceptance> = { state: "pending" };
    for (;;) {
        const res = await cluster.get(`/apis/${GatewayApiVersion}/namespaces/${route.namespace}/httproutes/${route.name}`);
        last = routeAcceptance(res.status === 200 ? (res.body as Parameters<typeof routeAcceptance>[0]) : undefined, a);
        if (last.state === "accepted") return;
        // A refusal can be transient while the controller reads new objects: wait it out too.
        if (io.now() >= deadline) break;
        await io.sleep(Math.min(io.pollMs ?? 500, Math.max(0, deadline - io.now())));
    }
    const where = `HTTPRoute ${route.namespace}/${route.name} on listener ${a.listener} of Gateway ${a.gateway.namespace}/${a.gateway.name}`;
    throw new Error(last.state === "refused"
        ? `${where} was not accepted within ${timeoutSeconds} s: the Gateway's controller says ${last.detail}; the hook was not moved`
        : `${where} got no status from the Gateway's controller within ${timeoutSeconds} s: is a controller for the Gateway's GatewayClass running (\`kubectl get gatewayclass\`; its ACCEPTED column)? The hook was not moved`);
}
