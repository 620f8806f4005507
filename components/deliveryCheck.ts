import * as pulumi from "@pulumi/pulumi";
import { CheckMode, GitHubAccess, WebhookPing } from "../providers/githubHooks";

export interface DeliveryCheckArgs {
    /** How the check calls GitHub. */
    readonly github: GitHubAccess;
    readonly githubRepository: string;
    /** The hook to ping; resolves once the hook holds its current URL and secret. */
    readonly webhookId: pulumi.Input<string>;
    /** Secret: the hook's URL and secret, whose change runs the check again. */
    readonly payloadUrl: pulumi.Input<string>;
    readonly secret: pulumi.Input<string>;
    /** For the messages: the Receiver that should have answered. */
    readonly namespace: string;
    readonly receiverName: pulumi.Input<string>;
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
    /** undefined when mode is off. */
    readonly ok?: boolean;
    /** The ping delivery's HTTP status at notification-controller; 0 when GitHub got no response. */
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
 * stack asks GitHub to ping the hook and reads that ping's delivery. `fail` stops the update with
 * what the status code means; `warn` logs it and re-checks on the next `up` while it fails. An
 * accepted ping also makes notification-controller reconcile the GitRepository: a catch-up for any
 * push whose delivery failed before.
 */
export class DeliveryCheck extends pulumi.ComponentResource {
    public readonly result: pulumi.Output<DeliveryCheckResult>;

    constructor(name: string, args: DeliveryCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:DeliveryCheck", name, {}, opts);
        if (args.mode === "off") {
            this.result = pulumi.output({ mode: args.mode });
        } else {
            const ping = new WebhookPing(`${name}-ping`, {
                ...args.github,
                repository: args.githubRepository,
                hookId: args.webhookId,
                payloadUrl: args.payloadUrl,
                secret: args.secret,
                receiver: args.receiverName,
                namespace: args.namespace,
                mode: args.mode,
                trigger: args.trigger,
                timeoutSeconds: args.timeoutSeconds,
                exposure: args.exposureId,
            }, { parent: this });
            this.result = pulumi.all([ping.ok, ping.statusCode, ping.deliveredAt, ping.durationSeconds, ping.checkSeconds, ping.message])
                .apply(([ok, statusCode, deliveredAt, durationSeconds, checkSeconds, message]) => {
                    if (ok === false) pulumi.log.warn(message, ping);
                    return { mode: args.mode, ok, statusCode, deliveredAt, durationSeconds, checkSeconds, message };
                });
        }
        this.registerOutputs({ result: this.result });
    }
}
