// Benchmark (issue 4): push -> applied revision latency, push-driven vs pull-only, in one run on
// one sandbox. Push path: commit + push, the GitHub stand-in delivers the signed `push` event,
// timed until the Kustomization's lastAppliedRevision names the commit and the Deployment has the
// new replicas (poll intervals 1h, so only the push can explain it). Pull path: the same without
// a delivery, the GitRepository's interval shortened to 1m. Prints a table; asserts nothing.
import * as path from "path";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { Clone, voteDeployment } from "../standins/gitServer";
import { percentile, table } from "./stats";

const pushes = Number(process.env.PUSHES ?? 20);
const pulls = Number(process.env.PULLS ?? 5);

async function main(): Promise<void> {
    const sb = await startSandbox({ quiet: true });
    try {
        const s = await sandboxStack(sb, "bench", sandboxConfig(sb));
        sb.beforeStop(async () => void (await s.stack.destroy()));
        await s.stack.up();
        const clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
        let replicas = 2;
        const measure = async (deliver: boolean, timeoutMs: number) => {
            replicas = replicas === 2 ? 5 : 2;
            const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(replicas) }, `bench: ${replicas}`);
            const started = process.hrtime.bigint();
            if (deliver) {
                const [d] = await sb.github.deliverPush(SandboxOwner, "instavote", { before, after });
                if (d?.statusCode !== 200) throw new Error(`delivery answered ${d?.statusCode}`);
            }
            await waitFor(`applied ${after}`, async () => {
                const ks = await sb.controlPlane.api.get<{ status?: { lastAppliedRevision?: string } }>(paths.kustomization("flux-system", "vote-staging"));
                const dep = await sb.controlPlane.api.get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote"));
                return ks?.status?.lastAppliedRevision?.endsWith(after) && dep?.spec.replicas === replicas ? true : undefined;
            }, timeoutMs, 20);
            return Number(process.hrtime.bigint() - started) / 1e9;
        };

        const pushTimes: number[] = [];
        for (let i = 0; i < pushes; i++) pushTimes.push(await measure(true, 60000));

        s.setConfig(sandboxConfig(sb, { gitRepositoryInterval: "1m" }));
        await s.stack.up();
        const pullTimes: number[] = [];
        for (let i = 0; i < pulls; i++) pullTimes.push(await measure(false, 3 * 60000));

        const row = (name: string, t: number[]) => [name, String(t.length), percentile(t, 50).toFixed(2), percentile(t, 95).toFixed(2), Math.max(...t).toFixed(2)];
        console.log("\npush -> applied revision (seconds; sandbox: real Flux controllers, GitHub and Git host stand-ins)\n");
        console.log(table(["path", "runs", "p50", "p95", "max"], [row("push (webhook delivered, intervals 1h)", pushTimes), row("pull only (no delivery, GitRepository interval 1m)", pullTimes)]));
        console.log(`\np50 ratio pull/push: ${(percentile(pullTimes, 50) / percentile(pushTimes, 50)).toFixed(0)}x; target push p50 <= 2 s, p95 <= 5 s: ${percentile(pushTimes, 50) <= 2 && percentile(pushTimes, 95) <= 5 ? "met" : "NOT met"}`);
    } finally {
        await sb.stop();
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
