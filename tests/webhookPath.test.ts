import * as assert from "assert";
import { execFileSync } from "child_process";
import { ReceiverWebhookPathPrefix, webhookPath } from "../lib/flux";
import { ingressBaseUrl, loadBalancerBaseUrl, nodePortBaseUrl, payloadUrl } from "../lib/urls";

// sha256 of token+name+namespace computed outside Node, with coreutils:
//   printf '%s%s%s' TOKEN NAME NAMESPACE | sha256sum
const golden: [string, string, string, string][] = [
    ["e83d76derar7a85f44aabcgdaaea180b1e8c3", "instavote", "flux-system", "58ca670a01286b4d1b7252c5eace71faca3d5082000bec2d0682806ed80aada7"],
    ["s3cr3t", "podinfo", "apps", "765ed2b879596ca31321c0fc919bf5826de32fef5bc355e08c2f71a401278b43"],
    ["tok", "a", "b", "49563e31a839f5da3a12d32fba7fc1287cd4989e8b0dc6ac03e6139f576ba457"],
];

function sha256sum(input: string): string {
    return execFileSync("sha256sum", { input }).toString().split(" ")[0];
}

describe("webhookPath (notification-controller's Receiver.GetWebhookPath)", () => {
    for (const [token, name, namespace, digest] of golden) {
        it(`matches sha256sum for ${name}/${namespace}`, () => {
            assert.strictEqual(webhookPath(token, name, namespace), `/hook/${digest}`);
        });
    }

    it("agrees with sha256sum for generated tokens, names and namespaces", () => {
        const cases = [
            ["A".repeat(48), "instavote", "flux-system"],
            ["x9Yz".repeat(11), "vote-app.v2", "gitops"],
            ["0123456789", "r", "ns-with-dashes"],
        ];
        for (const [token, name, namespace] of cases) {
            assert.strictEqual(webhookPath(token, name, namespace), "/hook/" + sha256sum(token + name + namespace));
        }
    });

    it("has no separators: moving a character between name and namespace changes nothing", () => {
        // A property of Flux's formula worth knowing: it is a plain concatenation.
        assert.strictEqual(webhookPath("t", "ab", "c"), webhookPath("t", "a", "bc"));
    });

    it("changes with a trailing newline in the token (why the Secret must hold the token exactly)", () => {
        assert.notStrictEqual(webhookPath("s3cr3t\n", "podinfo", "apps"), webhookPath("s3cr3t", "podinfo", "apps"));
        assert.strictEqual(webhookPath("s3cr3t\n", "podinfo", "apps"), "/hook/2ab6c41654ebc2b64e19910fee8a9618d7b7b0f2327f5f13feac3ef446f45d9d");
    });

    it("is /hook/ and 64 lowercase hex digits", () => {
        assert.match(webhookPath("any", "name", "ns"), /^\/hook\/[0-9a-f]{64}$/);
        assert.strictEqual(ReceiverWebhookPathPrefix, "/hook/");
    });
});

describe("payload URL", () => {
    it("takes a LoadBalancer entry's ip over its hostname when it has both", () => {
        // Kept from the first version: the ip is what the cloud routes to; a hostname beside it can be
        // a provider-internal name. An entry with only a hostname (AWS ELB) still works, below.
        assert.strictEqual(loadBalancerBaseUrl([{ ip: "198.51.100.7", hostname: "lb.example.com" }]), "http://198.51.100.7");
        assert.strictEqual(loadBalancerBaseUrl([{ hostname: "lb.example.com", ip: "2001:db8::7" }]), "http://[2001:db8::7]");
    });

    it("skips LoadBalancer entries without an address, to the first that has one", () => {
        assert.strictEqual(loadBalancerBaseUrl([{}, { hostname: "abc.elb.example.com" }, { ip: "198.51.100.8" }]), "http://abc.elb.example.com");
        assert.strictEqual(loadBalancerBaseUrl([{ ip: "" }, { ip: "198.51.100.8" }]), "http://198.51.100.8");
    });

    const path = "/hook/" + "a".repeat(64);

    it("is the node address and NodePort, as the guide builds it", () => {
        assert.strictEqual(payloadUrl(nodePortBaseUrl("203.0.113.10", 31234), path), `http://203.0.113.10:31234${path}`);
    });

    it("brackets an IPv6 node address", () => {
        assert.strictEqual(nodePortBaseUrl("2001:db8::10", 31234), "http://[2001:db8::10]:31234");
    });

    it("uses https and no port behind an Ingress", () => {
        assert.strictEqual(payloadUrl(ingressBaseUrl("flux-webhook.example.com"), path), `https://flux-webhook.example.com${path}`);
    });

    it("joins a base with a trailing slash without doubling it", () => {
        assert.strictEqual(payloadUrl("https://tunnel.example.com/", path), `https://tunnel.example.com${path}`);
    });

    it("refuses a path that is not a Receiver path", () => {
        assert.throws(() => payloadUrl("http://x", "/other"), /does not start with \/hook\//);
    });

    it("takes a LoadBalancer's ip, else its hostname", () => {
        assert.strictEqual(loadBalancerBaseUrl([{ ip: "198.51.100.7" }]), "http://198.51.100.7");
        assert.strictEqual(loadBalancerBaseUrl([{ hostname: "abc.elb.example.com" }]), "http://abc.elb.example.com");
        assert.strictEqual(loadBalancerBaseUrl([{}, { ip: "2001:db8::1" }]), "http://[2001:db8::1]");
        assert.throws(() => loadBalancerBaseUrl([]), /no address/);
        assert.throws(() => loadBalancerBaseUrl([{}, {}]), /no address/);
        assert.throws(() => loadBalancerBaseUrl(undefined), /no address/);
    });
});
