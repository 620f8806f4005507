import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ActionsConfig } from "../lib/actionsConfig";
import { ProofInputs } from "../lib/actionsProof";
import { ClusterClient } from "../lib/cluster";
import { ReceiverApiVersion } from "../lib/flux";
import { actionsReceiverName, actionsValidations, OidcReceiverSpec, oidcReceiverSpec, OidcValidation, oidcWebhookPath, receiverSpecDigest } from "../lib/oidc";
import { renderWorkflow } from "../lib/workflow";
import { KubeconfigInputs } from "../resources/githubHooks";
import { ActionsProof, WorkflowFile } from "../resources/actionsTrigger";
import { receiverReadyHook } from "./pushReceiver";

export interface ActionsTriggerArgs {
    /** Namespace of notification-controller; part of the webhook path. */
    readonly namespace: string;
    /** The repository entry's name: the Receiver is `<name>-actions`. */
    readonly repositoryName: string;
    /** The GitRepository to reconcile; resolves once it exists. */
    readonly gitRepositoryName: pulumi.Input<string>;
    /** The tracked branch (the workflow's push filter and the validations' ref); undefined: any. */
    readonly branch?: string;
    /** GitHub repository (under `github:owner`) whose workflow triggers the Receiver. */
    readonly githubRepository: string;
    /**
     * The account that owns the repository (`github:owner`). The workflow file's and the proof's
     * GitHub REST base and credentials are the plugin provider's, given in this component's
     * `providers` option (resources/pluginProvider.ts).
     */
    readonly githubOwner: pulumi.Input<string>;
    /** The validated actions* settings. */
    readonly actions: ActionsConfig;
    /** The Actions OIDC issuer (actionsOidcIssuer, or derived from github:baseUrl). */
    readonly issuer: pulumi.Input<string>;
    /** CEL validations replacing the stack's own (repositories[].actionsValidations). */
    readonly validations?: readonly OidcValidation[];
    /** Any label: a new one runs the proof again (deliveryCheckTrigger). */
    readonly proofTrigger: string;
    /** The cluster, to wait for the new Receiver; absent under unit tests. */
    readonly cluster?: ClusterClient;
    /** `kubernetes:kubeconfig` (secret) and `kubernetes:context`, for the proof's own reads of the cluster. */
    readonly kubeconfig: KubeconfigInputs;
}

/** The workflow as a stack output: what a person commits (output delivery) or what the stack committed. */
export interface ActionsWorkflowOutput {
    readonly path: string;
    readonly branch: string;
    readonly delivery: "output" | "commit";
    readonly content: string;
}

/** The proof's last result, as a stack output. */
export interface ActionsProofResult {
    readonly mode: "fail" | "warn" | "off";
    readonly ok?: boolean;
    readonly state?: string;
    readonly seconds?: number;
    readonly runId?: number;
    readonly jobConclusion?: string;
    readonly message?: string;
}

/**
 * A repository's Actions OIDC trigger: a `generic-oidc` Receiver that admits only this
 * repository's own workflow on the tracked branch (no Secret, no hook, nothing exposed), the
 * workflow that calls it (output for a person to commit, or committed), and the proof at `up`
 * that a dispatched run reaches it.
 */
export class ActionsTrigger extends pulumi.ComponentResource {
    public readonly receiverName: pulumi.Output<string>;
    /** `/hook/` + sha256("" + name + namespace): not secret, the token is the guard. */
    public readonly webhookPath: pulumi.Output<string>;
    public readonly validations: pulumi.Output<OidcValidation[]>;
    public readonly workflow: pulumi.Output<ActionsWorkflowOutput>;
    public readonly proof: pulumi.Output<ActionsProofResult>;

    constructor(name: string, args: ActionsTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:ActionsTrigger", name, {}, opts);
        const self = { parent: this };
        const { actions, namespace } = args;
        const receiverName = actionsReceiverName(args.repositoryName);

        // GitHub's own spelling, id and default branch: token claims carry them, and the id survives renames.
        const repo = github.getRepositoryOutput({ fullName: pulumi.interpolate`${args.githubOwner}/${args.githubRepository}` }, self);
        const ref = repo.defaultBranch.apply((d) => args.branch ?? d);
        this.validations = pulumi.all([repo.fullName, repo.repoId, args.githubOwner]).apply(([fullName, repositoryId, owner]) => {
            // getRepository comes back empty (no error) for a repository the token cannot see.
            if (!repositoryId || !fullName) {
                throw new Error(`GitHub shows no repository ${owner}/${args.githubRepository} to this token: check github:owner, the repository name (githubRepository) and the token's access`);
            }
            return [...(args.validations ?? actionsValidations({
                fullName, repositoryId, workflowPath: actions.workflowPath, ...(args.branch !== undefined ? { branch: args.branch } : {}),
            }))];
        });
        const spec = pulumi.all([args.gitRepositoryName, args.issuer, this.validations])
            .apply(([gitRepository, issuer, validations]): OidcReceiverSpec => oidcReceiverSpec(gitRepository, issuer, actions.audience, validations));

        const receiver = new k8s.apiextensions.CustomResource(`${name}-actions-receiver`, {
            apiVersion: ReceiverApiVersion,
            kind: "Receiver",
            metadata: { name: receiverName, namespace },
            spec,
        }, { ...self, hooks: { afterCreate: [receiverReadyHook(args.cluster)] } });
        this.receiverName = receiver.metadata.name;
        this.webhookPath = pulumi.all([receiver.metadata.name, receiver.metadata.namespace]).apply(([n, ns]) => oidcWebhookPath(n, ns));

        const content = renderWorkflow({
            repositoryName: args.repositoryName, path: actions.workflowPath, ...(args.branch !== undefined ? { branch: args.branch } : {}),
            receiverName, namespace, audience: actions.audience, runners: actions.runners,
        });
        const gates: pulumi.Resource[] = [receiver];
        if (actions.delivery === "commit") {
            // After the Receiver exists: the commit is a push, and its run should find the Receiver served.
            const file = new WorkflowFile(`${name}-workflow-file`, {
                owner: args.githubOwner, repository: args.githubRepository, path: actions.workflowPath, branch: ref, content,
            }, { ...self, dependsOn: [receiver] });
            gates.push(file);
        }
        this.workflow = ref.apply((branch) => ({ path: actions.workflowPath, branch, delivery: actions.delivery, content }));

        if (actions.check.mode === "off") {
            this.proof = pulumi.output({ mode: "off" as const });
        } else {
            const mode = actions.check.mode;
            const own = actions.runners.find((r) => r.job === actions.runner);
            const proofInputs = pulumi.all([pulumi.output(args.githubOwner), ref, args.gitRepositoryName, receiver.metadata.name]).apply(([owner, branch, gitRepository, receiverObject]): ProofInputs => ({
                owner, repository: args.githubRepository, workflowPath: actions.workflowPath, workflow: content, ref: branch,
                job: actions.runner, runsOn: own?.runsOn ?? [], namespace, gitRepository, receiver: receiverObject,
                receiverUrl: own?.receiverUrl ?? "", delivery: actions.delivery, timeoutSeconds: actions.check.timeoutSeconds,
            }));
            const proof = new ActionsProof(`${name}-actions-proof`, {
                owner: args.githubOwner,
                proof: proofInputs,
                mode,
                receiverSpecDigest: spec.apply(receiverSpecDigest),
                trigger: args.proofTrigger,
                cluster: args.kubeconfig,
            }, { ...self, dependsOn: gates });
            this.proof = pulumi.all([proof.ok, proof.state, proof.seconds, proof.runId, proof.jobConclusion, proof.message]).apply(([ok, state, seconds, runId, jobConclusion, message]) => {
                // warn mode, or a workflow still to be committed: say it where the user looks.
                if (ok === false) pulumi.log.warn(message, proof);
                return { mode, ok, state, seconds, ...(runId !== undefined ? { runId } : {}), ...(jobConclusion !== undefined ? { jobConclusion } : {}), message };
            });
        }
        this.registerOutputs({ receiverName: this.receiverName, webhookPath: this.webhookPath, validations: this.validations, workflow: this.workflow, proof: this.proof });
    }
}
