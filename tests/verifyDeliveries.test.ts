// The webhook rule of scheduled verification (scripts/verify/deliveries.ts): one case per branch,
// with the boundaries (window edge, exactly maxFailures, 2xx edges) where an off-by-one would hide.
import * as assert from "assert";
import { DefaultRule, Delivery, describeReason, describeResponse, hint, isSuccess, judgeDeliveries } from "../scripts/verify/deliveries";

const now = Date.parse("2026-06-01T12:00:00Z");
const hoursAgo = (h: number) => new Date(now - h * 3_600_000).toISOString().replace(/\.000Z$/, "Z");

let nextId = 1000;
function d(h: number, status_code: number, extra: Partial<Delivery> = {}): Delivery {
    const status = status_code >= 200 && status_code < 300 ? "OK" : status_code === 0 ? "timed out" : `Invalid HTTP Response: ${status_code}`;
    return { id: nextId++, delivered_at: hoursAgo(h), status_code, status, event: "push", redelivery: false, ...extra };
}

describe("webhook deliveries: the rule", () => {
    it("passes a hook with no delivery at all (no pushes is not a fault)", () => {
        const v = judgeDeliveries([], now);
        assert.deepStrictEqual([v.ok, v.inWindow, v.reasons], [true, 0, []]);
    });

    it("ignores deliveries older than the window, failed or not", () => {
        const v = judgeDeliveries([d(25, 404), d(30, 500), d(48, 0)], now);
        assert.deepStrictEqual([v.ok, v.inWindow], [true, 0]);
    });

    it("counts a delivery exactly at the window's edge", () => {
        const v = judgeDeliveries([d(24, 404)], now);
        assert.strictEqual(v.ok, false);
        assert.strictEqual(v.inWindow, 1);
    });

    it("passes when the latest delivery succeeded and few older ones failed", () => {
        const v = judgeDeliveries([d(1, 200), d(2, 404), d(3, 200)], now);
        assert.strictEqual(v.ok, true);
        assert.strictEqual(v.failures.length, 1);
    });

    it("fails when the latest delivery failed, even after many good ones", () => {
        const latest = d(0.5, 404);
        const v = judgeDeliveries([d(5, 200), d(4, 200), d(3, 200), latest], now);
        assert.strictEqual(v.ok, false);
        assert.deepStrictEqual(v.reasons, [{ kind: "latest-failed", delivery: latest }]);
    });

    it("passes with exactly maxFailures (3) of the last 10 failed; fails with one more", () => {
        const three = [d(1, 200), d(2, 500), d(3, 500), d(4, 500), ...[5, 6, 7, 8, 9, 10].map((h) => d(h, 200))];
        assert.strictEqual(judgeDeliveries(three, now).ok, true);
        const four = [d(1, 200), d(2, 500), d(3, 500), d(4, 500), d(5, 502), ...[6, 7, 8, 9, 10].map((h) => d(h, 200))];
        const v = judgeDeliveries(four, now);
        assert.strictEqual(v.ok, false);
        assert.deepStrictEqual(v.reasons, [{ kind: "too-many-failures", failed: 4, of: 10 }]);
    });

    it("looks only at the newest `sample` deliveries: older failures fall out of the sample", () => {
        const newest = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((h) => d(h, 200));
        const older = [11, 12, 13, 14, 15].map((h) => d(h, 500));
        const v = judgeDeliveries([...older, ...newest], now);
        assert.strictEqual(v.ok, true);
        assert.strictEqual(v.recent.length, 10);
        assert.strictEqual(v.inWindow, 15);
    });

    it("reports both reasons when both hold", () => {
        const v = judgeDeliveries([d(1, 404), d(2, 404), d(3, 404), d(4, 404)], now);
        assert.deepStrictEqual(v.reasons.map((r) => r.kind), ["latest-failed", "too-many-failures"]);
    });

    it("a successful redelivery after a fix clears a failed latest delivery", () => {
        const failed = d(2, 404);
        const redelivered = d(1, 200, { guid: failed.guid, redelivery: true });
        assert.strictEqual(judgeDeliveries([failed], now).ok, false);
        assert.strictEqual(judgeDeliveries([failed, redelivered], now).ok, true);
    });

    it("does not depend on the order GitHub lists deliveries in", () => {
        const list = [d(3, 200), d(1, 404), d(2, 200), d(5, 500), d(4, 200)];
        const expected = judgeDeliveries(list, now);
        for (const perm of [[...list].reverse(), [list[2], list[4], list[0], list[3], list[1]]]) {
            assert.deepStrictEqual(judgeDeliveries(perm, now), expected);
        }
        assert.strictEqual(expected.recent[0].status_code, 404);
    });

    it("breaks a tie in time by id: the higher id is the later delivery", () => {
        const a = { ...d(1, 200), id: 5 };
        const b = { ...d(1, 404), id: 6, delivered_at: a.delivered_at };
        assert.strictEqual(judgeDeliveries([a, b], now).recent[0].id, 6);
        assert.strictEqual(judgeDeliveries([b, a], now).ok, false);
    });

    it("takes only 2xx as success: 199, 300, 0 (no response) fail; 200 and 299 pass", () => {
        assert.deepStrictEqual([199, 200, 299, 300, 0, 404].map((c) => isSuccess(d(1, c))), [false, true, true, false, false, false]);
    });

    it("refuses a rule that could never fail or makes no sense", () => {
        for (const bad of [{ ...DefaultRule, maxFailures: 10 }, { ...DefaultRule, sample: 0 }, { ...DefaultRule, windowHours: 0 }, { ...DefaultRule, maxFailures: -1 }]) {
            assert.throws(() => judgeDeliveries([], now, bad), /invalid rule/);
        }
    });

    it("honours a custom rule: 1 h window, any failure of the last 2", () => {
        const rule = { windowHours: 1, sample: 2, maxFailures: 0 };
        assert.strictEqual(judgeDeliveries([d(0.5, 200), d(0.7, 500)], now, rule).ok, false);
        assert.strictEqual(judgeDeliveries([d(0.5, 200), d(2, 500)], now, rule).ok, true);
    });
});

describe("webhook deliveries: the words", () => {
    it("describes a response by code and GitHub's status, or says there was none", () => {
        assert.strictEqual(describeResponse(d(1, 404)), "404 (Invalid HTTP Response: 404)");
        assert.strictEqual(describeResponse(d(1, 200)), "200 (OK)");
        assert.strictEqual(describeResponse(d(1, 0)), "no HTTP response (timed out)");
        assert.strictEqual(describeResponse({ ...d(1, 503), status: "503" }), "503");
    });

    it("names the latest failed delivery and the failure count", () => {
        const latest = { ...d(1, 404), event: "push", delivered_at: "2026-06-01T11:00:00Z" };
        assert.strictEqual(describeReason({ kind: "latest-failed", delivery: latest }), "the latest delivery (push, 2026-06-01T11:00:00Z) got 404 (Invalid HTTP Response: 404)");
        assert.strictEqual(describeReason({ kind: "too-many-failures", failed: 4, of: 10 }), "4 of the last 10 deliveries failed");
    });

    it("points each failure at its likely cause in this stack", () => {
        assert.match(hint(d(1, 404)), /^404: nothing serves that path\. The Receiver is missing or its webhook path moved/);
        // notification-controller answers 400 for a bad signature (receiver_handlers.go), never 401/403.
        assert.match(hint(d(1, 401)), /^401: something in front of notification-controller .* refused GitHub's request: notification-controller itself answers 400 for a bad signature, never 401/);
        assert.match(hint(d(1, 403)), /^403: something in front of notification-controller/);
        assert.doesNotMatch(hint(d(1, 403)), /rejected the signature/);
        assert.match(hint(d(1, 502)), /^502: a proxy or load balancer answered, but notification-controller did not/);
        assert.match(hint(d(1, 0)), /^No HTTP response: GitHub could not connect or timed out/);
        assert.match(hint(d(1, 500)), /^500: notification-controller failed while handling the request/);
        assert.match(hint(d(1, 400)), /^400: notification-controller refused the delivery: most often the signature \(the hook's secret and the webhook-token Secret differ: rotate through `tokenRotation`/);
    });
});
