// Which object holds a NodePort, and the handover when the exposure mode changes.
import * as assert from "assert";
import { ApiResponse, ClusterClient } from "../lib/cluster";
import { exposureIdentity, holdsNodePort, ingressSourceRangeAnnotations, patchedByStack } from "../lib/exposure";
import { releaseNodePortHook } from "../components/receiverExposure";

function cluster(service: ApiResponse): ClusterClient & { patches: { path: string; body: unknown }[] } {
    const patches: { path: string; body: unknown }[] = [];
    return {
        patches,
        description: "fake",
        get: async () => service,
        patch: async (path, body) => {
            patches.push({ path, body });
            return { status: 200, body: {} };
        },
    };
}

const hookArgs = { urn: "urn", id: "id", name: "n", type: "t" } as unknown as Parameters<ReturnType<typeof releaseNodePortHook>>[0];
const nodePortSvc = (annotations: Record<string, string> = {}, labels: Record<string, string> = {}) => ({
    status: 200,
    body: { metadata: { annotations, labels }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 31234 }] } },
});

describe("NodePort handover between the two NodePort modes", () => {
    it("holdsNodePort: a NodePort or LoadBalancer Service with that port", () => {
        assert.ok(holdsNodePort(nodePortSvc().body, 31234));
        assert.ok(!holdsNodePort(nodePortSvc().body, 31235));
        assert.ok(!holdsNodePort({ spec: { type: "ClusterIP", ports: [{ nodePort: 31234 }] } }, 31234));
        assert.ok(holdsNodePort({ spec: { type: "LoadBalancer", ports: [{ nodePort: 31234 }] } }, 31234));
    });

    it("releases the port from Flux's webhook-receiver when this stack's patch holds it (type back to ClusterIP)", async () => {
        const c = cluster(nodePortSvc({ "kustomize.toolkit.fluxcd.io/ssa": "Ignore" }));
        assert.ok(patchedByStack(nodePortSvc({ "kustomize.toolkit.fluxcd.io/ssa": "Ignore" }).body));
        await releaseNodePortHook(c, "flux-system", "webhook-receiver", 31234)(hookArgs);
        assert.deepStrictEqual(c.patches, [{ path: "/api/v1/namespaces/flux-system/services/webhook-receiver", body: { spec: { type: "ClusterIP" } } }]);
    });

    it("releases the port from the stack's own webhook-receiver-external", async () => {
        const c = cluster(nodePortSvc({}, { "app.kubernetes.io/managed-by": "pulumi" }));
        await releaseNodePortHook(c, "flux-system", "webhook-receiver-external", 31234)(hookArgs);
        assert.strictEqual(c.patches.length, 1);
    });

    it("refuses to touch a Service that holds the port but is not the stack's (a NodePort overlay in Git)", async () => {
        const c = cluster(nodePortSvc());
        await assert.rejects(async () => releaseNodePortHook(c, "flux-system", "webhook-receiver", 31234)(hookArgs), /node port 31234 is held by Service flux-system\/webhook-receiver, which this stack did not set up/);
        assert.deepStrictEqual(c.patches, []);
    });

    it("does nothing when the other object is gone or holds another port", async () => {
        for (const svc of [{ status: 404, body: {} }, nodePortSvc({ "kustomize.toolkit.fluxcd.io/ssa": "Ignore" })]) {
            const c = cluster(svc);
            await releaseNodePortHook(c, "flux-system", "webhook-receiver", 30000)(hookArgs);
            assert.deepStrictEqual(c.patches, []);
        }
    });
});

describe("GitHub's hook ranges on an Ingress", () => {
    it("writes the ranges into the source-range annotations of ingress-nginx, the AWS Load Balancer Controller and HAProxy", () => {
        assert.deepStrictEqual(ingressSourceRangeAnnotations(["192.30.252.0/22", "2a0a:a440::/29"]), {
            "nginx.ingress.kubernetes.io/whitelist-source-range": "192.30.252.0/22,2a0a:a440::/29",
            "alb.ingress.kubernetes.io/inbound-cidrs": "192.30.252.0/22,2a0a:a440::/29",
            "haproxy.org/allow-list": "192.30.252.0/22,2a0a:a440::/29",
        });
    });
});

describe("the exposure's identity (the probe and the delivery check run again when it changes)", () => {
    it("mode, object and NodePort, as before; an Ingress's TLS Secret and a Gateway's listener too, so a new certificate is probed at the same URL", () => {
        assert.strictEqual(exposureIdentity({ mode: "patch-nodeport", object: "flux-system/webhook-receiver", nodePort: 31234 }), "patch-nodeport|flux-system/webhook-receiver|31234");
        assert.strictEqual(exposureIdentity({ mode: "url" }), "url||");
        const ingress = (tlsSecret: string) => exposureIdentity({ mode: "ingress", object: "flux-system/webhook-receiver", tlsSecret });
        assert.strictEqual(ingress("flux-webhook-tls"), "ingress|flux-system/webhook-receiver||flux-webhook-tls");
        assert.notStrictEqual(ingress("flux-webhook-tls"), ingress("other-tls"));
        assert.strictEqual(exposureIdentity({ mode: "gateway", object: "flux-system/webhook-receiver", listener: "gateway-system/internet-gateway/websecure" }), "gateway|flux-system/webhook-receiver||gateway-system/internet-gateway/websecure");
    });
});
