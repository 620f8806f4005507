// Exposure gateway (lib/gateway.ts): which listener of the named Gateway the HTTPRoute attaches to,
// by the Gateway API's own rules, and the payload URL that follows; the route as Flux's guide
// writes it; the controller's acceptance read from the route's status.
import * as assert from "assert";
import {
    attachToGateway, GatewayAttachment, gatewayHostnameMatches, GatewayListener, GatewayRequest, GatewayView, httpRouteSpec, listenerRefusal,
    routeAcceptance, waitForRouteAcceptance,
} from "../lib/gateway";
import { VirtualTime } from "./support/fakeGitHub";

const req = (over: Partial<GatewayRequest> = {}): GatewayRequest => ({ gateway: { namespace: "gateway-system", name: "internet-gateway" }, ...over });
const https = (over: Partial<GatewayListener> = {}): GatewayListener => ({
    name: "websecure", protocol: "HTTPS", port: 443, hostname: "flux-webhook.example.com", allowedRoutes: { namespaces: { from: "All" } }, ...over,
});
const gw = (...listeners: GatewayListener[]): GatewayView => ({ metadata: { name: "internet-gateway", namespace: "gateway-system" }, spec: { gatewayClassName: "traefik", listeners } });
const attach = (g: GatewayView | undefined, r: GatewayRequest = req(), labels: Record<string, string> = { "kubernetes.io/metadata.name": "flux-system" }, allowPrivate = false) =>
    attachToGateway(g, r, "flux-system", labels, allowPrivate);
const ok = (j: ReturnType<typeof attachToGateway>): GatewayAttachment => {
    assert.ok(j.ok, !j.ok ? j.problem : "");
    return j.attachment;
};
const problem = (j: ReturnType<typeof attachToGateway>): string => {
    assert.ok(!j.ok, "expected a problem");
    return j.problem;
};

describe("Gateway API hostname matching (a listener's hostname; a wildcard is a suffix of one or more labels)", () => {
    const rows: [string | undefined, string, boolean][] = [
        [undefined, "anything.example.com", true],
        ["flux-webhook.example.com", "flux-webhook.example.com", true],
        ["flux-webhook.example.com", "FLUX-WEBHOOK.example.com", true],
        ["flux-webhook.example.com", "other.example.com", false],
        ["*.example.com", "flux-webhook.example.com", true],
        ["*.example.com", "a.b.example.com", true],
        ["*.example.com", "example.com", false],
    ];
    for (const [listener, host, match] of rows) {
        it(`${listener ?? "(none)"} ${match ? "matches" : "does not match"} ${host}`, () => assert.strictEqual(gatewayHostnameMatches(listener, host), match));
    }
});

describe("which listener takes the HTTPRoute, and the payload URL", () => {
    it("the guide's shape: one HTTPS listener with a hostname, routes from all namespaces: https://host, sectionName set", () => {
        assert.deepStrictEqual(ok(attach(gw(https()))), {
            gateway: { namespace: "gateway-system", name: "internet-gateway" }, listener: "websecure", host: "flux-webhook.example.com",
            scheme: "https", port: 443, baseUrl: "https://flux-webhook.example.com",
        });
    });

    it("HTTPS is preferred over HTTP (GitHub verifies https); an HTTP one alone gives an http URL with its port", () => {
        const web = https({ name: "web", protocol: "HTTP", port: 80 });
        assert.strictEqual(ok(attach(gw(web, https()))).listener, "websecure");
        assert.strictEqual(ok(attach(gw(https({ name: "web", protocol: "HTTP", port: 8000 })))).baseUrl, "http://flux-webhook.example.com:8000");
    });

    it("gatewayPort replaces the listener's port in the URL (a load balancer maps 443 to the listener's 8443)", () => {
        assert.strictEqual(ok(attach(gw(https({ port: 8443 })))).baseUrl, "https://flux-webhook.example.com:8443");
        assert.strictEqual(ok(attach(gw(https({ port: 8443 })), req({ port: 443 }))).baseUrl, "https://flux-webhook.example.com");
    });

    it("a wildcard hostname needs gatewayHost, which must match it", () => {
        assert.strictEqual(problem(attach(gw(https({ hostname: "*.example.com" })))),
            "listener websecure of Gateway gateway-system/internet-gateway has a wildcard hostname (*.example.com): set the host GitHub posts to, e.g. `pulumi config set gatewayHost flux-webhook.example.com`");
        assert.strictEqual(ok(attach(gw(https({ hostname: "*.example.com" })), req({ host: "hooks.example.com" }))).baseUrl, "https://hooks.example.com");
        assert.match(problem(attach(gw(https({ hostname: "*.example.com" })), req({ host: "hooks.example.org" }))), /websecure: its hostname \*\.example\.com does not match hooks\.example\.org/);
    });

    it("no hostname on the listener: gatewayHost is the route's host", () => {
        assert.match(problem(attach(gw(https({ hostname: undefined })))), /has no hostname: set the host GitHub posts to/);
        assert.strictEqual(ok(attach(gw(https({ hostname: undefined })), req({ host: "flux.example.com" }))).host, "flux.example.com");
    });

    it("allowedRoutes from Same (the default) in another namespace: refused, with what the Gateway's owner can set", () => {
        assert.strictEqual(problem(attach(gw(https({ allowedRoutes: undefined })))),
            "no listener of Gateway gateway-system/internet-gateway can take the HTTPRoute: websecure: allowedRoutes.namespaces.from is Same (the default): only routes in gateway-system attach, " +
            "and the HTTPRoute lives in flux-system beside webhook-receiver; the Gateway's owner can set from: All, or from: Selector matching namespace flux-system");
        assert.ok(attachToGateway(gw(https({ allowedRoutes: undefined })), req({ gateway: { namespace: "flux-system", name: "internet-gateway" } }), "flux-system", {}, false).ok, "Same works in the same namespace");
    });

    it("allowedRoutes from Selector: the Flux namespace's labels decide (matchLabels and matchExpressions)", () => {
        const sel = (selector: object) => https({ allowedRoutes: { namespaces: { from: "Selector", selector } } });
        assert.ok(attach(gw(sel({ matchLabels: { "kubernetes.io/metadata.name": "flux-system" } }))).ok);
        assert.ok(attach(gw(sel({ matchExpressions: [{ key: "gateway-access", operator: "Exists" }] })), req(), { "gateway-access": "yes" }).ok);
        assert.match(problem(attach(gw(sel({ matchLabels: { "gateway-access": "true" } })))), /websecure: allowedRoutes\.namespaces\.selector does not match namespace flux-system/);
        assert.match(problem(attach(gw(sel({ matchExpressions: [{ key: "team", operator: "In", values: ["platform"] }] })), req(), { team: "apps" })), /does not match namespace flux-system/);
    });

    it("listeners that carry no HTTPRoute: TLS/TCP protocols, allowedRoutes.kinds without HTTPRoute", () => {
        assert.match(problem(attach(gw(https({ protocol: "TLS" })))), /websecure: protocol TLS carries no HTTPRoute/);
        assert.match(problem(attach(gw(https({ allowedRoutes: { namespaces: { from: "All" }, kinds: [{ kind: "GRPCRoute" }] } })))), /allowedRoutes\.kinds admits GRPCRoute, not HTTPRoute/);
    });

    it("several listeners that could take it: the user chooses with gatewayListener; a missing name lists the ones there", () => {
        const two = gw(https(), https({ name: "websecure-2", hostname: "flux-webhook.example.com" }));
        assert.strictEqual(problem(attach(two)), "several listeners of Gateway gateway-system/internet-gateway could take the HTTPRoute (websecure, websecure-2): choose one, e.g. `pulumi config set gatewayListener websecure`");
        assert.strictEqual(ok(attach(two, req({ listener: "websecure-2" }))).listener, "websecure-2");
        assert.strictEqual(problem(attach(two, req({ listener: "web" }))), "Gateway gateway-system/internet-gateway has no listener web (gatewayListener); its listeners: websecure (HTTPS 443), websecure-2 (HTTPS 443)");
    });

    it("a Gateway that does not exist; a listener host GitHub cannot reach", () => {
        assert.match(problem(attach(undefined)), /^Gateway gateway-system\/internet-gateway \(gatewayName\) does not exist; create it, or name the Gateway/);
        assert.match(problem(attach(gw(https({ hostname: "hooks.localhost" })))), /listener websecure of Gateway gateway-system\/internet-gateway names host hooks\.localhost, localhost, which GitHub refuses in a payload URL; set gatewayHost to a public name/);
        assert.ok(attach(gw(https({ hostname: undefined })), req({ host: "gw.sandbox.example" }), {}, true).ok);
    });

    it("listenerRefusal says nothing for a listener that can take the route", () => {
        assert.strictEqual(listenerRefusal(https(), "gateway-system", "flux-system", {}, "flux-webhook.example.com"), undefined);
    });
});

describe("the HTTPRoute, as Flux's guide writes it, and the controller's answer", () => {
    const a: GatewayAttachment = { gateway: { namespace: "gateway-system", name: "internet-gateway" }, listener: "websecure", host: "flux-webhook.example.com", scheme: "https", port: 443, baseUrl: "https://flux-webhook.example.com" };

    it("parentRef to the Gateway and its listener, the host, /hook/ to webhook-receiver:80", () => {
        assert.deepStrictEqual(httpRouteSpec(a, { name: "webhook-receiver", port: 80 }), {
            parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "internet-gateway", namespace: "gateway-system", sectionName: "websecure" }],
            hostnames: ["flux-webhook.example.com"],
            rules: [{ matches: [{ path: { type: "PathPrefix", value: "/hook/" } }], backendRefs: [{ name: "webhook-receiver", port: 80 }] }],
        });
    });

    const parent = (conditions: { type: string; status: string; reason?: string; message?: string }[], name = "internet-gateway") =>
        ({ status: { parents: [{ parentRef: { name, namespace: "gateway-system", sectionName: "websecure" }, conditions }] } });

    it("accepted, refused (with the controller's reason), or pending (no status from that Gateway)", () => {
        assert.deepStrictEqual(routeAcceptance(parent([{ type: "Accepted", status: "True" }, { type: "ResolvedRefs", status: "True" }]), a), { state: "accepted" });
        assert.deepStrictEqual(routeAcceptance(parent([{ type: "Accepted", status: "False", reason: "NotAllowedByListeners", message: "no listener allows it" }]), a),
            { state: "refused", detail: "Accepted False, NotAllowedByListeners: no listener allows it" });
        assert.deepStrictEqual(routeAcceptance(parent([{ type: "Accepted", status: "True" }, { type: "ResolvedRefs", status: "False", reason: "BackendNotFound", message: "webhook-receiver" }]), a),
            { state: "refused", detail: "ResolvedRefs False, BackendNotFound: webhook-receiver" });
        assert.deepStrictEqual(routeAcceptance(parent([{ type: "Accepted", status: "True" }], "another-gateway"), a), { state: "pending" });
        assert.deepStrictEqual(routeAcceptance(undefined, a), { state: "pending" });
    });

    it("waits until accepted; otherwise stops with what the controller said, or that it said nothing", async () => {
        const time = new VirtualTime();
        const answers = [parent([]), parent([{ type: "Accepted", status: "True" }])];
        const cluster = { get: async () => ({ status: 200, body: answers.length > 1 ? answers.shift() : answers[0] }) };
        await time.run(waitForRouteAcceptance(cluster, { namespace: "flux-system", name: "webhook-receiver" }, a, 30, { sleep: time.sleep, now: time.now }));

        const refusing = { get: async () => ({ status: 200, body: parent([{ type: "Accepted", status: "False", reason: "NoMatchingListenerHostname", message: "no hostname matches" }]) }) };
        await assert.rejects(time.run(waitForRouteAcceptance(refusing, { namespace: "flux-system", name: "webhook-receiver" }, a, 30, { sleep: time.sleep, now: time.now })),
            /^Error: HTTPRoute flux-system\/webhook-receiver on listener websecure of Gateway gateway-system\/internet-gateway was not accepted within 30 s: the Gateway's controller says Accepted False, NoMatchingListenerHostname: no hostname matches; the hook was not moved$/);
        const silent = { get: async () => ({ status: 200, body: {} }) };
        await assert.rejects(time.run(waitForRouteAcceptance(silent, { namespace: "flux-system", name: "webhook-receiver" }, a, 30, { sleep: time.sleep, now: time.now })),
            /got no status from the Gateway's controller within 30 s: is a controller for the Gateway's GatewayClass running/);
    });
});
