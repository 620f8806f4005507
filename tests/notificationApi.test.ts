// Flux 2.10 promotes Alert and Provider to notification.toolkit.fluxcd.io/v1 (and keeps serving
// v1beta3, deprecated); Flux 2.3-2.9 serve them as v1beta3 only. The commit-status objects are
// written in the version the cluster serves, and a stack that moves from one to the other keeps
// them: the version is part of a CustomResource's type token, so without aliases the engine would
// create the "new" resource and delete the old one, which is the very same Kubernetes object.
import * as assert from "assert";
import { CommitStatusApiVersion, commitStatusApiVersion, commitStatusTypeAliases } from "../lib/flux";
import { ApiResponse } from "../lib/cluster";
import { one, registered, resetMocks } from "./support/mocks";
import { fluxCluster, runStack } from "./support/program";
import { withDefaults } from "./support/projectConfig";

const Flux29 = ["Receiver"];
// Discovery lists the CRDs' kinds. Flux 2.10's v1 Event (fluxcd/pkg/apis/event v1, what the controllers
// post to notification-controller) is no resource the API server serves.
const Flux210 = ["Receiver", "Alert", "Provider"];
const Beta3 = ["Alert", "Provider"];

describe("notification API version: which one the commit statuses use", () => {
    const table: [string, Partial<Record<CommitStatusApiVersion, readonly string[]>>, CommitStatusApiVersion | undefined][] = [
        ["Flux 2.10: v1 lists Alert and Provider", { v1: Flux210, v1beta3: Beta3 }, "v1"],
        ["a later Flux that dropped v1beta3", { v1: Flux210, v1beta3: [] }, "v1"],
        ["Flux 2.9: v1 has only Receiver", { v1: Flux29, v1beta3: Beta3 }, "v1beta3"],
        ["v1 lists Alert but not Provider: both or nothing", { v1: ["Receiver", "Alert"], v1beta3: Beta3 }, "v1beta3"],
        ["no Flux notification kinds at all", { v1: [], v1beta3: [] }, undefined],
        ["Flux 2.9 without Alert (a partial install)", { v1: Flux29, v1beta3: ["Provider"] }, undefined],
        ["v1beta3 unreadable (forbidden), v1 without them: v1beta3, which every supported Flux serves", { v1: Flux29 }, "v1beta3"],
        ["nothing readable: v1beta3", {}, "v1beta3"],
        ["v1 unreadable, v1beta3 known to be gone: v1", { v1beta3: [] }, "v1"],
    ];
    for (const [what, kinds, expected] of table) {
        it(`${what} -> ${expected ?? "none"}`, () => assert.strictEqual(commitStatusApiVersion(kinds), expected));
    }

    it("aliases name the same kind under the other version, and never the resource's own type", () => {
        assert.deepStrictEqual(commitStatusTypeAliases("Provider", "v1"), ["kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider"]);
        assert.deepStrictEqual(commitStatusTypeAliases("Alert", "v1beta3"), ["kubernetes:notification.toolkit.fluxcd.io/v1:Alert"]);
    });
});

/** A cluster answering discovery as Flux 2.9 (fluxCluster's default) or Flux 2.10 does. */
function cluster(flux: "2.9" | "2.10") {
    const v1: Record<string, ApiResponse> = flux === "2.10"
        ? { "/apis/notification.toolkit.fluxcd.io/v1": { status: 200, body: { resources: Flux210.map((kind) => ({ kind })) } } }
        : {};
    return fluxCluster(v1);
}

const config = () => withDefaults({
    nodeAddress: "203.0.113.10",
    commitStatusSecret: "github-status",
    repositories: [{ name: "instavote", url: "https://github.com/example-org/instavote.git", kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", targetNamespace: "instavote" }] }],
});

interface Run { urns: string[]; aliases: Map<string, readonly string[]>; printed: string[] }
async function runOn(flux: "2.9" | "2.10"): Promise<Run> {
    await resetMocks();
    const printed: string[] = [];
    const log = console.log;
    // Under the mocks there is no engine: pulumi.log.info prints to stdout.
    console.log = (...args: unknown[]) => void printed.push(args.join(" "));
    try {
        await runStack(config(), { cluster: cluster(flux) });
    } finally {
        console.log = log;
    }
    return { urns: registered.map((r) => r.urn), aliases: new Map(registered.map((r) => [r.urn, r.aliases])), printed };
}

/**
 * What the engine deletes at the end of an update: every resource of the previous state that the
 * new run registers under neither its URN nor one of its aliases.
 */
function plannedDeletes(before: Run, after: Run): string[] {
    const kept = new Set([...after.urns, ...[...after.aliases.values()].flat()]);
    return before.urns.filter((u) => !kept.has(u));
}

describe("commit statuses across Flux 2.9 and 2.10 (Pulumi mocks)", () => {
    const typeOf = (name: string) => registered.find((r) => r.name === name)?.type;

    it("a Flux 2.9 cluster gets v1beta3 Provider and Alert; a Flux 2.10 cluster v1, with the same spec", async () => {
        await runOn("2.9");
        const beta = one("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider", "instavote-provider").inputs;
        const betaAlert = one("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert", "instavote-alert").inputs;
        await runOn("2.10");
        const v1 = one("kubernetes:notification.toolkit.fluxcd.io/v1:Provider", "instavote-provider").inputs;
        const v1Alert = one("kubernetes:notification.toolkit.fluxcd.io/v1:Alert", "instavote-alert").inputs;
        assert.strictEqual(v1.apiVersion, "notification.toolkit.fluxcd.io/v1");
        assert.strictEqual(v1Alert.apiVersion, "notification.toolkit.fluxcd.io/v1");
        assert.deepStrictEqual({ ...v1, apiVersion: undefined }, { ...beta, apiVersion: undefined });
        assert.deepStrictEqual({ ...v1Alert, apiVersion: undefined }, { ...betaAlert, apiVersion: undefined });
    });

    for (const [from, to] of [["2.9", "2.10"], ["2.10", "2.9"]] as const) {
        it(`moving from Flux ${from} to ${to}: the Provider and Alert change type but alias their old URNs, so the engine deletes nothing`, async () => {
            const before = await runOn(from);
            const oldProvider = before.urns.find((u) => u.endsWith("::instavote-provider")) as string;
            const oldAlert = before.urns.find((u) => u.endsWith("::instavote-alert")) as string;
            const after = await runOn(to);
            const newProvider = after.urns.find((u) => u.endsWith("::instavote-provider")) as string;
            const newAlert = after.urns.find((u) => u.endsWith("::instavote-alert")) as string;
            assert.notStrictEqual(newProvider, oldProvider, "the type token (and so the URN) carries the version");
            assert.ok(after.aliases.get(newProvider)?.includes(oldProvider), `${newProvider} aliases ${oldProvider}`);
            assert.ok(after.aliases.get(newAlert)?.includes(oldAlert), `${newAlert} aliases ${oldAlert}`);
            assert.deepStrictEqual(plannedDeletes(before, after), []);
            assert.match(typeOf("instavote-provider") ?? "", new RegExp(`/${to === "2.10" ? "v1" : "v1beta3"}:Provider$`));
        });
    }

    it("the preflight says which version it writes", async () => {
        const said = [...(await runOn("2.10")).printed, ...(await runOn("2.9")).printed].filter((l) => l.includes("preflight: commit statuses"));
        assert.deepStrictEqual(said, [
            "info: [runtime] preflight: commit statuses: Provider and Alert as notification.toolkit.fluxcd.io/v1 (the cluster serves them there: Flux 2.10 or later)",
            "info: [runtime] preflight: commit statuses: Provider and Alert as notification.toolkit.fluxcd.io/v1beta3 (the cluster serves no v1 Alert and Provider: Flux 2.9 or older; after an upgrade to Flux 2.10 the next update moves them to v1 in place)",
        ]);
    });
});
