// A GitHub App in place of a personal token: the credentials as the github provider reads them
// (terraform-provider-github v6.13.0, which @pulumi/github 6.15.0 bridges: `github:appAuth` {id,
// installationId, pemFile}, else GITHUB_APP_ID / GITHUB_APP_INSTALLATION_ID / GITHUB_APP_PEM_FILE),
// the JWT GitHub documents ("Generating a JSON Web Token (JWT) for a GitHub App": RS256, `iat` 60 s
// in the past, `exp` at most 10 minutes ahead, `iss` the App's ID), and the installation tokens the
// program's own GitHub calls use (`POST /app/installations/{id}/access_tokens`, one hour each),
// reused until 80 % of their lifetime has passed (Flux's token cache, fluxcd/pkg cache/token.go)
// and minted again when GitHub refuses one earlier (401). Nothing here logs or returns the key or a
// token in a message.
import { createPrivateKey, KeyObject, sign } from "crypto";
import { GitHubResponse, GitHubTokenSource, githubRequest, RequestOptions } from "./github";

// ---- the credentials, as the github provider reads them --------------------------------------

/** The App's credentials: what `github:appAuth` holds once resolved. */
export interface AppCredentials {
    /** The App's ID (what the JWT's `iss` names); the provider passes it as is. */
    readonly appId: string;
    readonly installationId: string;
    /** The private key, PEM (PKCS#1, as GitHub generates it). */
    readonly privateKey: string;
}

/** `github:appAuth` as the config holds it (fields may be numbers when set with `--path`). */
export interface AppAuthConfig {
    readonly id?: unknown;
    readonly installationId?: unknown;
    readonly pemFile?: unknown;
}

/** The env vars the provider reads for each field (its `DefaultFunc`s, and getAppAuth). */
export const AppAuthEnv = { id: "GITHUB_APP_ID", installationId: "GITHUB_APP_INSTALLATION_ID", pemFile: "GITHUB_APP_PEM_FILE" } as const;
type AppAuthField = keyof typeof AppAuthEnv;
const AppAuthFields: readonly AppAuthField[] = ["id", "installationId", "pemFile"];

/**
 * A PEM as the provider reads `pem_file`: its contents, with a literal `\n` taken as a newline
 * ("`\n` can be used for newlines": validateAppAuth's strings.ReplaceAll), so a key fits on one line
 * of an env var or CI secret.
 */
export function pemFromSetting(value: string): string {
    return value.split("\\n").join("\n");
}

/** One PEM block of a text, as Go's pem.Decode finds the first one: its label and DER bytes. */
export function firstPemBlock(text: string): { label: string; der: Buffer; headers: boolean } | undefined {
    const m = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/.exec(text);
    if (!m) return undefined;
    const lines = m[2].split(/\r?\n/);
    const headers = lines.some((l) => /^[A-Za-z-]+:/.test(l));
    const body = lines.filter((l) => !/^[A-Za-z-]+:/.test(l)).join("").replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
    return { label: m[1], der: Buffer.from(body, "base64"), headers };
}

/** A DER element's tag and where its value and the element end, or undefined past the buffer. */
function derElement(der: Buffer, at: number): { tag: number; start: number; end: number } | undefined {
    if (at + 2 > der.length) return undefined;
    const tag = der[at];
    let len = der[at + 1];
    let start = at + 2;
    if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 4 || start + n > der.length) return undefined;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
        start += n;
    }
    return start + len <= der.length ? { tag, start, end: start + len } : undefined;
}

/**
 * Whether DER bytes are a PKCS#1 RSAPrivateKey (RFC 8017 A.1.2: a SEQUENCE whose first two
 * elements are INTEGERs, version and modulus), as Go's ParsePKCS1PrivateKey requires; a PKCS#8
 * PrivateKeyInfo has a SEQUENCE (the algorithm) second. Node's own parser takes either.
 */
export function isPkcs1RsaDer(der: Buffer): boolean {
    const outer = derElement(der, 0);
    if (outer === undefined || outer.tag !== 0x30) return false;
    const version = derElement(der, outer.start);
    if (version === undefined || version.tag !== 0x02) return false;
    const modulus = derElement(der, version.end);
    return modulus !== undefined && modulus.tag === 0x02;
}

/**
 * Why a private key is not one the github provider can use, or undefined: the provider takes the
 * first PEM block and parses it as PKCS#1 (x509.ParsePKCS1PrivateKey, apps.go generateAppJWT), the
 * form GitHub generates ("-----BEGIN RSA PRIVATE KEY-----"). A PKCS#8 key, an encrypted one or a
 * public key fails there, at the provider's Configure. `setting` names where the key came from.
 */
export function appKeyProblem(pem: string, setting: string): string | undefined {
    const fix = "use the private key GitHub generated for the App (App settings → Private keys → Generate a private key: a .pem file starting \"-----BEGIN RSA PRIVATE KEY-----\")";
    const block = firstPemBlock(pem);
    if (block === undefined) return `${setting} holds no PEM block ("-----BEGIN ...-----"); ${fix}, its whole contents (\`\\n\` may stand for newlines)`;
    if (block.headers) return `${setting} is an encrypted key (Proc-Type/DEK-Info headers), which the github provider cannot read; ${fix}`;
    if (block.label === "PUBLIC KEY" || block.label === "RSA PUBLIC KEY") return `${setting} holds a public key; ${fix}`;
    const pkcs8 = `${setting} is a PKCS#8 key ("-----BEGIN PRIVATE KEY-----"); the github provider reads only the PKCS#1 form GitHub generates: ${fix}, or convert it with \`openssl rsa -in key.pem -traditional\``;
    if (!isPkcs1RsaDer(block.der)) return block.label === "PRIVATE KEY" ? pkcs8 : `${setting} is not an RSA private key in PKCS#1 form; ${fix}`;
    try {
        const key = createPrivateKey({ key: block.der, format: "der", type: "pkcs1" });
        return key.asymmetricKeyType === "rsa" ? undefined : `${setting} is not an RSA private key in PKCS#1 form; ${fix}`;
    } catch {
        return `${setting} is not an RSA private key in PKCS#1 form; ${fix}`;
    }
}

/** An App ID: the number on the App's settings page; GitHub also takes the client ID (`Iv1.…`, `Iv23…`) as `iss`. */
export function isAppId(value: string): boolean {
    return /^[1-9][0-9]*$/.test(value) || /^Iv[0-9A-Za-z.]{4,}$/.test(value);
}

export type AppCredentialsSource = { readonly field: AppAuthField; readonly from: "config" | "env" };

/** What the App's settings resolve to: the credentials, or why they are unusable (every problem). */
export type AppAuthResolution =
    | { readonly kind: "app"; readonly credentials: AppCredentials; readonly sources: Readonly<Record<AppAuthField, "config" | "env">> }
    | { readonly kind: "none"; readonly partialEnv: readonly string[] }
    | { readonly kind: "invalid"; readonly problems: readonly string[] };

function text(v: unknown): string {
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
    return typeof v === "string" ? v : "";
}

/** The setting a field came from, as a user would set it. */
export function appAuthSetting(field: AppAuthField, from: "config" | "env"): string {
    return from === "config" ? `github:appAuth.${field}` : AppAuthEnv[field];
}

/**
 * `github:appAuth` resolved as terraform-provider-github v6.13.0 resolves `app_auth` (provider.go
 * getAppAuth): each field from the env var first, overridden by the config's non-empty value; all
 * three non-empty: the App. A config block with a field still missing is refused ("app_auth block
 * is set but required fields are missing or contains empty values"); no block and an incomplete
 * set of env vars: no App (the provider then uses the token; `partialEnv` names what was set).
 */
export function resolveAppAuth(config: AppAuthConfig | undefined, env: NodeJS.ProcessEnv): AppAuthResolution {
    const values = {} as Record<AppAuthField, string>;
    const sources = {} as Record<AppAuthField, "config" | "env">;
    for (const f of AppAuthFields) {
        const fromConfig = text(config?.[f]);
        values[f] = fromConfig !== "" ? fromConfig : env[AppAuthEnv[f]] ?? "";
        sources[f] = fromConfig !== "" ? "config" : "env";
    }
    const missing = AppAuthFields.filter((f) => values[f] === "");
    if (missing.length > 0) {
        if (config === undefined) {
            return { kind: "none", partialEnv: missing.length < AppAuthFields.length ? AppAuthFields.filter((f) => values[f] !== "").map((f) => AppAuthEnv[f]) : [] };
        }
        const how = missing.map((f) => f === "pemFile"
            ? "`pulumi config set --secret --path github:appAuth.pemFile < app.private-key.pem`"
            : `\`pulumi config set --path github:appAuth.${f} <${f === "id" ? "App ID" : "installation ID"}>\``).join(", ");
        return {
            kind: "invalid",
            problems: [`github:appAuth is set, but ${missing.map((f) => `github:appAuth.${f}`).join(", ")} ${missing.length === 1 ? "is" : "are"} missing or empty ` +
                `(nor ${missing.map((f) => AppAuthEnv[f]).join(", ")} set), which the github provider refuses too; set ${how}, or remove github:appAuth to use github:token`],
        };
    }
    const problems: string[] = [];
    const pem = pemFromSetting(values.pemFile);
    if (!isAppId(values.id)) {
        problems.push(`${appAuthSetting("id", sources.id)}: ${JSON.stringify(values.id)} is not a GitHub App ID (the number on the App's settings page, "App ID"; or its client ID, Iv…)`);
    }
    if (!/^[1-9][0-9]*$/.test(values.installationId)) {
        problems.push(`${appAuthSetting("installationId", sources.installationId)}: ${JSON.stringify(values.installationId)} is not an installation ID (the number at the end of the installation's settings URL, …/settings/installations/<id>)`);
    }
    const keyProblem = appKeyProblem(pem, appAuthSetting("pemFile", sources.pemFile));
    if (keyProblem) problems.push(keyProblem);
    if (problems.length > 0) return { kind: "invalid", problems };
    return { kind: "app", credentials: { appId: values.id, installationId: values.installationId, privateKey: pem }, sources };
}

// ---- the JWT -----------------------------------------------------------------------------------

/** `iat` this far in the past: GitHub's documented allowance for clock drift. */
export const JwtBackdateSeconds = 60;
/** `exp` this far ahead: within GitHub's 10-minute maximum, as the github provider's (apps.go: 5 minutes). */
export const JwtLifetimeSeconds = 300;

export interface AppJwtClaims {
    readonly iat: number;
    readonly exp: number;
    readonly iss: string;
}

const base64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** The claims of a JWT for `appId` at `nowMs`: issued a minute ago, valid five minutes (whole seconds). */
export function appJwtClaims(appId: string, nowMs: number): AppJwtClaims {
    const now = Math.floor(nowMs / 1000);
    return { iat: now - JwtBackdateSeconds, exp: now + JwtLifetimeSeconds, iss: appId };
}

/** A JWT for the App, signed RS256 with its key, as GitHub requires ({"alg":"RS256","typ":"JWT"}). */
export function appJwt(appId: string, key: KeyObject | string, nowMs: number): string {
    const head = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
    const body = base64url(JSON.stringify(appJwtClaims(appId, nowMs)));
    const signature = sign("RSA-SHA256", Buffer.from(`${head}.${body}`), key);
    return `${head}.${body}.${base64url(signature)}`;
}

// ---- installation tokens -----------------------------------------------------------------------

/** An installation token, with GitHub's expiry and the clocks to judge it by. */
export interface InstallationToken {
    readonly token: string;
    /** GitHub's `expires_at`, ms since the epoch. */
    readonly expiresAt: number;
    /** Until when (local clock, ms) the token is reused. */
    readonly reuseUntil: number;
    /** The App's permissions on it, as GitHub listed them (`permissions`). */
    readonly permissions: Readonly<Record<string, string>>;
}

/** Share of its lifetime after which a token is replaced: Flux's token cache (and kubelet's) 80 %. */
export const TokenReuseShare = 0.8;

/**
 * Until when a token is reused: 80 % of its lifetime, measured on GitHub's clock (its `Date` at the
 * answer to `expires_at`), counted from the local time it arrived, so a skewed local clock does not
 * shorten or stretch it. Without a `Date`, the local clock.
 */
export function tokenReuseUntil(receivedAtMs: number, expiresAtMs: number, githubDateMs: number | undefined): number {
    const lifetime = expiresAtMs - (githubDateMs ?? receivedAtMs);
    return receivedAtMs + Math.max(0, Math.floor(lifetime * TokenReuseShare));
}

/** Why the App could not get an installation token, with the fix, in the words of the setting to change. */
export function explainTokenRefusal(res: GitHubResponse<unknown>, app: { appId: string; installationId: string }, host: string): string {
    const message = typeof (res.body as { message?: unknown } | undefined)?.message === "string" ? (res.body as { message: string }).message : "";
    const said = `GitHub answered ${res.status}${message ? ` "${message}"` : ""}`;
    const what = `minting an installation token for GitHub App ${app.appId} (installation ${app.installationId}) at ${host}`;
    if (res.notJson) return `${what}: GitHub answered ${res.status} with ${res.notJson}, not JSON: check github:baseUrl (a GitHub Enterprise Server serves REST only under https://HOST/api/v3/)`;
    if (res.status === 404) {
        return `${what}: ${said}: App ${app.appId} has no installation ${app.installationId} there: check github:appAuth.installationId (the number at the end of the installation's settings URL, …/settings/installations/<id>) and that the App is installed on the repositories' owner`;
    }
    if (res.status === 401 && /claim \('exp'\)|claim \('iat'\)/.test(message)) {
        return `${what}: ${said}: this machine's clock differs from GitHub's by a minute or more (the JWT is issued ${JwtBackdateSeconds} s in the past and valid ${JwtLifetimeSeconds / 60} minutes); set the clock (NTP) and run again`;
    }
    if (res.status === 401) {
        return `${what}: ${said}: GitHub cannot verify the JWT with App ${app.appId}'s keys: github:appAuth.pemFile is not a current private key of that App (deleted, or another App's), or github:appAuth.id names another App; ` +
            "generate a private key in the App's settings and set it: `pulumi config set --secret --path github:appAuth.pemFile < app.private-key.pem`";
    }
    if (res.status === 403) {
        return `${what}: ${said}: the installation cannot be used (suspended, or the App's access to the owner was revoked); an owner of the organization can unsuspend it under Settings → GitHub Apps`;
    }
    return `${what}: ${said}`;
}

export interface TokenSourceIo {
    readonly fetch?: typeof fetch;
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly requestTimeoutMs?: number;
}

/**
 * The App's installation tokens for the program's own GitHub calls: minted when first needed,
 * reused until 80 % of their lifetime, minted again after that or when GitHub refuses the current
 * one (lib/github.ts githubRequest calls `refused`). Concurrent callers share one mint.
 */
export class InstallationTokenSource implements GitHubTokenSource {
    readonly kind = "app" as const;
    /** Tokens minted so far (for tests and the plugin's log-free accounting). */
    minted = 0;
    private readonly key: KeyObject;
    private current: InstallationToken | undefined;
    private pending: Promise<InstallationToken> | undefined;

    constructor(readonly app: AppCredentials, private readonly restBase: string, private readonly io: TokenSourceIo = {}) {
        this.key = createPrivateKey(app.privateKey);
    }

    /** The App and installation, for messages (never the key). */
    get description(): string {
        return `GitHub App ${this.app.appId} (installation ${this.app.installationId})`;
    }

    async token(): Promise<string> {
        const now = (this.io.now ?? Date.now)();
        if (this.current !== undefined && now < this.current.reuseUntil) return this.current.token;
        this.pending ??= this.mint().finally(() => (this.pending = undefined));
        return (await this.pending).token;
    }

    /** GitHub answered 401 to `token`: if it is the current one, the next call mints another. */
    refused(token: string): void {
        if (this.current?.token === token) this.current = undefined;
    }

    /** The current token's details, if one is held (tests). */
    get held(): InstallationToken | undefined {
        return this.current;
    }

    private async mint(): Promise<InstallationToken> {
        const now = this.io.now ?? Date.now;
        const jwt = appJwt(this.app.appId, this.key, now());
        const opts: RequestOptions = {
            ...(this.io.fetch ? { fetch: this.io.fetch } : {}),
            ...(this.io.sleep ? { sleep: this.io.sleep } : {}),
            ...(this.io.now ? { now: this.io.now } : {}),
            ...(this.io.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.io.requestTimeoutMs } : {}),
            // A rate limit on the mint is waited out a little only: the JWT is valid for five minutes.
            budgetMs: 120_000,
        };
        const res = await githubRequest<{ token?: unknown; expires_at?: unknown; permissions?: Record<string, string> }>(
            { baseUrl: this.restBase, token: jwt }, "POST", `app/installations/${encodeURIComponent(this.app.installationId)}/access_tokens`, undefined, opts);
        const receivedAt = now();
        const expiresAt = typeof res.body?.expires_at === "string" ? Date.parse(res.body.expires_at) : NaN;
        if (res.status !== 201 || typeof res.body?.token !== "string" || Number.isNaN(expiresAt)) {
            throw new Error(res.status === 201
                ? `minting an installation token for ${this.description}: GitHub's answer has no token and expiry (check github:baseUrl)`
                : explainTokenRefusal(res, this.app, new URL(this.restBase).host));
        }
        this.minted++;
        this.current = { token: res.body.token, expiresAt, reuseUntil: tokenReuseUntil(receivedAt, expiresAt, res.date), permissions: res.body.permissions ?? {} };
        return this.current;
    }
}
