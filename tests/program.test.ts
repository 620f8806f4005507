// The stack under Pulumi's mocks: every input the engine would receive, per concern, exactly.
import * as assert from "assert";
import { generateKeyPairSync } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ExternalServiceName, SourcesNetworkPolicyName } from "../components/receiverExposure";
import { branchFilterExpression, webhookPath } from "../lib/flux";
import { receiverName, tokenGeneration, tokenSecretName } from "../lib/names";
import { fluxPushReconciliation, FluxPushOutputs, githubAccess, githubCredentials } from "../program";
import type { GitHubAccess } from "../resources/githubHooks";
import { byType, fakeToken, GitHubMeta, hooks, isSecret, isWireSecret, LoadBalancerIp, one, promiseOf, Registered, registered, resetMocks, settle } from "./support/mocks";
import { fluxCluster, GitHubOwner, GitHubToken, runStack, testDependencies } from "./support/program";
import { ApiResponse } from "../lib/cluster";
import { withDefaults } from "./support/projectConfig";
import { DynamicTypes, ProviderPackage } from "../resources/lifecycle";

const T = {
    password: "random:index/randomPassword:RandomPassword",
    secret: "kubernetes:core/v1:Secret",
    namespace: "kubernetes:core/v1:Namespace",
    servicePatch: "kubernetes:core/v1:ServicePatch",
    service: "kubernetes:core/v1:Service",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    // A CustomResource reaches the engine typed by its apiVersion and kind.
    gitRepository: "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
    kustomization: "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
    fluxReceiver: "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver",
    fluxProvider: "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider",
    fluxAlert: "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert",
    webhook: "github:index/repositoryWebhook:RepositoryWebhook",
    // The program's own GitHub-side resources, served by the project's provider plugin (plugin/).
    hookCapacity: "flux-push-github:index:HookCapacity",
    probe: "flux-push-github:index:PayloadUrlProbe",
    ping: "flux-push-github:index:WebhookPing",
    // The plugin's provider, carrying GitHub's REST base and the stack's current credentials.
    pluginProvider: "pulumi:providers:flux-push-github",
    token: "flux-push:index:WebhookToken",
    exposure: "flux-push:index:ReceiverExposure",
    source: "flux-push:index:GitSource",
    receiver: "flux-push:index:PushReceiver",
    check: "flux-push:index:DeliveryCheck",
    commitStatus: "flux-push:index:CommitStatus",
    commitStatusToken: "flux-push:index:CommitStatusToken",
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

const config = (overrides: Record<string, unknown> = {}) => withDefaults({ nodeAddress: "203.0.113.10", repositories: [instavote], ...overrides });
const run = (overrides: Record<string, unknown> = {}) => runStack(config(overrides));

const token = fakeToken("webhook-token-password", 48);
const generation = tokenGeneration(token);
const spec = (r: Registered) => r.inputs.spec as Record<string, unknown>;
/**
 * A plugin resource's inputs: what the engine stores for it, with no copy of code (a dynamic
 * provider's `__provider`), no GitHub credentials (the plugin's provider has them), and the
 * plugin's provider as its provider.
 */
const pluginInputs = (r: Registered) => {
    assert.ok(!("__provider" in r.wire), `${r.type} ${r.name} carries serialized provider code`);
    assert.ok(!("apiBaseUrl" in r.inputs) && !JSON.stringify(r.inputs).includes(GitHubToken), `${r.type} ${r.name} carries GitHub credentials of its own`);
    const provider = one(T.pluginProvider, "flux-push-github");
    assert.strictEqual(r.provider, `${provider.urn}::${provider.id}`, `${r.type} ${r.name} calls GitHub through the plugin's provider`);
    return r.inputs;
};
/** A PKCS#1 key as GitHub generates one for an App (made once for the whole file). */
const AppKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
const payloadUrlOf = (base: string, name = "instavote", ns = "flux-system") => `${base}${webhookPath(token, receiverName(name, generation), ns)}`;

describe("the stack (Pulumi mocks)", () => {
    beforeEach(() => resetMocks());

    describe("webhook-token", () => {
        it("is a RandomPassword of 48 alphanumerics with the rotation as its keeper", async () => {
            await run({ tokenRotation: "2026-11" });
            assert.deepStrictEqual(one(T.password, "webhook-token-password").inputs, { length: 48, special: false, keepers: { rotation: "2026-11" } });
        });

        it("is stored as key token of the watched Secret webhook-token-<generation>, exactly", async () => {
            const out = await run({ namespace: "gitops" });
            assert.deepStrictEqual(one(T.secret, "webhook-token-secret").inputs, {
                apiVersion: "v1",
                kind: "Secret",
                metadata: {
                    name: tokenSecretName(generation),
                    namespace: "gitops",
                    labels: { "reconcile.fluxcd.io/watch": "Enabled", "app.kubernetes.io/managed-by": "pulumi" },
                },
                type: "Opaque",
                stringData: { token },
            });
            assert.strictEqual(await promiseOf(out.tokenGeneration), generation);
            assert.strictEqual(await promiseOf(out.tokenSecret), `webhook-token-${generation}`);
        });

        it("a rotation replaces the Secret and the Receiver create-before-delete: never deleteBeforeReplace, a new name each, the hook on the new pair", async () => {
            const before = await run({ tokenRotation: "2026-11" });
            const first = { secret: one(T.secret, "webhook-token-secret"), receiver: one(T.fluxReceiver, "instavote-receiver"), path: await promiseOf(before.repositories.instavote.webhookPath) };
            await resetMocks();
            const after = await run({ tokenRotation: "2026-12" });
            const second = { secret: one(T.secret, "webhook-token-secret"), receiver: one(T.fluxReceiver, "instavote-receiver"), path: await promiseOf(after.repositories.instavote.webhookPath) };
            for (const [what, r] of [["token Secret", first.secret], ["Receiver", first.receiver], ["token Secret", second.secret], ["Receiver", second.receiver]] as const) {
                // With deleteBeforeReplace the old Receiver (and its Secret) would go before GitHub's hook
                // moved: every push in between would get 404 (or 400). Pulumi's default creates the new one first.
                assert.strictEqual(r.deleteBeforeReplace, false, `${what} must be replaced create-before-delete`);
            }
            const name = (r: Registered) => (r.inputs.metadata as { name: string }).name;
            // A new name per generation: the provider replaces, so old and new exist side by side until the update ends.
            assert.notStrictEqual(name(second.secret), name(first.secret));
            assert.notStrictEqual(name(second.receiver), name(first.receiver));
            assert.notStrictEqual(second.path, first.path);
            assert.strictEqual((second.receiver.inputs.spec as { secretRef: { name: string } }).secretRef.name, name(second.secret));
            const hook = one(T.webhook, "instavote-webhook");
            assert.strictEqual(hook.deleteBeforeReplace, false);
            assert.ok(hook.dependencies.includes(second.receiver.urn), "the hook moves only after the new Receiver exists");
        });

        it("follows tokenLength", async () => {
            await run({ tokenLength: 64 });
            assert.strictEqual(one(T.password, "webhook-token-password").inputs.length, 64);
        });
    });

    describe("exposure", () => {
        it("patch-nodeport: patches Flux's webhook-receiver to NodePort, force-owned, skipped by Flux's apply, with the handover hook", async () => {
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
            assert.strictEqual(patch.beforeCreateHooks.length, 1, "releases the port from webhook-receiver-external before it is created");
            assert.deepStrictEqual(await promiseOf(out.exposure), {
                mode: "patch-nodeport",
                object: "flux-system/webhook-receiver",
                serviceType: "NodePort",
                nodePort: 31234,
                baseUrl: "http://203.0.113.10:31234",
            });
            assert.strictEqual(byType(T.service).length + byType(T.ingress).length + byType(T.networkPolicy).length, 0);
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
                // nodeport-service: the NodePort handover; loadbalancer: the watch that explains a missing address.
                assert.strictEqual(service.beforeCreateHooks.length, 1);
                // The provider waits for the address for loadBalancerTimeout (default 600 s), not its fixed 10 minutes.
                assert.deepStrictEqual(service.customTimeouts, mode === "loadbalancer" ? { create: "600s", update: "600s", delete: "" } : undefined);
                assert.strictEqual(byType(T.servicePatch).length, 0);
                const details = await promiseOf(out.exposure);
                assert.strictEqual(details.baseUrl, mode === "loadbalancer" ? `http://${LoadBalancerIp}` : "http://203.0.113.10:30080");
                assert.strictEqual(details.serviceType, serviceType);
            });
        }

        it("ingress: routes /hook/ to webhook-receiver:80 with TLS, and the payload URL is https", async () => {
            const out = await run({ exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "flux-tls", ingressClassName: "nginx" });
            assert.deepStrictEqual(one(T.ingress, "webhook-receiver-ingress").inputs, {
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
            assert.strictEqual(await promiseOf(out.repositories.instavote.payloadUrl), payloadUrlOf("https://flux.example.com"));
            // Another TLS Secret at the same URL is another certificate: the probe and the check run again.
            assert.strictEqual(pluginInputs(one(T.probe, "instavote-probe")).exposure, "ingress|flux-system/webhook-receiver||flux-tls");
        });

        describe("gateway: Flux's guide's HTTPRoute, on the listener the named Gateway offers", () => {
            const gatewayPath = "/apis/gateway.networking.k8s.io/v1/namespaces/gateway-system/gateways/internet-gateway";
            const routePath = "/apis/gateway.networking.k8s.io/v1/namespaces/flux-system/httproutes/webhook-receiver";
            const listeners = [
                { name: "web", protocol: "HTTP", port: 80, hostname: "flux.example.com", allowedRoutes: { namespaces: { from: "All" } } },
                { name: "websecure", protocol: "HTTPS", port: 443, hostname: "flux.example.com", allowedRoutes: { namespaces: { from: "All" } } },
            ];
            const accepted = { status: { parents: [{ parentRef: { name: "internet-gateway", namespace: "gateway-system", sectionName: "websecure" }, conditions: [{ type: "Accepted", status: "True" }, { type: "ResolvedRefs", status: "True" }] }] } };
            const cluster = (route: ApiResponse = { status: 200, body: accepted }) => fluxCluster({
                "/apis/gateway.networking.k8s.io/v1": { status: 200, body: { resources: [{ kind: "Gateway" }, { kind: "HTTPRoute" }] } },
                [gatewayPath]: { status: 200, body: { metadata: { name: "internet-gateway", namespace: "gateway-system" }, spec: { gatewayClassName: "traefik", listeners } } },
                [routePath]: route,
            });
            const gateway = { exposure: "gateway", nodeAddress: undefined, gatewayName: "gateway-system/internet-gateway" };

            it("the route to webhook-receiver:80 for /hook/, its parentRef on the HTTPS listener; the payload URL https://<listener host>; the probe on it", async () => {
                const c = cluster();
                const out = await runStack(config(gateway), { cluster: c });
                assert.deepStrictEqual(one(T.httpRoute, "webhook-receiver-httproute").inputs, {
                    apiVersion: "gateway.networking.k8s.io/v1",
                    kind: "HTTPRoute",
                    metadata: { name: "webhook-receiver", namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                    spec: {
                        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "internet-gateway", namespace: "gateway-system", sectionName: "websecure" }],
                        hostnames: ["flux.example.com"],
                        rules: [{ matches: [{ path: { type: "PathPrefix", value: "/hook/" } }], backendRefs: [{ name: "webhook-receiver", port: 80 }] }],
                    },
                });
                assert.strictEqual(byType(T.servicePatch).length + byType(T.service).length + byType(T.ingress).length, 0, "Flux's Service is untouched");
                assert.deepStrictEqual(await promiseOf(out.exposure), { mode: "gateway", object: "flux-system/webhook-receiver", listener: "gateway-system/internet-gateway/websecure", baseUrl: "https://flux.example.com" });
                assert.strictEqual(await promiseOf(out.repositories.instavote.payloadUrl), payloadUrlOf("https://flux.example.com"));
                assert.ok(c.asked.includes(routePath), "the payload URL waited for the Gateway's controller to accept the route");
                assert.strictEqual(pluginInputs(one(T.probe, "instavote-probe")).exposure, "gateway|flux-system/webhook-receiver||gateway-system/internet-gateway/websecure");
            });

            it("a Gateway whose listeners cannot take the route stops the update before anything is registered, naming why", async () => {
                await resetMocks();
                const refusing = fluxCluster({
                    "/apis/gateway.networking.k8s.io/v1": { status: 200, body: { resources: [{ kind: "Gateway" }] } },
                    [gatewayPath]: { status: 200, body: { spec: { listeners: [{ ...listeners[1], allowedRoutes: undefined }] } } },
                });
                await assert.rejects(fluxPushReconciliation(config(gateway), testDependencies({ cluster: refusing })),
                    /^Error: the cluster is not ready for this stack \(1 problem\); nothing was changed:\n  - no listener of Gateway gateway-system\/internet-gateway can take the HTTPRoute: websecure: allowedRoutes\.namespaces\.from is Same/);
                assert.strictEqual(registered.length, 0);
            });
        });

        it("url: creates nothing in the cluster for the exposure and uses the given origin", async () => {
            const out = await run({ exposure: "url", nodeAddress: undefined, publicUrl: "https://tunnel.example.com/" });
            assert.strictEqual(byType(T.servicePatch).length + byType(T.service).length + byType(T.ingress).length, 0);
            assert.deepStrictEqual(await promiseOf(out.exposure), { mode: "url", baseUrl: "https://tunnel.example.com" });
            assert.strictEqual(await promiseOf(out.repositories.instavote.payloadUrl), payloadUrlOf("https://tunnel.example.com"));
        });
    });

    describe("allowedSources: github (GitHub's hook address ranges, from getIpRanges)", () => {
        it("NodePort modes: a NetworkPolicy admits exactly GitHub's hook ranges to the receiver port, and in-cluster traffic; client addresses kept", async () => {
            const out = await run({ allowedSources: "github" });
            assert.deepStrictEqual(one(T.networkPolicy, "webhook-receiver-sources").inputs, {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: SourcesNetworkPolicyName, namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                spec: {
                    podSelector: { matchLabels: { app: "notification-controller" } },
                    policyTypes: ["Ingress"],
                    ingress: [
                        { from: GitHubMeta.hooks.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: "http-webhook" }] },
                        { from: [{ namespaceSelector: {} }] },
                    ],
                },
            });
            assert.strictEqual(spec(one(T.servicePatch, "webhook-receiver-nodeport-patch")).externalTrafficPolicy, "Local");
            assert.deepStrictEqual((await promiseOf(out.exposure)).sourceRanges, GitHubMeta.hooks);
        });

        it("loadbalancer: loadBalancerSourceRanges, no NetworkPolicy", async () => {
            await run({ allowedSources: "github", exposure: "loadbalancer", nodeAddress: undefined });
            assert.deepStrictEqual(spec(one(T.service, "webhook-receiver-service")).loadBalancerSourceRanges, GitHubMeta.hooks);
            assert.strictEqual(byType(T.networkPolicy).length, 0);
        });

        it("ingress: the ingress controllers' source-range annotations", async () => {
            await run({ allowedSources: "github", exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "flux-tls" });
            const annotations = (one(T.ingress, "webhook-receiver-ingress").inputs.metadata as { annotations: Record<string, string> }).annotations;
            assert.strictEqual(annotations["nginx.ingress.kubernetes.io/whitelist-source-range"], GitHubMeta.hooks.join(","));
        });

        it("any (the default): no getIpRanges call, no restriction", async () => {
            await run();
            assert.strictEqual(byType(T.networkPolicy).length, 0);
            assert.strictEqual(spec(one(T.servicePatch, "webhook-receiver-nodeport-patch")).externalTrafficPolicy, undefined);
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
                spec: { interval: "1h", path: "./deploy/vote/staging", prune: true, sourceRef: { kind: "GitRepository", name: "instavote" }, targetNamespace: "instavote" },
            });
            assert.strictEqual(byType(T.namespace).length, 0, "the target namespace exists (the preflight saw it): not created");
        });

        it("creates a target namespace only when asked, and keeps it on destroy", async () => {
            await run({ repositories: [{ ...instavote, kustomizations: [{ ...instavote.kustomizations[0], createTargetNamespace: true }] }] });
            const ns = one(T.namespace, "instavote-namespace-instavote");
            assert.deepStrictEqual(ns.inputs, { apiVersion: "v1", kind: "Namespace", metadata: { name: "instavote", labels: { "app.kubernetes.io/managed-by": "pulumi" } } });
            assert.strictEqual(ns.retainOnDelete, true);
        });

        it("declares a GitHub Receiver per token generation, for ping and push, reconciling only on the branch's pushes", async () => {
            const out = await run();
            const receiver = one(T.fluxReceiver, "instavote-receiver");
            assert.strictEqual(receiver.afterCreateHooks.length, 1, "a hook waits until the new Receiver is served (and nudges it)");
            assert.deepStrictEqual(receiver.inputs, {
                apiVersion: "notification.toolkit.fluxcd.io/v1",
                kind: "Receiver",
                metadata: { name: `instavote-${generation}`, namespace: "flux-system" },
                spec: {
                    type: "github",
                    events: ["ping", "push"],
                    resources: [{ kind: "GitRepository", name: "instavote" }],
                    resourceFilter: branchFilterExpression("main"),
                    secretRef: { name: `webhook-token-${generation}` },
                },
            });
            assert.strictEqual(await promiseOf(out.repositories.instavote.receiver), `instavote-${generation}`);
        });

        it("branchFilter: false reconciles on every push; an existing GitRepository filters on the branch the preflight read", async () => {
            await run({ repositories: [{ ...instavote, branchFilter: false }, { name: "flux-system", existing: true }] });
            assert.strictEqual(spec(one(T.fluxReceiver, "instavote-receiver")).resourceFilter, undefined);
            assert.strictEqual(spec(one(T.fluxReceiver, "flux-system-receiver")).resourceFilter, branchFilterExpression("main"));
        });

        it("registers the GitHub webhook: payload URL, json, push only, the token as secret, TLS verified", async () => {
            const out = await run();
            const expectedUrl = payloadUrlOf("http://203.0.113.10:31234");
            assert.deepStrictEqual(one(T.webhook, "instavote-webhook").inputs, {
                repository: "instavote",
                active: true,
                events: ["push"],
                configuration: { url: expectedUrl, contentType: "json", insecureSsl: false, secret: token },
            });
            assert.strictEqual(await promiseOf(out.repositories.instavote.payloadUrl), expectedUrl);
            assert.strictEqual(await promiseOf(out.repositories.instavote.webhookPath), webhookPath(token, `instavote-${generation}`, "flux-system"));
        });

        it("opts into insecureSsl only when the stack says so", async () => {
            await run({ exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "flux-tls", insecureSsl: true });
            assert.strictEqual((one(T.webhook, "instavote-webhook").inputs.configuration as { insecureSsl: boolean }).insecureSsl, true);
            assert.strictEqual(one(T.probe, "instavote-probe").inputs.insecureSsl, true, "the probe trusts what GitHub is told to trust");
        });

        it("before the hook: counts the repository's push hooks (GitHub's limit), and probes the payload URL", async () => {
            await run({ deliveryCheckTimeout: 45 });
            assert.deepStrictEqual(pluginInputs(one(T.hookCapacity, "instavote-hook-capacity")), {
                owner: GitHubOwner, repository: "instavote", events: ["push"],
            });
            assert.deepStrictEqual(pluginInputs(one(T.probe, "instavote-probe")), {
                owner: GitHubOwner, repository: "instavote", receiver: `instavote-${generation}`, namespace: "flux-system", payloadUrl: payloadUrlOf("http://203.0.113.10:31234"), token,
                mode: "fail", timeoutSeconds: 45, insecureSsl: false, exposure: "patch-nodeport|flux-system/webhook-receiver|31234",
            });
        });

        it("receiverProbe: off leaves the probe out; warn keeps it in warn mode", async () => {
            await run({ receiverProbe: "off" });
            assert.strictEqual(byType(T.probe).length, 0);
            await resetMocks();
            await run({ receiverProbe: "warn" });
            assert.strictEqual(one(T.probe, "instavote-probe").inputs.mode, "warn");
        });

        it("after the hook: GitHub's ping of it and the delivery's result (the delivery check)", async () => {
            const out = await run({ deliveryCheckTrigger: "after-firewall-change" });
            assert.deepStrictEqual(pluginInputs(one(T.ping, "instavote-ping")), {
                owner: GitHubOwner, repository: "instavote",
                hookId: one(T.webhook, "instavote-webhook").id, payloadUrl: payloadUrlOf("http://203.0.113.10:31234"), secret: token,
                receiver: `instavote-${generation}`, namespace: "flux-system", gitRepository: "instavote", mode: "fail", trigger: "after-firewall-change", timeoutSeconds: 60,
                exposure: "patch-nodeport|flux-system/webhook-receiver|31234",
            });
            assert.deepStrictEqual(await promiseOf(out.repositories.instavote.deliveryCheck), {
                mode: "fail", result: "accepted", ok: true, seenInCluster: true, statusCode: 200, deliveredAt: "2026-11-25T12:00:00Z", durationSeconds: 0.01, checkSeconds: 1.5, message: "got 200",
            });
        });

        it("the delivery check reads the cluster as the program does: the kubeconfig (secret, not part of what it proves) and the context", async () => {
            const kubeconfig = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: { token: kube-secret-token }\n";
            await runStack(config(), { kubeconfig: { kubeconfig: pulumi.output(kubeconfig), context: "prod" } });
            const ping = one(T.ping, "instavote-ping");
            assert.deepStrictEqual([ping.inputs.kubeconfig, ping.inputs.kubeContext, ping.inputs.gitRepository], [kubeconfig, "prod", "instavote"]);
            assert.ok(isWireSecret(ping.wire, ["kubeconfig"]), "the kubeconfig reaches the engine only as a secret");
        });

        it("deliveryCheck: off pings nothing and says so in the output", async () => {
            const out = await run({ deliveryCheck: "off" });
            assert.strictEqual(byType(T.ping).length, 0);
            assert.deepStrictEqual(await promiseOf(out.repositories.instavote.deliveryCheck), { mode: "off" });
        });

        it("computes each repository's own path and hook; one token and one exposure for all", async () => {
            const out = await run({ namespace: "gitops", repositories: [instavote, result] });
            assert.strictEqual(byType(T.password).length, 1);
            assert.strictEqual(byType(T.secret).length, 1);
            assert.strictEqual(byType(T.servicePatch).length, 1);
            // Per repository: GitRepository + N Kustomizations + Receiver + hook limit check + probe + webhook + ping.
            assert.strictEqual(byType(T.gitRepository).length, 2);
            assert.strictEqual(byType(T.kustomization).length, 3);
            for (const t of [T.fluxReceiver, T.hookCapacity, T.probe, T.webhook, T.ping]) assert.strictEqual(byType(t).length, 2, t);
            assert.strictEqual(registered.filter((r) => r.type.startsWith("flux-push:")).length, 2 + 2 * 3);

            assert.deepStrictEqual(spec(one(T.gitRepository, "result-gitrepository")), {
                interval: "2h",
                url: "ssh://git@github.com/example-org/result-app.git",
                ref: { branch: "release" },
                secretRef: { name: "result-deploy-key" },
            });
            assert.strictEqual(spec(one(T.fluxReceiver, "result-receiver")).resourceFilter, branchFilterExpression("release"));
            assert.deepStrictEqual(spec(one(T.kustomization, "result-kustomization-result-staging")), {
                interval: "30m", path: "./deploy/staging", prune: false, sourceRef: { kind: "GitRepository", name: "result" },
            });
            assert.strictEqual(spec(one(T.kustomization, "result-kustomization-result-db")).interval, "4h");
            assert.strictEqual(one(T.webhook, "result-webhook").inputs.repository, "result-app");
            assert.deepStrictEqual(await promiseOf(out.repositories.result.kustomizations), ["result-staging", "result-db"]);

            const paths = await Promise.all(["instavote", "result"].map((n) => promiseOf(out.repositories[n].webhookPath)));
            assert.deepStrictEqual(paths, [webhookPath(token, `instavote-${generation}`, "gitops"), webhookPath(token, `result-${generation}`, "gitops")]);
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

    describe("commit statuses", () => {
        it("a github Provider at the repository's URL with the named Secret, and an Alert on its Kustomizations", async () => {
            const out = await run({ commitStatusSecret: "github-status" });
            assert.deepStrictEqual(one(T.fluxProvider, "instavote-provider").inputs, {
                apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
                kind: "Provider",
                metadata: { name: "instavote-commit-status", namespace: "flux-system" },
                spec: { type: "github", address: "https://github.com/example-org/instavote", secretRef: { name: "github-status" } },
            });
            assert.deepStrictEqual(one(T.fluxAlert, "instavote-alert").inputs, {
                apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
                kind: "Alert",
                metadata: { name: "instavote-commit-status", namespace: "flux-system" },
                spec: { providerRef: { name: "instavote-commit-status" }, eventSeverity: "info", eventSources: [{ kind: "Kustomization", name: "vote-staging" }] },
            });
            assert.strictEqual(byType(T.commitStatusToken).length, 0, "the named Secret exists: not created");
            assert.deepStrictEqual(await promiseOf(out.repositories.instavote.commitStatus ?? pulumi.output(undefined)), { provider: "instavote-commit-status", alert: "instavote-commit-status" });
        });

        it("with commitStatusToken the stack makes the Secret (default name github-commit-status), secret on the wire", async () => {
            pulumi.runtime.setConfig("flux-push:commitStatusToken", "ghp_status_token");
            try {
                await runStack({ ...config(), secretsSet: ["commitStatusToken"] });
            } finally {
                pulumi.runtime.setAllConfig({});
            }
            const secret = one(T.secret, "commit-status-token-secret");
            assert.deepStrictEqual(secret.inputs, {
                apiVersion: "v1", kind: "Secret", type: "Opaque",
                metadata: { name: "github-commit-status", namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                stringData: { token: "ghp_status_token" },
            });
            assert.ok(isWireSecret(secret.wire, ["stringData", "token"]));
            assert.deepStrictEqual(spec(one(T.fluxProvider, "instavote-provider")).secretRef, { name: "github-commit-status" });
        });

        it("a GHES base URL gives the Provider the server's web URL (notification-controller then calls /api/v3/)", async () => {
            await runStack(config({ commitStatusSecret: "github-status" }), { github: { owner: "ops", apiBaseUrl: "https://ghe.example.com/api/v3/", token: pulumi.secret("t") } });
            assert.strictEqual(spec(one(T.fluxProvider, "instavote-provider")).address, "https://ghe.example.com/ops/instavote");
        });

        it("none for an existing repository (the stack knows none of its Kustomizations)", async () => {
            await run({ commitStatusSecret: "github-status", repositories: [{ name: "flux-system", existing: true }] });
            assert.strictEqual(byType(T.fluxProvider).length + byType(T.fluxAlert).length, 0);
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
                ["instavote-hook-capacity", T.receiver, "instavote"],
                ["instavote-probe", T.receiver, "instavote"],
                ["instavote-webhook", T.receiver, "instavote"],
                ["instavote-ping", T.check, "instavote"],
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
            for (const r of registered) {
                if (r.type.startsWith("flux-push:")) assert.strictEqual(r.parent, "", r.name);
                // The plugin's provider is the stack's, as a default provider would be: the components name it in `providers`.
                else if (r.type === T.pluginProvider) assert.strictEqual(r.parent, "", r.name);
                else assert.ok(parentType(r)?.startsWith("flux-push:index:"), `${r.type} ${r.name} is parented to a component`);
            }
        });

        it("passes no args to the component constructors' state (nothing of the token lands there)", async () => {
            await run({ commitStatusSecret: "github-status" });
            for (const c of registered.filter((r) => r.type.startsWith("flux-push:"))) {
                assert.deepStrictEqual(c.inputs, {}, c.type);
            }
        });
    });

    describe("the program's own resources: a provider plugin, no code in state", () => {
        it("registers hook capacity, probe and ping as the flux-push-github plugin's types, with their inputs only (no serialized provider code)", async () => {
            await run();
            for (const [type, name] of [[T.hookCapacity, "instavote-hook-capacity"], [T.probe, "instavote-probe"], [T.ping, "instavote-ping"]] as const) {
                assert.ok(type.startsWith(`${ProviderPackage}:index:`), type);
                pluginInputs(one(type, name));
            }
            assert.strictEqual(registered.filter((r) => r.type.startsWith("pulumi-nodejs:")).length, 0, "no dynamic resource is left");
        });

        it("calls GitHub through one provider of the plugin's, carrying the resolved REST base and the token (secret): nothing else carries them", async () => {
            await runStack(config(), { github: { owner: "ops", apiBaseUrl: "https://ghe.example.com/api/v3/", token: pulumi.secret("ghp_ghes") } });
            const provider = one(T.pluginProvider, "flux-push-github");
            assert.deepStrictEqual(provider.inputs, { apiBaseUrl: "https://ghe.example.com/api/v3/", token: "ghp_ghes" });
            assert.ok(isWireSecret(provider.wire, ["token"]));
            for (const r of registered.filter((x) => x.type.startsWith(`${ProviderPackage}:index:`))) {
                assert.strictEqual(r.provider, `${provider.urn}::${provider.id}`, r.name);
                assert.ok(!JSON.stringify(r.inputs).includes("ghp_ghes") && !("apiBaseUrl" in r.inputs), `${r.name} carries GitHub credentials`);
            }
            assert.strictEqual(one(T.hookCapacity, "instavote-hook-capacity").inputs.owner, "ops");
        });

        it("keeps a stack's URNs from the dynamic-provider days: each of the three aliases its old dynamic type (same name and parent)", async () => {
            await run();
            for (const [type, old, name] of [[T.hookCapacity, DynamicTypes.hookCapacity, "instavote-hook-capacity"], [T.probe, DynamicTypes.payloadUrlProbe, "instavote-probe"], [T.ping, DynamicTypes.webhookPing, "instavote-ping"]] as const) {
                const r = one(type, name);
                const oldUrn = r.urn.replace(`$${type}::`, `$${old}::`);
                assert.notStrictEqual(oldUrn, r.urn);
                assert.deepStrictEqual(r.aliases, [oldUrn], name);
            }
        });
    });

    describe("secrecy", () => {
        it("sends the token and the GitHub token to the engine only as secrets", async () => {
            await run();
            assert.ok(isWireSecret(one(T.secret, "webhook-token-secret").wire, ["stringData", "token"]));
            const hook = one(T.webhook, "instavote-webhook").wire;
            assert.ok(isWireSecret(hook, ["configuration", "secret"]));
            assert.ok(isWireSecret(hook, ["configuration", "url"]), "the payload URL is derived from the token");
            for (const [type, name, keys] of [[T.probe, "instavote-probe", ["token", "payloadUrl"]], [T.ping, "instavote-ping", ["secret", "payloadUrl"]], [T.pluginProvider, "flux-push-github", ["token"]]] as const) {
                for (const k of keys) assert.ok(isWireSecret(one(type, name).wire, [k]), `${name}.${k}`);
            }
            // And not in plaintext anywhere else on the wire.
            for (const r of registered) {
                const plain = JSON.stringify(r.wire, (_k, v) => (typeof v === "object" && v !== null && v["4dabf18193072939515e22adb298388d"] ? "[secret]" : v));
                assert.ok(!plain.includes(token), `${r.type} ${r.name} carries the token in plaintext`);
                assert.ok(!plain.includes(GitHubToken), `${r.type} ${r.name} carries the GitHub token in plaintext`);
            }
        });

        it("makes every output derived from the token secret, and nothing else", async () => {
            const out = await run({ repositories: [instavote, result] });
            for (const name of ["instavote", "result"]) {
                assert.strictEqual(await isSecret(out.repositories[name].payloadUrl!), true, `${name} payloadUrl`);
                assert.strictEqual(await isSecret(out.repositories[name].webhookPath!), true, `${name} webhookPath`);
                assert.strictEqual(await isSecret(out.repositories[name].receiver!), false, `${name} receiver name`);
            }
            assert.strictEqual(await isSecret(out.exposure), false);
            assert.strictEqual(await isSecret(out.tokenSecret!), false);
            assert.strictEqual(await isSecret(out.tokenGeneration!), false, "a 40-bit label of the token, by design not secret");
        });

        it("keeps the token secret even where the provider does not mark it (mocks)", async () => {
            const { WebhookToken } = await import("../components/webhookToken");
            const t = new WebhookToken("t", { namespace: "flux-system", length: 43, rotation: "r" });
            assert.strictEqual(await isSecret(t.token), true);
            assert.strictEqual((await promiseOf(t.token)).length, 43);
            await settle();
        });
    });

    describe("before anything is registered", () => {
        const expectNothing = async (fn: () => Promise<FluxPushOutputs>, message: RegExp) => {
            await assert.rejects(fn(), (err: Error) => {
                assert.ok(err instanceof pulumi.RunError, "a RunError prints without a stack trace");
                assert.match(err.message, message);
                return true;
            });
            await settle(200);
            assert.deepStrictEqual(registered, []);
        };

        it("bad config: registers nothing and names every problem", async () => {
            const bad = withDefaults({ namespace: "Flux", repositories: [{ name: "Instavote", url: "git@github.com:o/r.git" }] });
            await expectNothing(() => fluxPushReconciliation(bad, testDependencies()), /^invalid stack configuration \(4 problems\); nothing was changed:\n(.|\n)*flux-push:nodeAddress(.|\n)*repositories\[0\]\.url/);
        });

        it("a cluster without Flux: registers nothing, names what is missing and `flux install`", async () => {
            const noFlux = fluxCluster({
                "/apis/notification.toolkit.fluxcd.io/v1": { status: 404, body: {} },
                "/api/v1/namespaces/flux-system/services/webhook-receiver": { status: 404, body: {} },
            });
            await expectNothing(() => fluxPushReconciliation(config(), testDependencies({ cluster: noFlux })),
                /^the cluster is not ready for this stack \(2 problems\); nothing was changed:\n  - Flux is not installed on .*Receiver.*flux install(.|\n)*Service flux-system\/webhook-receiver does not exist/);
        });

        it("(the recorder above does see registrations when all is well)", async () => {
            await run();
            assert.ok(registered.length >= 10);
            assert.ok(hooks.length >= 1, "the handover hook is registered with the engine");
        });
    });

    describe("GitHub settings (github:owner, github:baseUrl, github:token, or their env vars)", () => {
        const fakeConfig = (values: Record<string, string>) => ({
            get: (k: string) => values[k],
            getSecret: (k: string) => (values[k] === undefined ? undefined : pulumi.secret(values[k])),
        }) as unknown as pulumi.Config;

        it("reads the provider's config first, its env vars second (the token, the base URL; the owner as the provider takes it, below); the base URL ends in /", async () => {
            const a = githubAccess(fakeConfig({ owner: "o", token: "t", baseUrl: "https://ghe.example.com/api/v3" }), { GITHUB_TOKEN: "env", GITHUB_BASE_URL: "https://other.example.com/" });
            assert.deepStrictEqual([a.owner, a.apiBaseUrl, await promiseOf(a.token), await isSecret(pulumi.output(a.token))], ["o", "https://ghe.example.com/api/v3/", "t", true]);
            const b = githubAccess(fakeConfig({}), { GITHUB_OWNER: "env-o", GITHUB_TOKEN: "env-t" });
            assert.deepStrictEqual([b.owner, b.apiBaseUrl, await promiseOf(b.token), await isSecret(pulumi.output(b.token))], ["env-o", "https://api.github.com/", "env-t", true]);
        });

        it("resolves github:baseUrl as the github provider does: the host root of a GHES gets /api/v3/, GHE.com its api. host", () => {
            const base = (baseUrl: string) => githubAccess(fakeConfig({ owner: "o", token: "t", baseUrl }), {}).apiBaseUrl;
            assert.strictEqual(base("https://ghe.example.com/"), "https://ghe.example.com/api/v3/");
            assert.strictEqual(base("https://ghe.example.com/api/v3/"), "https://ghe.example.com/api/v3/");
            assert.strictEqual(base("https://octo.ghe.com/"), "https://api.octo.ghe.com/");
            assert.strictEqual(base("https://github.com/"), "https://api.github.com/");
            assert.strictEqual(githubAccess(fakeConfig({ owner: "o", token: "t" }), { GITHUB_BASE_URL: "https://ghe.example.com" }).apiBaseUrl, "https://ghe.example.com/api/v3/", "GITHUB_BASE_URL stays the fallback");
        });

        it("refuses a github:baseUrl neither the provider nor GitHub could use, before anything changes, with the accepted forms", () => {
            assert.throws(() => githubAccess(fakeConfig({ owner: "o", token: "t", baseUrl: "https://ghe.example.com/web/" }), {}), (e: Error) =>
                e instanceof pulumi.RunError && /^github:baseUrl: "https:\/\/ghe.example.com\/web\/" has a path .*accepted forms: .*https:\/\/HOST\/api\/v3\/ for GitHub Enterprise Server; nothing was changed$/.test(e.message));
            assert.throws(() => githubAccess(fakeConfig({ owner: "o", token: "t" }), { GITHUB_BASE_URL: "ghe.example.com" }), /GITHUB_BASE_URL \(github:baseUrl is not set\): "ghe.example.com" is not a URL/);
        });

        it("takes the owner as the github provider does, and refuses before anything changes when github:owner and GITHUB_OWNER disagree", () => {
            assert.strictEqual(githubAccess(fakeConfig({ token: "t", organization: "org" }), {}).owner, "org", "github:organization, the provider's first source");
            assert.strictEqual(githubAccess(fakeConfig({ owner: "acme", token: "t" }), { GITHUB_OWNER: "acme" }).owner, "acme");
            assert.throws(() => githubAccess(fakeConfig({ owner: "acme", token: "t" }), { GITHUB_OWNER: "ci-org" }), (e: Error) =>
                e instanceof pulumi.RunError && /^GITHUB_OWNER is "ci-org" but github:owner is "acme": the github provider .* would put the hooks under ci-org\. Set one owner: unset GITHUB_OWNER, or make both "acme"; nothing was changed$/.test(e.message));
        });

        it("says which setting is missing", () => {
            assert.throws(() => githubAccess(fakeConfig({ token: "t" }), {}), /github:owner is not set/);
            assert.throws(() => githubAccess(fakeConfig({ owner: "o" }), {}), (e: Error) => e instanceof pulumi.RunError &&
                /^no GitHub credentials: a GitHub App \(`pulumi config set --path github:appAuth\.id <App ID>`.*GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PEM_FILE; docs\/github-app\.md\), or a token \(`pulumi config set --secret github:token \.\.\.` or GITHUB_TOKEN\).*nothing was changed$/.test(e.message));
        });
    });

    describe("GitHub App credentials (github:appAuth or GITHUB_APP_*), as terraform-provider-github v6.13.0 takes them", () => {
        const fakeConfig = (values: Record<string, string>) => ({
            get: (k: string) => values[k],
            getSecret: (k: string) => (values[k] === undefined ? undefined : pulumi.secret(values[k])),
        }) as unknown as pulumi.Config;
        const appAuth = (v: Record<string, unknown>) => JSON.stringify(v);
        const warnings: string[] = [];
        const warn = pulumi.log.warn;
        beforeEach(() => {
            warnings.length = 0;
            pulumi.log.warn = async (m: string) => void warnings.push(m);
            // As `pulumi config set --secret --path github:appAuth.pemFile` leaves it: the key is a secret.
            pulumi.runtime.setAllConfig({}, ["github:appAuth"]);
        });
        afterEach(() => {
            pulumi.log.warn = warn;
            pulumi.runtime.setAllConfig({});
        });

        it("refuses a key stored in plaintext in the stack file (set without --secret), naming the command that encrypts it", () => {
            pulumi.runtime.setAllConfig({}, []);
            assert.throws(() => githubCredentials(fakeConfig({ appAuth: appAuth({ id: "101", installationId: "202", pemFile: AppKey }) }), {}),
                /^Error: github:appAuth\.pemFile is stored in plaintext in the stack's config: set it again as a secret, `pulumi config set --secret --path github:appAuth\.pemFile < app\.private-key\.pem`; nothing was changed$/);
            // From GITHUB_APP_PEM_FILE the key never was in the stack file.
            assert.strictEqual(githubCredentials(fakeConfig({ appAuth: appAuth({ id: "101", installationId: "202" }) }), { GITHUB_APP_PEM_FILE: AppKey }).app?.appId, "101");
        });

        it("the App from github:appAuth: its ids as they are, the key secret, no token", async () => {
            const c = githubCredentials(fakeConfig({ appAuth: appAuth({ id: "101", installationId: 202, pemFile: AppKey }) }), {});
            assert.strictEqual(c.token, undefined);
            assert.deepStrictEqual([c.app?.appId, c.app?.installationId], ["101", "202"]);
            assert.strictEqual(await promiseOf(pulumi.output(c.app?.privateKey as string)), AppKey);
            assert.strictEqual(await isSecret(pulumi.output(c.app?.privateKey as string)), true);
            assert.deepStrictEqual(warnings, []);
        });

        it("the App from GITHUB_APP_*, a `\\n` in the PEM read as a newline; it wins over a token, with a warning that the token is not used", () => {
            const env = { GITHUB_APP_ID: "101", GITHUB_APP_INSTALLATION_ID: "202", GITHUB_APP_PEM_FILE: AppKey.split("\n").join("\\n"), GITHUB_TOKEN: "ghp_env" };
            const c = githubCredentials(fakeConfig({ token: "ghp_config" }), env);
            assert.strictEqual(c.token, undefined);
            assert.strictEqual(c.app?.appId, "101");
            assert.deepStrictEqual(warnings, ["github:token (or GITHUB_TOKEN) is set but not used: github:appAuth (or GITHUB_APP_*) is, and the GitHub App wins, as in the github provider"]);
        });

        it("an incomplete set of GITHUB_APP_* without github:appAuth is ignored, as the provider ignores it (the token is used), with a warning", async () => {
            const c = githubCredentials(fakeConfig({ token: "ghp_config" }), { GITHUB_APP_ID: "101" });
            assert.strictEqual(await promiseOf(pulumi.output(c.token as string)), "ghp_config");
            assert.match(warnings.join(), /GITHUB_APP_ID is set, but not all of GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PEM_FILE: the github provider ignores an incomplete GitHub App and uses the token/);
        });

        it("refuses before anything changes: an appAuth missing a field, a bad key or id, a non-object, each naming the setting and the fix", () => {
            const table: [Record<string, string>, NodeJS.ProcessEnv, RegExp][] = [
                [{ appAuth: appAuth({ id: "101", installationId: "202" }), token: "t" }, {}, /github:appAuth is set, but github:appAuth\.pemFile is missing or empty \(nor GITHUB_APP_PEM_FILE set\)/],
                [{ appAuth: appAuth({ id: "101", installationId: "202", pemFile: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" }) }, {}, /github:appAuth\.pemFile is/],
                [{ appAuth: appAuth({ id: "101", installationId: "two", pemFile: AppKey }) }, {}, /github:appAuth\.installationId: "two" is not an installation ID/],
                [{ appAuth: "\"101\"" }, {}, /^github:appAuth is not an object \{id, installationId, pemFile\}/],
            ];
            for (const [values, env, want] of table) {
                assert.throws(() => githubCredentials(fakeConfig(values), env), (e: Error) => e instanceof pulumi.RunError && want.test(e.message) && /nothing was changed/.test(e.message), want.source);
            }
        });
    });

    describe("the stack with a GitHub App", () => {
        const expectNothing = async (fn: () => Promise<FluxPushOutputs>, message: RegExp) => {
            await assert.rejects(fn(), (err: Error) => err instanceof pulumi.RunError && message.test(err.message));
            await settle(200);
            assert.deepStrictEqual(registered, []);
        };
        const gh = (): GitHubAccess => ({ owner: "ops", apiBaseUrl: "https://ghe.example.com/api/v3/", app: { appId: "101", installationId: "202", privateKey: pulumi.secret(AppKey) } });

        it("the plugin's provider carries the App's ids and its key (secret), no token; no other resource carries any of it", async () => {
            // A key not marked secret on its way in: the provider marks it (pluginProviderInputs).
            await runStack(config(), { github: { ...gh(), app: { ...gh().app!, privateKey: AppKey } } });
            const provider = one(T.pluginProvider, "flux-push-github");
            assert.deepStrictEqual(provider.inputs, { apiBaseUrl: "https://ghe.example.com/api/v3/", appId: "101", appInstallationId: "202", appPrivateKey: AppKey });
            assert.ok(isWireSecret(provider.wire, ["appPrivateKey"]));
            assert.ok(!isWireSecret(provider.wire, ["appId"]) && !isWireSecret(provider.wire, ["appInstallationId"]), "the ids stay readable in state");
            for (const r of registered.filter((x) => x !== provider)) {
                const plain = JSON.stringify(r.wire, (_k, v) => (typeof v === "object" && v !== null && v["4dabf18193072939515e22adb298388d"] ? "[secret]" : v));
                assert.ok(!plain.includes("PRIVATE KEY"), `${r.type} ${r.name} carries the App's key in plaintext`);
            }
        });

        it("commitStatusApp: the commit-status Secret holds Flux's GitHub App keys (the key secret, the REST base off GitHub.com), no token", async () => {
            await runStack(config({ commitStatusApp: true }), { github: gh() });
            const secret = one(T.secret, "commit-status-token-secret");
            assert.deepStrictEqual(secret.inputs, {
                apiVersion: "v1", kind: "Secret", type: "Opaque",
                metadata: { name: "github-commit-status", namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                stringData: { githubAppID: "101", githubAppInstallationID: "202", githubAppBaseURL: "https://ghe.example.com/api/v3/", githubAppPrivateKey: AppKey },
            });
            assert.ok(isWireSecret(secret.wire, ["stringData"]), "the key is secret");
            assert.deepStrictEqual(spec(one(T.fluxProvider, "instavote-provider")).secretRef, { name: "github-commit-status" });
            await resetMocks();
            await runStack(config({ commitStatusApp: true }), { github: { ...gh(), apiBaseUrl: "https://api.github.com/" } });
            assert.strictEqual((one(T.secret, "commit-status-token-secret").inputs.stringData as Record<string, string>).githubAppBaseURL, undefined, "GitHub.com: Flux's default, api.github.com");
        });

        it("commitStatusApp is refused before anything changes without an App, or with an App named by its client ID (Flux's githubAppID is a number)", async () => {
            await expectNothing(() => fluxPushReconciliation(config({ commitStatusApp: true }), testDependencies()), /^commitStatusApp is true, but the stack has no GitHub App: set github:appAuth \(docs\/github-app\.md\).*nothing was changed$/);
            await expectNothing(() => fluxPushReconciliation(config({ commitStatusApp: true }), testDependencies({ github: { ...gh(), app: { ...gh().app!, appId: "Iv23liAbCd" } } })),
                /^commitStatusApp needs the GitHub App's numeric App ID in github:appAuth\.id/);
        });
    });
});
