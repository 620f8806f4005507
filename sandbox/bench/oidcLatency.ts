// Benchmark (issue 17): push -> applied revision through the Actions OIDC trigger, beside the
// webhook path, in one run on one sandbox (one stack, one repository with both triggers), and the
// cost of the proof at `up`. Webhook sample: commit + push, GitHub's signed `push` delivered to the
// hook only. OIDC sample: commit + push, GitHub Actions told of the push only (the pushed commit's
// workflow runs on the stand-in runner: a shell with the real flux CLI, whose request reaches
// notification-controller through the cluster-network stand-in). Both timed until the
// Kustomization's lastAppliedRevision names the commit and the Deployment has the new replicas
// (intervals 1h). Samples alternate. Prints tables; asserts nothing.
//
// The Actions numbers are a floor: the stand-in runner starts a job at once; a real runner adds its
// pickup time (GitHub-hosted: seconds; an Actions Runner Controller scale set at zero: a pod start).
import * as path from "path";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { SandboxOwner, SandboxRunner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { pushPayload } from "../standins/githubApi";
import { Clone, voteDeployment } from "../standins/gitServer";
import { percentile, table } from "./stats";

const pushes = Number(process.env.PUSHES ?? 20);
const proofs = Number(process.env.PROOFS ?? 5);

async function main(): Promise<void> {
    const sb = await startSandbox({ quiet: true });
    try {
        const config = (extra: Record<string, unknown> = {}) => sandboxConfig(sb, {
            actionsRunners: [{ job: "sandbox", runsOn: SandboxRunner.labels }],
            // The stack commits the workflow itself, so no person has to.
            actionsWorkflowDelivery: "commit",
            repositories: [{
                name: "instavote", url: sb.repositories.instavote, branch: "main", triggers: ["webhook", "actions-oidc"],
                kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", prune: true, targetNamespace: "instavote", createTargetNamespace: true }],
            }],
            ...extra,
        });
        const s = await sandboxStack(sb, "bench-oidc", config());
        sb.beforeStop(async () => void (await s.stack.destroy()));
        const firstUp = Date.now();
        await s.stack.up();
        const firstUpSeconds = (Date.now() - firstUp) / 1000;
        await sb.actions.idle();
        const clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
        const [hook] = sb.github.listHooks(SandboxOwner, "instavote");
        const repoId = sb.github.repository(SandboxOwner, "instavote")?.id ?? 0;

        let replicas = 2;
        const runnerStart: number[] = [];
        const jobTime: number[] = [];
        const measure = async (via: "webhook" | "actions") => {
            replicas = replicas === 2 ? 5 : 2;
            const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(replicas) }, `bench: ${replicas}`);
            const started = process.hrtime.bigint();
            const startedMs = Date.now();
            if (via === "webhook") {
                const d = await sb.github.deliverEvent(hook.id, "push", pushPayload(SandboxOwner, "instavote", { before, after }, repoId));
                if (d.statusCode !== 200) throw new Error(`delivery answered ${d.statusCode}`);
            } else {
                sb.actions.handlePush(SandboxOwner, "instavote", { ref: "refs/heads/main", before, after });
            }
            await waitFor(`applied ${after}`, async () => {
                const ks = await sb.controlPlane.api.get<{ status?: { lastAppliedRevision?: string } }>(paths.kustomization("flux-system", "vote-staging"));
                const dep = await sb.controlPlane.api.get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote"));
                return ks?.status?.lastAppliedRevision?.endsWith(after) && dep?.spec.replicas === replicas ? true : undefined;
            }, 120000, 20);
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            if (via === "actions") {
                await sb.actions.idle();
                const job = sb.actions.runs.filter((r) => r.headSha === after).pop()?.jobs[0];
                if (job?.conclusion !== "success") throw new Error(`the job for ${after} concluded ${job?.conclusion}: ${job?.log.join("\n")}`);
                runnerStart.push(((job.startedMs ?? startedMs) - startedMs) / 1000);
                jobTime.push(((job.completedMs ?? 0) - (job.startedMs ?? 0)) / 1000);
            }
            return seconds;
        };

        const webhook: number[] = [];
        const actions: number[] = [];
        for (let i = 0; i < pushes; i++) {
            webhook.push(await measure("webhook"));
            actions.push(await measure("actions"));
        }

        // The proof at `up`: a new deliveryCheckTrigger runs it (and the hook's delivery check) again.
        const upSeconds: number[] = [];
        const proofSeconds: number[] = [];
        for (let i = 0; i < proofs; i++) {
            s.setConfig(config({ deliveryCheckTrigger: `bench-${i}` }));
            const t = Date.now();
            const res = await s.stack.up();
            upSeconds.push((Date.now() - t) / 1000);
            const repo = (res.outputs.repositories.value as Record<string, { actions: { proof: { ok: boolean; seconds: number; message: string } } }>).instavote;
            if (!repo.actions.proof.ok) throw new Error(repo.actions.proof.message);
            proofSeconds.push(repo.actions.proof.seconds);
        }
        s.setConfig(config({ deliveryCheckTrigger: `bench-${proofs - 1}` }));
        const quiet: number[] = [];
        for (let i = 0; i < 3; i++) {
            const t = Date.now();
            await s.stack.up();
            quiet.push((Date.now() - t) / 1000);
        }

        const row = (name: string, t: number[]) => [name, String(t.length), percentile(t, 50).toFixed(2), percentile(t, 95).toFixed(2), Math.max(...t).toFixed(2)];
        console.log(`\npush -> applied revision, seconds (${new Date().toISOString().slice(0, 10)}, ${process.env.BENCH_MACHINE ?? "this machine"}; sandbox: real Flux 2.9 controllers and flux CLI, stand-ins for GitHub, Actions, the runner and the Git host)\n`);
        console.log(table(["path", "runs", "p50", "p95", "max"], [
            row("webhook (GitHub's signed push delivered to the NodePort)", webhook),
            row("Actions OIDC (job: flux trigger receiver, generic-oidc)", actions),
            row("  of which: push -> stand-in runner starts the job", runnerStart),
            row("  job run time (setup + flux trigger receiver)", jobTime),
        ]));
        console.log("\nthe proof at `up` (dispatch -> reconcile request), seconds\n");
        console.log(table(["what", "runs", "p50", "p95", "max"], [
            row("proof itself (ActionsProof)", proofSeconds),
            row("`up` that re-runs the proof (and the hook's delivery check)", upSeconds),
            row("`up` with nothing to do", quiet),
        ]));
        console.log(`\nfirst up (Receiver, workflow committed, proof): ${firstUpSeconds.toFixed(1)} s`);
    } finally {
        await sb.stop();
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
