import * as assert from "assert";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import { webhookPath } from "../lib/flux";
import { hostReach, ingressBaseUrl, loadBalancerBaseUrl, nodePortBaseUrl, payloadUrl } from "../lib/urls";

// The judge is coreutils' sha256sum, outside Node, over exactly the bytes Flux hashes:
//   printf '%s%s%s' TOKEN NAME NAMESPACE | sha256sum
// (notification-controller api/v1/receiver_types.go: sha256.Sum256([]byte(token + name + namespace))).
function sha256sum(input: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("sha256sum", [], { stdio: ["pipe", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(out.split(" ")[0]) : reject(new Error(`sha256sum exited ${code}`))));
        child.stdin.end(input);
    });
}

// Digests written down once from sha256sum; the first test checks them against it again, so none
// of them can have come from the function under test.
const golden: [string, string, string, string][] = [
    ["e83d76derar7a85f44aabcgdaaea180b1e8c3", "instavote", "flux-system", "58ca670a01286b4d1b7252c5eace71faca3d5082000bec2d0682806ed80aada7"],
    ["s3cr3t", "podinfo", "apps", "765ed2b879596ca31321c0fc919bf5826de32fef5bc355e08c2f71a401278b43"],
    ["tok", "a", "b", "49563e31a839f5da3a12d32fba7fc1287cd4989e8b0dc6ac03e6139f576ba457"],
    ["s3cr3t\n", "podinfo", "apps", "2ab6c41654ebc2b64e19910fee8a9618d7b7b0f2327f5f13feac3ef446f45d9d"],
];

describe("webhookPath (notification-controller's Receiver.GetWebhookPath)", () => {
    it("the golden digests are sha256sum's own", async () => {
        for (const [token, name, namespace, digest] of golden) {
            assert.strictEqual(await sha256sum(token + name + namespace), digest, JSON.stringify([token, name, namespace]));
        }
    });

    for (const [token, name, namespace, digest] of golden) {
        it(`is /hook/ + sha256sum for ${JSON.stringify(token)} ${name}/${namespace}`, () => {
            assert.strictEqual(webhookPath(token, name, namespace), `/hook/${digest}`);
        });
    }

    it("agrees with sha256sum for random tokens and real-looking names and namespaces", async () => {
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const randomToken = (n: number) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("");
        const cases = [
            [randomToken(48), "instavote", "flux-system"],
            [randomToken(43), "vote-app.v2", "gitops"],
            [randomToken(1024), "r", "ns-with-dashes"],
            ["A".repeat(48), "flux-system", "flux-system"],
        ];
        const digests = await Promise.all(cases.map(([t, n, ns]) => sha256sum(t + n + ns)));
        cases.forEach(([t, n, ns], i) => assert.strictEqual(webhookPath(t, n, ns), `/hook/${digests[i]}`, `${n}/${ns}`));
    });

    it("has no separators: moving a character between name and namespace changes nothing", () => {
        // A property of Flux's formula worth knowing: it is a plain concatenation.
        assert.strictEqual(webhookPath("t", "ab", "c"), webhookPath("t", "a", "bc"));
    });

    it("changes with a trailing newline in the token (why the Secret must hold the token exactly)", () => {
        assert.notStrictEqual(webhookPath("s3cr3t\n", "podinfo", "apps"), webhookPath("s3cr3t", "podinfo", "apps"));
    });

    it("is /hook/ and 64 lowercase hex digits", () => {
        assert.match(webhookPath("any", "name", "ns"), /^\/hook\/[0-9a-f]{64}$/);
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

    it("refuses a private, loopback or localhost LoadBalancer address unless allowPrivateAddresses (as it does nodeAddress)", () => {
        assert.throws(() => loadBalancerBaseUrl([{ ip: "10.0.0.7" }]), /the LoadBalancer's address "10\.0\.0\.7" is in 10\.0\.0\.0\/8.*GitHub\.com never delivers.*allowPrivateAddresses true/);
        assert.throws(() => loadBalancerBaseUrl([{ hostname: "lb.localhost" }], true), /is localhost, which GitHub refuses/);
        assert.strictEqual(loadBalancerBaseUrl([{ ip: "10.0.0.7" }], true), "http://10.0.0.7");
    });
});

describe("payload URL host (hostReach, also for a LoadBalancer's reported address)", () => {
    it("tells localhost, private ranges and the rest apart, in the forms a status or URL carries", () => {
        const cases: [string, string][] = [
            ["localhost.", "localhost"],
            ["Flux.LocalHost", "localhost"],
            ["[::1]", "private ::1 (loopback)"],
            ["10.0.0.5", "private 10.0.0.0/8 (private, RFC 1918)"],
            ["[::ffff:a00:5]", "private ::ffff:10.0.0.0/104 (IPv4-mapped private, RFC 1918)"],
            ["0x7f.1", "private 127.0.0.0/8 (loopback)"],
            ["203.0.113.10", "public"],
            ["abc.elb.example.com", "public"],
            ["localhost.example.com", "public"],
        ];
        for (const [host, expected] of cases) {
            const r = hostReach(host);
            assert.strictEqual(r.kind === "private" ? `private ${r.range}` : r.kind, expected, host);
        }
    });
});
