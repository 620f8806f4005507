// Diagnostic (issue 12.3): `up` of the sandbox stack from nothing, RUNS times, each on a fresh
// sandbox (control plane, Flux, stand-ins started anew), as a new user's first `up` is. Prints per
// run the `up` time, the result, and how long notification-controller took to publish the
// Receiver's webhook path after the Receiver was created; keeps the logs of a failed run.
import { paths } from "../cluster/kubeApi";
import { startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { median, table } from "./stats";

const runs = Number(process.env.RUNS ?? 5);

interface ReceiverObject { metadata: { name: string; creationTimestamp: string }; status?: { webhookPath?: string; conditions?: { type: string; status: string; lastTransitionTime: string; reason?: string }[] } }

async function main(): Promise<void> {
    const rows: string[][] = [];
    const ups: number[] = [];
    let failed = 0;
    for (let i = 1; i <= runs; i++) {
        const sb = await startSandbox({ quiet: true, keep: true });
        let result = "ok";
        let seconds = 0;
        let pathAfter = "";
        try {
            const s = await sandboxStack(sb, "fresh", sandboxConfig(sb));
            const started = Date.now();
            try {
                await s.stack.up();
            } catch (err) {
                failed++;
                result = `FAILED: ${String((err as Error).message).split("\n").filter((l) => /error|timed out|waitFor/i.test(l)).slice(0, 2).join(" / ").slice(0, 160)} (logs: ${sb.dir})`;
            }
            seconds = (Date.now() - started) / 1000;
            ups.push(seconds);
            const list = await sb.controlPlane.api.get<{ items: ReceiverObject[] }>(paths.receivers("flux-system"));
            for (const r of list?.items ?? []) {
                const ready = r.status?.conditions?.find((c) => c.type === "Ready");
                pathAfter = ready ? `${(Date.parse(ready.lastTransitionTime) - Date.parse(r.metadata.creationTimestamp)) / 1000} s (${ready.status} ${ready.reason ?? ""})` : "never Ready";
            }
            if (result === "ok") await s.stack.destroy();
        } finally {
            await sb.stop();
        }
        rows.push([String(i), seconds.toFixed(1), pathAfter, result]);
        console.log(rows[rows.length - 1].join("  "));
    }
    console.log(`\n\`up\` from nothing on a fresh sandbox, ${runs} runs: ${failed} failed; median ${median(ups).toFixed(1)} s\n`);
    console.log(table(["run", "up (s)", "Receiver created -> Ready", "result"], rows));
}

main().catch((err: Error) => {
    console.error(err);
    process.exit(1);
});
