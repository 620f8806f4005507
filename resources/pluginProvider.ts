// The plugin's provider, as the program registers it: one explicit provider of the project's own
// package carrying the GitHub REST base and credentials the stack has now. Every resource of the
// plugin (hook capacity, probe, ping, the Actions trigger's workflow file and proof) is its child
// through the components' `providers` option, so each call the plugin makes, `delete` included,
// uses the credentials of the stack's last `up`, not the ones a resource was created with
// (resources/lifecycle.ts says why). With a GitHub App (`github:appAuth`) the credentials are the
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

/** The provider's inputs as the engine receives them (and its package's schema declares them). */
export type ProviderInputKey = "apiBaseUrl" | "token" | (typeof AppInputKeys)[keyof typeof AppInputKeys];

/** The provider's inputs: the REST base, and either the token or the App's ids and key (the secrets marked so). */
export function pluginProviderInputs(args: FluxPushGitHubProviderArgs): Partial<Record<ProviderInputKey, pulumi.Input<string>>> {
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

/** How the schema (plugin/schema.ts) describes an input of the provider. */
export interface ProviderInputSpec {
    readonly description: string;
    /** Kept secret in state (the provider wraps it with pulumi.secret). */
    readonly secret: boolean;
}

/**
 * Every input of the provider, as its package's schema declares it: keyed by ProviderInputKey, the
 * keys pluginProviderInputs returns, so an input added there does not compile until it is declared
 * here too (and the schema test checks that both variants send exactly these, secret as declared).
 */
export const ProviderInputs: { readonly [K in ProviderInputKey]: ProviderInputSpec } = {
    apiBaseUrl: { description: "GitHub's REST API base the resources call, resolved from `github:baseUrl` (e.g. https://api.github.com/ or https://HOST/api/v3/), ending in `/`.", secret: false },
    token: { description: "The GitHub token the resources call GitHub with (`github:token` or GITHUB_TOKEN): the stack's current one, so a rotated token never strands a resource. Unset with a GitHub App.", secret: true },
    [AppInputKeys.appId]: { description: "A GitHub App's ID (or client ID), from `github:appAuth.id` or GITHUB_APP_ID: the plugin mints its own installation tokens with it. Set with appInstallationId and appPrivateKey, instead of token.", secret: false },
    [AppInputKeys.installationId]: { description: "The GitHub App's installation ID on the repositories' owner, from `github:appAuth.installationId` or GITHUB_APP_INSTALLATION_ID.", secret: false },
    [AppInputKeys.privateKey]: { description: "The GitHub App's private key (PEM, PKCS#1), from `github:appAuth.pemFile` or GITHUB_APP_PEM_FILE; kept secret.", secret: true },
};

/** The `flux-push-github` provider the plugin's resources use (`pulumi:providers:flux-push-github`). */
export class FluxPushGitHubProvider extends pulumi.ProviderResource {
    constructor(name: string, args: FluxPushGitHubProviderArgs, opts?: pulumi.ResourceOptions) {
        super(ProviderPackage, name, pluginProviderInputs(args), opts);
    }
}
