// The preflight: what the program reads from the cluster before it registers anything, and which
// findings stop the update (each naming what is missing, where, and the fix).
import * as assert from "assert";
import { ApiResponse, ClusterClient } from "../lib/cluster";
import { StackConfig, validateConfig } from "../lib/config";
import { ClusterObservations, existingBranch, judgeCluster, madeByPulumi, observeCluster } from "../lib/preflight";
import { withDefaults } from "./support/projectConfig";
import { createSandboxCa } from "../sandbox/standins/sandboxTls";

function config(overrides: Record<string, unknown> = {}): StackConfig {
    const r = validateConfig(withDefaults({
        nodeAddress: "203.0.113.10",
        repositories: [{ name: "instavote", url: "https://github.com/example-org/instavote.git", kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", targetNamespace: "instavote" }] }],
        ...overrides,
    }));
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r.config;
}

const fluxApis = {
    "source.toolkit.fluxcd.io/v1": { seen: "present" as const, kinds: ["GitRepository"] },
    "kustomize.toolkit.fluxcd.io/v1": { seen: "present" as const, kinds: ["Kustomization"] },
    "notification.toolkit.fluxcd.io/v1": { seen: "present" as const, kinds: ["Receiver"] },
};

function healthy(o: Partial<ClusterObservations> = {}): ClusterObservations {
    return { cluster: "https://127.0.0.1:6443 (context sandbox)", apis: fluxApis, webhookReceiverService: "present", namespaces: { instavote: "present" }, gitRepositories: {}, foreignObjects: [], ...o };
}

/** A fake API server: path -> answer; anything else 404. Records what was asked. */
function fakeCluster(answers: Record<string, ApiResponse>): ClusterClient & { asked: string[] } {
    const asked: string[] = [];
    return {
        asked,
        description: "fake",
        get: async (p) => {
            asked.push(p);
            return answers[p] ?? { status: 404, body: { kind: "Status", code: 404 } };
        },
        patch: async () => assert.fail("the preflight never writes"),
    };
}

describe("preflight: judging what the cluster has", () => {
    it("a cluster with Flux and the target namespace: no problem, no warning", () => {
        assert.deepStrictEqual(judgeCluster(healthy(), config()), { problems: [], warnings: [], notices: [], existingBranches: {} });
    });

    it("no Flux CRDs: one problem naming each missing kind, the namespace and `flux install`", () => {
        const r = judgeCluster(healthy({ apis: { ...fluxApis, "notification.toolkit.fluxcd.io/v1": { seen: "missing", kinds: [] }, "kustomize.toolkit.fluxcd.io/v1": { seen: "missing", kinds: [] } } }), config());
        assert.strictEqual(r.problems.length, 1);
        assert.match(r.problems[0], /Flux is not installed on https:\/\/127\.0\.0\.1:6443 \(context sandbox\): the cluster serves no Kustomization \(kustomize\.toolkit\.fluxcd\.io\/v1\), Receiver \(notification\.toolkit\.fluxcd\.io\/v1\)/);
        assert.match(r.problems[0], /install Flux 2\.5 or later into namespace flux-system \(`flux install --namespace flux-system`/);
    });

    it("an API group served without the kind (an old Flux) counts as missing", () => {
        const r = judgeCluster(healthy({ apis: { ...fluxApis, "notification.toolkit.fluxcd.io/v1": { seen: "present", kinds: ["Alert"] } } }), config());
        assert.match(r.problems.join(), /serves no Receiver/);
    });

    it("no webhook-receiver Service in the namespace: names the Service, the namespace and both fixes", () => {
        const r = judgeCluster(healthy({ webhookReceiverService: "missing" }), config({ namespace: "flux" }));
        assert.match(r.problems.join(), /Service flux\/webhook-receiver does not exist: Flux's notification-controller is not installed in namespace flux \(the stack patches that Service\).*pulumi config set namespace/);
    });

    it("a missing target namespace stops the update unless the stack is asked to create it", () => {
        const missing = healthy({ namespaces: { instavote: "missing" } });
        assert.match(judgeCluster(missing, config()).problems.join(), /Kustomization vote-staging targets namespace instavote, which does not exist.*createTargetNamespace: true/);
        const creating = config({ repositories: [{ name: "instavote", url: "https://h/r.git", kustomizations: [{ name: "vote-staging", path: "./d", targetNamespace: "instavote", createTargetNamespace: true }] }] });
        assert.deepStrictEqual(judgeCluster(missing, creating).problems, []);
    });

    it("what RBAC hides is a warning, not a stop: the provider will say it later", () => {
        const r = judgeCluster(healthy({ webhookReceiverService: "forbidden", namespaces: { instavote: "forbidden" } }), config());
        assert.deepStrictEqual(r.problems, []);
        assert.strictEqual(r.warnings.length, 2);
    });

    it("an unreachable API server is one problem naming the kubeconfig settings", () => {
        const r = judgeCluster(healthy({ unreachable: "connect ECONNREFUSED 127.0.0.1:6443" }), config());
        assert.deepStrictEqual(r.problems, ["cannot reach the Kubernetes API server https://127.0.0.1:6443 (context sandbox): connect ECONNREFUSED 127.0.0.1:6443; check kubernetes:kubeconfig / kubernetes:context (or KUBECONFIG)"]);
    });

    it("an existing GitRepository that is not there stops the update; its branch is returned for the filter", () => {
        const c = config({ repositories: [{ name: "flux-system", existing: true }, { name: "apps", existing: true }] });
        const r = judgeCluster(healthy({ gitRepositories: { "flux-system": { seen: "present", branch: "main" }, apps: { seen: "missing" } } }), c);
        assert.match(r.problems.join(), /GitRepository flux-system\/apps does not exist, but repositories entry apps sets existing: true/);
        assert.strictEqual(r.existingBranches["flux-system"], "main");
    });

    it("an existing GitRepository's branch: source-controller's default master; a tag or commit follows no branch", () => {
        assert.strictEqual(existingBranch(undefined), "master");
        assert.strictEqual(existingBranch({}), "master");
        assert.strictEqual(existingBranch({ branch: "release" }), "release");
        assert.strictEqual(existingBranch({ tag: "v1" }), undefined);
        assert.strictEqual(existingBranch({ branch: "main", commit: "abc" }), undefined);
    });

    it("a GitRepository or Kustomization the stack would create that someone else made stops the update", () => {
        const r = judgeCluster(healthy({ foreignObjects: ["GitRepository flux-system/instavote (repositories entry instavote)"] }), config());
        assert.match(r.problems.join(), /GitRepository flux-system\/instavote \(repositories entry instavote\) already exists and no Pulumi stack made it.*existing: true/);
        assert.ok(madeByPulumi({ metadata: { managedFields: [{ manager: "kustomize-controller" }, { manager: "pulumi-kubernetes-5f3c" }] } }));
        assert.ok(!madeByPulumi({ metadata: { managedFields: [{ manager: "kustomize-controller" }] } }));
    });

    it("commit statuses: a named Secret must exist and hold key token", () => {
        const c = config({ commitStatusSecret: "github-status" });
        assert.match(judgeCluster(healthy({ commitStatusSecret: { seen: "missing", keys: [] } }), c).problems.join(), /Secret flux-system\/github-status \(commitStatusSecret\) does not exist/);
        assert.match(judgeCluster(healthy({ commitStatusSecret: { seen: "present", keys: ["tokn"] } }), c).problems.join(), /has no key token nor Flux's GitHub App keys/);
        assert.deepStrictEqual(judgeCluster(healthy({ commitStatusSecret: { seen: "present", keys: ["token"] } }), c).problems, []);
        // Flux's GitHub App keys instead of a token (notification-controller v1.9 mints its own installation tokens).
        assert.deepStrictEqual(judgeCluster(healthy({ commitStatusSecret: { seen: "present", keys: ["githubAppID", "githubAppInstallationID", "githubAppPrivateKey"] } }), c).problems, []);
        assert.match(judgeCluster(healthy({ commitStatusSecret: { seen: "present", keys: ["githubAppID", "githubAppPrivateKey"] } }), c).problems.join(), /holds GitHub App keys but lacks githubAppInstallationID \(or githubAppInstallationOwner\)/);
    });

    describe("commit statuses: Provider and Alert in the version the cluster serves, said in the output", () => {
        const c = () => config({ commitStatusSecret: "github-status" });
        const secret = { commitStatusSecret: { seen: "present" as const, keys: ["token"] } };
        const beta3 = { "notification.toolkit.fluxcd.io/v1beta3": { seen: "present" as const, kinds: ["Alert", "Provider"] } };
        const v1With = (kinds: string[]) => ({ "notification.toolkit.fluxcd.io/v1": { seen: "present" as const, kinds } });

        it("Flux 2.10 (v1 lists Alert and Provider): v1, one notice", () => {
            const r = judgeCluster(healthy({ ...secret, apis: { ...fluxApis, ...beta3, ...v1With(["Receiver", "Alert", "Provider"]) } }), c());
            assert.strictEqual(r.commitStatusApiVersion, "v1");
            assert.deepStrictEqual(r.notices, ["commit statuses: Provider and Alert as notification.toolkit.fluxcd.io/v1 (the cluster serves them there: Flux 2.10 or later)"]);
            assert.deepStrictEqual([r.problems, r.warnings], [[], []]);
        });

        it("Flux 2.9 (v1beta3 only): v1beta3, and the notice says the next update after an upgrade moves them", () => {
            const r = judgeCluster(healthy({ ...secret, apis: { ...fluxApis, ...beta3 } }), c());
            assert.strictEqual(r.commitStatusApiVersion, "v1beta3");
            assert.match(r.notices.join(), /^commit statuses: Provider and Alert as notification\.toolkit\.fluxcd\.io\/v1beta3 \(the cluster serves no v1 Alert and Provider: Flux 2\.9 or older; after an upgrade to Flux 2\.10 the next update moves them to v1 in place\)$/);
        });

        it("neither version serves both kinds: one problem naming both versions and the fix", () => {
            const r = judgeCluster(healthy({ ...secret, apis: { ...fluxApis, "notification.toolkit.fluxcd.io/v1beta3": { seen: "missing", kinds: [] } } }), c());
            assert.strictEqual(r.commitStatusApiVersion, undefined);
            assert.deepStrictEqual(r.problems, ["Flux on https://127.0.0.1:6443 (context sandbox) serves no Provider and Alert (notification.toolkit.fluxcd.io/v1 or notification.toolkit.fluxcd.io/v1beta3), which commit statuses need; install Flux 2.5 or later into namespace flux-system (`flux install --namespace flux-system`, or `flux bootstrap github ...`; this project is tested on Flux 2.9), or set `pulumi config set namespace <namespace Flux runs in>`"]);
        });

        it("v1beta3 forbidden: a warning naming the version used (v1beta3), no notice, no problem", () => {
            const r = judgeCluster(healthy({ ...secret, apis: { ...fluxApis, "notification.toolkit.fluxcd.io/v1beta3": { seen: "forbidden", kinds: [] } } }), c());
            assert.strictEqual(r.commitStatusApiVersion, "v1beta3");
            assert.deepStrictEqual(r.notices, []);
            assert.deepStrictEqual(r.warnings, [
                "could not check that the cluster serves notification.toolkit.fluxcd.io/v1beta3 (forbidden)",
                "could not read which versions of Alert and Provider the cluster serves (forbidden): commit statuses use notification.toolkit.fluxcd.io/v1beta3",
            ]);
            assert.deepStrictEqual(r.problems, []);
        });

        it("without commit statuses: no version, no notice", () => {
            const r = judgeCluster(healthy({ apis: { ...fluxApis, ...beta3 } }), config());
            assert.strictEqual(r.commitStatusApiVersion, undefined);
            assert.deepStrictEqual(r.notices, []);
        });
    });
});

describe("preflight: reading the cluster", () => {
    it("asks for the API groups, the Service, the target namespace, and nothing else; maps 404/403/0", async () => {
        const cluster = fakeCluster({
            "/apis/source.toolkit.fluxcd.io/v1": { status: 200, body: { resources: [{ kind: "GitRepository" }] } },
            "/apis/kustomize.toolkit.fluxcd.io/v1": { status: 200, body: { resources: [{ kind: "Kustomization" }] } },
            "/apis/notification.toolkit.fluxcd.io/v1": { status: 403, body: {} },
            "/api/v1/namespaces/flux-system/services/webhook-receiver": { status: 200, body: {} },
        });
        const o = await observeCluster(cluster, config());
        assert.deepStrictEqual([...cluster.asked].sort(), [
            "/api/v1/namespaces/flux-system/services/webhook-receiver",
            "/api/v1/namespaces/instavote",
            "/apis/kustomize.toolkit.fluxcd.io/v1",
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/vote-staging",
            "/apis/notification.toolkit.fluxcd.io/v1",
            "/apis/source.toolkit.fluxcd.io/v1",
            "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/instavote",
        ]);
        assert.strictEqual(o.apis["notification.toolkit.fluxcd.io/v1"].seen, "forbidden");
        assert.deepStrictEqual(o.apis["source.toolkit.fluxcd.io/v1"], { seen: "present", kinds: ["GitRepository"] });
        assert.strictEqual(o.namespaces.instavote, "missing");
        assert.strictEqual(o.unreachable, undefined);
    });

    it("with commit statuses it also asks notification.toolkit.fluxcd.io/v1beta3 (v1 it asks anyway, for Receiver)", async () => {
        const cluster = fakeCluster({});
        const o = await observeCluster(cluster, config({ commitStatusSecret: "github-status" }));
        assert.deepStrictEqual(cluster.asked.filter((p) => p.startsWith("/apis/notification")).sort(), ["/apis/notification.toolkit.fluxcd.io/v1", "/apis/notification.toolkit.fluxcd.io/v1beta3"]);
        assert.deepStrictEqual(o.apis["notification.toolkit.fluxcd.io/v1beta3"], { seen: "missing", kinds: [] });
    });

    it("the stack's own GitRepository and Kustomization (written by pulumi-kubernetes) are not foreign; Flux's or kubectl's are", async () => {
        const gitRepository = "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/instavote";
        const kustomization = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/vote-staging";
        const managedBy = (...managers: string[]) => ({ status: 200, body: { metadata: { managedFields: managers.map((manager) => ({ manager })) } } });
        const ours = await observeCluster(fakeCluster({
            [gitRepository]: managedBy("pulumi-kubernetes-2f1c0a", "source-controller"),
            [kustomization]: managedBy("kustomize-controller", "pulumi-kubernetes-2f1c0a"),
        }), config());
        assert.deepStrictEqual(ours.foreignObjects, [], "a second `up` must not call the stack's own objects someone else's");
        assert.deepStrictEqual(judgeCluster({ ...healthy(), foreignObjects: ours.foreignObjects }, config()).problems, []);
        const theirs = await observeCluster(fakeCluster({
            [gitRepository]: managedBy("flux", "source-controller"),
            [kustomization]: managedBy("kubectl-client-side-apply"),
        }), config());
        assert.deepStrictEqual(theirs.foreignObjects, [
            "GitRepository flux-system/instavote (repositories entry instavote)",
            "Kustomization flux-system/vote-staging (repositories entry instavote)",
        ]);
    });

    it("an API server that does not answer is reported as unreachable", async () => {
        const down: ClusterClient = { description: "x", get: async () => ({ status: 0, body: undefined, error: "connect ECONNREFUSED" }), patch: async () => assert.fail() };
        assert.strictEqual((await observeCluster(down, config())).unreachable, "connect ECONNREFUSED");
    });
});

describe("preflight: the objects an exposure builds on (a Gateway, an Ingress's TLS Secret)", function () {
    this.timeout(20000);
    const gatewayConfig = (over: Record<string, unknown> = {}) => config({ exposure: "gateway", nodeAddress: undefined, gatewayName: "gateway-system/internet-gateway", ...over });
    const gateway = {
        metadata: { name: "internet-gateway", namespace: "gateway-system" },
        spec: { gatewayClassName: "traefik", listeners: [{ name: "websecure", protocol: "HTTPS", port: 443, hostname: "flux-webhook.example.com", allowedRoutes: { namespaces: { from: "All" } } }] },
    };
    const gatewayPath = "/apis/gateway.networking.k8s.io/v1/namespaces/gateway-system/gateways/internet-gateway";

    it("reads the Gateway API, the Gateway and the Flux namespace's labels; the chosen listener and payload URL are the result (and a notice)", async () => {
        const c = fakeCluster({
            "/apis/gateway.networking.k8s.io/v1": { status: 200, body: { resources: [{ kind: "Gateway" }, { kind: "HTTPRoute" }] } },
            [gatewayPath]: { status: 200, body: gateway },
            "/api/v1/namespaces/flux-system": { status: 200, body: { metadata: { labels: { "kubernetes.io/metadata.name": "flux-system" } } } },
        });
        const o = await observeCluster(c, gatewayConfig());
        assert.ok(c.asked.includes(gatewayPath));
        const r = judgeCluster({ ...healthy(), gateway: o.gateway }, gatewayConfig());
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(r.gateway, { gateway: { namespace: "gateway-system", name: "internet-gateway" }, listener: "websecure", host: "flux-webhook.example.com", scheme: "https", port: 443, baseUrl: "https://flux-webhook.example.com" });
        assert.deepStrictEqual(r.notices, ["exposure gateway: the HTTPRoute attaches to listener websecure of Gateway gateway-system/internet-gateway; payload URLs start with https://flux-webhook.example.com"]);
    });

    it("no Gateway API, no Gateway, a Gateway that cannot be read: each a problem before anything changes", () => {
        const judged = (g: ClusterObservations["gateway"]) => judgeCluster(healthy({ gateway: g }), gatewayConfig()).problems;
        assert.match(judged({ api: "missing", seen: "missing", namespaceLabels: {} })[0], /serves no Gateway API \(gateway\.networking\.k8s\.io\/v1\): install its CRDs and a Gateway controller, or choose another exposure/);
        assert.match(judged({ api: "present", seen: "missing", namespaceLabels: {} })[0], /^Gateway gateway-system\/internet-gateway \(gatewayName\) does not exist/);
        assert.match(judged({ api: "present", seen: "forbidden", namespaceLabels: {} })[0], /could not read Gateway gateway-system\/internet-gateway \(forbidden\): .*needs get on gateways in gateway-system/);
        assert.match(judged({ api: "present", seen: "present", object: { ...gateway, spec: { listeners: [{ ...gateway.spec.listeners[0], allowedRoutes: undefined }] } }, namespaceLabels: {} })[0],
            /no listener .* allowedRoutes\.namespaces\.from is Same \(the default\)/);
    });

    it("an Ingress's TLS Secret: missing, or holding a certificate GitHub would refuse: a warning naming the Secret and the fix; nothing with insecureSsl", async () => {
        const ingressConfig = (over: Record<string, unknown> = {}) => config({ exposure: "ingress", nodeAddress: undefined, ingressHost: "flux-webhook.example.com", ingressTlsSecret: "flux-webhook-tls", ...over });
        assert.deepStrictEqual(judgeCluster(healthy({ ingressTlsSecret: { seen: "missing" } }), ingressConfig()).warnings, [
            "Secret flux-system/flux-webhook-tls (ingressTlsSecret) does not exist (yet): until it does, the ingress controller serves its default certificate for flux-webhook.example.com and GitHub refuses it; " +
            "create it (cert-manager: a Certificate with spec.secretName flux-webhook-tls and flux-webhook.example.com in spec.dnsNames)",
        ]);
        const ca = await createSandboxCa();
        try {
            const other = (await ca.issue(["other.example.com"])).cert;
            const c = fakeCluster({ "/api/v1/namespaces/flux-system/secrets/flux-webhook-tls": { status: 200, body: { data: { "tls.crt": Buffer.from(other).toString("base64") } } } });
            const o = await observeCluster(c, ingressConfig());
            assert.deepStrictEqual(o.ingressTlsSecret, { seen: "present", certificate: other });
            assert.match(judgeCluster(healthy({ ingressTlsSecret: o.ingressTlsSecret }), ingressConfig()).warnings[0],
                /^Secret flux-system\/flux-webhook-tls \(ingressTlsSecret\): it holds a certificate for other\.example\.com, .*whose names do not include flux-webhook\.example\.com/);
            const good = (await ca.issue(["flux-webhook.example.com"])).cert;
            assert.deepStrictEqual(judgeCluster(healthy({ ingressTlsSecret: { seen: "present", certificate: good } }), ingressConfig()).warnings, []);
            const self = (await ca.selfSigned(["flux-webhook.example.com"])).cert;
            assert.strictEqual(judgeCluster(healthy({ ingressTlsSecret: { seen: "present", certificate: self } }), ingressConfig()).warnings.length, 1);
            assert.deepStrictEqual(judgeCluster(healthy({ ingressTlsSecret: { seen: "present", certificate: self } }), ingressConfig({ insecureSsl: true })).warnings, []);
        } finally {
            ca.remove();
        }
    });
});
