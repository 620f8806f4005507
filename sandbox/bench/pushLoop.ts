// Benchmark (issue 10): what closing the loop costs and delivers, on one sandbox (real engine,
// kubernetes provider, API server, Flux 2.9; stand-ins for random/github, GitHub's API, the Git
// host, kube-proxy). Prints three tables; asserts nothing.
//   1. `up` time the delivery check adds: RUNS `up`s that only re-run the check (a new
//      deliveryCheckTrigger) against RUNS `up`s with nothing to do, medians.
//   2. push -> commit status visible at the GitHub stand-in, for PUSHES pushes: p50 / p95.
//   3. token rotation under a stream of pushes (one every 250 ms), ROTATIONS times: deliveries
//      that did not get 200, and seconds from the stream's end until its last commit is applied.
import * as path from "path";
import { waitFor } from "../cluster/processes";
import { SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { Clone, voteDeployment } from "../standins/gitServer";
import { RotationHeader, rotateUnderStream, rotationRow } from "./rotation";
import { median, percentile, table } from "./stats";

const runs = Number(process.env.RUNS ?? 5);
const pushes = Number(process.env.PUSHES ?? 20);
const rotations = Number(process.env.ROTATIONS ?? 3);

async function main(): Promise<void> {
    const sb = await startSandbox({ quiet: true });
    try {
        const statusToken = "ghp_bench_status";
        sb.github.addToken(statusToken, { type: "fine-grained", statuses: "write" });
        const s = await sandboxStack(sb, "bench", sandboxConfig(sb));
        await s.stack.setConfig("flux-push:commitStatusToken", { value: statusToken, secret: true });
        sb.beforeStop(async () => void (await s.stack.destroy()));
        await s.stack.up();
        const clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
        const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

        // 1. The delivery check's share of `up`.
        const still: number[] = [];
        const checked: number[] = [];
        const checkSeconds: number[] = [];
        for (let i = 0; i < runs; i++) {
            let t = process.hrtime.bigint();
            await s.stack.up();
            still.push(seconds(t));
            s.setConfig(sandboxConfig(sb, { deliveryCheckTrigger: `bench-${i}` }));
            t = process.hrtime.bigint();
            const res = await s.stack.up();
            checked.push(seconds(t));
            checkSeconds.push((res.outputs.repositories.value as Record<string, { deliveryCheck: { checkSeconds: number } }>).instavote.deliveryCheck.checkSeconds);
        }
        console.log(`\n1. \`up\` and the delivery check (GitHub's ping and its delivery read back), median of ${runs}\n`);
        console.log(table(["up", "median (s)", "min (s)", "max (s)"], [
            ["nothing to do", median(still).toFixed(2), Math.min(...still).toFixed(2), Math.max(...still).toFixed(2)],
            ["only the delivery check runs", median(checked).toFixed(2), Math.min(...checked).toFixed(2), Math.max(...checked).toFixed(2)],
            ["added by the check", (median(checked) - median(still)).toFixed(2), "", ""],
            ["the check itself (its checkSeconds output)", median(checkSeconds).toFixed(2), Math.min(...checkSeconds).toFixed(2), Math.max(...checkSeconds).toFixed(2)],
        ]));

        // 2. push -> commit status.
        const statusLatency: number[] = [];
        for (let i = 0; i < pushes; i++) {
            const pushed = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(i % 2 === 0 ? 5 : 2) }, `bench status ${i}`);
            const t = process.hrtime.bigint();
            const [d] = await sb.github.deliverPush(SandboxOwner, "instavote", pushed);
            if (d?.statusCode !== 200) throw new Error(`delivery answered ${d?.statusCode}`);
            await waitFor(`a success status on ${pushed.after}`, async () => (sb.github.listStatuses(SandboxOwner, "instavote", pushed.after).some((x) => x.state === "success") ? true : undefined), 30000, 10);
            statusLatency.push(seconds(t));
        }
        console.log(`\n2. push -> "success" commit status at the GitHub stand-in, ${pushes} pushes (goal p50 <= 1 s)\n`);
        console.log(table(["runs", "p50 (s)", "p95 (s)", "max (s)"], [[String(pushes), percentile(statusLatency, 50).toFixed(2), percentile(statusLatency, 95).toFixed(2), Math.max(...statusLatency).toFixed(2)]]));

        // 3. Rotation under a stream.
        const rows: string[][] = [];
        for (let r = 1; r <= rotations; r++) rows.push(rotationRow(String(r), await rotateUnderStream(sb, s, clone, `bench-rotation-${r}`)));
        console.log("\n3. token rotation under a stream of pushes (one every 250 ms)\n");
        console.log(table(RotationHeader, rows));
    } finally {
        await sb.stop();
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
