// The plugin's provider, as the program registers it: one explicit provider of the project's own
// package carrying the GitHub REST base and credentials the stack has now. Every resource of the
// plugin (hook capacity, probe, ping, the Actions trigger's workflow file and proof) is its child
// through the components' `providers` option, so each call the plugin makes, `delete` included,
// uses the credentials of the stack's last `up`, not the ones a resource was created with
// (providers/lifecycle.ts says why). With a GitHub App (`github:appAuth`) the credentials are the
// App's ID, installation ID and private key: the plugin mints its own installation tokens, so no
// token is ever an input, an output or part of the state; the key is kept secret (encrypted in
// state), as the github provider's own configuration keeps `github:appAuth`.
import * as pulumi from "@pulumi/pulumi";
import { AppInputKeys, ProviderPackage } from "./lifecycle";

/** A GitHub App's credentials as the provider takes them. */
export interface PluginAppArgs {
    readonly appId: string;
    readonly installationId: string;
    /** PEM (PKCS#1); kept secret. */
    readonly privateKey: pulumi.Input<string>;
}

export type FluxPushGitHubProviderArgs = {
    /** The REST base resolved from `github:baseUrl` (lib/github.ts resolveGitHubBase), ending in `/`. */
    readonly apiBaseUrl: pulumi.Input<string>;
} & (
    /** `github:token` or GITHUB_TOKEN; kept secret in state, as the github provider keeps its own. */
    | { readonly token: pulumi.Input<string>; readonly app?: undefined }
    /** `github:appAuth` (or GITHUB_APP_*): the App, which wins over a token as in the github provider. */
    | { readonly app: PluginAppArgs; readonly token?: undefined }
);

/** The provider's inputs: the REST base, and either the token or the App's ids and key (the secrets marked so). */
export function pluginProviderInputs(args: FluxPushGitHubProviderArgs): Record<string, pulumi.Input<string>> {
    if (args.app !== undefined) {
        return {
            apiBaseUrl: args.apiBaseUrl,
            [AppInputKeys.appId]: args.app.appId,
            [AppInputKeys.installationId]: args.app.installationId,
            [AppInputKeys.privateKey]: pulumi.secret(args.app.privateKey),
        };
    }
    return { apiBaseUrl: args.apiBaseUrl, token: pulumi.secret(args.token) };
}

/** The `flux-push-github` provider the plugin's resources use (`pulumi:providers:flux-push-github`). */
export class FluxPushGitHubProvider extends pulumi.ProviderResource {
    constructor(name: string, args: FluxPushGitHubProviderArgs, opts?: pulumi.ResourceOptions) {
        super(ProviderPackage, name, pluginProviderInputs(args), opts);
    }
}
