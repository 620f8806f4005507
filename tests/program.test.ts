import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ExternalServiceName } from "../components/receiverExposure";
import { tokenGeneration } from "../components/pushReceiver";
import { webhookPath } from "../lib/flux";
import { fluxPushReconciliation, FluxPushOutputs } from "../program";
import { byType, fakeToken, isSecret, isWireSecret, LoadBalancerIp, one, promiseOf, Registered, registered, resetMocks, settle } from "./support/mocks";
import { withDefaults } from "./support/projectConfig";

const T = {
    password: "random:index/randomPassword:RandomPassword",
    secret: "kubernetes:core/v1:Secret",
    servicePatch: "kubernetes:core/v1:ServicePatch",
    service: "kubernetes:core/v1:Service",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    // A CustomResource reaches the engine typed by its apiVersion and kind.
    gitRepository: "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
    kustomization: "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
    fluxReceiver: "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver",
    webhook: "github:index/repositoryWebhook:RepositoryWebhook",
    token: "flux-push:index:WebhookToken",
    exposure: "flux-push:index:ReceiverExposure",
    source: "flux-push:index:GitSource",
    receiver: "flux-push:index:PushReceiver",
};

const instavote = {
    name: "instavote",
    url: "https://github.com/example-org/instavote.git",
    kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", targetNamespace: "instavote" }],
};
const result = {
    name: "result",
    githubRepository: "result-app",
    url: "ssh://git@github.com/example-org/result-app.git",
    branch: "release",
    secretRef: "result-deploy-key",
    interval: "2h",
    kustomizations: [
        { name: "result-staging", path: "./deploy/staging", prune: false },
        { name: "result-db", path: "./deploy/db", interval: "4h" },
    ],
};

/** Runs the stack with these config overrides and waits until everything has registered. */
async function run(overrides: Record<string, unknown> = {}): Promise<FluxPushOutputs> {
    const outputs = fluxPushReconciliation(withDefaults({ nodeAddress: "203.0.113.10", repositories: [instavote], ...overrides }));
    await promiseOf(pulumi.output(outputs));
    await settle();
    return outputs;
}

const token = fakeToken("webhook-token-password", 48);
const spec = (r: Registered) => r.inputs.spec as Record<string, unknown>;

describe("the stack (Pulumi mocks)", () => {
    beforeEach(() => resetMocks());

    describe("webhook-token", () => {
        it("is a RandomPassword of 48 alphanumerics with the rotation as its keeper", async () => {
            await run({ tokenRotation: "2026-11" });
            const password = one(T.password, "webhook-token-password");
            assert.deepStrictEqual(password.inputs, { length: 48, special: false, keepers: { rotation: "2026-11" } });
        });

        it("is stored as key token of the watched webhook-token Secret, exactly", async () => {
            await run({ namespace: "gitops" });
            const secret = one(T.secret, "webhook-token-secret");
            assert.deepStrictEqual(secret.inputs, {
                apiVersion: "v1",
                kind: "Secret",
                metadata: {
                    name: "webhook-token",
                    namespace: "gitops",
                    labels: { "reconcile.fluxcd.io/watch": "Enabled", "app.kubernetes.io/managed-by": "pulumi" },
                },
                type: "Opaque",
                stringData: { token },
            });
            assert.strictEqual((secret.inputs.stringData as { token: string }).token.endsWith("\n"), false);
        });

        it("follows tokenLength", async () => {
            await run({ tokenLength: 64 });
            assert.strictEqual(one(T.password, "webhook-token-password").inputs.length, 64);
        });
    });

    describe("exposure", () => {
        it("patch-nodeport: patches Flux's webhook-receiver to NodePort, force-owned and skipped by Flux's apply", async () => {
            const out = await run({ nodePort: 31234 });
            const patch = one(T.servicePatch, "webhook-receiver-nodeport-patch");
            assert.deepStrictEqual(patch.inputs, {
                apiVersion: "v1",
                kind: "Service",
                metadata: {
                    name: "webhook-receiver",
                    namespace: "flux-system",
                    annotations: { "pulumi.com/patchForce": "true", "kustomize.toolkit.fluxcd.io/ssa": "Ignore" },
                },
                spec: { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 31234 }] },
            });
            assert.deepStrictEqual(await promiseOf(out.exposure), {
                mode: "patch-nodeport",
                object: "flux-system/webhook-receiver",
                serviceType: "NodePort",
                nodePort: 31234,
                baseUrl: "http://203.0.113.10:31234",
            });
            assert.strictEqual(byType(T.service).length + byType(T.ingress).length, 0);
        });

        for (const [mode, serviceType] of [["nodeport-service", "NodePort"], ["loadbalancer", "LoadBalancer"]] as const) {
            it(`${mode}: a ${serviceType} Service of its own selecting notification-controller; Flux's is untouched`, async () => {
                const out = await run(mode === "loadbalancer" ? { exposure: mode, nodeAddress: undefined } : { exposure: mode, nodePort: 30080 });
                const service = one(T.service, "webhook-receiver-service");
                assert.deepStrictEqual(service.inputs, {
                    apiVersion: "v1",
                    kind: "Service",
                    metadata: { name: ExternalServiceName, namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                    spec: {
                        type: serviceType,
                        selector: { app: "notification-controller" },
                        ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: "http-webhook", ...(mode === "nodeport-service" ? { nodePort: 30080 } : {}) }],
                    },
                });
                assert.strictEqual(byType(T.servicePatch).length, 0);
                const details = await promiseOf(out.exposure);
                assert.strictEqual(details.baseUrl, mode === "loadbalancer" ? `http://${LoadBalancerIp}` : "http://203.0.113.10:30080");
                assert.strictEqual(details.serviceType, serviceType);
            });
        }

        it("ingress: routes /hook/ to webhook-receiver:80 with TLS, and the payload URL is https", async () => {
            const out = await run({ exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "flux-tls", ingressClassName: "nginx" });
            const ingress = one(T.ingress, "webhook-receiver-ingress");
            assert.deepStrictEqual(ingress.inputs, {
                apiVersion: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: { name: "webhook-receiver", namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                spec: {
                    ingressClassName: "nginx",
                    tls: [{ hosts: ["flux.example.com"], secretName: "flux-tls" }],
                    rules: [{
                        host: "flux.example.com",
                        http: { paths: [{ path: "/hook/", pathType: "Prefix", backend: { service: { name: "webhook-receiver", port: { name: "http" } } } }] },
                    }],
                },
            });
            const url = await promiseOf(out.repositories.instavote.payloadUrl);
            assert.strictEqual(url, `https://flux.example.com${webhookPath(token, "instavote", "flux-system")}`);
        });

        it("url: creates nothing in the cluster for the exposure and uses the given origin", async () => {
            const out = await run({ exposure: "url", nodeAddress: undefined, publicUrl: "https://tunnel.example.com/" });
            assert.strictEqual(byType(T.servicePatch).length + byType(T.service).length + byType(T.ingress).length, 0);
            assert.deepStrictEqual(await promiseOf(out.exposure), { mode: "url", baseUrl: "https://tunnel.example.com" });
            assert.strictEqual(await promiseOf(out.repositories.instavote.payloadUrl), `https://tunnel.example.com${webhookPath(token, "instavote", "flux-system")}`);
        });
    });

    describe("per repository", () => {
        it("creates the GitRepository and Kustomization of the guide, with the stack's intervals", async () => {
            await run({ gitRepositoryInterval: "1h", kustomizationInterval: "1h" });
            assert.deepStrictEqual(one(T.gitRepository, "instavote-gitrepository").inputs, {
                apiVersion: "source.toolkit.fluxcd.io/v1",
                kind: "GitRepository",
                metadata: { name: "instavote", namespace: "flux-system" },
                spec: { interval: "1h", url: "https://github.com/example-org/instavote.git", ref: { branch: "main" } },
            });
            assert.deepStrictEqual(one(T.kustomization, "instavote-kustomization-vote-staging").inputs, {
                apiVersion: "kustomize.toolkit.fluxcd.io/v1",
                kind: "Kustomization",
                metadata: { name: "vote-staging", namespace: "flux-system" },
                spec: {
                    interval: "1h",
                    path: "./deploy/vote/staging",
                    prune: true,
                    sourceRef: { kind: "GitRepository", name: "instavote" },
                    targetNamespace: "instavote",
                },
            });
        });

        it("declares a GitHub Receiver for ping and push on that GitRepository, annotated with the token's generation", async () => {
            await run();
            assert.deepStrictEqual(one(T.fluxReceiver, "instavote-receiver").inputs, {
                apiVersion: "notification.toolkit.fluxcd.io/v1",
                kind: "Receiver",
                metadata: {
                    name: "instavote",
                    namespace: "flux-system",
                    annotations: { "reconcile.fluxcd.io/requestedAt": tokenGeneration(token), "pulumi.com/waitFor": "jsonpath={.status.webhookPath}" },
                },
                spec: {
                    type: "github",
                    events: ["ping", "push"],
                    resources: [{ kind: "GitRepository", name: "instavote" }],
                    secretRef: { name: "webhook-token" },
                },
            });
            assert.match(tokenGeneration(token), /^token-[0-9a-f]{16}$/);
            assert.notStrictEqual(tokenGeneration(token), tokenGeneration(fakeToken("other", 48)));
        });

        it("registers the GitHub webhook: payload URL, json, push only, the token as secret, TLS verified", async () => {
            const out = await run();
            const expectedUrl = `http://203.0.113.10:31234${webhookPath(token, "instavote", "flux-system")}`;
            assert.deepStrictEqual(one(T.webhook, "instavote-webhook").inputs, {
                repository: "instavote",
                active: true,
                events: ["push"],
                configuration: { url: expectedUrl, contentType: "json", insecureSsl: false, secret: token },
            });
            assert.strictEqual(await promiseOf(out.repositories.instavote.payloadUrl), expectedUrl);
            assert.strictEqual(await promiseOf(out.repositories.instavote.webhookPath), webhookPath(token, "instavote", "flux-system"));
        });

        it("opts into insecureSsl only when the stack says so", async () => {
            await run({ exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "flux-tls", insecureSsl: true });
            assert.strictEqual((one(T.webhook, "instavote-webhook").inputs.configuration as { insecureSsl: boolean }).insecureSsl, true);
        });

        it("computes each repository's own path and hook; one token and one exposure for all", async () => {
            const out = await run({ namespace: "gitops", repositories: [instavote, result] });
            assert.strictEqual(byType(T.password).length, 1);
            assert.strictEqual(byType(T.secret).length, 1);
            assert.strictEqual(byType(T.servicePatch).length, 1);
            // Per repository: GitRepository + N Kustomizations + Receiver + webhook.
            assert.strictEqual(byType(T.gitRepository).length, 2);
            assert.strictEqual(byType(T.kustomization).length, 3);
            assert.strictEqual(byType(T.fluxReceiver).length, 2);
            assert.strictEqual(byType(T.webhook).length, 2);
            assert.strictEqual(registered.filter((r) => r.type.startsWith("flux-push:")).length, 2 + 2 * 2);

            assert.deepStrictEqual(spec(one(T.gitRepository, "result-gitrepository")), {
                interval: "2h",
                url: "ssh://git@github.com/example-org/result-app.git",
                ref: { branch: "release" },
                secretRef: { name: "result-deploy-key" },
            });
            assert.deepStrictEqual(spec(one(T.kustomization, "result-kustomization-result-staging")), {
                interval: "30m", path: "./deploy/staging", prune: false, sourceRef: { kind: "GitRepository", name: "result" },
            });
            assert.strictEqual(spec(one(T.kustomization, "result-kustomization-result-db")).interval, "4h");
            assert.strictEqual(one(T.webhook, "result-webhook").inputs.repository, "result-app");
            assert.deepStrictEqual(await promiseOf(out.repositories.result.kustomizations), ["result-staging", "result-db"]);

            const paths = await Promise.all(["instavote", "result"].map((n) => promiseOf(out.repositories[n].webhookPath)));
            assert.deepStrictEqual(paths, [webhookPath(token, "instavote", "gitops"), webhookPath(token, "result", "gitops")]);
            assert.notStrictEqual(paths[0], paths[1]);
        });

        it("only reads a GitRepository that already exists, creates no Kustomization, and still wires the Receiver to it", async () => {
            const out = await run({ repositories: [{ name: "flux-system", githubRepository: "fleet-infra", existing: true }] });
            const read = one(T.gitRepository, "flux-system-gitrepository");
            assert.strictEqual(read.read, true);
            assert.strictEqual(byType(T.kustomization).length + byType(T.gitRepository).filter((r) => !r.read).length, 0);
            assert.deepStrictEqual(spec(one(T.fluxReceiver, "flux-system-receiver")).resources, [{ kind: "GitRepository", name: "flux-system" }]);
            assert.strictEqual(one(T.webhook, "flux-system-webhook").inputs.repository, "fleet-infra");
            assert.deepStrictEqual(await promiseOf(out.repositories["flux-system"].kustomizations), []);
            assert.strictEqual(await promiseOf(out.repositories["flux-system"].gitRepository), "flux-system");
        });
    });

    describe("parenting and names", () => {
        it("parents every resource to its component, named ${component}-role", async () => {
            await run({ repositories: [instavote, result] });
            const parentOf = (r: Registered) => r.parent.split("::").pop();
            const parentType = (r: Registered) => r.parent.split("::")[2]?.split("$").pop();
            const expected: [string, string, string][] = [
                ["webhook-token-password", T.token, "webhook-token"],
                ["webhook-token-secret", T.token, "webhook-token"],
                ["webhook-receiver-nodeport-patch", T.exposure, "webhook-receiver"],
                ["instavote-gitrepository", T.source, "instavote"],
                ["instavote-kustomization-vote-staging", T.source, "instavote"],
                ["instavote-receiver", T.receiver, "instavote"],
                ["instavote-webhook", T.receiver, "instavote"],
                ["result-kustomization-result-db", T.source, "result"],
                ["result-webhook", T.receiver, "result"],
            ];
            for (const [name, type, parent] of expected) {
                const r = registered.find((x) => x.name === name && !x.type.startsWith("flux-push:"));
                assert.ok(r, `${name} registered`);
                assert.strictEqual(parentType(r), type, `${name}'s parent type`);
                assert.strictEqual(parentOf(r), parent, `${name}'s parent`);
                assert.ok(r.name.startsWith(`${parent}-`));
            }
            // Every non-component resource has a component parent; components sit at the root
            // (under mocks the root has no Stack resource, so their parent is empty).
            for (const r of registered) {
                if (r.type.startsWith("flux-push:")) assert.strictEqual(r.parent, "", r.name);
                else assert.ok(parentType(r)?.startsWith("flux-push:index:"), `${r.type} ${r.name} is parented to a component`);
            }
        });

        it("passes no args to the component constructors' state (nothing of the token lands there)", async () => {
            await run();
            for (const c of registered.filter((r) => r.type.startsWith("flux-push:"))) {
                assert.deepStrictEqual(c.inputs, {}, c.type);
            }
        });
    });

    describe("secrecy", () => {
        it("sends the token to the engine only as secrets: Secret data, webhook secret and URL", async () => {
            await run();
            assert.ok(isWireSecret(one(T.secret, "webhook-token-secret").wire, ["stringData", "token"]));
            const hook = one(T.webhook, "instavote-webhook").wire;
            assert.ok(isWireSecret(hook, ["configuration", "secret"]));
            assert.ok(isWireSecret(hook, ["configuration", "url"]), "the payload URL is derived from the token");
            // And not in plaintext anywhere else on the wire.
            for (const r of registered) {
                const plain = JSON.stringify(r.wire, (_k, v) => (typeof v === "object" && v !== null && v["4dabf18193072939515e22adb298388d"] ? "[secret]" : v));
                assert.ok(!plain.includes(token), `${r.type} ${r.name} carries the token in plaintext`);
            }
        });

        it("makes every output derived from the token secret", async () => {
            const out = await run({ repositories: [instavote, result] });
            for (const name of ["instavote", "result"]) {
                assert.strictEqual(await isSecret(out.repositories[name].payloadUrl), true, `${name} payloadUrl`);
                assert.strictEqual(await isSecret(out.repositories[name].webhookPath), true, `${name} webhookPath`);
                assert.strictEqual(await isSecret(out.repositories[name].receiver), false, `${name} receiver name`);
            }
            assert.strictEqual(await isSecret(out.exposure), false);
            assert.strictEqual(await isSecret(out.tokenSecret), false);
            assert.strictEqual(await promiseOf(out.tokenSecret), "webhook-token");
        });

        it("keeps the token secret even where the provider does not mark it (mocks)", async () => {
            const { WebhookToken } = await import("../components/webhookToken");
            const t = new WebhookToken("t", { namespace: "flux-system", length: 43, rotation: "r" });
            assert.strictEqual(await isSecret(t.token), true);
            assert.strictEqual((await promiseOf(t.token)).length, 43);
            await settle();
        });
    });

    describe("bad config", () => {
        it("registers nothing and names every problem", async () => {
            const bad = withDefaults({ namespace: "Flux", repositories: [{ name: "Instavote", url: "git@github.com:o/r.git" }] });
            assert.throws(() => fluxPushReconciliation(bad), (err: Error) => {
                assert.ok(err instanceof pulumi.RunError, "a RunError prints without a stack trace");
                assert.match(err.message, /^invalid stack configuration \(4 problems\); nothing was changed:/);
                for (const k of ["flux-push:namespace", "flux-push:nodeAddress", "flux-push:repositories[0].name", "flux-push:repositories[0].url"]) {
                    assert.ok(err.message.includes(`  - ${k}: `), k);
                }
                return true;
            });
            await settle(200);
            assert.deepStrictEqual(registered, []);
        });

        it("(the recorder above does see registrations when the config is valid)", async () => {
            await run();
            assert.ok(registered.length >= 10);
        });
    });
});
