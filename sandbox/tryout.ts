// One command to try the project locally, with no cluster at hand: builds what is missing, starts
// the sandbox, runs `up` of a `sandbox` stack against it, prints the payload URL and how to push.
// Enter pushes the guide's change (vote replicas) and delivers it; Ctrl-C, or
// `npm run sandbox:down` from another terminal, destroys the stack and stops everything.
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { paths } from "./cluster/kubeApi";
import { waitFor } from "./cluster/processes";
import { SandboxOwner, startSandbox } from "./sandbox";
import { sandboxConfig, sandboxStack } from "./stack";
import { Clone, voteDeployment } from "./standins/gitServer";
import { buildToolchain } from "./toolchain";
import { pidFile } from "./tryout-pid";


async function main(): Promise<void> {
    buildToolchain();
    const sb = await startSandbox({ keep: process.env.KEEP_SANDBOX === "1" });
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    fs.writeFileSync(pidFile, String(process.pid));
    const s = await sandboxStack(sb, "sandbox", sandboxConfig(sb));
    sb.beforeStop(async () => {
        console.log("[sandbox] pulumi destroy ...");
        await s.stack.destroy({ onOutput: (o) => process.stdout.write(o) });
        fs.rmSync(pidFile, { force: true });
    });

    const res = await s.stack.up({ onOutput: (o) => process.stdout.write(o) });
    const repo = (res.outputs.repositories.value as Record<string, { payloadUrl: string }>).instavote;
    const clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
    console.log(`
The sandbox is up (stand-ins: random and github providers, GitHub's API, the Git host, kube-proxy).
  payload URL (registered at the GitHub stand-in): ${repo.payloadUrl}
  app repository (clone and push over HTTP):       ${sb.repositories.instavote}
  kubeconfig:                                       export KUBECONFIG=${sb.controlPlane.kubeconfig}

The guide's own checks, with the flux CLI v2.9.5 the toolchain built (in another terminal):
  export KUBECONFIG=${sb.controlPlane.kubeconfig}
  alias flux=${sb.tools.flux}
  flux get receivers -n flux-system                      # its MESSAGE names the webhook path above
  flux reconcile source git instavote -n flux-system
  flux reconcile kustomization vote-staging -n flux-system
  flux get kustomizations -n flux-system                 # REVISION: the SHA of your last push

Press Enter to push "vote replicas" (2 <-> 5) and deliver the push event;
Ctrl-C, or \`npm run sandbox:down\` in another terminal, to destroy the stack and stop everything.`);

    let replicas = 2;
    const rl = readline.createInterface({ input: process.stdin });
    rl.on("line", () => {
        void (async () => {
            replicas = replicas === 2 ? 5 : 2;
            const started = Date.now();
            const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(replicas) }, `vote: ${replicas} replicas`);
            const [delivery] = await sb.github.deliverPush(SandboxOwner, "instavote", { before, after });
            console.log(`pushed ${after.slice(0, 12)}; delivery answered ${delivery?.statusCode}`);
            await waitFor("the Kustomization to apply it", async () => {
                const ks = await sb.controlPlane.api.get<{ status?: { lastAppliedRevision?: string } }>(paths.kustomization("flux-system", "vote-staging"));
                return ks?.status?.lastAppliedRevision?.endsWith(after) ? true : undefined;
            }, 60000, 50);
            console.log(`vote-staging applied ${after.slice(0, 12)} (replicas ${replicas}) ${((Date.now() - started) / 1000).toFixed(2)} s after the push`);
        })().catch((err: Error) => console.error(err.message));
    });
}

main().catch((err: Error) => {
    console.error(`[sandbox] ${err.message}`);
    process.exit(1);
});
