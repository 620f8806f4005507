// The plugin's provider, as the program registers it: one explicit provider of the project's own
// package carrying the GitHub REST base and credentials the stack has now. Every resource of the
// plugin (hook capacity, probe, ping, the Actions trigger's workflow file and proof) is its child
// through the components' `providers` option, so each call the plugin makes, `delete` included,
// uses the credentials of the stack's last `up`, not the ones a resource was created with
// (resources/lifecycle.ts says why).
import * as pulumi from "@pulumi/pulumi";
import { ProviderPackage } from "./lifecycle";

export interface FluxPushGitHubProviderArgs {
    /** The REST base resolved from `github:baseUrl` (lib/github.ts resolveGitHubBase), ending in `/`. */
    readonly apiBaseUrl: pulumi.Input<string>;
    /** `github:token` or GITHUB_TOKEN; kept secret in state, as the github provider keeps its own. */
    readonly token: pulumi.Input<string>;
}

/** How the schema (plugin/schema.ts) describes an input of the provider. */
export interface ProviderInputSpec {
    readonly description: string;
    /** Kept secret in state (the provider wraps it with pulumi.secret). */
    readonly secret: boolean;
}

/**
 * Every input of the provider, as its package's schema declares it: typed by the Args interface,
 * so an input added there does not compile until it is declared here too (and the provider test
 * checks that the secret ones are registered as secrets).
 */
export const ProviderInputs: { readonly [K in keyof Required<FluxPushGitHubProviderArgs>]: ProviderInputSpec } = {
    apiBaseUrl: { description: "GitHub's REST API base the resources call, resolved from `github:baseUrl` (e.g. https://api.github.com/ or https://HOST/api/v3/), ending in `/`.", secret: false },
    token: { description: "The GitHub token the resources call GitHub with (`github:token` or GITHUB_TOKEN): the stack's current one, so a rotated token never strands a resource.", secret: true },
};

/** The `flux-push-github` provider the plugin's resources use (`pulumi:providers:flux-push-github`). */
export class FluxPushGitHubProvider extends pulumi.ProviderResource {
    constructor(name: string, args: FluxPushGitHubProviderArgs, opts?: pulumi.ResourceOptions) {
        super(ProviderPackage, name, { apiBaseUrl: args.apiBaseUrl, token: pulumi.secret(args.token) }, opts);
    }
}
