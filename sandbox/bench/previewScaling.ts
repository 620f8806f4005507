// Benchmark (issue 7): wall time of `pulumi preview` with no changes, for an empty program and for
// the stack with 1, 10 and 50 repositories, medians of RUNS runs in one session, with the ratio to
// the empty program. Prints a table; asserts nothing.
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import { Sandbox, SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { median, table } from "./stats";

const runs = Number(process.env.RUNS ?? 5);
const sizes = (process.env.SIZES ?? "1,10,50").split(",").map(Number);

async function timePreviews(preview: () => Promise<unknown>): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        await preview();
        times.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    return times;
}

async function emptyProgram(sb: Sandbox): Promise<number[]> {
    const workDir = path.join(sb.dir, "empty");
    fs.mkdirSync(workDir, { recursive: true });
    const cliRoot = path.join(sb.dir, "pulumi-cli");
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "empty", projectName: "empty", program: async () => ({}) },
        { workDir, envVars: sb.pulumiEnv, pulumiHome: sb.pulumiEnv.PULUMI_HOME, pulumiCommand: await PulumiCommand.get({ root: cliRoot }) },
    );
    await stack.up();
    return timePreviews(() => stack.preview({ expectNoChanges: true }));
}

async function main(): Promise<void> {
    const sb = await startSandbox({ quiet: true });
    const rows: { name: string; times: number[]; resources: number }[] = [];
    const knownApps = new Set<number>();
    try {
        // The copies share the app's namespace: made here, as a cluster would already have it.
        await sb.controlPlane.api.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "instavote" } }]);
        for (const n of sizes) {
            // GitHub (the stand-in, as strict as GitHub) knows only repositories that exist.
            for (let i = 0; i < n; i++) {
                if (!knownApps.has(i)) sb.github.addRepository(SandboxOwner, `app-${i}`);
                knownApps.add(i);
            }
            const repositories = Array.from({ length: n }, (_, i) => ({
                name: `app-${i}`,
                url: sb.repositories.instavote,
                // prune off: the copies share one Deployment, and deleting one must not garbage-collect it.
                kustomizations: [{ name: `app-${i}-staging`, path: "./deploy/vote/staging", targetNamespace: "instavote", prune: false }],
            }));
            const s = await sandboxStack(sb, `scale-${n}`, sandboxConfig(sb, { repositories }));
            const up = await s.stack.up();
            const resources = Object.values(up.summary.resourceChanges ?? {}).reduce((a, b) => a + b, 0);
            rows.push({ name: `${n} repositor${n === 1 ? "y" : "ies"}`, times: await timePreviews(() => s.stack.preview({ expectNoChanges: true })), resources });
            await s.stack.destroy();
        }
        // After the stack runs, so the empty program's stack shares the same warm CLI and plugin cache.
        rows.unshift({ name: "empty program", times: await emptyProgram(sb), resources: 1 });
        const base = median(rows[0].times);
        console.log(`\n\`pulumi preview\` (no changes), median of ${runs} runs (sandbox: real CLI, kubernetes provider and API server; random/github stand-ins)\n`);
        console.log(table(["program", "resources", "median (s)", "min (s)", "max (s)", "ratio to empty"],
            rows.map((r) => [r.name, String(r.resources), median(r.times).toFixed(2), Math.min(...r.times).toFixed(2), Math.max(...r.times).toFixed(2), `${(median(r.times) / base).toFixed(1)}x`])));
    } finally {
        await sb.stop();
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
