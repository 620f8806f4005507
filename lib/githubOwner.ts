// The GitHub owner (organization or user) the github provider puts the stack's hooks under, resolved
// as that provider resolves it, so the program's own checks (hook capacity, the delivery check, the
// Actions trigger) look where the provider writes. @pulumi/github 6.15.0 bridges
// terraform-provider-github v6.13.0 (pulumi-github's `upstream` submodule: commit 20728bb3, the
// v6.13.0 tag); its github/provider.go `configureProvider` takes, in this order:
//   1. `organization` (deprecated): `github:organization`, else GITHUB_ORGANIZATION (the
//      attribute's schema.EnvDefaultFunc);
//   2. the GITHUB_OWNER environment variable (os.LookupEnv, before the attribute below);
//   3. `owner`: `github:owner`;
// each only when not empty. With none of them and a token it asks GitHub for the token's own user
// (GET /user: configureProviderMeta) and manages that account.
// A CI that exports GITHUB_OWNER therefore overrides the stack's `github:owner`: rather than follow
// a value the user did not mean, the program refuses, naming both and the fix, when the sources
// that are set disagree.

export interface OwnerSettings {
    /** `github:organization` (deprecated in the provider, still first). */
    readonly organization?: string;
    /** `github:owner`. */
    readonly owner?: string;
}

export type OwnerEnv = Readonly<Partial<Record<"GITHUB_ORGANIZATION" | "GITHUB_OWNER", string>>>;

export type OwnerResolution =
    | { readonly ok: true; readonly owner: string; /** Where the provider takes it from. */ readonly from: string }
    | { readonly ok: false; readonly problem: string };

/** The sources in the provider's order, with the names a user sets them by. */
export function ownerSources(config: OwnerSettings, env: OwnerEnv): { readonly from: string; readonly value: string | undefined }[] {
    return [
        { from: "github:organization", value: config.organization },
        { from: "GITHUB_ORGANIZATION (github:organization is not set)", value: config.organization ? undefined : env.GITHUB_ORGANIZATION },
        { from: "GITHUB_OWNER", value: env.GITHUB_OWNER },
        { from: "github:owner", value: config.owner },
    ];
}

const unsetFix = (from: string): string => from.startsWith("github:") ? `\`pulumi config rm ${from}\`` : `unset ${from.split(" ")[0]}`;

/**
 * The owner the github provider uses, or why the program refuses: no owner at all (the provider
 * would manage the token's own user account), or two sources that disagree (GitHub logins are
 * compared without case, as GitHub does).
 */
export function resolveGitHubOwner(config: OwnerSettings, env: OwnerEnv): OwnerResolution {
    const set = ownerSources(config, env).filter((s): s is { from: string; value: string } => s.value !== undefined && s.value !== "");
    if (set.length === 0) {
        return {
            ok: false,
            problem: "github:owner is not set: the account that owns the repositories; `pulumi config set github:owner OWNER` (or GITHUB_OWNER). " +
                "Without it the github provider would manage the token's own user account (it asks GitHub for the token's user), which the program cannot check before it changes anything",
        };
    }
    const [winner, ...rest] = set;
    const other = rest.find((s) => s.value.toLowerCase() !== winner.value.toLowerCase());
    if (other !== undefined) {
        return {
            ok: false,
            problem: `${winner.from} is ${JSON.stringify(winner.value)} but ${other.from} is ${JSON.stringify(other.value)}: the github provider ` +
                "(terraform-provider-github v6.13.0, in @pulumi/github 6.15.0) takes github:organization, then GITHUB_ORGANIZATION, then GITHUB_OWNER, then github:owner, " +
                `so it would put the hooks under ${winner.value}. Set one owner: ${unsetFix(winner.from)}, or make both ${JSON.stringify(other.value)}`,
        };
    }
    return { ok: true, owner: winner.value, from: winner.from };
}
