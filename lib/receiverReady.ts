// Waiting for a new Receiver to be served, robust to a missed first reconcile. notification-
// controller publishes `status.webhookPath` (and Ready) when it reconciles the Receiver; if that
// first reconcile is missed or fails, the next one comes only after `spec.interval` (10m by
// default) or an error backoff. So rather than only watch, the wait asks for a reconcile the way
// `flux reconcile receiver` does (annotation reconcile.fluxcd.io/requestedAt) whenever the path
// has not appeared for a while, and gives up with what the Receiver's Ready condition says.
import { apiPaths, ClusterClient } from "./cluster";
import { ReconcileRequestedAtAnnotation } from "./flux";

interface ReceiverView {
    metadata?: { annotations?: Record<string, string> };
    status?: { webhookPath?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface ReadyWaitOptions {
    /** Give up after this long (ms). */
    readonly timeoutMs: number;
    /** Ask for a reconcile when the path has not appeared for this long (ms), and again after each such period. */
    readonly nudgeAfterMs: number;
    readonly pollMs: number;
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
    /** Where the wait reports a nudge. */
    readonly log?: (message: string) => void;
}

export const DefaultReadyWait: ReadyWaitOptions = { timeoutMs: 180000, nudgeAfterMs: 15000, pollMs: 250 };

export interface ReadyWaitResult {
    readonly webhookPath: string;
    /** Reconcile requests it took (0 when the controller was on time). */
    readonly nudges: number;
    readonly seconds: number;
}

/** Waits until the Receiver is Ready with a webhook path; nudges; throws a message that says what is wrong. */
export async function waitForReceiver(cluster: ClusterClient, namespace: string, name: string, o: ReadyWaitOptions = DefaultReadyWait): Promise<ReadyWaitResult> {
    const now = o.now ?? Date.now;
    const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const path = apiPaths.receiver(namespace, name);
    const started = now();
    let lastNudge = started;
    let nudges = 0;
    let last: ReceiverView | undefined;
    for (;;) {
        const res = await cluster.get(path);
        last = res.status === 200 ? (res.body as ReceiverView) : undefined;
        const ready = last?.status?.conditions?.find((c) => c.type === "Ready");
        if (last?.status?.webhookPath && ready?.status === "True") {
            return { webhookPath: last.status.webhookPath, nudges, seconds: (now() - started) / 1000 };
        }
        if (now() - started >= o.timeoutMs) break;
        if (now() - lastNudge >= o.nudgeAfterMs && res.status === 200) {
            const at = new Date(now()).toISOString();
            await cluster.patch(path, { metadata: { annotations: { [ReconcileRequestedAtAnnotation]: at } } }, "merge");
            nudges++;
            lastNudge = now();
            o.log?.(`Receiver ${namespace}/${name} has no webhook path after ${Math.round((now() - started) / 1000)} s: requested a reconcile (${ReconcileRequestedAtAnnotation}: ${at}), as \`flux reconcile receiver\` does`);
        }
        await sleep(o.pollMs);
    }
    const ready = last?.status?.conditions?.find((c) => c.type === "Ready");
    const said = ready ? `its Ready condition is ${ready.status} (${ready.reason ?? ""}: ${ready.message ?? ""})` : last ? "it has no Ready condition: notification-controller has not reconciled it" : "it does not exist";
    throw new Error(`Receiver ${namespace}/${name} published no webhook path within ${o.timeoutMs / 1000} s despite ${nudges} reconcile request(s); ${said}. ` +
        `Check that notification-controller runs (\`kubectl -n ${namespace} get deploy notification-controller\`, its logs) and \`flux get receivers -n ${namespace}\``);
}
