// The Actions OIDC trigger's Receiver: a notification-controller v1.9 (Flux 2.9) Receiver of type
// `generic-oidc` that admits only GitHub Actions ID tokens of one repository's own workflow, for
// pushes to the tracked branch. No Secret: the request is authenticated by the token, which
// notification-controller verifies against the issuer's keys (internal/server/receiver_oidc.go:
// discovery document and JWKS of `issuerURL`, `aud` = audience, `exp`, RS256) and then by the CEL
// `validations` below over the token's claims (receiver_claims.go: every validation must be true;
// the failing messages are logged and the caller gets 400).
import { createHash } from "crypto";
import { celStringLiteral } from "./cel";
import { ReceiverWebhookPathPrefix } from "./flux";

/** Receiver `type` of the OIDC-authenticated Receiver (notification-controller api/v1 GenericOIDCReceiver). */
export const GenericOidcReceiverType = "generic-oidc";
/** notification-controller's default `audience` (api/v1 DefaultOIDCAudience), also the flux CLI's `--oidc-audience` default. */
export const DefaultOidcAudience = "notification-controller";
/** github.com's (and GHEC's) Actions OIDC issuer. */
export const GitHubActionsIssuer = "https://token.actions.githubusercontent.com";
/** A GitHub Enterprise Server's Actions OIDC issuer is this path on its host (GitHub's OIDC reference for GHES). */
export const GhesIssuerPath = "/_services/token";
/** The suffix of the Receiver the stack declares for a repository's Actions trigger. */
export const ActionsReceiverSuffix = "actions";
/** Events whose runs the Receiver admits: the workflow's own triggers (a push, and `up`'s proof by workflow_dispatch). */
export const ActionsEvents = ["push", "workflow_dispatch"] as const;

/**
 * The claims a CEL validation must pin (to a literal) for the Receiver not to admit every GitHub
 * Actions token on the platform: GitHub issues tokens to any workflow of any repository, and a
 * valid signature says only that GitHub made it. Not `repository_owner` on its own: it admits every
 * workflow of every repository of that owner, on any branch, and an owner's name, once freed, can
 * be registered by someone else; the numeric ids (`repository_id`, `repository_owner_id`) are never
 * given again. `repository` (OWNER/REPO) narrows to one repository by name.
 */
export const IdentityClaims = ["repository_id", "repository", "repository_owner_id"] as const;

export interface OidcValidation {
    readonly expression: string;
    readonly message: string;
}

export interface OidcProvider {
    readonly issuerURL: string;
    readonly audience: string;
    readonly validations: readonly OidcValidation[];
}

/** Receiver spec of type generic-oidc: no secretRef (the CRD refuses one), one GitHub issuer. */
export interface OidcReceiverSpec {
    readonly type: typeof GenericOidcReceiverType;
    readonly resources: readonly { readonly kind: "GitRepository"; readonly name: string }[];
    readonly oidcProviders: readonly OidcProvider[];
}

/** `<repository entry name>-actions`: one per repository, the same on every cluster of a fleet (the workflow names it). */
export function actionsReceiverName(repositoryName: string): string {
    return `${repositoryName}-${ActionsReceiverSuffix}`;
}

/**
 * notification-controller's path for a Receiver without a Secret: `GetWebhookPath("")`, i.e.
 * "/hook/" + hex(sha256("" + name + namespace)) (receiver_controller.go `token()` returns "" for
 * generic-oidc; flux2 trigger_receiver.go salts the path with "" the same way). Not secret: anyone
 * who knows the name and namespace can compute it, which is why the token, not the path, is the guard.
 */
export function oidcWebhookPath(receiverName: string, namespace: string): string {
    return ReceiverWebhookPathPrefix + createHash("sha256").update(receiverName + namespace).digest("hex");
}

/**
 * The Actions OIDC issuer of the GitHub whose REST API is at `apiBaseUrl` (github:baseUrl, host
 * root or `/api/v3/`): api.github.com (and github.com) -> token.actions.githubusercontent.com;
 * GHE.com `api.SUB.ghe.com` -> `https://token.actions.SUB.ghe.com`; any other host is a GitHub
 * Enterprise Server, whose issuer is `https://HOST/_services/token` (scheme and port kept, as
 * tokens name the server's own URL).
 */
export function actionsIssuerUrl(apiBaseUrl: string): string {
    const u = new URL(apiBaseUrl);
    const host = u.host.toLowerCase();
    if (host === "api.github.com" || host === "github.com") return GitHubActionsIssuer;
    const ghe = /^(?:api\.)?([a-z0-9-]+)\.ghe\.com$/.exec(host);
    if (ghe) return `https://token.actions.${ghe[1]}.ghe.com`;
    return `${u.protocol}//${u.host}${GhesIssuerPath}`;
}

/** Whether an issuer URL is one of GitHub's Actions issuers (github.com, an enterprise slug under it, GHE.com, or a GHES host). */
export function isGitHubActionsIssuer(issuerURL: string): boolean {
    let u: URL;
    try {
        u = new URL(issuerURL);
    } catch {
        return false;
    }
    const path = u.pathname.replace(/\/+$/, "");
    return u.host === "token.actions.githubusercontent.com" || /^token\.actions\.[a-z0-9-]+\.ghe\.com$/.test(u.host) || path === GhesIssuerPath;
}

/** A CEL string literal that reads back as exactly `v` (lib/cel.ts: a branch may hold a quote). */
export function celString(v: string): string {
    return celStringLiteral(v);
}

/** What the validations pin: one repository (by id, name and owner), the stack's workflow file, and (optionally) one branch. */
export interface ActionsIdentity {
    /** GitHub's spelling of OWNER/REPO (token claims carry GitHub's case). */
    readonly fullName: string;
    /** GitHub's numeric repository id: survives renames, and a deleted repository's name re-created by someone else gets a new one. */
    readonly repositoryId: number;
    /** The workflow file, e.g. `.github/workflows/flux-push.yml`. */
    readonly workflowPath: string;
    /** The tracked branch; undefined when the GitRepository follows no branch (or the branch filter is off). */
    readonly branch?: string;
}

/**
 * The CEL validations of the Receiver's GitHub provider, each with the message notification-
 * controller logs when it is false. Together they admit exactly: a token of this repository's own
 * workflow file (`workflow_ref`, and `job_workflow_ref` so a reusable workflow elsewhere cannot stand
 * in for it), run for a push or a workflow_dispatch, on the tracked branch.
 */
export function actionsValidations(id: ActionsIdentity): OidcValidation[] {
    const [owner] = id.fullName.split("/");
    const workflow = `${id.fullName}/${id.workflowPath}@`;
    const out: OidcValidation[] = [
        { expression: `claims.repository_id == ${celString(String(id.repositoryId))}`, message: `the token is not from repository ${id.fullName} (repository_id ${id.repositoryId})` },
        { expression: `claims.repository == ${celString(id.fullName)}`, message: `the token is not from repository ${id.fullName}` },
        { expression: `claims.repository_owner == ${celString(owner)}`, message: `the token is not from a repository of ${owner}` },
        { expression: `claims.event_name in [${ActionsEvents.map(celString).join(", ")}]`, message: `the workflow run was not triggered by ${ActionsEvents.join(" or ")}` },
    ];
    if (id.branch !== undefined) {
        const ref = `refs/heads/${id.branch}`;
        out.push(
            { expression: `claims.ref == ${celString(ref)}`, message: `the workflow ran for another ref than ${ref}` },
            { expression: `claims.workflow_ref == ${celString(workflow + ref)}`, message: `the token is not from workflow ${id.workflowPath} on ${ref}` },
            { expression: `claims.job_workflow_ref == ${celString(workflow + ref)}`, message: `the job is not defined by workflow ${id.workflowPath} on ${ref}` },
        );
    } else {
        out.push(
            { expression: `claims.workflow_ref.startsWith(${celString(workflow)})`, message: `the token is not from workflow ${id.workflowPath}` },
            { expression: `claims.job_workflow_ref.startsWith(${celString(workflow)})`, message: `the job is not defined by workflow ${id.workflowPath}` },
        );
    }
    return out;
}

/** The Receiver spec: reconcile one GitRepository when a token passes every validation. */
export function oidcReceiverSpec(gitRepositoryName: string, issuerURL: string, audience: string, validations: readonly OidcValidation[]): OidcReceiverSpec {
    return {
        type: GenericOidcReceiverType,
        resources: [{ kind: "GitRepository", name: gitRepositoryName }],
        oidcProviders: [{ issuerURL, audience, validations: [...validations] }],
    };
}

/**
 * Whether one validation, on its own, pins the caller's identity: its whole expression is
 * `claims.<identity claim> == '<literal>'` (either way round) or `claims.<identity claim> in
 * ['<literal>', ...]`. Anything more complex does not count (an `||` could open it again), so the
 * rule stays one a reader can check by eye.
 */
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

/**
 * Why a GitHub Actions provider's validations would admit every Actions token on the platform (or
 * of a whole owner, by a name), or undefined when at least one of them pins the repository.
 */
export function openToEveryRepository(validations: readonly { readonly expression?: unknown }[]): string | undefined {
    if (validations.some((v) => typeof v.expression === "string" && pinsIdentity(v.expression))) return undefined;
    return "no validation pins the token's repository: GitHub issues Actions tokens to every workflow of every repository on the platform, " +
        `so a valid signature proves nothing about who sent it. Add one whose whole expression is claims.<claim> == '<value>' for one of ${IdentityClaims.join(", ")}, ` +
        "best the repository's numeric id, which survives renames and is never given to another repository " +
        "(e.g. claims.repository_id == '123456789'; `gh api repos/OWNER/REPO --jq .id` prints it). " +
        "claims.repository_owner alone does not count: it admits every repository of the owner, and a freed owner name can be registered by someone else";
}

/** A short fingerprint of a Receiver spec: a new spec is proven again at `up`. */
export function receiverSpecDigest(spec: OidcReceiverSpec): string {
    return createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);
}
