import * as pulumi from "@pulumi/pulumi";
import { componentInputNaming, formatProblems } from "../lib/config";
import { ComponentInputKeys, rawConfigFromInputs } from "../lib/componentInputs";
import { ComponentTypes } from "../resources/lifecycle";
import { fluxPushReconciliation, FluxPushOutputs, ProgramDependencies } from "../program";

/** The component's type token, as a consumer declares it (`flux-push-github:index:PushReconciliation`). */
export const PushReconciliationType = ComponentTypes.pushReconciliation;
/** How problems name the component's inputs. */
export const PushReconciliationNaming = componentInputNaming("PushReconciliation");

/** A Kustomization of a repository entry (config key `repositories[].kustomizations[]`). */
export interface KustomizationInput {
    readonly name: string;
    readonly path: string;
    readonly prune?: boolean;
    readonly targetNamespace?: string;
    readonly createTargetNamespace?: boolean;
    readonly interval?: string;
}

/** A CEL validation of the actions-oidc Receiver. */
export interface OidcValidationInput {
    readonly expression: string;
    readonly message: string;
}

/** A repository entry (config key `repositories[]`). */
export interface RepositoryInput {
    readonly name: string;
    readonly githubRepository?: string;
    readonly existing?: boolean;
    readonly branchFilter?: boolean;
    readonly triggers?: readonly string[];
    readonly actionsValidations?: readonly OidcValidationInput[];
    readonly url?: string;
    readonly branch?: string;
    readonly interval?: string;
    readonly secretRef?: string;
    readonly kustomizations?: readonly KustomizationInput[];
}

/** An entry of actionsRunners. */
export interface ActionsRunnerInput {
    readonly job: string;
    readonly runsOn: string | readonly string[];
    readonly receiverUrl?: string;
}

/**
 * The stack's config as the component's inputs: the same names, types and defaults (Pulumi.yaml
 * says what each means; the schema the plugin serves repeats it), and the commit-status token as
 * a secret input. Values must be known when the component is previewed.
 */
export interface PushReconciliationArgs {
    readonly namespace?: pulumi.Input<string>;
    readonly exposure?: pulumi.Input<string>;
    readonly nodePort?: pulumi.Input<number>;
    readonly nodeAddress?: pulumi.Input<string>;
    readonly ingressHost?: pulumi.Input<string>;
    readonly ingressTlsSecret?: pulumi.Input<string>;
    readonly ingressClassName?: pulumi.Input<string>;
    readonly publicUrl?: pulumi.Input<string>;
    readonly allowPrivateAddresses?: pulumi.Input<boolean>;
    readonly allowedSources?: pulumi.Input<string>;
    readonly insecureSsl?: pulumi.Input<boolean>;
    readonly receiverProbe?: pulumi.Input<string>;
    readonly deliveryCheck?: pulumi.Input<string>;
    readonly deliveryCheckTrigger?: pulumi.Input<string>;
    readonly deliveryCheckTimeout?: pulumi.Input<number>;
    readonly commitStatusSecret?: pulumi.Input<string>;
    readonly commitStatusToken?: pulumi.Input<string>;
    readonly gitRepositoryInterval?: pulumi.Input<string>;
    readonly kustomizationInterval?: pulumi.Input<string>;
    readonly tokenLength?: pulumi.Input<number>;
    readonly tokenRotation?: pulumi.Input<string>;
    readonly repositories: pulumi.Input<readonly RepositoryInput[]>;
    readonly actionsRunners?: pulumi.Input<readonly ActionsRunnerInput[]>;
    readonly actionsRunner?: pulumi.Input<string>;
    readonly actionsAudience?: pulumi.Input<string>;
    readonly actionsWorkflowPath?: pulumi.Input<string>;
    readonly actionsWorkflowDelivery?: pulumi.Input<string>;
    readonly actionsCheck?: pulumi.Input<string>;
    readonly actionsCheckTimeout?: pulumi.Input<number>;
    readonly actionsOidcIssuer?: pulumi.Input<string>;
}

/** What the engine's Output carries besides its value (@pulumi/pulumi output.ts; not part of its typings). */
interface OutputInternals { readonly isKnown: Promise<boolean>; promise(): Promise<unknown> }

/**
 * An input as a plain value: Outputs inside it awaited. Unknown values (a preview's outputs of
 * resources not created yet) are listed: the stack's validation and preflight need values.
 */
async function resolved(v: unknown, at: string, unknown: string[]): Promise<unknown> {
    if (pulumi.Output.isInstance(v)) {
        const o = v as unknown as OutputInternals;
        if (!(await o.isKnown)) {
            unknown.push(at);
            return undefined;
        }
        return resolved(await o.promise(), at, unknown);
    }
    if (Array.isArray(v)) return Promise.all(v.map((item, i) => resolved(item, `${at}[${i}]`, unknown)));
    if (v !== null && typeof v === "object" && !pulumi.Resource.isInstance(v)) {
        const out: Record<string, unknown> = {};
        for (const [k, item] of Object.entries(v)) out[k] = await resolved(item, `${at}.${k}`, unknown);
        return out;
    }
    return v;
}

/**
 * The whole stack (program.ts) as one component, for programs in any Pulumi language (the plugin
 * serves it through `construct`): the same resources, as its children, validated as the stack's
 * config is, with problems naming the component's inputs. `result` resolves to the stack's outputs,
 * or rejects with the problems before any child is registered. One per stack: its children carry
 * the stack's own resource names.
 */
export class PushReconciliation extends pulumi.ComponentResource {
    /** The stack's outputs (program.ts FluxPushOutputs), or the reason there are none. */
    public readonly result: Promise<FluxPushOutputs>;

    constructor(name: string, args: PushReconciliationArgs, opts?: pulumi.ComponentResourceOptions, deps: Omit<ProgramDependencies, "component"> = {}) {
        super(PushReconciliationType, name, {}, opts);
        this.result = this.run(args, deps);
    }

    private async run(args: PushReconciliationArgs, deps: Omit<ProgramDependencies, "component">): Promise<FluxPushOutputs> {
        const { commitStatusToken, ...plain } = args as PushReconciliationArgs & Record<string, unknown>;
        const unknown: string[] = [];
        const values = (await resolved(plain, "", unknown)) as Record<string, unknown>;
        const naming = PushReconciliationNaming;
        if (unknown.length > 0) {
            throw new pulumi.RunError(formatProblems(unknown.map((at) => `${naming.key(at.replace(/^\./, ""))}: is not known yet (an output of a resource not created yet); the stack's checks need its value at preview: give a value known then`), naming));
        }
        const { raw, problems } = rawConfigFromInputs({ ...values, ...(commitStatusToken !== undefined ? { commitStatusToken: "set" } : {}) }, naming);
        if (problems.length > 0) throw new pulumi.RunError(formatProblems(problems, naming));
        const outputs = await fluxPushReconciliation(raw, { ...deps, component: { parent: this, naming, commitStatusToken } });
        this.registerOutputs(componentOutputs(outputs));
        return outputs;
    }
}

/** The stack's outputs as the component's (the names index.ts exports). */
export function componentOutputs(o: FluxPushOutputs): Record<string, unknown> {
    return {
        namespace: o.namespace,
        tokenSecret: o.tokenSecret,
        tokenGeneration: o.tokenGeneration,
        exposure: o.exposure,
        repositories: o.repositories,
    };
}

/** The inputs the component takes, for the plugin's schema and the tests. */
export const PushReconciliationInputs = ComponentInputKeys;
