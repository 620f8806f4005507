// Which resource waits for which, as the engine receives it (dependencies and propertyDependencies
// of each registration). The order matters on create and on a token rotation: Secret, then the
// Receiver (notification-controller reads the Secret), then GitHub's hook (its URL comes from the
// Receiver's path and the exposure's address). Written around Pulumi resource names through the
// tables below, so a renamed or added resource is one row.
import * as assert from "assert";
import { dependencySummary, dependsOn, dependsOnTransitively, describeNode, GraphNode, propertyDependsOn } from "./support/graph";
import { registered, resetMocks } from "./support/mocks";
import { runStack } from "./support/program";
import { withDefaults } from "./support/projectConfig";

const instavote = {
    name: "instavote",
    url: "https://github.com/example-org/instavote.git",
    kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", targetNamespace: "instavote" }],
};

async function run(overrides: Record<string, unknown> = {}): Promise<void> {
    await runStack(withDefaults({ nodeAddress: "203.0.113.10", repositories: [instavote], ...overrides }));
}

/** `dependent` waits for `prerequisite`: through input `property` if given, else anyhow (e.g. dependsOn). */
interface Edge {
    readonly prerequisite: GraphNode;
    readonly dependent: string;
    readonly property?: string;
    readonly why: string;
}

// The graph of the staging shape (patch-nodeport, one managed repository).
const edges: readonly Edge[] = [
    {
        prerequisite: "webhook-token-secret",
        dependent: "instavote-receiver",
        property: "spec",
        why: "the Receiver's secretRef names the token Secret: it must exist (and hold the new token) first",
    },
    {
        prerequisite: "instavote-gitrepository",
        dependent: "instavote-receiver",
        property: "spec",
        why: "the Receiver's resources name the GitRepository it reconciles",
    },
    {
        prerequisite: "instavote-receiver",
        dependent: "instavote-webhook",
        property: "configuration",
        why: "the payload URL's path comes from the Receiver, so GitHub's ping finds it served",
    },
    {
        prerequisite: "webhook-receiver-nodeport-patch",
        dependent: "instavote-webhook",
        property: "configuration",
        why: "the payload URL's address exists only once the exposure does",
    },
    {
        prerequisite: "instavote-gitrepository",
        dependent: "instavote-kustomization-vote-staging",
        why: "a Kustomization applies its GitRepository's artifact (explicit dependsOn)",
    },
    {
        prerequisite: "instavote-receiver",
        dependent: "instavote-probe",
        property: "payloadUrl",
        why: "the probe posts to the new Receiver's path, so it can only run once that Receiver exists",
    },
    {
        prerequisite: "webhook-receiver-nodeport-patch",
        dependent: "instavote-probe",
        property: "payloadUrl",
        why: "the probe reaches the receiver through the exposure GitHub will use",
    },
    {
        prerequisite: "instavote-probe",
        dependent: "instavote-webhook",
        why: "GitHub's hook moves to a URL only once the probe found it served (rotation, exposure change)",
    },
    {
        prerequisite: "instavote-hook-capacity",
        dependent: "instavote-webhook",
        why: "the repository's hooks are counted before one more is created (GitHub's 20 per event)",
    },
    {
        prerequisite: "instavote-webhook",
        dependent: "instavote-ping",
        property: "hookId",
        why: "GitHub pings the hook once it holds the current URL and secret",
    },
];

// Waits through a chain (none of these is a direct edge today).
const chains: readonly Edge[] = [
    { prerequisite: "webhook-token-secret", dependent: "instavote-webhook", why: "GitHub gets the new secret only after the Secret holds it" },
    { prerequisite: "webhook-token-password", dependent: "instavote-webhook", why: "the hook's secret is the token" },
    { prerequisite: "instavote-receiver", dependent: "instavote-ping", why: "the check pings the hook that points at this Receiver" },
];

// Per exposure mode: the resource GitHub's hook URL waits for (url mode creates none).
const exposures: readonly { mode: string; set: Record<string, unknown>; resource: string }[] = [
    { mode: "patch-nodeport", set: {}, resource: "webhook-receiver-nodeport-patch" },
    { mode: "nodeport-service", set: { exposure: "nodeport-service" }, resource: "webhook-receiver-service" },
    { mode: "loadbalancer", set: { exposure: "loadbalancer", nodeAddress: undefined }, resource: "webhook-receiver-service" },
    { mode: "ingress", set: { exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "flux-tls" }, resource: "webhook-receiver-ingress" },
];

const ReceiverExposure = { type: "flux-push:index:ReceiverExposure", component: "webhook-receiver" } as const;

describe("dependency graph (mocks record what the engine receives)", () => {
    beforeEach(() => resetMocks());

    it("records dependencies only on resources registered earlier, under the URNs the engine gave them", async () => {
        await run({ repositories: [instavote, { name: "flux-system", existing: true }] });
        const seen = new Set<string>();
        let edgesSeen = 0;
        for (const r of registered) {
            for (const urn of [...r.dependencies, ...Object.values(r.propertyDependencies).flat()]) {
                assert.ok(seen.has(urn), `${r.name} depends on ${urn}, which was not registered before it`);
                edgesSeen++;
            }
            seen.add(r.urn);
        }
        assert.ok(edgesSeen >= 10, `the recorder saw ${edgesSeen} dependencies`);
    });

    for (const e of edges) {
        it(`${e.dependent} waits for ${describeNode(e.prerequisite)}${e.property ? ` through its ${e.property}` : ""}: ${e.why}`, async () => {
            await run();
            const ok = e.property ? propertyDependsOn(e.dependent, e.property, e.prerequisite) : dependsOn(e.dependent, e.prerequisite);
            assert.ok(ok, dependencySummary(e.dependent));
        });
    }

    for (const e of chains) {
        it(`${e.dependent} waits for ${describeNode(e.prerequisite)} through a chain: ${e.why}`, async () => {
            await run();
            assert.ok(dependsOnTransitively(e.dependent, e.prerequisite), dependencySummary(e.dependent));
        });
    }

    for (const x of exposures) {
        it(`${x.mode}: the hook's configuration waits for ${x.resource}, and the ReceiverExposure component stands for it`, async () => {
            await run(x.set);
            assert.ok(propertyDependsOn("instavote-webhook", "configuration", x.resource), dependencySummary("instavote-webhook"));
            assert.ok(propertyDependsOn("instavote-webhook", "configuration", ReceiverExposure), dependencySummary("instavote-webhook"));
        });
    }

    it("an existing GitRepository is read before the Receiver that names it", async () => {
        await run({ repositories: [{ name: "flux-system", githubRepository: "fleet-infra", existing: true }] });
        assert.ok(propertyDependsOn("flux-system-receiver", "spec", "flux-system-gitrepository"), dependencySummary("flux-system-receiver"));
    });

    it("a target namespace the stack creates is there before the Kustomization that applies into it", async () => {
        await run({ repositories: [{ ...instavote, kustomizations: [{ ...instavote.kustomizations[0], createTargetNamespace: true }] }] });
        assert.ok(dependsOn("instavote-kustomization-vote-staging", "instavote-namespace-instavote"), dependencySummary("instavote-kustomization-vote-staging"));
    });

    it("allowedSources: github: the NetworkPolicy admitting GitHub's ranges is in place before the probe and the hook", async () => {
        await run({ allowedSources: "github" });
        assert.ok(propertyDependsOn("instavote-probe", "payloadUrl", "webhook-receiver-sources"), dependencySummary("instavote-probe"));
        assert.ok(propertyDependsOn("instavote-webhook", "configuration", "webhook-receiver-sources"), dependencySummary("instavote-webhook"));
    });

    it("commit statuses: the Provider waits for its token Secret, the Alert for the Provider and the Kustomizations", async () => {
        await run({ commitStatusSecret: "github-status" });
        assert.ok(propertyDependsOn("instavote-alert", "spec", "instavote-provider"), dependencySummary("instavote-alert"));
        assert.ok(propertyDependsOn("instavote-alert", "spec", "instavote-kustomization-vote-staging"), dependencySummary("instavote-alert"));
    });

    it("says no where there is no edge (the helpers are not vacuous)", async () => {
        await run();
        for (const e of [...edges, ...chains]) {
            if (typeof e.prerequisite !== "string") continue;
            assert.ok(!dependsOnTransitively(e.prerequisite, e.dependent), `${e.prerequisite} must not wait for ${e.dependent}`);
        }
        assert.ok(!propertyDependsOn("instavote-receiver", "metadata", "webhook-token-secret"), dependencySummary("instavote-receiver"));
        assert.ok(!dependsOn("instavote-kustomization-vote-staging", "instavote-receiver"));
        assert.throws(() => dependsOn("instavote-webhook", "no-such-resource"), /expected one custom resource named no-such-resource/);
    });
});
