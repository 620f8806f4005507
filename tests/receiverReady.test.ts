// Waiting for a new Receiver: done when it is Ready with a path; a reconcile request when the
// controller is late; a message that says why when it never comes.
import * as assert from "assert";
import { ApiResponse, ClusterClient } from "../lib/cluster";
import { waitForReceiver } from "../lib/receiverReady";

/** A cluster whose Receiver becomes Ready (with a path) at `readyAt` ms, on a fake clock. */
function scenario(readyAt: number | undefined, condition?: { status: string; reason: string; message: string }) {
    let clock = 0;
    const patches: { path: string; body: unknown; kind?: string }[] = [];
    const cluster: ClusterClient = {
        description: "fake",
        get: async (): Promise<ApiResponse> => {
            const ready = readyAt !== undefined && clock >= readyAt;
            return { status: 200, body: { status: ready ? { webhookPath: "/hook/abc", conditions: [{ type: "Ready", status: "True" }] } : { conditions: condition ? [{ type: "Ready", ...condition }] : [] } } };
        },
        patch: async (path, body, kind) => {
            patches.push({ path, body, kind });
            return { status: 200, body: {} };
        },
    };
    const opts = { timeoutMs: 60000, nudgeAfterMs: 15000, pollMs: 250, now: () => clock, sleep: async (ms: number) => void (clock += ms) };
    return { cluster, patches, opts };
}

describe("waiting for a new Receiver", () => {
    it("returns as soon as it is Ready with a webhook path, asking nothing", async () => {
        const { cluster, patches, opts } = scenario(1000);
        const r = await waitForReceiver(cluster, "flux-system", "instavote-0123456789", opts);
        assert.deepStrictEqual({ path: r.webhookPath, nudges: r.nudges, seconds: r.seconds }, { path: "/hook/abc", nudges: 0, seconds: 1 });
        assert.deepStrictEqual(patches, []);
    });

    it("a missed first reconcile: asks for one (as `flux reconcile receiver` does) every 15 s until the path appears", async () => {
        const { cluster, patches, opts } = scenario(40000);
        const r = await waitForReceiver(cluster, "flux-system", "instavote-0123456789", opts);
        assert.strictEqual(r.nudges, 2);
        assert.strictEqual(patches.length, 2);
        assert.strictEqual(patches[0].path, "/apis/notification.toolkit.fluxcd.io/v1/namespaces/flux-system/receivers/instavote-0123456789");
        assert.strictEqual(patches[0].kind, "merge", "a custom resource takes a JSON merge patch");
        assert.match(Object.values((patches[0].body as { metadata: { annotations: Record<string, string> } }).metadata.annotations)[0], /^1970-01-01T00:00:15/);
        assert.deepStrictEqual(Object.keys((patches[0].body as { metadata: { annotations: Record<string, string> } }).metadata.annotations), ["reconcile.fluxcd.io/requestedAt"]);
    });

    it("never ready: gives up at the timeout with the Ready condition's reason and where to look", async () => {
        const { cluster, opts } = scenario(undefined, { status: "False", reason: "TokenNotFound", message: "unable to read token from secret" });
        await assert.rejects(waitForReceiver(cluster, "flux-system", "instavote-0123456789", opts),
            /Receiver flux-system\/instavote-0123456789 published no webhook path within 60 s despite 3 reconcile request\(s\); its Ready condition is False \(TokenNotFound: unable to read token from secret\)\. Check that notification-controller runs/);
    });
});
