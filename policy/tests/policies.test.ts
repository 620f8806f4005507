// Each rule with pass and fail cases, on resources shaped like the ones the flux-push program
// registers (type tokens and props as in components/*.ts).
import * as assert from "assert";
import { PolicyResource } from "@pulumi/policy";
import {
    containsAny, durationMs, isFluxKind, passwordBits, payloadUrlHttps, policies, pollIntervals, tokenFromRandomPassword,
    tokenNotExported, tokenStrength, Types, webhookTlsVerified,
} from "../policies";
import { resource, runResourcePolicy, runStackPolicy, unknown, urnOf } from "./harness";

const receiverType = "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver";
const gitRepositoryType = "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository";
const kustomizationType = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization";
const providerType = "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider";
const alertType = "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert";
const hookPath = "/hook/3f1c0a4e5b6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";

/** The token as the stack's state holds it: policies see secret values unwrapped. */
const token = "Q7fK2m9XbT4vLw8ZrN3cY6pH1sD5gJ0aE2uVx9kRt4Bn7MqW";
const password = resource(Types.randomPassword, "token-password", { length: 48, special: false, keepers: { rotation: "initial" }, result: token });
const base64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const tokenSecret = (deps: Record<string, PolicyResource[]> = { stringData: [password] }, name = "webhook-token", contents: Record<string, unknown> = { stringData: { token } }) =>
    resource(Types.secret, `${name}-secret`, {
        metadata: { name, namespace: "flux-system", labels: { "reconcile.fluxcd.io/watch": "Enabled" } }, type: "Opaque", ...contents,
    }, deps);
const receiver = (secretName = "webhook-token", name = "instavote", type = receiverType) => resource(type, `${name}-receiver`, {
    apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver",
    metadata: { name, namespace: "flux-system" },
    spec: { type: "github", events: ["ping", "push"], secretRef: { name: secretName }, resources: [{ kind: "GitRepository", name: "instavote" }] },
});
const webhook = (url: string, deps: Record<string, PolicyResource[]> = { configuration: [password] }, repository = "instavote", secret: unknown = token) =>
    resource(Types.repositoryWebhook, `${repository}-webhook`, {
        repository, active: true, events: ["push"],
        configuration: { url, contentType: "json", insecureSsl: false, secret },
    }, deps);
const nodePortPatch = (namespace = "flux-system", name = "webhook-receiver") => resource(Types.servicePatch, "exposure-nodeport-patch", {
    metadata: { name, namespace, annotations: { "pulumi.com/patchForce": "true", "kustomize.toolkit.fluxcd.io/ssa": "Ignore" } },
    spec: { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 31234 }] },
});
const externalService = (type: "NodePort" | "LoadBalancer", app = "notification-controller", namespace = "flux-system") => resource(Types.service, "exposure-service", {
    metadata: { name: "webhook-receiver-external", namespace },
    spec: { type, selector: { app }, ports: [{ name: "http", port: 80, targetPort: "http-webhook", ...(type === "NodePort" ? { nodePort: 31234 } : {}) }] },
});

describe("webhook-tls-verified", () => {
    const props = (insecureSsl: unknown, url = `https://flux-webhook.example.com${hookPath}`) =>
        ({ repository: "instavote", configuration: { url, contentType: "json", insecureSsl, secret: "t" } });

    it("passes a webhook that verifies TLS", async () => {
        assert.deepStrictEqual(await runResourcePolicy(webhookTlsVerified, Types.repositoryWebhook, props(false)), []);
    });
    it("still fails insecureSsl: true while the payload URL is unknown (a preview creating the token)", async () => {
        // The rule must judge insecureSsl without reading the URL: a read of an unknown value throws,
        // which the policy server turns into an advisory "can't run during preview" and the
        // violation would be lost on exactly the preview that creates the webhook.
        assert.deepStrictEqual((await runResourcePolicy(webhookTlsVerified, Types.repositoryWebhook, props(true, unknown))).length, 1);
    });
    it("fails insecureSsl: true", async () => {
        assert.deepStrictEqual(await runResourcePolicy(webhookTlsVerified, Types.repositoryWebhook, props(true)), [{
            message: "webhook on instavote sets insecureSsl true: GitHub would skip the certificate check and post signed deliveries to whoever answers; use a certificate GitHub trusts and set flux-push:insecureSsl false (this environment's policy config does not set allowInsecureSsl)",
        }]);
    });
    it("fails every spelling that turns verification off, and any it does not know", async () => {
        // GitHub's API takes "0"/"1"; the provider maps true, "1" and "true" to "1"; other spellings
        // depend on how the bridge coerces them, so only a certain "verify" passes.
        for (const insecureSsl of [true, "true", 1, "1", "True", "TRUE", "t", "yes", 2, {}]) {
            assert.strictEqual((await runResourcePolicy(webhookTlsVerified, Types.repositoryWebhook, props(insecureSsl))).length, 1, JSON.stringify(insecureSsl));
        }
    });
    it("passes the spellings that keep verification on: false, \"false\", 0, \"0\" and no value", async () => {
        for (const insecureSsl of [false, "false", 0, "0", undefined, null]) {
            assert.deepStrictEqual(await runResourcePolicy(webhookTlsVerified, Types.repositoryWebhook, props(insecureSsl)), [], String(insecureSsl));
        }
    });
    it("passes insecureSsl where the environment's policy config sets allowInsecureSsl (staging)", async () => {
        assert.deepStrictEqual(await runResourcePolicy(webhookTlsVerified, Types.repositoryWebhook, props(true), { allowInsecureSsl: true }), []);
    });
    it("fails insecureSsl where allowInsecureSsl is false or unset (production)", async () => {
        for (const config of [{ allowInsecureSsl: false }, {}]) {
            assert.strictEqual((await runResourcePolicy(webhookTlsVerified, Types.repositoryWebhook, props(true), config)).length, 1, JSON.stringify(config));
        }
    });
    it("ignores other resource types", async () => {
        assert.deepStrictEqual(await runResourcePolicy(webhookTlsVerified, Types.secret, props(true)), []);
    });
});

describe("payload-url-https", () => {
    /** Staging's policy config: the node address Pulumi.staging.yaml gives flux-push:nodeAddress. */
    const staging = { nodeAddresses: ["203.0.113.10"] };
    const loadBalancer = (ingress: unknown = [{ ip: "198.51.100.7" }]) => {
        const service = externalService("LoadBalancer");
        return resource(service.type, service.name, { ...service.props, status: { loadBalancer: { ingress } } });
    };

    it("passes an https payload URL (exposure ingress)", async () => {
        assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [webhook(`https://flux-webhook.example.com${hookPath}`)]), []);
    });
    it("fails plain http when the stack exposes nothing itself (exposure url)", async () => {
        const hook = webhook(`http://tunnel.example.com${hookPath}`);
        assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [hook]), [{
            message: "webhook on instavote posts to plain http (http://tunnel.example.com) but this stack exposes the receiver on no NodePort/LoadBalancer; use exposure ingress or an https publicUrl, or list the origin in payload-url-https plainHttpOrigins if another stack serves it",
            urn: urnOf(Types.repositoryWebhook, "instavote-webhook"),
        }]);
    });
    it("passes http to the NodePort of the patched webhook-receiver on a node address the environment lists (exposure patch-nodeport)", async () => {
        assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [receiver(), nodePortPatch(), webhook(`http://203.0.113.10:31234${hookPath}`)], staging), []);
    });
    it("fails http to the opened NodePort on a host that is not one of the environment's node addresses", async () => {
        assert.deepStrictEqual((await runStackPolicy(payloadUrlHttps, [receiver(), nodePortPatch(), webhook(`http://198.51.100.99:31234${hookPath}`)], staging)).map((v) => v.message), [
            "webhook on instavote posts to plain http (http://198.51.100.99:31234) but 198.51.100.99 is not where this stack serves the receiver: NodePort 31234 of flux-system/webhook-receiver, on a node address in payload-url-https nodeAddresses (203.0.113.10); add the node's address there if it is one, or use exposure ingress",
        ]);
    });
    it("fails http to the opened NodePort when the environment lists no node address (the default)", async () => {
        assert.deepStrictEqual((await runStackPolicy(payloadUrlHttps, [receiver(), nodePortPatch(), webhook(`http://203.0.113.10:31234${hookPath}`)])).map((v) => v.message), [
            "webhook on instavote posts to plain http (http://203.0.113.10:31234) but 203.0.113.10 is not where this stack serves the receiver: NodePort 31234 of flux-system/webhook-receiver, on a node address in payload-url-https nodeAddresses (none set); add the node's address there if it is one, or use exposure ingress",
        ]);
    });
    it("fails http to another port than the one the stack opened", async () => {
        assert.deepStrictEqual((await runStackPolicy(payloadUrlHttps, [receiver(), nodePortPatch(), webhook(`http://203.0.113.10:8080${hookPath}`)], staging)).map((v) => v.message), [
            "webhook on instavote posts to plain http (http://203.0.113.10:8080) but this stack exposes it over http on port 31234 only; use exposure ingress or an https publicUrl, or list the origin in payload-url-https plainHttpOrigins if another stack serves it",
        ]);
    });
    it("compares IPv6 node addresses without the URL's brackets, and host names without case", async () => {
        const config = { nodeAddresses: ["2001:db8::10", "Node-1.Example.com"] };
        for (const url of [`http://[2001:db8::10]:31234${hookPath}`, `http://node-1.example.com:31234${hookPath}`]) {
            assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [receiver(), nodePortPatch(), webhook(url)], config), [], url);
        }
    });
    it("passes http to a NodePort Service selecting notification-controller (exposure nodeport-service)", async () => {
        assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [receiver(), externalService("NodePort"), webhook(`http://203.0.113.10:31234${hookPath}`)], staging), []);
    });
    it("passes http on port 80 of a LoadBalancer Service at the address its status reports (exposure loadbalancer)", async () => {
        assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [receiver(), loadBalancer(), webhook(`http://198.51.100.7${hookPath}`)]), []);
    });
    it("fails http on port 80 to a host that is not the LoadBalancer's address", async () => {
        assert.deepStrictEqual((await runStackPolicy(payloadUrlHttps, [receiver(), loadBalancer(), webhook(`http://203.0.113.66${hookPath}`)])).map((v) => v.message), [
            "webhook on instavote posts to plain http (http://203.0.113.66) but 203.0.113.66 is not where this stack serves the receiver: LoadBalancer flux-system/webhook-receiver-external at 198.51.100.7; use exposure ingress or an https publicUrl",
        ]);
    });
    it("skips http to the LoadBalancer's port while its address is unknown (a preview creating it)", async () => {
        assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [receiver(), loadBalancer(unknown), webhook(`http://203.0.113.66${hookPath}`)]), []);
    });
    it("does not count a patch of a webhook-receiver Service outside Flux's namespace (the Receivers')", async () => {
        assert.deepStrictEqual((await runStackPolicy(payloadUrlHttps, [receiver(), nodePortPatch("default"), webhook(`http://203.0.113.10:31234${hookPath}`)], staging)).map((v) => v.message), [
            "webhook on instavote posts to plain http (http://203.0.113.10:31234) but this stack exposes the receiver on no NodePort/LoadBalancer; use exposure ingress or an https publicUrl, or list the origin in payload-url-https plainHttpOrigins if another stack serves it",
        ]);
    });
    it("does not count a patch of another Service in Flux's namespace", async () => {
        assert.strictEqual((await runStackPolicy(payloadUrlHttps, [receiver(), nodePortPatch("flux-system", "source-controller"), webhook(`http://203.0.113.10:31234${hookPath}`)], staging)).length, 1);
    });
    it("does not count a Service selecting app: notification-controller in another namespace (it selects that namespace's Pods)", async () => {
        assert.strictEqual((await runStackPolicy(payloadUrlHttps, [receiver(), externalService("NodePort", "notification-controller", "default"), webhook(`http://203.0.113.10:31234${hookPath}`)], staging)).length, 1);
    });
    it("counts no exposure when the stack has no Receiver (nothing says where Flux runs)", async () => {
        assert.strictEqual((await runStackPolicy(payloadUrlHttps, [nodePortPatch(), webhook(`http://203.0.113.10:31234${hookPath}`)], staging)).length, 1);
    });
    it("follows a configured Flux namespace: the one the Receivers are in", async () => {
        const inFlux = resource(receiverType, "instavote-receiver", { metadata: { name: "instavote", namespace: "flux" }, spec: { type: "github", secretRef: { name: "webhook-token" } } });
        assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [inFlux, nodePortPatch("flux"), webhook(`http://203.0.113.10:31234${hookPath}`)], staging), []);
    });
    it("does not count a NodePort Service of another app as the opt-in", async () => {
        assert.strictEqual((await runStackPolicy(payloadUrlHttps, [receiver(), externalService("NodePort", "grafana"), webhook(`http://203.0.113.10:31234${hookPath}`)], staging)).length, 1);
    });
    it("passes http to an origin the environment's policy config lists in plainHttpOrigins (exposure url), and only to it", async () => {
        const config = { plainHttpOrigins: ["http://tunnel.example.com"] };
        assert.deepStrictEqual(await runStackPolicy(payloadUrlHttps, [webhook(`http://tunnel.example.com${hookPath}`)], config), []);
        assert.strictEqual((await runStackPolicy(payloadUrlHttps, [webhook(`http://tunnel.example.com:8080${hookPath}`), webhook(`http://other.example.com${hookPath}`, undefined, "other")], config)).length, 2);
    });
    it("refuses a plainHttpOrigins entry that is not an http origin", async () => {
        await assert.rejects(runStackPolicy(payloadUrlHttps, [webhook(`http://tunnel.example.com${hookPath}`)], { plainHttpOrigins: ["tunnel.example.com"] }),
            /payload-url-https: plainHttpOrigins entry "tunnel.example.com" is not an http origin \(http:\/\/host\[:port\]\)/);
    });
    it("fails a scheme that is neither https nor http; use an https URL", async () => {
        assert.deepStrictEqual((await runStackPolicy(payloadUrlHttps, [webhook(`ftp://flux.example.com${hookPath}`)])).map((v) => v.message), [
            "webhook on instavote: payload URL scheme ftp: is neither https nor http; use an https URL",
        ]);
    });
    it("skips a URL the preview does not know yet and still checks the other webhooks", async () => {
        const violations = await runStackPolicy(payloadUrlHttps, [webhook(unknown), webhook(`http://tunnel.example.com${hookPath}`, undefined, "result")]);
        assert.deepStrictEqual(violations.map((v) => v.urn), [urnOf(Types.repositoryWebhook, "result-webhook")]);
    });
});

describe("webhook-token-strength", () => {
    it("passes the program's default: 48 alphanumerics", async () => {
        assert.deepStrictEqual(await runResourcePolicy(tokenStrength, Types.randomPassword, { length: 48, special: false }), []);
    });
    it("passes exactly 43 (256 bits)", async () => {
        assert.deepStrictEqual(await runResourcePolicy(tokenStrength, Types.randomPassword, { length: 43, special: false }), []);
    });
    it("fails 42 characters", async () => {
        assert.deepStrictEqual(await runResourcePolicy(tokenStrength, Types.randomPassword, { length: 42, special: false }), [
            { message: "length 42 gives 250 bits, below 256 (43 alphanumerics); raise flux-push:tokenLength" },
        ]);
    });
    it("fails 48 characters without upper case (36 symbols: 248 bits)", async () => {
        assert.deepStrictEqual((await runResourcePolicy(tokenStrength, Types.randomPassword, { length: 48, special: false, upper: false })).map((v) => v.message), [
            "length 48 gives 248 bits, below 256 (43 alphanumerics); raise flux-push:tokenLength",
        ]);
    });
    it("fails special characters (the provider's default when special is not set)", async () => {
        assert.deepStrictEqual(await runResourcePolicy(tokenStrength, Types.randomPassword, { length: 48 }), [
            { message: "special characters are enabled (the provider's default): the token goes into a YAML Secret and an HMAC key; set special: false" },
        ]);
    });
    it("counts bits from the character classes", () => {
        assert.strictEqual(Math.floor(passwordBits({ length: 43 })), 256);
        assert.strictEqual(passwordBits({ length: 10, upper: false, lower: false, numeric: false }), 0);
    });
});

describe("webhook-token-secret-source", () => {
    it("passes the program's shape: the Secret and the webhook take the token from the RandomPassword", async () => {
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [password, tokenSecret(), receiver(), webhook(`https://x.example.com${hookPath}`)]), []);
    });
    it("fails a webhook-token Secret whose token is a literal", async () => {
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [tokenSecret({})]), [{
            message: "Secret flux-system/webhook-token: its token comes from a literal or a config value, not a RandomPassword; set stringData.token from the RandomPassword's result",
            urn: urnOf(Types.secret, "webhook-token-secret"),
        }]);
    });
    it("fails the Secret a Receiver names, whatever its name", async () => {
        const violations = await runStackPolicy(tokenFromRandomPassword, [receiver("github-receiver-token"), tokenSecret({}, "github-receiver-token")]);
        assert.deepStrictEqual(violations.map((v) => v.message), ["Secret flux-system/github-receiver-token: its token comes from a literal or a config value, not a RandomPassword; set stringData.token from the RandomPassword's result"]);
    });
    it("passes the Secret as the cluster returns it after `up`: data.token, the result in base64", async () => {
        const applied = tokenSecret({ stringData: [password] }, "webhook-token", { data: { token: base64(token) } });
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [password, receiver(), applied]), []);
    });
    it("fails a literal stringData.token over a data.token from the RandomPassword (the API server writes stringData over data)", async () => {
        const mixed = tokenSecret({ data: [password] }, "webhook-token", { data: { token: base64(token) }, stringData: { token: "a-literal" } });
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [password, receiver(), mixed]), [{
            message: "Secret flux-system/webhook-token: its token (stringData over data, as the API server merges them) equals no RandomPassword's result in this stack; set stringData.token to the RandomPassword's result",
            urn: urnOf(Types.secret, "webhook-token-secret"),
        }]);
    });
    it("fails a data.token that decodes to something else than the result", async () => {
        const other = tokenSecret({ data: [password] }, "webhook-token", { data: { token: base64(`${token}\n`) } });
        assert.strictEqual((await runStackPolicy(tokenFromRandomPassword, [password, receiver(), other])).length, 1);
    });
    it("fails a token Secret without a token key (the Receiver answers 400 to every delivery)", async () => {
        const empty = tokenSecret({ stringData: [password] }, "webhook-token", { stringData: { webhook: token } });
        assert.deepStrictEqual((await runStackPolicy(tokenFromRandomPassword, [password, receiver(), empty])).map((v) => v.message), [
            "Secret flux-system/webhook-token has no key token: the Receiver answers 400 to every delivery; put the RandomPassword's result under stringData.token",
        ]);
    });
    it("passes a token Secret the preview does not know yet (a rotation)", async () => {
        const rotating = resource(Types.randomPassword, "token-password", { length: 48, special: false, result: unknown });
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [rotating, receiver(), tokenSecret({ stringData: [rotating] }, "webhook-token", { stringData: unknown })]), []);
    });
    it("ignores Secrets that hold no Receiver token", async () => {
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [receiver(), tokenSecret({}, "git-credentials")]), []);
    });
    it("fails a webhook whose configuration.secret is a literal although its URL comes from the RandomPassword", async () => {
        // The program's shape: `configuration` depends on the RandomPassword through its url (the
        // URL embeds the token's digest), so its property dependencies cannot tell where secret came from.
        const hook = webhook(`https://x.example.com${hookPath}`, { configuration: [password] }, "instavote", "not-the-token");
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [password, tokenSecret(), receiver(), hook]), [{
            message: "webhook on instavote: configuration.secret is not the token: it equals no RandomPassword's result in this stack; set it from the RandomPassword the Receiver's Secret holds, or GitHub signs with a key Flux does not have",
            urn: urnOf(Types.repositoryWebhook, "instavote-webhook"),
        }]);
    });
    it("fails a webhook without a secret (unsigned deliveries, which the github Receiver refuses)", async () => {
        const hook = resource(Types.repositoryWebhook, "instavote-webhook", {
            repository: "instavote", active: true, events: ["push"], configuration: { url: `https://x.example.com${hookPath}`, contentType: "json", insecureSsl: false },
        }, { configuration: [password] });
        assert.deepStrictEqual((await runStackPolicy(tokenFromRandomPassword, [password, hook])).map((v) => v.message), [
            "webhook on instavote has no configuration.secret: GitHub would not sign deliveries and a github Receiver refuses unsigned ones; set it to the RandomPassword's result",
        ]);
    });
    it("passes a secret the preview does not know yet (a rotation): it derives from the new token", async () => {
        const rotating = resource(Types.randomPassword, "token-password", { length: 48, special: false, result: unknown });
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [rotating, webhook(unknown, { configuration: [rotating] }, "instavote", unknown)]), []);
    });
    it("fails a known secret while the RandomPassword's result is unknown: derived from it, it would be unknown too", async () => {
        const rotating = resource(Types.randomPassword, "token-password", { length: 48, special: false, result: unknown });
        assert.strictEqual((await runStackPolicy(tokenFromRandomPassword, [rotating, webhook(unknown, { configuration: [rotating] }, "instavote", "a-literal")])).length, 1);
    });
    it("fails a webhook whose secret comes from a RandomString (not secret)", async () => {
        const randomString = resource("random:index/randomString:RandomString", "token-string", { length: 48, special: false });
        const hook = webhook(`https://x.example.com${hookPath}`, { configuration: [randomString] }, "instavote", "RandomStringResult");
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [randomString, hook]), [{
            message: "webhook on instavote: its secret comes from random:index/randomString:RandomString, not a RandomPassword; set configuration.secret from the RandomPassword's result",
            urn: urnOf(Types.repositoryWebhook, "instavote-webhook"),
        }]);
    });
});

describe("Flux kinds are matched by API group", () => {
    it("a Receiver of another API group does not make the Secret it names a token Secret", async () => {
        const foreign = receiver("git-credentials", "instavote", "kubernetes:receivers.example.com/v1:Receiver");
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [foreign, tokenSecret({}, "git-credentials")]), []);
    });
    it("a Flux Provider's Secret (commit status: a GitHub token from config) is not a token Secret", async () => {
        const provider = resource(providerType, "commit-status-provider", {
            apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Provider", metadata: { name: "github", namespace: "flux-system" },
            spec: { type: "github", address: "https://github.com/example-org/instavote", secretRef: { name: "github-commit-status" } },
        });
        assert.deepStrictEqual(await runStackPolicy(tokenFromRandomPassword, [password, receiver(), tokenSecret(), provider, tokenSecret({}, "github-commit-status")]), []);
    });
    it("poll-intervals ignores a GitRepository kind of another group", async () => {
        assert.deepStrictEqual(await runResourcePolicy(pollIntervals, "kubernetes:example.com/v1:GitRepository", { spec: { interval: "1s" } }, { minimumInterval: "10m" }), []);
    });
});

describe("the program's whole stack (shapes the flux-push program registers)", () => {
    const generation = "7c1f2a9e";
    const githubToken = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz";
    const resources = [
        password,
        tokenSecret({ stringData: [password] }, `webhook-token-${generation}`),
        receiver(`webhook-token-${generation}`, `instavote-${generation}`),
        resource(gitRepositoryType, "instavote-gitrepository", { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "instavote", namespace: "flux-system" }, spec: { interval: "15m", url: "https://github.com/example-org/instavote.git", ref: { branch: "main" } } }),
        resource(kustomizationType, "vote-production-kustomization", { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "vote-production", namespace: "flux-system" }, spec: { interval: "15m", path: "./deploy/vote/prod", prune: true, sourceRef: { kind: "GitRepository", name: "instavote" } } }),
        resource(Types.secret, "commit-status-secret", { metadata: { name: "github-commit-status", namespace: "flux-system" }, type: "Opaque", stringData: { token: githubToken } }),
        resource(providerType, "commit-status-provider", { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Provider", metadata: { name: "github", namespace: "flux-system" }, spec: { type: "github", address: "https://github.com/example-org/instavote", secretRef: { name: "github-commit-status" } } }),
        resource(alertType, "commit-status-alert", { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Alert", metadata: { name: "github", namespace: "flux-system" }, spec: { providerRef: { name: "github" }, eventSources: [{ kind: "Kustomization", name: "vote-production" }] } }),
        // The program's own resources (the flux-push-github provider plugin), e.g. the delivery check's ping.
        resource("flux-push-github:index:WebhookPing", "instavote-ping", { owner: "example-org", repository: "instavote", hookId: "4711", token: githubToken, mode: "fail" }),
        resource("kubernetes:networking.k8s.io/v1:Ingress", "exposure-ingress", { metadata: { name: "webhook-receiver", namespace: "flux-system" }, spec: { tls: [{ hosts: ["flux-webhook.example.com"], secretName: "flux-webhook-tls" }] } }),
        webhook(`https://flux-webhook.example.com${hookPath}`),
        resource(Types.stack, "flux-push-production", { namespace: "flux-system", repositories: { instavote: { payloadUrl: `https://flux-webhook.example.com${hookPath}`, webhookId: "4711" } } }),
    ];
    for (const policy of policies) {
        it(`passes ${policy.name}`, async () => {
            const config = policy.name === "poll-intervals" ? { minimumInterval: "10m" } : {};
            if ("validateStack" in policy) {
                assert.deepStrictEqual(await runStackPolicy(policy, resources, config), []);
            } else {
                for (const r of resources) assert.deepStrictEqual(await runResourcePolicy(policy, r.type, { ...r.props }, config, r.name), [], r.name);
            }
        });
    }
});

describe("webhook-token-not-exported", () => {
    const created = password;
    const stack = (outputs: Record<string, unknown>) => resource(Types.stack, "flux-push-production", outputs);
    const programOutputs = { namespace: "flux-system", tokenSecret: "flux-system/webhook-token", repositories: { instavote: { payloadUrl: `https://flux-webhook.example.com${hookPath}`, webhookId: "4711" } } };

    it("passes the program's outputs (the token is never one)", async () => {
        assert.deepStrictEqual(await runStackPolicy(tokenNotExported, [created, stack(programOutputs)]), []);
    });
    it("fails an output that carries the token, however deep", async () => {
        assert.deepStrictEqual(await runStackPolicy(tokenNotExported, [created, stack({ ...programOutputs, debug: { headers: [`X-Token: ${token}`] } })]), [{
            message: "stack output debug contains the webhook token; export what is derived from it instead (the payload URL and webhook path are already secret outputs)",
            urn: urnOf(Types.stack, "flux-push-production"),
        }]);
    });
    it("passes while the token is not known yet (a preview creating it)", async () => {
        const pending = resource(Types.randomPassword, "token-password", { length: 48, special: false, result: unknown });
        assert.deepStrictEqual(await runStackPolicy(tokenNotExported, [pending, stack({ debug: unknown })]), []);
    });
    it("searches strings, arrays and objects", () => {
        assert.ok(containsAny({ a: [1, { b: "xx-secret-xx" }] }, ["secret"]));
        assert.ok(!containsAny({ a: [1, null, true] }, ["secret"]));
    });
});

describe("poll-intervals", () => {
    const gitRepository = (interval?: string) => ({
        apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "instavote", namespace: "flux-system" },
        ...(interval === undefined ? {} : { spec: { interval, url: "https://github.com/example-org/instavote.git", ref: { branch: "main" } } }),
    });
    const kustomization = (interval: string) => ({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "vote-production", namespace: "flux-system" },
        spec: { interval, path: "./deploy/vote/prod", prune: true, sourceRef: { kind: "GitRepository", name: "instavote" } },
    });
    const production = { minimumInterval: "10m" };

    it("passes any interval when the environment sets no minimum (staging)", async () => {
        assert.deepStrictEqual(await runResourcePolicy(pollIntervals, gitRepositoryType, gitRepository("1m"), {}), []);
    });
    it("passes intervals at or above the minimum", async () => {
        for (const interval of ["10m", "15m", "1h", "1h30m"]) {
            assert.deepStrictEqual(await runResourcePolicy(pollIntervals, gitRepositoryType, gitRepository(interval), production), [], interval);
        }
    });
    it("fails a GitRepository polling every minute (Flux's bootstrap default) in production", async () => {
        assert.deepStrictEqual(await runResourcePolicy(pollIntervals, gitRepositoryType, gitRepository("1m"), production), [{
            message: "GitRepository instavote polls every 1m, more often than 10m: pushes trigger syncs, so raise flux-push:gitRepositoryInterval (or the repository's own interval)",
        }]);
    });
    it("fails a Kustomization of 5m, naming its own key", async () => {
        assert.deepStrictEqual((await runResourcePolicy(pollIntervals, kustomizationType, kustomization("5m"), production)).map((v) => v.message), [
            "Kustomization vote-production polls every 5m, more often than 10m: pushes trigger syncs, so raise flux-push:kustomizationInterval (or the repository's own interval)",
        ]);
    });
    it("checks other API versions of the same kinds", async () => {
        assert.strictEqual((await runResourcePolicy(pollIntervals, "kubernetes:source.toolkit.fluxcd.io/v1beta2:GitRepository", gitRepository("30s"), production)).length, 1);
    });
    it("fails an interval that is not a Flux duration", async () => {
        assert.deepStrictEqual((await runResourcePolicy(pollIntervals, gitRepositoryType, gitRepository("1d"), production)).map((v) => v.message), [
            "GitRepository instavote: interval \"1d\" is not a Flux duration",
        ]);
    });
    it("passes a GitRepository read with CustomResource.get (no spec among its inputs)", async () => {
        assert.deepStrictEqual(await runResourcePolicy(pollIntervals, gitRepositoryType, gitRepository(undefined), production), []);
    });
    it("refuses a minimumInterval that is not a Flux duration", async () => {
        await assert.rejects(runResourcePolicy(pollIntervals, gitRepositoryType, gitRepository("1h"), { minimumInterval: "ten minutes" }),
            /poll-intervals: minimumInterval "ten minutes" is not a Flux duration/);
    });
    it("ignores other kinds of the same groups", async () => {
        assert.deepStrictEqual(await runResourcePolicy(pollIntervals, "kubernetes:source.toolkit.fluxcd.io/v1:HelmRepository", { spec: { interval: "1m" } }, production), []);
    });
});

describe("helpers", () => {
    it("reads Flux durations", () => {
        const table: [string, number | undefined][] = [["1h30m", 5_400_000], ["500ms", 500], ["1.5h", 5_400_000], ["10m", 600_000], ["1d", undefined], ["", undefined], ["10", undefined]];
        for (const [d, ms] of table) assert.strictEqual(durationMs(d), ms, d);
    });
    it("matches Flux kinds by group and kind, not by version", () => {
        assert.ok(isFluxKind(gitRepositoryType, "source.toolkit.fluxcd.io", "GitRepository"));
        assert.ok(!isFluxKind("kubernetes:source.toolkit.fluxcd.io/v1:GitRepositoryPatch", "source.toolkit.fluxcd.io", "GitRepository"));
        assert.ok(!isFluxKind("kubernetes:core/v1:Secret", "source.toolkit.fluxcd.io", "GitRepository"));
    });
});
