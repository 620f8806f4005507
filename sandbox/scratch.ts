import { execFile } from "child_process";
import { promisify } from "util";
import { startSandbox, SandboxOwner } from "./sandbox";
import { sandboxConfig, sandboxStack } from "./stack";
const run = promisify(execFile);
async function main() {
    const sb = await startSandbox({ quiet: true });
    try {
        const s = await sandboxStack(sb, "scratch", sandboxConfig(sb));
        const res = await s.stack.up();
        console.log(JSON.stringify(res.outputs.repositories.value, null, 1).slice(0, 1500));
        const env = { ...process.env, KUBECONFIG: sb.controlPlane.kubeconfig };
        for (const args of [["get", "receivers", "-n", "flux-system"], ["get", "kustomizations", "-n", "flux-system"], ["reconcile", "source", "git", "instavote", "-n", "flux-system"], ["get", "sources", "git", "-n", "flux-system"]]) {
            try { const o = await run(sb.tools.flux, args, { env }); console.log("$ flux " + args.join(" ") + "\n" + o.stdout + o.stderr); } catch (e) { console.log("ERR", (e as Error).message); }
        }
        const st = await s.stack.exportStack();
        for (const r of (st.deployment as { resources: { type: string; outputs: unknown; inputs: unknown }[] }).resources) if (r.type.includes("dynamic")) { const o = { ...(r.outputs as Record<string, unknown>) }; delete o.__provider; console.log(r.type, JSON.stringify(o)); }
        console.log(sb.github.requests.slice(-20).join("\n"));
        console.log(sb.github.deliveries.map((d) => `${d.id} ${d.event} ${d.statusCode}`).join("\n"));
        await s.stack.destroy();
    } finally { await sb.stop(); }
}
main().catch((e) => { console.error(e); process.exit(1); });
