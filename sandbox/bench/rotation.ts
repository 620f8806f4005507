// One token rotation under a steady stream of pushes (one every 250 ms through the GitHub
// stand-in), shared by bench:rotation and bench:loop.
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { Sandbox, SandboxOwner } from "../sandbox";
import { sandboxConfig, SandboxStack } from "../stack";
import { Clone } from "../standins/gitServer";

export interface RotationResult {
    /** Status code of every delivery of the stream. */
    readonly codes: readonly number[];
    readonly upSeconds: number;
    /** Seconds from the stream's end until its last commit was applied; undefined: not within 60 s. */
    readonly appliedAfter?: number;
}

export async function rotateUnderStream(sb: Sandbox, s: SandboxStack, clone: Clone, label: string): Promise<RotationResult> {
    const codes: number[] = [];
    let streaming = true;
    let n = 0;
    let last = "";
    const pusher = (async () => {
        while (streaming) {
            const started = Date.now();
            const pushed = await clone.commitAndPush({ "deploy/vote/staging/stream.txt": `${label} push ${++n}\n` }, `stream ${label}.${n}`);
            last = pushed.after;
            for (const d of await sb.github.deliverPush(SandboxOwner, "instavote", pushed)) codes.push(d.statusCode);
            await new Promise((res) => setTimeout(res, Math.max(0, 250 - (Date.now() - started))));
        }
    })();
    s.setConfig(sandboxConfig(sb, { tokenRotation: label }));
    const t = Date.now();
    try {
        await s.stack.up();
    } finally {
        await new Promise((res) => setTimeout(res, 1000)); // a few pushes after the switch too
        streaming = false;
        await pusher;
    }
    const upSeconds = (Date.now() - t) / 1000 - 1;
    const ended = Date.now();
    const applied = async () => (await sb.controlPlane.api.get<{ status?: { lastAppliedRevision?: string } }>(paths.kustomization("flux-system", "vote-staging")))?.status?.lastAppliedRevision ?? "";
    try {
        await waitFor(`last commit ${last}`, async () => ((await applied()).endsWith(last) ? true : undefined), 60000, 10);
        return { codes, upSeconds, appliedAfter: (Date.now() - ended) / 1000 };
    } catch {
        // A push whose delivery failed waits for the next poll (1h here): reported as such.
        return { codes, upSeconds };
    }
}

/** A table row: rotation, deliveries, not 200 (with the codes), up seconds, seconds until applied. */
export function rotationRow(label: string, r: RotationResult): string[] {
    const failed = r.codes.filter((c) => c !== 200);
    return [label, String(r.codes.length), `${failed.length}${failed.length ? ` (${failed.join(", ")})` : ""}`, r.upSeconds.toFixed(1), r.appliedAfter === undefined ? "not within 60 s" : r.appliedAfter.toFixed(2)];
}

export const RotationHeader = ["rotation", "deliveries", "not 200", "up (s)", "stream end -> last commit applied (s)"];
