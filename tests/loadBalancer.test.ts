// Exposure loadbalancer (lib/loadBalancer.ts): the program waits for the address a load-balancer
// controller writes (late, an IP or a host name), says it is waiting, and when none comes says why
// from the Service and its controller's events. Virtual time: no test waits for real.
import * as assert from "assert";
import { ApiResponse, ClusterClient } from "../lib/cluster";
import { explainNoLoadBalancerAddress, loadBalancerAddresses, ServiceEvent, waitForLoadBalancerAddress } from "../lib/loadBalancer";
import { loadBalancerBaseUrl } from "../lib/urls";
import { VirtualTime } from "./support/fakeGitHub";

const Svc = "flux-system/webhook-receiver-external";
const lb = (ingress?: object[], spec: object = {}) => ({ spec: { type: "LoadBalancer", ...spec }, status: ingress ? { loadBalancer: { ingress } } : {} });

/** A cluster whose Service answers `service(t)` at virtual time t (seconds since start), and these events. */
function cluster(time: VirtualTime, service: (seconds: number) => unknown, events: ServiceEvent[] = []): ClusterClient & { asked: string[] } {
    const start = time.now();
    const asked: string[] = [];
    return {
        asked,
        description: "fake",
        get: async (p): Promise<ApiResponse> => {
            asked.push(p);
            if (p.includes("/events?")) return { status: 200, body: { items: events } };
            const body = service((time.now() - start) / 1000);
            return body === undefined ? { status: 404, body: {} } : { status: 200, body };
        },
        patch: async () => ({ status: 200, body: {} }),
    };
}

describe("the LoadBalancer's address: waited for, explained when none comes", () => {
    it("an address that comes late (after 40 s) is waited for, with word of the wait every 30 s", async () => {
        const time = new VirtualTime();
        const logs: string[] = [];
        const c = cluster(time, (s) => (s < 40 ? lb() : lb([{ ip: "203.0.113.20" }])));
        const got = await time.run(waitForLoadBalancerAddress(c, "flux-system", "webhook-receiver-external", 600, { sleep: time.sleep, now: time.now, log: (m) => logs.push(m) }));
        assert.deepStrictEqual(got, [{ ip: "203.0.113.20" }]);
        assert.deepStrictEqual(logs, ["waiting for a load-balancer controller to give Service flux-system/webhook-receiver-external an address (30 s of 600 s, loadBalancerTimeout)"]);
        assert.strictEqual(loadBalancerBaseUrl(got), "http://203.0.113.20");
    });

    it("a host name instead of an IP (as AWS reports it) makes the payload URL's host", async () => {
        const time = new VirtualTime();
        const c = cluster(time, () => lb([{ hostname: "a1b2c3-123.elb.eu-west-1.amazonaws.com" }]));
        const got = await time.run(waitForLoadBalancerAddress(c, "flux-system", "webhook-receiver-external", 600, { sleep: time.sleep, now: time.now }));
        assert.strictEqual(loadBalancerBaseUrl(got), "http://a1b2c3-123.elb.eu-west-1.amazonaws.com");
    });

    it("an empty entry is no address (a controller that wrote status without one)", () => {
        assert.strictEqual(loadBalancerAddresses(lb([{}])), undefined);
        assert.deepStrictEqual(loadBalancerAddresses(lb([{}, { ip: "203.0.113.9" }])), [{ ip: "203.0.113.9" }]);
    });

    it("none within loadBalancerTimeout and no events: no controller for type LoadBalancer, and the ways out", async () => {
        const time = new VirtualTime();
        const c = cluster(time, () => lb());
        await assert.rejects(time.run(waitForLoadBalancerAddress(c, "flux-system", "webhook-receiver-external", 20, { sleep: time.sleep, now: time.now })), (e: Error) => {
            assert.strictEqual(e.message, `Service ${Svc} (type LoadBalancer) got no address in status.loadBalancer.ingress within 20 s (loadBalancerTimeout): no load-balancer controller acted on it (no events): ` +
                "the cluster has none for type LoadBalancer (bare metal, kind and k3d without their own: install one such as MetalLB, or a cloud controller manager), " +
                "or expose the receiver another way (`pulumi config set exposure ingress`, or nodeport-service with nodeAddress)");
            return true;
        });
        assert.ok(time.now() - Date.parse("2026-11-25T12:00:00.300Z") <= 21000, "stops at the timeout");
        // The program's watch speaks a little before the provider's own timeout (its error follows).
        const ahead = new VirtualTime();
        await assert.rejects(ahead.run(waitForLoadBalancerAddress(cluster(ahead, () => lb()), "flux-system", "webhook-receiver-external", 20, { sleep: ahead.sleep, now: ahead.now, explainAheadMs: 3000 })), /within 20 s/);
        assert.ok(ahead.now() - Date.parse("2026-11-25T12:00:00.300Z") <= 17000, "3 s ahead of the timeout");
        assert.ok(c.asked.some((p) => p === "/api/v1/namespaces/flux-system/events?fieldSelector=involvedObject.kind%3DService%2CinvolvedObject.name%3Dwebhook-receiver-external"), c.asked.join("\n"));
    });

    it("the controller's warning is quoted; a controller still at it is named with the timeout to raise", () => {
        const warn: ServiceEvent[] = [
            { type: "Normal", reason: "EnsuringLoadBalancer", message: "Ensuring load balancer", lastTimestamp: "2026-12-05T10:00:00Z" },
            { type: "Warning", reason: "SyncLoadBalancerFailed", message: "Error syncing load balancer: quota exceeded for resource 'FORWARDING_RULES'", lastTimestamp: "2026-12-05T10:00:05Z" },
        ];
        assert.match(explainNoLoadBalancerAddress(Svc, lb(), warn, 600), /its load-balancer controller reported SyncLoadBalancerFailed: Error syncing load balancer: quota exceeded .*`kubectl -n flux-system describe service webhook-receiver-external`/);
        assert.match(explainNoLoadBalancerAddress(Svc, lb(), warn.slice(0, 1), 600), /a controller is at it \(last event EnsuringLoadBalancer: Ensuring load balancer\) but wrote no address yet: a cloud load balancer can take minutes; raise `pulumi config set loadBalancerTimeout 1200`/);
    });

    it("events of an earlier Service of the same name (another uid) are not this one's", () => {
        const earlier: ServiceEvent[] = [{ involvedObject: { uid: "old" }, type: "Normal", reason: "EnsuredLoadBalancer", message: "Ensured load balancer", lastTimestamp: "2026-12-05T10:00:00Z" }];
        assert.match(explainNoLoadBalancerAddress(Svc, { metadata: { uid: "new" }, ...lb() }, earlier, 15), /no load-balancer controller acted on it \(no events\)/);
        assert.match(explainNoLoadBalancerAddress(Svc, { metadata: { uid: "old" }, ...lb() }, earlier, 15), /a controller is at it/);
    });

    it("a loadBalancerClass nobody serves; a Service gone or changed meanwhile", () => {
        assert.match(explainNoLoadBalancerAddress(Svc, lb(undefined, { loadBalancerClass: "example.com/internal" }), [], 60), /asks for spec\.loadBalancerClass example\.com\/internal: no controller of that class runs in the cluster$/);
        assert.match(explainNoLoadBalancerAddress(Svc, undefined, [], 60), /: the Service no longer exists$/);
        assert.match(explainNoLoadBalancerAddress(Svc, { spec: { type: "ClusterIP" } }, [], 60), /it is of type ClusterIP now, not LoadBalancer/);
    });
});
