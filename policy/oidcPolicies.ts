// The actions-oidc trigger's rule (issue 17): a generic-oidc Receiver that trusts GitHub Actions'
// issuer must pin the token's repository (by id or name, or its owner by id). GitHub issues Actions OIDC tokens to every
// workflow of every repository on the platform (github.com, or everyone on a GHES), so a valid
// signature proves nothing about who sent it; notification-controller only requires "at least one
// validation", not a meaningful one. The program's config validation refuses the same thing
// (lib/oidc.ts `openToEveryRepository`); this rule also catches a Receiver edited elsewhere in the
// program, or a config check that was bypassed. The pack is its own package, so the rule is
// restated here; tests/oidcPolicies.test.ts checks that both read expressions the same way.
import { ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";

/**
 * Claims that pin the caller's repository (lib/oidc.ts IdentityClaims): not `repository_owner` on
 * its own, which admits every repository of the owner, by a name someone else can register once it
 * is freed; the numeric ids are never given again.
 */
export const IdentityClaims = ["repository_id", "repository", "repository_owner_id"] as const;

/** GitHub's Actions issuers: github.com (and an enterprise slug under it), GHE.com, and any GHES host's /_services/token. */
export function isGitHubActionsIssuer(issuerURL: string): boolean {
    let u: URL;
    try {
        u = new URL(issuerURL);
    } catch {
        return false;
    }
    return u.host === "token.actions.githubusercontent.com" || /^token\.actions\.[a-z0-9-]+\.ghe\.com$/.test(u.host) || u.pathname.replace(/\/+$/, "") === "/_services/token";
}

/** A whole expression `claims.<identity claim> == '<literal>'` (either way round) or `... in ['<literal>', ...]`. */
export function pinsIdentity(expression: string): boolean {
    const claim = `claims\\.(?:${IdentityClaims.join("|")})`;
    const literal = `'[^'\\\\]+'`;
    const forms = [
        new RegExp(`^${claim}\\s*==\\s*${literal}$`),
        new RegExp(`^${literal}\\s*==\\s*${claim}$`),
        new RegExp(`^${claim}\\s+in\\s+\\[\\s*${literal}(?:\\s*,\\s*${literal})*\\s*\\]$`),
    ];
    const e = expression.trim().replace(/^\((.*)\)$/s, "$1").trim();
    return forms.some((f) => f.test(e));
}

type Props = Record<string, unknown>;
const obj = (v: unknown): Props => (v !== null && typeof v === "object" ? (v as Props) : {});
/** The value, or undefined when a preview does not know it yet (as policies.ts `known`; restated so this module stands alone). */
function known<T>(f: () => T): T | undefined {
    try {
        return f();
    } catch (e) {
        if (e instanceof UnknownValueError) return undefined;
        throw e;
    }
}
/** A Flux Receiver made with CustomResource reaches the engine as `kubernetes:notification.toolkit.fluxcd.io/<version>:Receiver`. */
const isReceiver = (type: string) => /^kubernetes:notification\.toolkit\.fluxcd\.io\/[^/:]+:Receiver$/.test(type);

export const actionsOidcPinned: ResourceValidationPolicy = {
    name: "actions-oidc-receiver-pinned",
    description: "A generic-oidc Receiver that trusts GitHub Actions' OIDC issuer pins the token's repository (repository_id, repository, or repository_owner_id; not repository_owner alone) in one of its validations (else every Actions workflow on the platform can trigger it).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isReceiver(args.type)) return;
        const spec = obj(args.props.spec);
        if (known(() => spec.type) !== "generic-oidc") return;
        const name = known(() => String(obj(args.props.metadata).name)) ?? args.name;
        const providers = known(() => spec.oidcProviders);
        for (const p of Array.isArray(providers) ? providers : []) {
            const issuer = known(() => String(obj(p).issuerURL));
            if (issuer === undefined || !isGitHubActionsIssuer(issuer)) continue;
            // An expression not known yet (preview) is not counted either way; a known set must pin.
            const validations = known(() => obj(p).validations);
            if (validations === undefined) continue;
            const expressions = (Array.isArray(validations) ? validations : []).map((v) => known(() => obj(v).expression));
            if (expressions.some((e) => e === undefined)) continue;
            if (!expressions.some((e) => typeof e === "string" && pinsIdentity(e))) {
                reportViolation(`Receiver ${name} trusts GitHub Actions tokens from ${issuer} but no validation pins the token's repository: ` +
                    `every workflow of every repository on that GitHub could trigger it. Add one whose whole expression is claims.<claim> == '<value>' for one of ${IdentityClaims.join(", ")} ` +
                    "(claims.repository_owner alone does not count: it admits every repository of the owner, by a name someone else can register once it is freed; " +
                    "flux-push's own validations pin repository_id; check repositories[].actionsValidations)");
            }
        }
    },
};
