import * as assert from "assert";
import { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { durationMs, payloadUrlHttps, pollIntervals, tokenFromRandomPassword, tokenStrength, Types, webhookTlsVerified } from "../policies";

/** Runs a resource policy on one hand-made resource and returns the violations it reports. */
function runResource(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, config: Record<string, unknown> = {}): string[] {
    const violations: string[] = [];
    const args = {
        type, props, urn: `urn:pulumi:test::flux-push::${type}::r`, name: "r", opts: {}, stackTags: new Map(),
        getConfig: () => config, isType: () => false, asType: () => undefined, notApplicable: () => undefined,
    } as unknown as ResourceValidationArgs;
    const validate = policy.validateResource;
    if (typeof validate !== "function") throw new Error("not a single validateResource");
    void validate(args, (message) => violations.push(message));
    return violations;
}

function resource(type: string, props: Record<string, unknown>, deps: Record<string, PolicyResource[]> = {}): PolicyResource {
    return { type, props, urn: `urn:pulumi:test::flux-push::${type}::${String((props.metadata as { name?: string } | undefined)?.name ?? props.repository ?? "r")}`, name: "r", opts: {} as PolicyResource["opts"], dependencies: Object.values(deps).flat(), propertyDependencies: deps, stackTags: new Map() } as unknown as PolicyResource;
}

function runStack(policy: StackValidationPolicy, resources: PolicyResource[]): string[] {
    const violations: string[] = [];
    const args = { resources, getConfig: () => ({}), stackTags: new Map(), notApplicable: () => undefined } as unknown as StackValidationArgs;
    void policy.validateStack(args, (message) => violations.push(message));
    return violations;
}

const password = resource(Types.randomPassword, { length: 48, special: false });
const webhook = (url: string, deps = { configuration: [password] }) => resource(Types.repositoryWebhook, { repository: "instavote", configuration: { url, contentType: "json", insecureSsl: false } }, deps);
const nodePortPatch = resource(Types.servicePatch, { metadata: { name: "webhook-receiver", namespace: "flux-system" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 31234 }] } });
const tokenSecret = (deps: Record<string, PolicyResource[]>) => resource(Types.secret, { metadata: { name: "webhook-token" }, stringData: { token: "x" } }, deps);

describe("webhook-tls-verified", () => {
    it("passes a webhook that verifies TLS", () => {
        assert.deepStrictEqual(runResource(webhookTlsVerified, Types.repositoryWebhook, { repository: "instavote", configuration: { url: "https://x/hook/a", insecureSsl: false } }), []);
    });
    it("fails insecureSsl: true", () => {
        const v = runResource(webhookTlsVerified, Types.repositoryWebhook, { repository: "instavote", configuration: { url: "https://x/hook/a", insecureSsl: true } });
        assert.strictEqual(v.length, 1);
        assert.match(v[0], /^webhook on instavote sets insecureSsl/);
    });
    it("ignores other resource types", () => {
        assert.deepStrictEqual(runResource(webhookTlsVerified, Types.secret, { configuration: { insecureSsl: true } }), []);
    });
});

describe("payload-url-https", () => {
    it("passes an https payload URL", () => {
        assert.deepStrictEqual(runStack(payloadUrlHttps, [webhook("https://flux.example.com/hook/abc")]), []);
    });
    it("fails a plain http payload URL when the stack exposes nothing over NodePort/LoadBalancer", () => {
        const v = runStack(payloadUrlHttps, [webhook("http://tunnel.example.com/hook/abc")]);
        assert.deepStrictEqual(v, ["webhook on instavote posts to plain http (http://tunnel.example.com) without a NodePort/LoadBalancer exposure in this stack; use exposure ingress, or an https publicUrl"]);
    });
    it("passes http when the stack patches webhook-receiver to NodePort (explicit opt-in)", () => {
        assert.deepStrictEqual(runStack(payloadUrlHttps, [nodePortPatch, webhook("http://203.0.113.10:31234/hook/abc")]), []);
    });
    it("passes http with a LoadBalancer Service selecting notification-controller", () => {
        const lb = resource(Types.service, { metadata: { name: "webhook-receiver-external" }, spec: { type: "LoadBalancer", selector: { app: "notification-controller" } } });
        assert.deepStrictEqual(runStack(payloadUrlHttps, [lb, webhook("http://198.51.100.7/hook/abc")]), []);
    });
    it("does not count a NodePort Service of something else as an opt-in", () => {
        const other = resource(Types.service, { metadata: { name: "grafana" }, spec: { type: "NodePort", selector: { app: "grafana" } } });
        assert.strictEqual(runStack(payloadUrlHttps, [other, webhook("http://203.0.113.10:31234/hook/abc")]).length, 1);
    });
});

describe("webhook-token-strength", () => {
    it("passes 48 alphanumerics", () => {
        assert.deepStrictEqual(runResource(tokenStrength, Types.randomPassword, { length: 48, special: false }), []);
    });
    it("passes exactly 43 (256 bits)", () => {
        assert.deepStrictEqual(runResource(tokenStrength, Types.randomPassword, { length: 43, special: false }), []);
    });
    it("fails 42 characters", () => {
        assert.deepStrictEqual(runResource(tokenStrength, Types.randomPassword, { length: 42, special: false }), ["length 42 is below 43 (256 bits of alphanumerics); set flux-push:tokenLength"]);
    });
    it("fails special characters (the provider's default)", () => {
        assert.deepStrictEqual(runResource(tokenStrength, Types.randomPassword, { length: 48 }), ["special characters are enabled; the token goes into a YAML Secret and an HMAC key: set special: false"]);
    });
});

describe("webhook-token-secret-source", () => {
    it("passes when the Secret and the webhook take the token from a RandomPassword", () => {
        assert.deepStrictEqual(runStack(tokenFromRandomPassword, [password, tokenSecret({ stringData: [password] }), webhook("https://x/hook/a")]), []);
    });
    it("fails a Secret whose token is a literal", () => {
        assert.deepStrictEqual(runStack(tokenFromRandomPassword, [tokenSecret({})]), ["the webhook-token Secret's token does not come from a RandomPassword"]);
    });
    it("fails a webhook whose secret does not come from a RandomPassword", () => {
        const random = resource(Types.randomString, { length: 48 });
        const v = runStack(tokenFromRandomPassword, [random, webhook("https://x/hook/a", { configuration: [random] })]);
        assert.deepStrictEqual(v, [
            "a RandomString is in this stack: its result is not secret; the token must be a RandomPassword",
            "webhook on instavote: its secret does not come from a RandomPassword",
        ]);
    });
});

describe("poll-intervals", () => {
    const gitRepository = (interval: string) => ({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "instavote" }, spec: { interval } });
    it("passes any interval when no minimum is configured (staging)", () => {
        assert.deepStrictEqual(runResource(pollIntervals, Types.gitRepository, gitRepository("1m"), {}), []);
    });
    it("passes an interval at or above the minimum", () => {
        assert.deepStrictEqual(runResource(pollIntervals, Types.gitRepository, gitRepository("15m"), { minimumInterval: "10m" }), []);
        assert.deepStrictEqual(runResource(pollIntervals, Types.kustomization, { kind: "Kustomization", metadata: { name: "k" }, spec: { interval: "1h" } }, { minimumInterval: "10m" }), []);
    });
    it("fails an interval below the minimum", () => {
        assert.deepStrictEqual(runResource(pollIntervals, Types.gitRepository, gitRepository("1m"), { minimumInterval: "10m" }), [
            "GitRepository instavote polls every 1m, more often than 10m: pushes trigger syncs, so raise flux-push:gitRepositoryInterval / kustomizationInterval",
        ]);
    });
    it("fails a Kustomization of 5m against a 10m minimum", () => {
        assert.strictEqual(runResource(pollIntervals, Types.kustomization, { kind: "Kustomization", metadata: { name: "vote-production" }, spec: { interval: "5m" } }, { minimumInterval: "10m" }).length, 1);
    });
    it("reads Flux durations", () => {
        assert.strictEqual(durationMs("1h30m"), 5400000);
        assert.strictEqual(durationMs("500ms"), 500);
        assert.strictEqual(durationMs("1d"), undefined);
    });
});
