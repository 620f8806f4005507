// Benchmark (issue 10.2): token rotation under a steady stream of pushes (one every 250 ms through
// the GitHub stand-in) while one `up` rotates the token, ROTATIONS times on one sandbox. Prints the
// deliveries that did not get 200 and the seconds from the stream's end until its last commit is
// applied. Asserts nothing. (Also runs against an older checkout of the program, for a before/after.)
import * as path from "path";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { Clone } from "../standins/gitServer";
import { table } from "./stats";

const rotations = Number(process.env.ROTATIONS ?? 3);

async function main(): Promise<void> {
    const sb = await startSandbox({ quiet: true });
    try {
        const s = await sandboxStack(sb, "rotation", sandboxConfig(sb));
        sb.beforeStop(async () => void (await s.stack.destroy()));
        await s.stack.up();
        const clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
        const applied = async () => (await sb.controlPlane.api.get<{ status?: { lastAppliedRevision?: string } }>(paths.kustomization("flux-system", "vote-staging")))?.status?.lastAppliedRevision ?? "";
        const rows: string[][] = [];
        for (let r = 1; r <= rotations; r++) {
            const codes: number[] = [];
            let streaming = true;
            let n = 0;
            let last = "";
            const pusher = (async () => {
                while (streaming) {
                    const started = Date.now();
                    const pushed = await clone.commitAndPush({ "deploy/vote/staging/stream.txt": `rotation ${r} push ${++n}\n` }, `stream ${r}.${n}`);
                    last = pushed.after;
                    for (const d of await sb.github.deliverPush(SandboxOwner, "instavote", pushed)) codes.push(d.statusCode);
                    await new Promise((res) => setTimeout(res, Math.max(0, 250 - (Date.now() - started))));
                }
            })();
            s.setConfig(sandboxConfig(sb, { tokenRotation: `bench-rotation-${r}` }));
            const t = Date.now();
            await s.stack.up();
            const upSeconds = (Date.now() - t) / 1000;
            await new Promise((res) => setTimeout(res, 1000));
            streaming = false;
            await pusher;
            const ended = Date.now();
            let appliedAfter = "not within 60 s";
            try {
                await waitFor(`last commit ${last}`, async () => ((await applied()).endsWith(last) ? true : undefined), 60000, 10);
                appliedAfter = ((Date.now() - ended) / 1000).toFixed(2);
            } catch {
                // reported in the table: a push whose delivery failed waits for the next poll (1h here)
            }
            const failed = codes.filter((c) => c !== 200);
            rows.push([String(r), String(codes.length), `${failed.length}${failed.length ? ` (${failed.join(", ")})` : ""}`, upSeconds.toFixed(1), appliedAfter]);
        }
        console.log("\ntoken rotation under a stream of pushes (one every 250 ms)\n");
        console.log(table(["rotation", "deliveries", "not 200", "up (s)", "stream end -> last commit applied (s)"], rows));
    } finally {
        await sb.stop();
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
