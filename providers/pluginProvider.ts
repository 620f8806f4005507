// The plugin's provider, as the program registers it: one explicit provider of the project's own
// package carrying the GitHub REST base and credentials the stack has now. Every resource of the
// plugin (hook capacity, probe, ping, the Actions trigger's workflow file and proof) is its child
// through the components' `providers` option, so each call the plugin makes, `delete` included,
// uses the credentials of the stack's last `up`, not the ones a resource was created with
// (providers/lifecycle.ts says why).
import * as pulumi from "@pulumi/pulumi";
import { ProviderPackage } from "./lifecycle";

export interface FluxPushGitHubProviderArgs {
    /** The REST base resolved from `github:baseUrl` (lib/github.ts resolveGitHubBase), ending in `/`. */
    readonly apiBaseUrl: pulumi.Input<string>;
    /** `github:token` or GITHUB_TOKEN; kept secret in state, as the github provider keeps its own. */
    readonly token: pulumi.Input<string>;
}

/** The `flux-push-github` provider the plugin's resources use (`pulumi:providers:flux-push-github`). */
export class FluxPushGitHubProvider extends pulumi.ProviderResource {
    constructor(name: string, args: FluxPushGitHubProviderArgs, opts?: pulumi.ResourceOptions) {
        super(ProviderPackage, name, { apiBaseUrl: args.apiBaseUrl, token: pulumi.secret(args.token) }, opts);
    }
}
