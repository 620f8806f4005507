// The Actions OIDC trigger's own resources, served by the project's provider plugin (plugin/, as
// resources/githubHooks.ts's are): the workflow file the stack commits (`actionsWorkflowDelivery:
// commit`), and the proof at `up` that a dispatched run reaches the Receiver. Thin shims: the
// logic is in lib/actionsProof.ts and lib/workflowFile.ts. GitHub's REST base and credentials are
// the plugin provider's configuration (resources/pluginProvider.ts): the workflow file is removed
// with the stack's current token, whatever token committed it. The kubeconfig arrives as a
// (secret) input; the outputs hold only what the file and the proof are, never a credential.
// @pulumi/github's RepositoryFile would also follow the provider's credentials, but it does not
// fit: it refuses to create over a file that exists (or, with overwriteOnCreate, takes it over and
// deletes it on destroy), where this resource adopts a file a person committed with the same
// content and leaves it alone on destroy (lib/workflowFile.ts removeWorkflow).
import * as pulumi from "@pulumi/pulumi";
import { githubCall, ProofInputs, ProofResult, proofFingerprint, proveActionsTrigger } from "../lib/actionsProof";
import { clusterClient } from "../lib/cluster";
import { GitHubApiSettings, githubRequest } from "../lib/github";
import { commitWorkflow, removeWorkflow, WorkflowFileState } from "../lib/workflowFile";
import { fromDynamic, KubeconfigInputs } from "./githubHooks";
import { DynamicTypes, LifecycleContext, ResourceLifecycle, ResourceTypes } from "./lifecycle";

// Output fields are `declare`d (not `!`): an ES2022 class field would reset what the constructor set.

// ---- WorkflowFile: the generated workflow, committed ---------------------------------------------

export interface WorkflowFileArgs {
    readonly owner: pulumi.Input<string>;
    readonly repository: pulumi.Input<string>;
    readonly path: pulumi.Input<string>;
    readonly branch: pulumi.Input<string>;
    readonly content: pulumi.Input<string>;
}

export interface FileInputs { owner: string; repository: string; path: string; branch: string; content: string }
export interface FileOutputs extends FileInputs, WorkflowFileState {}

const commitMessage = (i: FileInputs, verb: string) => `${verb} ${i.path} (flux-push: the Actions OIDC trigger's workflow)`;
const call = (settings: GitHubApiSettings) => githubCall(settings, githubRequest);
/** Only what the file is: the inputs without anything else a caller's object carries. */
const fileInputs = (i: FileInputs): FileInputs => ({ owner: i.owner, repository: i.repository, path: i.path, branch: i.branch, content: i.content });

export const workflowFileProvider: ResourceLifecycle<FileInputs, FileOutputs> = {
    async diff(_id: string, olds: FileOutputs, news: FileInputs) {
        const moved = olds.owner !== news.owner || olds.repository !== news.repository || olds.path !== news.path || olds.branch !== news.branch;
        return { changes: moved || olds.content !== news.content, replaces: moved ? ["path"] : [], deleteBeforeReplace: false };
    },
    async create(i: FileInputs, ctx: LifecycleContext) {
        const state = await commitWorkflow(call(ctx.github()), fileInputs(i), commitMessage(i, "Add"));
        return { id: `${i.owner}/${i.repository}/${i.path}@${i.branch}`, outs: { ...fileInputs(i), ...state } };
    },
    async update(_id: string, olds: FileOutputs, i: FileInputs, ctx: LifecycleContext) {
        const state = await commitWorkflow(call(ctx.github()), fileInputs(i), commitMessage(i, "Update"));
        // Once the stack has written the file, it stays the stack's to remove.
        return { outs: { ...fileInputs(i), ...state, commit: state.commit || olds.commit } };
    },
    async delete(_id: string, olds: FileOutputs, ctx: LifecycleContext) {
        await removeWorkflow(call(ctx.github()), olds, olds, commitMessage(olds, "Remove"));
    },
    // Versions before the plugin's provider kept the token and REST base they committed with.
    formerOutputs: ["apiBaseUrl", "token"],
};

/** The generated workflow in the application repository, committed through the contents API. */
export class WorkflowFile extends pulumi.CustomResource {
    declare public readonly sha: pulumi.Output<string>;
    declare public readonly commit: pulumi.Output<string>;
    constructor(name: string, args: WorkflowFileArgs, opts?: pulumi.CustomResourceOptions) {
        super(ResourceTypes.workflowFile, name, { ...args, sha: undefined, commit: undefined }, fromDynamic(DynamicTypes.workflowFile, opts));
    }
}

// ---- ActionsProof: dispatch once, wait for the reconcile -------------------------------------

export interface ActionsProofArgs {
    readonly owner: pulumi.Input<string>;
    readonly proof: pulumi.Input<ProofInputs>;
    readonly mode: "fail" | "warn";
    /** Digest of the Receiver's spec: a new spec is proven again. */
    readonly receiverSpecDigest: pulumi.Input<string>;
    /** Any label: a new one runs the proof again (deliveryCheckTrigger). */
    readonly trigger: pulumi.Input<string>;
    /** The cluster, as the program reads it (`kubernetes:kubeconfig`, secret, and `kubernetes:context`). */
    readonly cluster: KubeconfigInputs;
}

export interface ProofProviderInputs {
    owner: string; proof: ProofInputs; mode: "fail" | "warn"; receiverSpecDigest: string; trigger: string;
    kubeconfig?: string; context?: string;
}
export interface ProofOutputs extends ProofResult { fingerprint: string; mode: string }

function fingerprint(i: ProofProviderInputs): string {
    return proofFingerprint(i.proof, i.receiverSpecDigest, i.trigger);
}

async function prove(i: ProofProviderInputs, settings: GitHubApiSettings): Promise<ProofOutputs> {
    const gh = githubCall(settings, githubRequest);
    const cluster = clusterClient({ kubeconfig: i.kubeconfig || undefined, context: i.context || undefined });
    const result = await proveActionsTrigger(i.proof, gh, cluster);
    // A workflow not committed yet (output delivery) is a step left to a person, not a failure: warn and prove on the next `up`.
    if (!result.ok && i.mode === "fail" && result.state !== "not-committed" && result.state !== "outdated") throw new Error(result.message);
    return { ...result, fingerprint: fingerprint(i), mode: i.mode };
}

export const actionsProofProvider: ResourceLifecycle<ProofProviderInputs, ProofOutputs> = {
    async diff(_id: string, olds: ProofOutputs, news: ProofProviderInputs) {
        // Again when what it proves changes, and while the last proof did not succeed.
        return { changes: olds.fingerprint !== fingerprint(news) || !olds.ok || olds.mode !== news.mode };
    },
    async create(i: ProofProviderInputs, ctx: LifecycleContext) {
        return { id: `${i.owner}/${i.proof.repository}/${i.proof.job}`, outs: await prove(i, ctx.github()) };
    },
    async update(_id: string, _olds: ProofOutputs, i: ProofProviderInputs, ctx: LifecycleContext) {
        return { outs: await prove(i, ctx.github()) };
    },
};

/** Dispatches the workflow once and waits until the cluster shows the reconcile request it caused. */
export class ActionsProof extends pulumi.CustomResource {
    declare public readonly ok: pulumi.Output<boolean>;
    declare public readonly state: pulumi.Output<string>;
    declare public readonly message: pulumi.Output<string>;
    declare public readonly seconds: pulumi.Output<number>;
    declare public readonly runId: pulumi.Output<number | undefined>;
    declare public readonly jobConclusion: pulumi.Output<string | undefined>;
    declare public readonly receiverStatus: pulumi.Output<number | undefined>;
    constructor(name: string, args: ActionsProofArgs, opts?: pulumi.CustomResourceOptions) {
        const { cluster, ...rest } = args;
        super(ResourceTypes.actionsProof, name, {
            ...rest,
            // "" for unset: the provider then reads KUBECONFIG / ~/.kube/config / in-cluster, as the program does.
            kubeconfig: cluster.kubeconfig !== undefined ? pulumi.secret(cluster.kubeconfig) : "",
            context: cluster.context ?? "",
            ok: undefined, state: undefined, message: undefined, seconds: undefined, runId: undefined, jobConclusion: undefined, receiverStatus: undefined,
        }, fromDynamic(DynamicTypes.actionsProof, opts));
    }
}
