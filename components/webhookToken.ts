import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { WatchLabel } from "../lib/flux";
import { tokenGeneration, tokenSecretName } from "../lib/names";

export interface WebhookTokenArgs {
    /** Namespace of Flux's notification-controller (where the Receivers live). */
    readonly namespace: pulumi.Input<string>;
    /** Token length in alphanumeric characters (43 carry 256 bits). */
    readonly length: number;
    /** Any label; changing it replaces the token on the next `pulumi up`. */
    readonly rotation: pulumi.Input<string>;
}

/**
 * The shared token GitHub signs deliveries with and notification-controller checks: a
 * RandomPassword stored as key `token` of the Secret `webhook-token-<generation>`. A new token
 * is a new Secret (created before the old one is deleted), never an edit of the old one, so the
 * old Receiver keeps verifying the old hook's signatures until GitHub has the new secret.
 */
export class WebhookToken extends pulumi.ComponentResource {
    /** The token itself: secret, never exported. */
    public readonly token: pulumi.Output<string>;
    /** A short non-secret label of this token (see lib/names.ts); part of the Secret's and Receivers' names. */
    public readonly generation: pulumi.Output<string>;
    /** The Secret's name; resolves once the Secret holds the current token. */
    public readonly secretName: pulumi.Output<string>;

    constructor(name: string, args: WebhookTokenArgs, opts?: pulumi.ComponentResourceOptions) {
        // `{}` not `args`: component inputs are saved to state, and these lead to the token.
        super("flux-push:index:WebhookToken", name, {}, opts);
        const self = { parent: this };

        // Alphanumerics only: nothing that needs escaping in an HTTP header, YAML or a shell.
        const password = new random.RandomPassword(`${name}-password`, {
            length: args.length,
            special: false,
            keepers: { rotation: args.rotation },
        }, self);
        // The provider marks `result` secret; mocks do not, so say it here too.
        this.token = pulumi.secret(password.result);
        // Not secret on purpose: 40 bits of a hash of a 256-bit random token tell nothing about it.
        this.generation = pulumi.unsecret(this.token.apply(tokenGeneration));

        const secret = new k8s.core.v1.Secret(`${name}-secret`, {
            metadata: {
                name: this.generation.apply(tokenSecretName),
                namespace: args.namespace,
                // notification-controller v1.7+ re-reads a Receiver's Secret with this label when it
                // changes: a hand edit of the Secret then moves the path at once.
                labels: { ...WatchLabel, "app.kubernetes.io/managed-by": "pulumi" },
            },
            type: "Opaque",
            // Exactly the token: a trailing newline would change the webhook path.
            stringData: { token: this.token },
        }, self);
        this.secretName = secret.metadata.name;

        this.registerOutputs({ generation: this.generation, secretName: this.secretName });
    }
}
