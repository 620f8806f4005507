// `actionsWorkflowDelivery: commit`: the stack writes the generated workflow to the application
// repository through GitHub's contents API (PUT /repos/{o}/{r}/contents/{path}, with the blob SHA
// when the file exists) and removes it on destroy if it still holds what the stack wrote. GitHub
// guards `.github/workflows/`: the token needs "Workflows: write" besides "Contents: write"
// (classic: the `workflow` scope), and answers 404 without it.
import { createHash } from "crypto";
import { GitHubCall } from "./actionsProof";
import { appPermissionFix, GitHubResponse } from "./github";

export interface WorkflowFileInputs {
    readonly owner: string;
    readonly repository: string;
    readonly path: string;
    readonly branch: string;
    readonly content: string;
}

export interface WorkflowFileState {
    /** The blob SHA of the file as the stack left it. */
    readonly sha: string;
    /** The commit the stack made; "" when the file already held this content. */
    readonly commit: string;
}

/** Git's blob id of a text (what the contents API calls the file's `sha`). */
export function gitBlobSha(content: string): string {
    const body = Buffer.from(content, "utf8");
    return createHash("sha1").update(`blob ${body.length}\0`).update(body).digest("hex");
}

/** What the refused call needed: a token's permissions, or what to add to the GitHub App. */
function permission(res: GitHubResponse<unknown>): string {
    if (res.auth === "app") return appPermissionFix(res, "\"Contents: read and write\" and \"Workflows: read and write\" (GitHub answers 404 to changes of .github/workflows without Workflows)");
    return "the token needs \"Contents: read and write\" and \"Workflows: read and write\" on the repository (classic: the repo and workflow scopes); GitHub answers 404 to a token that may not change .github/workflows";
}

function said(res: { status: number; body: unknown }): string {
    const message = (res.body as { message?: string } | undefined)?.message;
    return `GitHub answered ${res.status}${message ? ` "${message}"` : ""}`;
}

async function currentSha(gh: GitHubCall, i: WorkflowFileInputs): Promise<string | undefined> {
    const res = await gh<{ sha?: string }>("GET", `repos/${i.owner}/${i.repository}/contents/${i.path}?ref=${encodeURIComponent(i.branch)}`);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`reading ${i.path} of ${i.owner}/${i.repository}: ${said(res)}; ${permission(res)}`);
    return res.body.sha;
}

/** Writes the file on the branch unless it already holds exactly this content; retries once on a concurrent change (409). */
export async function commitWorkflow(gh: GitHubCall, i: WorkflowFileInputs, message: string): Promise<WorkflowFileState> {
    const want = gitBlobSha(i.content);
    for (let attempt = 0; ; attempt++) {
        const sha = await currentSha(gh, i);
        if (sha === want) return { sha, commit: "" };
        const res = await gh<{ content?: { sha?: string }; commit?: { sha?: string } }>("PUT", `repos/${i.owner}/${i.repository}/contents/${i.path}`, {
            message, content: Buffer.from(i.content, "utf8").toString("base64"), branch: i.branch, ...(sha ? { sha } : {}),
        });
        if (res.status === 200 || res.status === 201) return { sha: res.body.content?.sha ?? want, commit: res.body.commit?.sha ?? "" };
        if (res.status === 409 && attempt === 0) continue;
        throw new Error(`committing ${i.path} to ${i.owner}/${i.repository} (${i.branch}): ${said(res)}` + (res.status === 404 || res.status === 403 ? `; ${permission(res)}` : ""));
    }
}

/**
 * Deletes the file if the stack wrote it (a commit of its own) and it still holds what the stack
 * wrote (`sha`). A file a person had committed before (the stack only found it: commit "") and one
 * someone changed since are theirs, and are left alone. Returns what it did.
 */
export async function removeWorkflow(gh: GitHubCall, i: Omit<WorkflowFileInputs, "content">, state: WorkflowFileState, message: string): Promise<"deleted" | "gone" | "changed" | "not-ours"> {
    if (state.commit === "") return "not-ours";
    const sha = state.sha;
    const current = await currentSha(gh, { ...i, content: "" });
    if (current === undefined) return "gone";
    if (current !== sha) return "changed";
    const res = await gh("DELETE", `repos/${i.owner}/${i.repository}/contents/${i.path}`, { message, sha, branch: i.branch });
    if (res.status === 200) return "deleted";
    if (res.status === 404) return "gone";
    throw new Error(`deleting ${i.path} from ${i.owner}/${i.repository} (${i.branch}): ${said(res)}; ${permission(res)}`);
}
