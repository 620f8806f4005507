import * as pulumi from "@pulumi/pulumi";
import { CheckMode, KubeconfigInputs, PingResult, WebhookPing } from "../resources/githubHooks";

export interface DeliveryCheckArgs {
    /**
     * The account that owns the repository (`github:owner`). GitHub's REST base and credentials are
     * the plugin provider's, given in this component's `providers` option (resources/pluginProvider.ts).
     */
    readonly githubOwner: pulumi.Input<string>;
    readonly githubRepository: string;
    /** The hook to ping; resolves once the hook holds its current URL and secret. */
    readonly webhookId: pulumi.Input<string>;
    /** Secret: the hook's URL and secret, whose change runs the check again. */
    readonly payloadUrl: pulumi.Input<string>;
    readonly secret: pulumi.Input<string>;
    /** For the messages: the Receiver that should have answered. */
    readonly namespace: string;
    readonly receiverName: pulumi.Input<string>;
    /** The GitRepository the Receiver reconciles: notification-controller annotates it when it accepts the ping. */
    readonly gitRepositoryName: pulumi.Input<string>;
    /** How the check reads the cluster (the program's kubeconfig settings; the kubeconfig is secret). */
    readonly cluster: KubeconfigInputs;
    readonly mode: CheckMode;
    /** Any label: a new one runs the check again. */
    readonly trigger: string;
    readonly timeoutSeconds: number;
    /** Which object serves the payload URL (mode and object): a new one is checked even at the same URL. */
    readonly exposureId: pulumi.Input<string>;
}

/** What the last check found, as a stack output. */
export interface DeliveryCheckResult {
    readonly mode: CheckMode;
    /** accepted, failed (a warning in `warn` mode), or unconfirmed (no answer yet: a warning); undefined when mode is off. */
    readonly result?: PingResult;
    /** true accepted, false failed; undefined when unconfirmed or off. */
    readonly ok?: boolean;
    /** notification-controller asked the GitRepository to reconcile after the ping. */
    readonly seenInCluster?: boolean;
    /** The ping delivery's HTTP status at notification-controller, once GitHub's log shows it; 0 when GitHub got no response. */
    readonly statusCode?: number;
    readonly deliveredAt?: string;
    /** GitHub's duration of the delivery, in seconds. */
    readonly durationSeconds?: number;
    /** How long the whole check took in `up`, in seconds. */
    readonly checkSeconds?: number;
    readonly message?: string;
}

/**
 * The guide's last manual step, in every `up`: GitHub's "Recent Deliveries" shows the ping got 200.
 * After the hook is created or its URL or secret change (or `deliveryCheckTrigger` changes), the
 * stack asks GitHub to ping the hook and watches two witnesses: the cluster (notification-controller
 * annotates the GitRepository when it accepts the ping, within about a second) and GitHub's
 * delivery log (which explains a failure, but can lag minutes). `fail` stops the update when
 * GitHub records a failed delivery, with what the status code means; `warn` logs it. No answer
 * either way within the timeout is a warning in both modes. Until a check is accepted, the next
 * `up` runs it again. An accepted ping also makes notification-controller reconcile the
 * GitRepository: a catch-up for any push whose delivery failed before.
 */
export class DeliveryCheck extends pulumi.ComponentResource {
    public readonly result: pulumi.Output<DeliveryCheckResult>;

    constructor(name: string, args: DeliveryCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:DeliveryCheck", name, {}, opts);
        if (args.mode === "off") {
            this.result = pulumi.output({ mode: args.mode });
        } else {
            const ping = new WebhookPing(`${name}-ping`, {
                owner: args.githubOwner,
                repository: args.githubRepository,
                hookId: args.webhookId,
                payloadUrl: args.payloadUrl,
                secret: args.secret,
                receiver: args.receiverName,
                namespace: args.namespace,
                gitRepository: args.gitRepositoryName,
                cluster: args.cluster,
                mode: args.mode,
                trigger: args.trigger,
                timeoutSeconds: args.timeoutSeconds,
                exposure: args.exposureId,
            }, { parent: this });
            this.result = pulumi.all([ping.result, ping.ok, ping.seenInCluster, ping.statusCode, ping.deliveredAt, ping.durationSeconds, ping.checkSeconds, ping.message])
                .apply(([result, ok, seenInCluster, statusCode, deliveredAt, durationSeconds, checkSeconds, message]) => {
                    // A failure in `warn` mode, and an unconfirmed check in either mode, are warnings where the user looks.
                    if (result !== undefined && result !== "accepted") pulumi.log.warn(message, ping);
                    return { mode: args.mode, result, ok, seenInCluster, statusCode, deliveredAt, durationSeconds, checkSeconds, message };
                });
        }
        this.registerOutputs({ result: this.result });
    }
}
