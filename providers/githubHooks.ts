// The program's own resources for GitHub's side of the push path, as Pulumi dynamic providers
// (Pulumi's way for a TypeScript program to give something a create/update/delete lifecycle of
// its own): a check that a repository has room for one more hook, a probe that a payload URL is
// served before the hook moves to it, and GitHub's own ping of the hook with its delivery result.
//
// The engine runs these in a separate process (the `pulumi-nodejs` dynamic provider) from a
// serialized copy of the provider objects below: they must not capture secrets, and everything
// they call comes from lib/github.ts. Secret inputs (the GitHub token, the webhook secret, the
// payload URL) arrive as plain values; their outputs hold only non-secret results and a
// fingerprint, and the engine keeps the inputs secret in state.
import * as pulumi from "@pulumi/pulumi";
import * as http from "http";
import * as https from "https";
import {
    checkFingerprint, DeliveryContext, deliveryOk, DeliverySummary, explainApiFailure, explainDelivery,
    GitHubApiSettings, GitHubDeliveryTimeoutSeconds, githubRequest, HookSummary, hookCapacityProblem, hooksForEvent, newPingDelivery,
    probePingBody, signedDeliveryHeaders,
} from "../lib/github";

export type CheckMode = "fail" | "warn" | "off";

/** What GitHub is called with: the provider's own settings (`github:owner`, `github:baseUrl`, the token). */
export interface GitHubAccess {
    readonly owner: pulumi.Input<string>;
    readonly apiBaseUrl: pulumi.Input<string>;
    /** Secret. */
    readonly token: pulumi.Input<string>;
}

// Output fields are `declare`d, not `!`-initialised: with ES2022 class fields a plain field
// declaration would reset to undefined what the CustomResource constructor has just set.

/** A check's result as the mode wants it: `fail` turns a failed check into the update's error. */
async function checked<T extends { ok: boolean; message: string }>(mode: "fail" | "warn", result: Promise<T>): Promise<T> {
    const outs = await result;
    if (!outs.ok && mode === "fail") throw new Error(outs.message);
    return outs;
}

// ---- HookCapacity: before a hook is created --------------------------------------------------

export interface HookCapacityArgs extends GitHubAccess {
    readonly repository: pulumi.Input<string>;
    readonly events: pulumi.Input<pulumi.Input<string>[]>;
}

interface HookCapacityInputs { owner: string; apiBaseUrl: string; token: string; repository: string; events: string[] }
interface HookCapacityOutputs { owner: string; repository: string; events: string[]; hooksForEvent: Record<string, number> }

const hookCapacityProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: HookCapacityOutputs, news: HookCapacityInputs) {
        // Only a hook on another repository needs a new look; the count is taken before creation only.
        const moved = olds.owner !== news.owner || olds.repository !== news.repository;
        return { changes: moved, replaces: moved ? ["repository"] : [], deleteBeforeReplace: false };
    },
    async create(i: HookCapacityInputs) {
        const settings: GitHubApiSettings = { baseUrl: i.apiBaseUrl, token: i.token };
        const hooks: HookSummary[] = [];
        for (let page = 1; ; page++) {
            const res = await githubRequest<HookSummary[]>(settings, "GET", `repos/${i.owner}/${i.repository}/hooks?per_page=100&page=${page}`);
            if (res.status !== 200) throw new Error(explainApiFailure(`listing the webhooks of ${i.owner}/${i.repository}`, i.owner, i.repository, res));
            hooks.push(...res.body);
            if (res.body.length < 100) break;
        }
        const problem = hookCapacityProblem(i.owner, i.repository, hooks, i.events);
        if (problem) throw new Error(problem);
        const counts: Record<string, number> = {};
        for (const e of i.events) counts[e] = hooksForEvent(hooks, e).length;
        const outs: HookCapacityOutputs = { owner: i.owner, repository: i.repository, events: i.events, hooksForEvent: counts };
        return { id: `${i.owner}/${i.repository}`, outs };
    },
};

/** Counts a repository's hooks before the stack adds one, so GitHub's 20-per-event limit gets a clear message. */
export class HookCapacity extends pulumi.dynamic.Resource {
    /** Hooks per event the repository had when the stack's hook was about to be created. */
    declare public readonly hooksForEvent: pulumi.Output<Record<string, number>>;
    constructor(name: string, args: HookCapacityArgs, opts?: pulumi.CustomResourceOptions) {
        super(hookCapacityProvider, name, { ...args, token: pulumi.secret(args.token), hooksForEvent: undefined }, opts, "flux-push", "HookCapacity");
    }
}

// ---- PayloadUrlProbe: before the hook moves ----------------------------------------------------

export interface PayloadUrlProbeArgs {
    readonly owner: pulumi.Input<string>;
    readonly repository: pulumi.Input<string>;
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

interface ProbeInputs { owner: string; repository: string; payloadUrl: string; token: string; mode: "fail" | "warn"; timeoutSeconds: number; insecureSsl: boolean; exposure: string }
export interface ProbeOutputs { fingerprint: string; ok: boolean; statusCode: number; attempts: number; seconds: number; message: string; mode: string }

/** One signed POST; status 0 when nothing answered. */
function postOnce(url: string, headers: Record<string, string>, body: string, insecureSsl: boolean, timeoutMs: number): Promise<{ status: number; error?: string }> {
    return new Promise((resolve) => {
        const u = new URL(url);
        const lib = u.protocol === "https:" ? https : http;
        const req = lib.request(u, {
            method: "POST",
            headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
            timeout: timeoutMs,
            ...(u.protocol === "https:" ? { rejectUnauthorized: !insecureSsl } : {}),
        }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
        req.on("error", (err) => resolve({ status: 0, error: err.message }));
        req.end(body);
    });
}

async function probe(i: ProbeInputs): Promise<ProbeOutputs> {
    const started = Date.now();
    const deadline = started + i.timeoutSeconds * 1000;
    const body = probePingBody(i.owner, i.repository);
    const host = new URL(i.payloadUrl).host;
    let attempts = 0;
    let last: { status: number; error?: string } = { status: 0 };
    // A new Receiver, Ingress or load balancer can take a while to serve the path: try until the deadline.
    for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
        attempts++;
        last = await postOnce(i.payloadUrl, signedDeliveryHeaders("ping", body, i.token), body, i.insecureSsl, 10000);
        if (deliveryOk(last.status) || Date.now() + wait > deadline) break;
        await new Promise((r) => setTimeout(r, wait));
    }
    const ok = deliveryOk(last.status);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const context: DeliveryContext = { owner: i.owner, repository: i.repository, receiver: "", namespace: "", payloadHost: host };
    const message = ok
        ? `the payload URL on ${host} answered ${last.status} to a signed ping after ${attempts} attempt(s), ${seconds} s`
        : `probing the new payload URL on ${host} from where \`pulumi up\` runs, before GitHub's hook moves to it: ` +
            `${attempts} attempt(s) in ${seconds} s, last answer ${last.status || `none (${last.error ?? "no response"})`}. ` +
            explainDelivery(last.status, last.error ?? "", context).replace(/^GitHub's ping of the [^:]+?got/, "The probe got") +
            ". The hook was not moved. If this machine cannot reach the URL while GitHub can, set `pulumi config set receiverProbe warn`";
    return { fingerprint: probeFingerprint(i), ok, statusCode: last.status, attempts, seconds, message, mode: i.mode };
}

function probeFingerprint(i: ProbeInputs): string {
    return checkFingerprint([i.payloadUrl, i.token, i.exposure]);
}

const payloadUrlProbeProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: ProbeOutputs, news: ProbeInputs) {
        // Probe again when the URL, token or exposure change, and (warn mode) while the last probe failed.
        const changed = olds.fingerprint !== probeFingerprint(news) || !olds.ok || olds.mode !== news.mode;
        return { changes: changed };
    },
    async create(i: ProbeInputs) {
        return { id: `${i.owner}/${i.repository}/probe`, outs: await checked(i.mode, probe(i)) };
    },
    async update(_id: string, _olds: ProbeOutputs, i: ProbeInputs) {
        return { outs: await checked(i.mode, probe(i)) };
    },
};

/**
 * Posts a signed `ping` to a new payload URL until notification-controller answers 200 (or the
 * timeout): GitHub's hook is moved to a URL only once it is served, so no push is lost in between.
 */
export class PayloadUrlProbe extends pulumi.dynamic.Resource {
    declare public readonly ok: pulumi.Output<boolean>;
    declare public readonly statusCode: pulumi.Output<number>;
    declare public readonly message: pulumi.Output<string>;
    constructor(name: string, args: PayloadUrlProbeArgs, opts?: pulumi.CustomResourceOptions) {
        super(payloadUrlProbeProvider, name, {
            ...args,
            payloadUrl: pulumi.secret(args.payloadUrl),
            token: pulumi.secret(args.token),
            ok: undefined, statusCode: undefined, message: undefined,
        }, opts, "flux-push", "PayloadUrlProbe");
    }
}

// ---- WebhookPing: GitHub's own delivery, after the hook changed ----------------------------------

export interface WebhookPingArgs extends GitHubAccess {
    readonly repository: pulumi.Input<string>;
    readonly hookId: pulumi.Input<string>;
    /** Secret. */
    readonly payloadUrl: pulumi.Input<string>;
    /** Secret: the hook's secret (the token); part of what the check proves. */
    readonly secret: pulumi.Input<string>;
    readonly receiver: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly mode: Exclude<CheckMode, "off">;
    /** Any label: a new one runs the check again. */
    readonly trigger: pulumi.Input<string>;
    readonly timeoutSeconds: number;
    /** Which object serves the URL (mode and object): a new one is checked even when the URL stays. */
    readonly exposure: pulumi.Input<string>;
}

interface PingInputs {
    owner: string; apiBaseUrl: string; token: string; repository: string; hookId: string; payloadUrl: string; secret: string;
    receiver: string; namespace: string; mode: "fail" | "warn"; trigger: string; timeoutSeconds: number; exposure: string;
}
export interface PingOutputs {
    fingerprint: string; mode: string; ok: boolean; statusCode: number; status: string; deliveryId: number;
    deliveredAt: string; durationSeconds: number; checkSeconds: number; message: string;
}

function pingFingerprint(i: PingInputs): string {
    return checkFingerprint([i.owner, i.repository, i.hookId, i.payloadUrl, i.secret, i.trigger, i.exposure]);
}

async function ping(i: PingInputs): Promise<PingOutputs> {
    const started = Date.now();
    const settings: GitHubApiSettings = { baseUrl: i.apiBaseUrl, token: i.token };
    const hookPath = `repos/${i.owner}/${i.repository}/hooks/${i.hookId}`;
    const what = `the delivery check of the ${i.owner}/${i.repository} webhook`;
    const list = async (): Promise<DeliverySummary[]> => {
        const res = await githubRequest<DeliverySummary[]>(settings, "GET", `${hookPath}/deliveries?per_page=50`);
        if (res.status !== 200) throw new Error(explainApiFailure(`${what}: reading the hook's deliveries`, i.owner, i.repository, res));
        return res.body;
    };
    const before = new Set((await list()).map((d) => d.id));
    const pinged = await githubRequest(settings, "POST", `${hookPath}/pings`);
    if (pinged.status !== 204) throw new Error(explainApiFailure(`${what}: asking GitHub to ping the hook`, i.owner, i.repository, pinged));

    const deadline = started + i.timeoutSeconds * 1000;
    for (let wait = 500; ; wait = Math.min(wait * 2, 4000)) {
        const d = newPingDelivery(before, await list());
        if (d) {
            const context: DeliveryContext = { owner: i.owner, repository: i.repository, receiver: i.receiver, namespace: i.namespace, payloadHost: new URL(i.payloadUrl).host };
            return {
                fingerprint: pingFingerprint(i), mode: i.mode, ok: deliveryOk(d.status_code), statusCode: d.status_code, status: d.status,
                deliveryId: d.id, deliveredAt: d.delivered_at, durationSeconds: d.duration, checkSeconds: Math.round((Date.now() - started) / 100) / 10,
                message: explainDelivery(d.status_code, d.status, context),
            };
        }
        if (Date.now() + wait > deadline) break;
        await new Promise((r) => setTimeout(r, wait));
    }
    return {
        fingerprint: pingFingerprint(i), mode: i.mode, ok: false, statusCode: 0, status: "no delivery recorded", deliveryId: 0, deliveredAt: "",
        durationSeconds: 0, checkSeconds: Math.round((Date.now() - started) / 100) / 10,
        message: `${what}: GitHub accepted the ping request but recorded no ping delivery within ${i.timeoutSeconds} s ` +
            `(GitHub gives up on a delivery after ${GitHubDeliveryTimeoutSeconds} s; a busy GitHub can take longer): raise deliveryCheckTimeout, or look at the hook's Recent Deliveries`,
    };
}

const webhookPingProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: PingOutputs, news: PingInputs) {
        // Ping again when the hook, its URL or secret, or the user's trigger change, and (warn mode) while failing.
        return { changes: olds.fingerprint !== pingFingerprint(news) || !olds.ok || olds.mode !== news.mode };
    },
    async create(i: PingInputs) {
        return { id: `${i.owner}/${i.repository}/${i.hookId}`, outs: await checked(i.mode, ping(i)) };
    },
    async update(_id: string, _olds: PingOutputs, i: PingInputs) {
        return { outs: await checked(i.mode, ping(i)) };
    },
};

/** Asks GitHub to ping the hook and reads the ping's delivery from the hook's Recent Deliveries. */
export class WebhookPing extends pulumi.dynamic.Resource {
    declare public readonly ok: pulumi.Output<boolean>;
    declare public readonly statusCode: pulumi.Output<number>;
    declare public readonly status: pulumi.Output<string>;
    declare public readonly deliveryId: pulumi.Output<number>;
    declare public readonly deliveredAt: pulumi.Output<string>;
    declare public readonly durationSeconds: pulumi.Output<number>;
    declare public readonly checkSeconds: pulumi.Output<number>;
    declare public readonly message: pulumi.Output<string>;
    constructor(name: string, args: WebhookPingArgs, opts?: pulumi.CustomResourceOptions) {
        super(webhookPingProvider, name, {
            ...args,
            token: pulumi.secret(args.token),
            payloadUrl: pulumi.secret(args.payloadUrl),
            secret: pulumi.secret(args.secret),
            ok: undefined, statusCode: undefined, status: undefined, deliveryId: undefined, deliveredAt: undefined,
            durationSeconds: undefined, checkSeconds: undefined, message: undefined,
        }, opts, "flux-push", "WebhookPing");
    }
}
