// A fake of the two witnesses the delivery check reads, on virtual time: GitHub's hook routes
// (ping, deliveries: with a log that lags, throttled deliveries, redeliveries and GitHub's own
// creation ping) and the cluster's GitRepository, whose `reconcile.fluxcd.io/requestedAt`
// notification-controller changes when it accepts a delivery. Minutes pass in milliseconds, so
// a 60-second log lag or GHES's 30-second delivery timeout is a fast, exact unit test.
//
// The GitHub API stand-in (sandbox/standins/githubApi.ts) is the strict, real-HTTP double; this is
// the knob-by-knob one for timing. When the stand-in has its log-lag and throttling knobs
// (setDeliveryLogLag, throttleNextDeliveries), the real-HTTP tests can use those instead.
import { ApiResponse, apiPaths, ClusterClient } from "../../lib/cluster";
import { DeliverySummary } from "../../lib/github";

/** Virtual time: sleeps resolve in time order whenever nothing else can run. */
export class VirtualTime {
    t: number;
    private readonly timers: { at: number; seq: number; resolve: () => void }[] = [];
    private seq = 0;

    constructor(start = Date.parse("2026-11-25T12:00:00.300Z")) {
        this.t = start;
    }

    readonly now = (): number => this.t;

    readonly sleep = (ms: number): Promise<void> =>
        new Promise((resolve) => this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, resolve }));

    /** Runs `work` to its end, moving the clock to the next timer each time everything waits. */
    async run<T>(work: Promise<T>): Promise<T> {
        let settled = false;
        work.then(() => (settled = true), () => (settled = true));
        for (let idle = 0; !settled; ) {
            await new Promise((r) => setImmediate(r));
            if (settled) break;
            const next = this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq).shift();
            if (next === undefined) {
                if (++idle > 1000) throw new Error("virtual time: the work waits for something that is not a timer");
                continue;
            }
            idle = 0;
            this.t = Math.max(this.t, next.at);
            next.resolve();
        }
        return work;
    }
}

/** The GitRepository's annotation over time, as the program's ClusterClient reads it. */
export class FakeCluster implements ClusterClient {
    readonly description = "https://cluster.test:6443 (context test)";
    private readonly changes: { at: number; value: string }[] = [];
    /** Answer every read with this (e.g. status 0: the API server cannot be reached from here). */
    unreachable?: ApiResponse;
    reads = 0;

    constructor(private readonly time: VirtualTime, private readonly namespace = "flux-system", private readonly name = "instavote", initial?: string) {
        if (initial !== undefined) this.changes.push({ at: 0, value: initial });
    }

    /** notification-controller annotates the GitRepository at `at` (it does so with the time, as an opaque string). */
    annotate(at: number): void {
        this.changes.push({ at, value: new Date(at).toISOString() });
    }

    async get(apiPath: string): Promise<ApiResponse> {
        this.reads++;
        if (this.unreachable) return this.unreachable;
        if (apiPath !== apiPaths.gitRepository(this.namespace, this.name)) return { status: 404, body: { kind: "Status", code: 404 } };
        const current = this.changes.filter((c) => c.at <= this.time.now()).pop();
        return { status: 200, body: { metadata: { name: this.name, namespace: this.namespace, annotations: current ? { "reconcile.fluxcd.io/requestedAt": current.value } : {} } } };
    }

    async patch(): Promise<ApiResponse> {
        throw new Error("the delivery check never writes to the cluster");
    }
}

/** What GitHub does with the next ping we ask for. */
export interface PingOutcome {
    /** The receiver's status (0: no HTTP answer). */
    readonly statusCode: number;
    /** GitHub's text ("OK", "Invalid HTTP Response: 404", "timed out", "failed to connect to network"). */
    readonly status?: string;
    /** ms from our request until GitHub delivers (default 100). */
    readonly deliverAfterMs?: number;
    /** ms the delivery takes (default 20; GHES's timeout: 30000). */
    readonly durationMs?: number;
    /** ms after the delivery is done until the log shows it (default 0). */
    readonly logLagMs?: number;
    /** Listed from our request on with `throttled_at` set, and delivered only after this many ms. */
    readonly throttledForMs?: number;
    /** notification-controller accepted it and annotated the GitRepository (default: a 2xx status). */
    readonly annotates?: boolean;
}

interface LoggedDelivery extends DeliverySummary {
    /** When the log starts to show it. */
    readonly visibleAt: number;
    /** Until when it is held back (listed with throttled_at, no status yet). */
    readonly throttledUntil?: number;
}

/** GitHub's answer to one request, when the test wants another than the route's. */
export interface ScriptedAnswer {
    readonly status: number;
    readonly headers?: Record<string, string>;
    readonly body?: unknown;
}

/** One hook's routes on GitHub (GitHub.com at the root, or a GHES under /api/v3/). */
export class FakeGitHub {
    readonly requests: string[] = [];
    private readonly log: LoggedDelivery[] = [];
    private nextId = 1000;
    /** What the next pings do (default: the receiver accepts). */
    onPing: (at: number) => PingOutcome = () => ({ statusCode: 200 });
    /** Answers given before any route, in order (rate limits, outages). */
    readonly scripted: ScriptedAnswer[] = [];

    constructor(
        private readonly time: VirtualTime,
        private readonly cluster: FakeCluster | undefined,
        readonly hook = { owner: "example-org", repository: "instavote", id: 4242, prefix: "" },
    ) {}

    /** A delivery already in (or later shown in) the log: GitHub's creation ping, a redelivery, an old ping. */
    addDelivery(d: { event?: string; statusCode: number; deliveredAt: number; redelivery?: boolean; visibleAt?: number }): number {
        const id = this.nextId++;
        this.log.push({
            id, guid: `guid-${id}`, event: d.event ?? "ping", redelivery: d.redelivery ?? false, status_code: d.statusCode,
            status: d.statusCode === 200 ? "OK" : `Invalid HTTP Response: ${d.statusCode}`, duration: 0.02,
            delivered_at: iso(d.deliveredAt), visibleAt: d.visibleAt ?? d.deliveredAt,
        });
        return id;
    }

    readonly fetch = (async (input: string | URL | Request, init?: RequestInit) => {
        const url = new URL(String(input));
        const method = init?.method ?? "GET";
        this.requests.push(`${method} ${url.pathname}${url.search}`);
        const scripted = this.scripted.shift();
        if (scripted) return this.answer(scripted.status, scripted.body, scripted.headers);
        const hookPath = `${this.hook.prefix}/repos/${this.hook.owner}/${this.hook.repository}/hooks/${this.hook.id}`;
        if (method === "POST" && url.pathname === `${hookPath}/pings`) return this.ping();
        if (method === "GET" && url.pathname === `${hookPath}/deliveries`) return this.answer(200, this.listed());
        return this.answer(404, { message: "Not Found" });
    }) as typeof fetch;

    private ping(): Response {
        const at = this.time.now();
        const o = this.onPing(at);
        const id = this.nextId++;
        const throttledUntil = o.throttledForMs !== undefined ? at + o.throttledForMs : undefined;
        const deliveredAt = (throttledUntil ?? at) + (o.deliverAfterMs ?? 100);
        const done = deliveredAt + (o.durationMs ?? 20);
        if (o.annotates ?? (o.statusCode >= 200 && o.statusCode < 300)) this.cluster?.annotate(deliveredAt + 5);
        this.log.push({
            id, guid: `guid-${id}`, event: "ping", redelivery: false, status_code: o.statusCode,
            status: o.status ?? (o.statusCode === 200 ? "OK" : `Invalid HTTP Response: ${o.statusCode}`),
            duration: (o.durationMs ?? 20) / 1000, delivered_at: iso(deliveredAt),
            visibleAt: throttledUntil !== undefined ? at + 10 : done + (o.logLagMs ?? 0),
            ...(throttledUntil !== undefined ? { throttledUntil } : {}),
        });
        return this.answer(204, undefined);
    }

    /** The log as GitHub lists it now: newest first, only what it shows yet. */
    private listed(): DeliverySummary[] {
        const now = this.time.now();
        return this.log
            .filter((d) => d.visibleAt <= now)
            .sort((a, b) => b.id - a.id)
            .map(({ visibleAt: _v, throttledUntil, ...d }) => throttledUntil !== undefined && now < throttledUntil
                ? { ...d, status_code: 0, status: "", duration: 0, delivered_at: iso(throttledUntil), throttled_at: iso(now) }
                : { ...d, throttled_at: null });
    }

    /** A minimal Response: headers as GitHub sends them (its clock in `Date`, whole seconds). */
    private answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
        const text = body === undefined ? "" : JSON.stringify(body);
        const h = new Headers({ date: new Date(this.time.now()).toUTCString(), ...(text ? { "content-type": "application/json; charset=utf-8" } : {}), ...headers });
        return { status, headers: h, text: async () => text } as unknown as Response;
    }
}

function iso(ms: number): string {
    // GitHub's delivered_at has whole seconds.
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}
