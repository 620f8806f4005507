// Judges a GitHub webhook from its recent deliveries: the part of scheduled verification that
// decides "is the push path working?". Pure (no I/O), so every branch of the rule is unit-tested.
//
// The rule, for each hook, over the deliveries GitHub delivered in the last `windowHours`:
//   1. no delivery in the window    -> pass (no pushes is not a fault; Flux still polls)
//   2. the latest delivery not 2xx  -> fail: the most recent push did not trigger a sync
//   3. more than `maxFailures` of the newest `sample` deliveries not 2xx -> fail: the path flaps
// A redelivery counts like any delivery, so fixing the receiver and redelivering the failed
// delivery from GitHub's "Recent Deliveries" clears rule 2 at the next run.

/** One item of `GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries` (the fields used here). */
export interface Delivery {
    readonly id: number;
    readonly guid?: string;
    readonly delivered_at: string;
    readonly redelivery?: boolean;
    readonly duration?: number;
    /** GitHub's description of the response, e.g. "OK", "Invalid HTTP Response: 404", "timed out". */
    readonly status: string;
    /** The receiver's HTTP status; 0 (or absent) when GitHub got no HTTP response at all. */
    readonly status_code: number;
    readonly event: string;
}

export interface DeliveryRule {
    readonly windowHours: number;
    readonly sample: number;
    readonly maxFailures: number;
}

/** 24 h is within GitHub's retention of deliveries (3 days); 3 of 10 tolerates a redeploy blip. */
export const DefaultRule: DeliveryRule = { windowHours: 24, sample: 10, maxFailures: 3 };

export type Reason =
    | { readonly kind: "latest-failed"; readonly delivery: Delivery }
    | { readonly kind: "too-many-failures"; readonly failed: number; readonly of: number };

export interface Verdict {
    readonly ok: boolean;
    /** Deliveries in the window, newest first (at most `sample` of them). */
    readonly recent: readonly Delivery[];
    /** Deliveries in the window, all of them: the count shown beside the sample. */
    readonly inWindow: number;
    readonly failures: readonly Delivery[];
    readonly reasons: readonly Reason[];
}

export function isSuccess(d: Delivery): boolean {
    return Number.isInteger(d.status_code) && d.status_code >= 200 && d.status_code <= 299;
}

function time(d: Delivery): number {
    const t = Date.parse(d.delivered_at);
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** Applies the rule at `now` (milliseconds since the epoch). The input order does not matter. */
export function judgeDeliveries(deliveries: readonly Delivery[], now: number, rule: DeliveryRule = DefaultRule): Verdict {
    if (!(rule.windowHours > 0) || !(rule.sample >= 1) || !(rule.maxFailures >= 0) || rule.maxFailures >= rule.sample) {
        throw new Error(`invalid rule ${JSON.stringify(rule)}: need windowHours > 0, sample >= 1, 0 <= maxFailures < sample`);
    }
    const since = now - rule.windowHours * 3_600_000;
    const window = deliveries
        .filter((d) => time(d) >= since)
        // Newest first; equal times by id (GitHub's ids grow), so the result never depends on input order.
        .sort((a, b) => time(b) - time(a) || b.id - a.id);
    const recent = window.slice(0, rule.sample);
    const failures = recent.filter((d) => !isSuccess(d));
    const reasons: Reason[] = [];
    if (recent.length > 0 && !isSuccess(recent[0])) reasons.push({ kind: "latest-failed", delivery: recent[0] });
    if (failures.length > rule.maxFailures) reasons.push({ kind: "too-many-failures", failed: failures.length, of: recent.length });
    return { ok: reasons.length === 0, recent, inWindow: window.length, failures, reasons };
}

/** "404 (Invalid HTTP Response: 404)", or the description alone when there was no HTTP response. */
export function describeResponse(d: Delivery): string {
    const code = Number.isInteger(d.status_code) && d.status_code > 0 ? String(d.status_code) : "no HTTP response";
    return d.status && d.status !== code ? `${code} (${d.status})` : code;
}

/** What a failing status usually means for this stack: where to look first. */
export function hint(d: Delivery): string {
    const c = d.status_code;
    if (c === 404) return "404: nothing serves that path. The Receiver is missing or its webhook path moved (token rotated, Receiver renamed) without the hook following: run the deploy, or compare `pulumi stack output repositories --show-secrets` with the hook's payload URL.";
    // notification-controller answers 400 to whatever fails its validation, a bad signature first
    // ("the GitHub signature header is invalid": internal/server/receiver_handlers.go, v1.9.3);
    // it never answers 401 or 403, so those come from something in front of it.
    if (c === 400) return "400: notification-controller refused the delivery: most often the signature (the hook's secret and the webhook-token Secret differ: rotate through `tokenRotation` so both change together), else an event the Receiver does not accept or a malformed body.";
    if (c === 401 || c === 403) return `${c}: something in front of notification-controller (an Ingress auth rule, a WAF) refused GitHub's request: notification-controller itself answers 400 for a bad signature, never ${c}.`;
    if (c === 502 || c === 503 || c === 504) return `${c}: a proxy or load balancer answered, but notification-controller did not: check its pods and the exposure (Service, Ingress).`;
    if (!(Number.isInteger(c) && c > 0)) return "No HTTP response: GitHub could not connect or timed out. Check that the exposure (node address and NodePort, LoadBalancer, Ingress) is reachable from the internet.";
    if (c >= 500) return `${c}: notification-controller failed while handling the request: read its logs.`;
    return `${c}: unexpected answer from the receiver.`;
}

export function describeReason(r: Reason): string {
    if (r.kind === "latest-failed") {
        return `the latest delivery (${r.delivery.event}, ${r.delivery.delivered_at}) got ${describeResponse(r.delivery)}`;
    }
    return `${r.failed} of the last ${r.of} deliveries failed`;
}
