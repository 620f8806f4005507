// The program's own resources for GitHub's side of the push path: a check that a repository has
// room for one more hook, a probe that a payload URL is served before the hook moves to it, and
// GitHub's own ping of the hook with its result, read from the cluster (notification-controller's
// reconcile request) and from GitHub's delivery log.
//
// The resources are served by the project's provider plugin (plugin/, package
// `flux-push-github`; resources/lifecycle.ts says why not dynamic providers): the classes below
// only register them; the lifecycles (`*Provider`) run in the plugin's process. GitHub's REST
// base and credentials are the plugin provider's configuration (resources/pluginProvider.ts),
// never a resource's input: each call uses the stack's current ones. Secret inputs (the webhook
// secret, the payload URL, the kubeconfig) reach a lifecycle as plain values; their outputs hold
// only non-secret results and a fingerprint, and the inputs stay secret in state. Each
// lifecycle's work is an exported function taking GitHub's settings and its I/O (fetch, clock,
// sleep, cluster) as arguments, so unit tests run the very code the plugin runs.
import * as pulumi from "@pulumi/pulumi";
import { X509Certificate } from "crypto";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as tls from "tls";
import { apiPaths, ClusterClient, clusterClient } from "../lib/cluster";
import { ReconcileRequestedAtAnnotation } from "../lib/flux";
import { DynamicTypes, LifecycleContext, ResourceLifecycle, ResourceTypes } from "./lifecycle";
import type { PluginAppArgs } from "./pluginProvider";
import {
    checkFingerprint, DeliveryContext, deliveryOk, DeliverySummary, explainApiFailure, explainDelivery, GitHubApiSettings,
    githubBaseOf, GitHubLimitsByKind, githubRequest, GitHubResponse, hookCapacityProblem, HookSummary, hookSettingsUrl, hooksForEvent,
    isOurPing, MaxHookPages, nextLink, ourPingDelivery, PingRequest, probePingBody, RequestOptions, signedDeliveryHeaders,
} from "../lib/github";
import { explainRedirect, explainTlsFailure, isTlsVerificationCode, PresentedCertificate, presentedFromX509 } from "../lib/payloadTls";

export type CheckMode = "fail" | "warn" | "off";

/**
 * What GitHub is called with: the github provider's own settings (`github:owner`, the resolved
 * `github:baseUrl`, the token). The program gives the owner to the components and the rest to the
 * plugin's provider (resources/pluginProvider.ts).
 */
export interface GitHubAccess {
    readonly owner: pulumi.Input<string>;
    /** The REST base resolved from `github:baseUrl` (lib/github.ts resolveGitHubBase), ending in `/`. */
    readonly apiBaseUrl: pulumi.Input<string>;
    /** Secret: `github:token` or GITHUB_TOKEN; absent when a GitHub App authenticates. */
    readonly token?: pulumi.Input<string>;
    /** `github:appAuth` (or GITHUB_APP_*): the App's ids and its key (secret); wins over a token. */
    readonly app?: PluginAppArgs;
}

/** The I/O the providers' work does, real in the engine's process and fake in unit tests. */
export interface ProviderIo {
    readonly fetch: typeof fetch;
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => number;
    /** Per-request timeout of GitHub calls, ms (lib/github.ts's default when unset). */
    readonly requestTimeoutMs?: number;
}

/** The real thing: what the providers use when the engine runs them. */
export function realIo(): ProviderIo {
    return { fetch: globalThis.fetch, sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)), now: Date.now };
}

function requestOptions(io: ProviderIo, budgetMs?: number): RequestOptions {
    return {
        fetch: io.fetch, sleep: io.sleep, now: io.now,
        ...(io.requestTimeoutMs !== undefined ? { requestTimeoutMs: io.requestTimeoutMs } : {}),
        ...(budgetMs !== undefined ? { budgetMs } : {}),
    };
}

const secondsSince = (io: ProviderIo, started: number) => Math.round((io.now() - started) / 100) / 10;

/**
 * A stack from before the plugin keeps the resource's URN (its dynamic type as an alias): the
 * plugin diffs and updates it in place, never creating it anew (resources/lifecycle.ts DynamicTypes).
 */
export function fromDynamic(type: string, opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
    return { ...opts, aliases: [...(opts?.aliases ?? []), { type }] };
}

// Output fields are `declare`d, not `!`-initialised: with ES2022 class fields a plain field
// declaration would reset to undefined what the CustomResource constructor has just set.

// ---- HookCapacity: before a hook is created --------------------------------------------------

export interface HookCapacityArgs {
    readonly owner: pulumi.Input<string>;
    readonly repository: pulumi.Input<string>;
    readonly events: pulumi.Input<pulumi.Input<string>[]>;
}

export interface HookCapacityInputs { owner: string; repository: string; events: string[] }
export interface HookCapacityOutputs { owner: string; repository: string; events: string[]; hooksForEvent: Record<string, number>; limit: number }

/** Lists the repository's hooks (every page, by `Link: rel="next"`) and refuses when an event is full. */
export async function countHooks(i: HookCapacityInputs, settings: GitHubApiSettings, io: ProviderIo): Promise<HookCapacityOutputs> {
    const base = githubBaseOf(settings.baseUrl);
    const what = `listing the webhooks of ${i.owner}/${i.repository}`;
    const hooks: HookSummary[] = [];
    let next: string | undefined = `repos/${i.owner}/${i.repository}/hooks?per_page=100`;
    for (let page = 1; next !== undefined; page++) {
        if (page > MaxHookPages) {
            throw new Error(`${what}: GitHub still offers a next page after ${MaxHookPages} pages of 100; no repository has that many hooks, so the answers are not GitHub's hook list (check github:baseUrl)`);
        }
        const res: GitHubResponse<HookSummary[]> = await githubRequest<HookSummary[]>(settings, "GET", next, undefined, requestOptions(io));
        if (res.status !== 200) throw new Error(explainApiFailure(what, i.owner, i.repository, res, "read"));
        if (!Array.isArray(res.body)) throw new Error(`${what}: GitHub's answer is not a list of hooks (check github:baseUrl)`);
        hooks.push(...res.body);
        next = nextLink(res.headers["link"]);
    }
    const problem = hookCapacityProblem(i.owner, i.repository, hooks, i.events, base.kind);
    if (problem) throw new Error(problem);
    const counts: Record<string, number> = {};
    for (const e of i.events) counts[e] = hooksForEvent(hooks, e).length;
    return { owner: i.owner, repository: i.repository, events: i.events, hooksForEvent: counts, limit: GitHubLimitsByKind[base.kind].hooksPerEvent };
}

/** The HookCapacity provider with its I/O (tests give their own). */
export function hookCapacityProviderWith(io: () => ProviderIo): ResourceLifecycle<HookCapacityInputs, HookCapacityOutputs> {
    return {
        async diff(_id: string, olds: HookCapacityOutputs, news: HookCapacityInputs) {
            // Only a hook on another repository needs a new look; the count is taken before creation only.
            const moved = olds.owner !== news.owner || olds.repository !== news.repository;
            return { changes: moved, replaces: moved ? ["repository"] : [], deleteBeforeReplace: false };
        },
        async create(i: HookCapacityInputs, ctx: LifecycleContext) {
            return { id: `${i.owner}/${i.repository}`, outs: await countHooks(i, ctx.github(), io()) };
        },
    };
}

export const hookCapacityProvider = hookCapacityProviderWith(realIo);

/** Counts a repository's hooks before the stack adds one, so GitHub's per-event limit gets a clear message. */
export class HookCapacity extends pulumi.CustomResource {
    /** Hooks per event the repository had when the stack's hook was about to be created. */
    declare public readonly hooksForEvent: pulumi.Output<Record<string, number>>;
    constructor(name: string, args: HookCapacityArgs, opts?: pulumi.CustomResourceOptions) {
        super(ResourceTypes.hookCapacity, name, { ...args, hooksForEvent: undefined, limit: undefined }, fromDynamic(DynamicTypes.hookCapacity, opts));
    }
}

// ---- PayloadUrlProbe: before the hook moves ----------------------------------------------------

export interface PayloadUrlProbeArgs {
    readonly owner: pulumi.Input<string>;
    readonly repository: pulumi.Input<string>;
    /** For the message: the Receiver that should answer. */
    readonly receiver: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    /** Secret: the path is derived from the token. */
    readonly payloadUrl: pulumi.Input<string>;
    /** Secret: the Receiver's token, to sign the probe as GitHub signs deliveries. */
    readonly token: pulumi.Input<string>;
    readonly mode: Exclude<CheckMode, "off">;
    readonly timeoutSeconds: number;
    readonly insecureSsl: boolean;
    /** Which object serves the URL (mode and object): a new one is probed even when the URL stays. */
    readonly exposure: pulumi.Input<string>;
}

export interface ProbeInputs {
    owner: string; repository: string; receiver: string; namespace: string; payloadUrl: string; token: string;
    mode: "fail" | "warn"; timeoutSeconds: number; insecureSsl: boolean; exposure: string;
}
export interface ProbeOutputs { fingerprint: string; ok: boolean; statusCode: number; attempts: number; seconds: number; message: string; mode: string }

/** A check's result as the mode wants it: `fail` turns a failed check into the update's error; `warn` keeps it as the outputs. */
export async function checked<T extends { message: string }>(mode: "fail" | "warn", result: Promise<T>, failed: (outs: T) => boolean): Promise<T> {
    const outs = await result;
    if (mode === "fail" && failed(outs)) throw new Error(outs.message);
    return outs;
}

/** One POST's outcome: status 0 when nothing answered over HTTP. */
interface PostOutcome {
    status: number;
    error?: string;
    /** node's error code (a TLS verification failure: CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, ...). */
    code?: string;
    /** The Location header of a 3xx answer (never followed). */
    location?: string;
}

/**
 * One signed POST, as GitHub delivers: TLS verified unless insecureSsl, with the host name as SNI
 * (an ingress controller picks the certificate by it), and no redirect followed (node's http
 * never follows one: a 3xx is the answer).
 */
function postOnce(url: string, headers: Record<string, string>, body: string, insecureSsl: boolean, timeoutMs: number): Promise<PostOutcome> {
    return new Promise((resolve) => {
        const u = new URL(url);
        const lib = u.protocol === "https:" ? https : http;
        const tlsOptions = u.protocol === "https:"
            ? { rejectUnauthorized: !insecureSsl, ...(net.isIP(u.hostname.replace(/^\[(.*)\]$/, "$1")) ? {} : { servername: u.hostname }) }
            : {};
        const req = lib.request(u, {
            method: "POST",
            headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
            timeout: timeoutMs,
            ...tlsOptions,
        }, (res) => {
            res.resume();
            const location = typeof res.headers.location === "string" ? res.headers.location : undefined;
            res.on("end", () => resolve({ status: res.statusCode ?? 0, ...(location ? { location } : {}) }));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
        req.on("error", (err: NodeJS.ErrnoException) => resolve({ status: 0, error: err.message, ...(err.code ? { code: err.code } : {}) }));
        req.end(body);
    });
}

/** The certificate an https server presents for `url`'s host (SNI), read without verifying it; undefined if none. */
export function presentedCertificate(url: string, timeoutMs = 5000): Promise<PresentedCertificate | undefined> {
    return new Promise((resolve) => {
        const u = new URL(url);
        const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
        const socket = tls.connect({ host, port: Number(u.port || 443), rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }) }, () => {
            const raw = socket.getPeerCertificate(false)?.raw;
            socket.end();
            try {
                resolve(raw ? presentedFromX509(new X509Certificate(raw)) : undefined);
            } catch {
                resolve(undefined);
            }
        });
        socket.setTimeout(timeoutMs, () => socket.destroy());
        socket.on("error", () => resolve(undefined));
        socket.on("close", () => resolve(undefined));
    });
}

/** Posts a signed `ping` to the payload URL until it answers 2xx or the timeout passes. */
export async function probe(i: ProbeInputs, io: ProviderIo = realIo()): Promise<ProbeOutputs> {
    const started = io.now();
    const deadline = started + i.timeoutSeconds * 1000;
    const body = probePingBody(i.owner, i.repository);
    const url = new URL(i.payloadUrl);
    const host = url.host;
    let attempts = 0;
    let last: PostOutcome = { status: 0 };
    // A new Receiver, Ingress or load balancer can take a while to serve the path (an ingress
    // controller serves its default certificate until it has loaded the Secret): try until the deadline.
    for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
        attempts++;
        last = await postOnce(i.payloadUrl, signedDeliveryHeaders("ping", body, i.token), body, i.insecureSsl, 10000);
        if (deliveryOk(last.status) || io.now() + wait > deadline) break;
        await io.sleep(wait);
    }
    const ok = deliveryOk(last.status);
    const seconds = secondsSince(io, started);
    // The probe's own words (GitHub's delivery timeout does not apply to it: its attempts wait 10 s).
    const context: DeliveryContext = { owner: i.owner, repository: i.repository, receiver: i.receiver, namespace: i.namespace, payloadHost: host, kind: "github.com", sender: "The probe" };
    let why: string;
    if (last.status === 0 && isTlsVerificationCode(last.code)) {
        // What the server presented, read again without verifying, to say what is wrong with it.
        why = `The probe (payload URL on ${host}) could not verify the server: ${explainTlsFailure(url.hostname, last.code, await presentedCertificate(i.payloadUrl))}`;
    } else if (last.status >= 300 && last.status < 400) {
        why = `The probe (payload URL on ${host}) got a redirect: ${explainRedirect(host, last.status, last.location, url.protocol === "https:" ? "https:" : "http:")}`;
    } else {
        why = explainDelivery(last.status, last.error ?? "", context).replace(/GitHub cannot reach the payload URL/, "it cannot reach the payload URL from here");
    }
    const message = ok
        ? `the payload URL on ${host} answered ${last.status} to a signed ping after ${attempts} attempt(s), ${seconds} s`
        : `probing the new payload URL on ${host} from where \`pulumi up\` runs, before GitHub's hook moves to it: ` +
            `${attempts} attempt(s) in ${seconds} s, last answer ${last.status || `none (${last.error ?? "no response"})`}. ` +
            why +
            ". The hook was not moved. If this machine cannot reach the URL while GitHub can, set `pulumi config set receiverProbe warn`";
    return { fingerprint: probeFingerprint(i), ok, statusCode: last.status, attempts, seconds, message, mode: i.mode };
}

function probeFingerprint(i: ProbeInputs): string {
    return checkFingerprint([i.payloadUrl, i.token, i.exposure]);
}

/** The PayloadUrlProbe provider with its I/O (tests give their own). */
export function payloadUrlProbeProviderWith(io: () => ProviderIo): ResourceLifecycle<ProbeInputs, ProbeOutputs> {
    return {
        async diff(_id: string, olds: ProbeOutputs, news: ProbeInputs) {
            // Probe again when the URL, token or exposure change, and (warn mode) while the last probe failed.
            const changed = olds.fingerprint !== probeFingerprint(news) || !olds.ok || olds.mode !== news.mode;
            return { changes: changed };
        },
        async create(i: ProbeInputs) {
            return { id: `${i.owner}/${i.repository}/probe`, outs: await checked(i.mode, probe(i, io()), (o) => !o.ok) };
        },
        async update(_id: string, _olds: ProbeOutputs, i: ProbeInputs) {
            return { outs: await checked(i.mode, probe(i, io()), (o) => !o.ok) };
        },
    };
}

export const payloadUrlProbeProvider = payloadUrlProbeProviderWith(realIo);

/**
 * Posts a signed `ping` to a new payload URL until notification-controller answers 200 (or the
 * timeout): GitHub's hook is moved to a URL only once it is served, so no push is lost in between.
 */
export class PayloadUrlProbe extends pulumi.CustomResource {
    declare public readonly ok: pulumi.Output<boolean>;
    declare public readonly statusCode: pulumi.Output<number>;
    declare public readonly message: pulumi.Output<string>;
    constructor(name: string, args: PayloadUrlProbeArgs, opts?: pulumi.CustomResourceOptions) {
        super(ResourceTypes.payloadUrlProbe, name, {
            ...args,
            payloadUrl: pulumi.secret(args.payloadUrl),
            token: pulumi.secret(args.token),
            ok: undefined, statusCode: undefined, message: undefined,
        }, fromDynamic(DynamicTypes.payloadUrlProbe, opts));
    }
}

// ---- WebhookPing: GitHub's own delivery, after the hook changed ----------------------------------

/** How the provider process reaches the cluster: the kubernetes provider's own settings. */
export interface KubeconfigInputs {
    /** `kubernetes:kubeconfig` (a path or the content; secret); unset: KUBECONFIG, ~/.kube/config, in-cluster. */
    readonly kubeconfig?: pulumi.Input<string>;
    /** `kubernetes:context`. */
    readonly context?: pulumi.Input<string>;
}

export interface WebhookPingArgs {
    readonly owner: pulumi.Input<string>;
    readonly repository: pulumi.Input<string>;
    readonly hookId: pulumi.Input<string>;
    /** Secret. */
    readonly payloadUrl: pulumi.Input<string>;
    /** Secret: the hook's secret (the token); part of what the check proves. */
    readonly secret: pulumi.Input<string>;
    readonly receiver: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    /** The GitRepository the Receiver asks to reconcile: its annotation shows an accepted ping. */
    readonly gitRepository: pulumi.Input<string>;
    /** The cluster, as the program reads it; not part of what the check proves. */
    readonly cluster: KubeconfigInputs;
    readonly mode: Exclude<CheckMode, "off">;
    /** Any label: a new one runs the check again. */
    readonly trigger: pulumi.Input<string>;
    readonly timeoutSeconds: number;
    /** Which object serves the URL (mode and object): a new one is checked even when the URL stays. */
    readonly exposure: pulumi.Input<string>;
}

export interface PingInputs {
    owner: string; repository: string; hookId: string; payloadUrl: string; secret: string;
    receiver: string; namespace: string; gitRepository: string; kubeconfig?: string; kubeContext?: string;
    mode: "fail" | "warn"; trigger: string; timeoutSeconds: number; exposure: string;
}

/**
 * `accepted`: the Receiver accepted our ping (seen in the cluster, or GitHub recorded 2xx);
 * `failed`: GitHub recorded a non-2xx answer to our ping; `unconfirmed`: no answer either way
 * within the timeout (a slow delivery log, a throttled delivery): a warning in every mode.
 */
export type PingResult = "accepted" | "failed" | "unconfirmed";

export interface PingOutputs {
    fingerprint: string;
    mode: string;
    result: PingResult;
    /** true accepted, false failed, absent unconfirmed. */
    ok?: boolean;
    /** notification-controller asked the GitRepository to reconcile after our ping. */
    seenInCluster: boolean;
    /** From GitHub's log, once it shows our ping. */
    statusCode?: number;
    status?: string;
    deliveryId?: number;
    deliveredAt?: string;
    durationSeconds?: number;
    checkSeconds: number;
    message: string;
}

/** The delivery check's I/O: GitHub, the clock, and the cluster (absent when it cannot be reached from here). */
export interface PingIo extends ProviderIo {
    readonly cluster?: ClusterClient;
    /** How often the cluster is read, ms. */
    readonly clusterPollMs?: number;
    /** After the cluster saw the ping: how long to wait for GitHub's log to show it, ms (never a failure). */
    readonly logGraceMs?: number;
}

/** A good path shows in the cluster within about a second: 250 ms between reads. */
export const ClusterPollMs = 250;
/** After the cluster saw the ping, GitHub's log gets this long to fill in status and duration. */
export const LogGraceMs = 5000;

function pingFingerprint(i: PingInputs): string {
    // Not the kubeconfig: a changed kubeconfig does not change the push path.
    return checkFingerprint([i.owner, i.repository, i.hookId, i.payloadUrl, i.secret, i.trigger, i.exposure]);
}

type AnnotationRead = { readonly ok: true; readonly value: string | undefined } | { readonly ok: false; readonly why: string };

async function readReconcileRequest(cluster: ClusterClient | undefined, namespace: string, name: string): Promise<AnnotationRead> {
    if (!cluster) return { ok: false, why: "no cluster client" };
    try {
        const r = await cluster.get(apiPaths.gitRepository(namespace, name));
        if (r.status !== 200) return { ok: false, why: r.status === 0 ? r.error ?? "no answer" : `the API server answered ${r.status} for GitRepository ${namespace}/${name}` };
        const annotations = (r.body as { metadata?: { annotations?: Record<string, string> } } | undefined)?.metadata?.annotations;
        return { ok: true, value: annotations?.[ReconcileRequestedAtAnnotation] };
    } catch (e) {
        return { ok: false, why: (e as Error).message };
    }
}

/**
 * GitHub's ping, judged by two witnesses. notification-controller annotates the GitRepository
 * (`reconcile.fluxcd.io/requestedAt`) when it accepts a delivery: the cluster shows a good path
 * within about a second. GitHub's delivery log explains a bad one, but "can take a few minutes"
 * and may throttle deliveries: so a log that is slow never fails the check. Reads the annotation
 * and the log before asking for the ping, then polls both until one answers or the timeout:
 * annotation changed -> accepted (then a few seconds for the log's status and duration); our
 * ping in the log with a non-2xx status -> failed; neither -> unconfirmed.
 */
export async function runDeliveryCheck(i: PingInputs, settings: GitHubApiSettings, io: PingIo): Promise<PingOutputs> {
    const started = io.now();
    const base = githubBaseOf(settings.baseUrl);
    const hookPath = `repos/${i.owner}/${i.repository}/hooks/${i.hookId}`;
    const what = `the delivery check of the ${i.owner}/${i.repository} webhook`;
    const gitRepository = `GitRepository ${i.namespace}/${i.gitRepository}`;
    const receiver = `Receiver ${i.namespace}/${i.receiver}`;
    const context: DeliveryContext = { owner: i.owner, repository: i.repository, receiver: i.receiver, namespace: i.namespace, payloadHost: new URL(i.payloadUrl).host, kind: base.kind };
    const hookPage = hookSettingsUrl(base.webOrigin, i.owner, i.repository, i.hookId);
    const deliveriesPath = `${hookPath}/deliveries?per_page=100`;

    const listed = await githubRequest<DeliverySummary[]>(settings, "GET", deliveriesPath, undefined, requestOptions(io));
    if (listed.status !== 200 || !Array.isArray(listed.body)) throw new Error(explainApiFailure(`${what}: reading the hook's deliveries`, i.owner, i.repository, listed, "read"));
    const baseline = await readReconcileRequest(io.cluster, i.namespace, i.gitRepository);
    const pinged = await githubRequest(settings, "POST", `${hookPath}/pings`, undefined, requestOptions(io));
    if (pinged.status !== 204) throw new Error(explainApiFailure(`${what}: asking GitHub to ping the hook`, i.owner, i.repository, pinged, "read"));
    const request: PingRequest = { before: new Set(listed.body.map((d) => d.id)), requestedAt: pinged.date };

    const pingedAt = io.now();
    const deadline = pingedAt + i.timeoutSeconds * 1000;
    const state = {
        githubUntil: deadline,
        acceptedAfter: undefined as number | undefined,
        ours: undefined as DeliverySummary | undefined,
        throttled: false,
        logProblem: undefined as string | undefined,
        done: false,
    };

    const watchCluster = async () => {
        if (!baseline.ok) return;
        while (!state.done && io.now() < deadline) {
            await io.sleep(io.clusterPollMs ?? ClusterPollMs);
            const now = await readReconcileRequest(io.cluster, i.namespace, i.gitRepository);
            if (now.ok && now.value !== baseline.value) {
                state.acceptedAfter = secondsSince(io, pingedAt);
                state.githubUntil = io.now() + (io.logGraceMs ?? LogGraceMs);
                return;
            }
        }
    };
    const watchLog = async () => {
        for (let wait = 500; ; wait = Math.min(wait * 2, 4000)) {
            // Within the check's time: a rate limit that asks for longer ends the log's part, not the check.
            const res = await githubRequest<DeliverySummary[]>(settings, "GET", deliveriesPath, undefined, requestOptions(io, Math.max(0, state.githubUntil - io.now())))
                .catch((e: Error) => e);
            if (res instanceof Error || res.status !== 200 || !Array.isArray(res.body)) {
                state.logProblem = res instanceof Error ? res.message : explainApiFailure("reading the hook's deliveries", i.owner, i.repository, res, "read");
                return;
            }
            state.throttled = res.body.some((d) => isOurPing(d, request) && Boolean(d.throttled_at));
            const d = ourPingDelivery(res.body, request);
            if (d) {
                state.ours = d;
                return;
            }
            const left = state.githubUntil - io.now();
            if (left <= 0) return;
            await io.sleep(Math.min(wait, left));
        }
    };
    await Promise.all([watchCluster(), watchLog().finally(() => (state.done = state.acceptedAfter !== undefined || state.ours !== undefined))]);
    state.done = true;

    // GitHub recorded 2xx while the cluster had not shown it yet: one more look, for the message.
    let seenInCluster = state.acceptedAfter !== undefined;
    if (!seenInCluster && baseline.ok && state.ours && deliveryOk(state.ours.status_code)) {
        const last = await readReconcileRequest(io.cluster, i.namespace, i.gitRepository);
        seenInCluster = last.ok && last.value !== baseline.value;
    }

    const fromLog = state.ours
        ? { statusCode: state.ours.status_code, status: state.ours.status, deliveryId: state.ours.id, deliveredAt: state.ours.delivered_at, durationSeconds: state.ours.duration }
        : {};
    const common = { fingerprint: pingFingerprint(i), mode: i.mode, seenInCluster, checkSeconds: secondsSince(io, started), ...fromLog };
    const clusterNote = baseline.ok ? "" : ` (the cluster could not be read from where \`pulumi up\` runs: ${baseline.why}; judged by GitHub's delivery log alone)`;

    if (state.ours && !deliveryOk(state.ours.status_code)) {
        // GitHub's record of our own ping is the last word on it, whatever else asked for a reconcile.
        const meanwhile = seenInCluster ? ` (${gitRepository} was asked to reconcile meanwhile, by something other than this ping)` : "";
        return { ...common, result: "failed", ok: false, message: `${explainDelivery(state.ours.status_code, state.ours.status, context)}${meanwhile}${clusterNote}` };
    }
    if (seenInCluster) {
        const log = state.ours
            ? `; GitHub recorded ${state.ours.status_code} in ${state.ours.duration} s`
            : `; GitHub's delivery log did not show it within ${Math.round((io.logGraceMs ?? LogGraceMs) / 1000)} s more (it can take minutes), which is no failure`;
        const when = state.acceptedAfter !== undefined ? ` after ${state.acceptedAfter} s` : "";
        return { ...common, result: "accepted", ok: true, message: `GitHub's ping of the ${i.owner}/${i.repository} webhook was accepted by ${receiver}, seen in the cluster (${gitRepository} asked to reconcile${when})${log}` };
    }
    if (state.ours) {
        const unseen = baseline.ok ? ` (but ${gitRepository} was not asked to reconcile: does the ${receiver} target it?)` : clusterNote;
        return { ...common, result: "accepted", ok: true, message: `${explainDelivery(state.ours.status_code, state.ours.status, context)}${unseen}` };
    }
    const held = state.throttled ? "; GitHub is holding the delivery back (throttled)" : "";
    const logNote = state.logProblem ? `; GitHub's delivery log could not be read: ${state.logProblem}` : "";
    return {
        ...common,
        result: "unconfirmed",
        message: `${what}: no answer yet within ${i.timeoutSeconds} s: ` +
            (baseline.ok ? `notification-controller has not asked ${gitRepository} to reconcile` : `the cluster could not be read from where \`pulumi up\` runs (${baseline.why})`) +
            ` and GitHub's delivery log shows no delivery of this ping yet (deliveries "can take a few minutes to be delivered and to appear in the recent deliveries log")${held}${logNote}. ` +
            `Not counted as a failure: the next \`pulumi up\` checks again, and verify.yml reads the hook's deliveries every 6 hours. ` +
            `GitHub gives up on a delivery after ${GitHubLimitsByKind[base.kind].deliveryTimeoutSeconds} s; the hook's Recent Deliveries: ${hookPage}`,
    };
}

/** The cluster client the provider process uses: the program's own settings, else KUBECONFIG / in-cluster. */
function providerCluster(i: PingInputs): ClusterClient {
    return clusterClient({ kubeconfig: i.kubeconfig || undefined, context: i.kubeContext || undefined });
}

/** The WebhookPing provider with its I/O (tests give their own). */
export function webhookPingProviderWith(io: (i: PingInputs) => PingIo): ResourceLifecycle<PingInputs, PingOutputs> {
    const failed = (o: PingOutputs) => o.result === "failed";
    return {
        async diff(_id: string, olds: PingOutputs, news: PingInputs) {
            // Ping again when the hook, its URL or secret, or the user's trigger change, and while the last check was not accepted.
            return { changes: olds.fingerprint !== pingFingerprint(news) || olds.ok !== true || olds.mode !== news.mode };
        },
        async create(i: PingInputs, ctx: LifecycleContext) {
            return { id: `${i.owner}/${i.repository}/${i.hookId}`, outs: await checked(i.mode, runDeliveryCheck(i, ctx.github(), io(i)), failed) };
        },
        async update(_id: string, _olds: PingOutputs, i: PingInputs, ctx: LifecycleContext) {
            return { outs: await checked(i.mode, runDeliveryCheck(i, ctx.github(), io(i)), failed) };
        },
    };
}

export const webhookPingProvider = webhookPingProviderWith((i) => ({ ...realIo(), cluster: providerCluster(i) }));

/** Asks GitHub to ping the hook and judges the ping by the cluster and GitHub's delivery log. */
export class WebhookPing extends pulumi.CustomResource {
    declare public readonly result: pulumi.Output<PingResult>;
    declare public readonly ok: pulumi.Output<boolean | undefined>;
    declare public readonly seenInCluster: pulumi.Output<boolean>;
    declare public readonly statusCode: pulumi.Output<number | undefined>;
    declare public readonly status: pulumi.Output<string | undefined>;
    declare public readonly deliveryId: pulumi.Output<number | undefined>;
    declare public readonly deliveredAt: pulumi.Output<string | undefined>;
    declare public readonly durationSeconds: pulumi.Output<number | undefined>;
    declare public readonly checkSeconds: pulumi.Output<number>;
    declare public readonly message: pulumi.Output<string>;
    constructor(name: string, args: WebhookPingArgs, opts?: pulumi.CustomResourceOptions) {
        const { cluster, ...rest } = args;
        super(ResourceTypes.webhookPing, name, {
            ...rest,
            payloadUrl: pulumi.secret(args.payloadUrl),
            secret: pulumi.secret(args.secret),
            kubeconfig: cluster.kubeconfig === undefined ? undefined : pulumi.secret(cluster.kubeconfig),
            kubeContext: cluster.context,
            result: undefined, ok: undefined, seenInCluster: undefined, statusCode: undefined, status: undefined, deliveryId: undefined,
            deliveredAt: undefined, durationSeconds: undefined, checkSeconds: undefined, message: undefined,
        }, fromDynamic(DynamicTypes.webhookPing, opts));
    }
}
