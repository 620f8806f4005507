// Measurement (issue 11): what notification-controller does when a Receiver's Secret changes in
// place, on the Flux set the sandbox runs (FLUX_PUSH_FLUX_SET=2.9 or 2.6). A labelled Secret
// (reconcile.fluxcd.io/watch: Enabled) and a Receiver are applied, then the Secret's token is
// replaced, and the script times how long the Receiver's status.webhookPath takes to follow,
// without any annotation on the Receiver. Prints one line; asserts nothing.
import { webhookPath } from "../../lib/flux";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { startSandbox } from "../sandbox";

async function main(): Promise<void> {
    const sb = await startSandbox({ quiet: true });
    try {
        const ns = "flux-system";
        const secret = (token: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "watch-test", namespace: ns, labels: { "reconcile.fluxcd.io/watch": "Enabled" } }, stringData: { token } });
        await sb.controlPlane.api.apply([secret("first-token-0123456789")] as never);
        await sb.controlPlane.api.apply([{
            apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", metadata: { name: "watch-test", namespace: ns },
            spec: { type: "github", events: ["ping", "push"], resources: [{ kind: "GitRepository", name: "flux-system" }], secretRef: { name: "watch-test" } },
        }] as never);
        const pathOf = async () => (await sb.controlPlane.api.get<{ status?: { webhookPath?: string } }>(paths.receiver(ns, "watch-test")))?.status?.webhookPath;
        await waitFor("the first path", async () => ((await pathOf()) === webhookPath("first-token-0123456789", "watch-test", ns) ? true : undefined), 30000, 50);
        const started = Date.now();
        await sb.controlPlane.api.apply([secret("second-token-0123456789")] as never);
        let result: string;
        try {
            await waitFor("the new path", async () => ((await pathOf()) === webhookPath("second-token-0123456789", "watch-test", ns) ? true : undefined), 60000, 20);
            result = `followed the Secret after ${((Date.now() - started) / 1000).toFixed(2)} s`;
        } catch {
            result = "did not follow the Secret within 60 s (it re-reads it only on its own reconcile: spec.interval, 10m by default)";
        }
        console.log(`Flux set ${process.env.FLUX_PUSH_FLUX_SET ?? "2.9"} (${sb.tools.notificationController.split("/").slice(-2, -1)[0]}): a labelled Secret's new token -> the Receiver's webhook path ${result}`);
    } finally {
        await sb.stop();
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
