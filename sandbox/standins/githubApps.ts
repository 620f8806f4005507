// GitHub Apps for the GitHub API stand-in (githubApi.ts mounts it): Apps with their private keys
// (generated, rotatable: a new key, the old one deleted), installations on the sandbox's owners,
// the JWT that authenticates as an App, checked as GitHub checks it, and installation tokens with
// an expiry and the installation's permissions, enforced per route by githubApi.ts and
// githubActions.ts (`X-Accepted-GitHub-Permissions`, 403 "Resource not accessible by integration").
//
// Sources: GitHub's docs ("Generating a JSON Web Token (JWT) for a GitHub App": RS256, `iat`,
// `exp` "no more than 10 minutes into the future", `iss` the App's ID or client ID; "Generating an
// installation access token": one hour, 401 once expired; "Managing private keys for GitHub
// Apps": several keys, a deleted one no longer verifies), @octokit/openapi 23.0.2 (the routes and
// bodies: `integration`, `installation`, `installation-token`; ghes-3.19.json serves the same),
// and GitHub's refusals as clients report them: 401 "A JSON web token could not be decoded" (a key
// that does not match, octokit/auth-app.js#375), "'Expiration time' claim ('exp') is too far in the
// future" (create-github-app-token#178), "'Expiration time' claim ('exp') must be a numeric value
// representing the future time at which the assertion expires" (github3.py#1050), "'Issued at'
// claim ('iat') must be an Integer representing the time that the assertion was issued"
// (probot#1257), "'Issuer' claim ('iss') must be an Integer" (create-github-app-token#386), 404 for
// an unknown installation (octokit/auth-app.js#64), 403 "This installation has been suspended".
// Clients it is written against: terraform-provider-github v6.13.0 (apps.go: iat now-60 s, exp
// +5 min, no body), fluxcd/pkg auth/githubapp (iat now-30 s, exp +2 min, a JSON `null` body),
// actions/create-github-app-token v3.1.1 (@octokit/auth-app), and the program's lib/githubApp.ts.
import { createPublicKey, generateKeyPairSync, KeyObject, randomBytes, verify } from "crypto";

/** An App permission (the installation's `permissions` object: repository_hooks, statuses, contents, workflows, actions, metadata, …). */
export type AppPermissions = Readonly<Record<string, "read" | "write">>;

export interface AppKey {
    readonly id: number;
    readonly publicKey: KeyObject;
    readonly createdAt: Date;
}

export interface App {
    readonly id: number;
    readonly clientId: string;
    readonly slug: string;
    readonly name: string;
    readonly ownerLogin: string;
    readonly permissions: AppPermissions;
    readonly events: readonly string[];
    readonly keys: Map<number, AppKey>;
    readonly createdAt: Date;
    /** The App's bot account, which its installation tokens act as (`<slug>[bot]`). */
    readonly botId: number;
}

export interface Installation {
    readonly id: number;
    readonly appId: number;
    readonly accountLogin: string;
    /** "all" of the owner's repositories, or these repository ids. */
    readonly repositories: "all" | ReadonlySet<number>;
    permissions: AppPermissions;
    suspendedAt: Date | null;
    readonly createdAt: Date;
}

export interface InstallationToken {
    readonly token: string;
    readonly installationId: number;
    readonly appId: number;
    /** ms since the epoch. */
    readonly issuedAt: number;
    expiresAt: number;
    readonly permissions: AppPermissions;
    /** The repositories the token may reach: the installation's, or fewer when asked. */
    readonly repositories: "all" | ReadonlySet<number>;
    revoked: boolean;
}

/** A JWT that reached the stand-in, as it was judged: for tests that tell the clients apart by their claims. */
export interface JwtRecord {
    readonly appId?: number;
    readonly iat?: number;
    readonly exp?: number;
    /** Seconds, at the stand-in. */
    readonly receivedAt: number;
    readonly status: number;
    readonly message?: string;
    readonly keyId?: number;
}

export type JwtVerdict = { readonly ok: true; readonly app: App; readonly keyId: number } | { readonly ok: false; readonly status: 401; readonly message: string };

/** GitHub's limit on `exp`: "no more than 10 minutes into the future". */
export const MaxJwtLifetimeSeconds = 600;
/** "Installation tokens expire one hour from the time you create them." */
export const InstallationTokenLifetimeSeconds = 3600;

/** Whether a presented credential is a JWT (three base64url parts): what the App routes expect. */
export function looksLikeJwt(credential: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);
}

const Undecodable = "A JSON web token could not be decoded";

function decodePart(part: string): Record<string, unknown> | undefined {
    try {
        const v = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
        return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

export class GitHubApps {
    readonly apps = new Map<number, App>();
    readonly installations = new Map<number, Installation>();
    readonly tokens = new Map<string, InstallationToken>();
    /** Every JWT presented, with the verdict. */
    readonly jwts: JwtRecord[] = [];
    private tokenLifetimeSeconds = InstallationTokenLifetimeSeconds;
    private nextAppId = 1001;
    private nextKeyId = 5001;
    private nextInstallationId = 70001;

    constructor(private readonly now: () => number = Date.now) {}

    get any(): boolean {
        return this.apps.size > 0;
    }

    /**
     * Registers an App (as its owner does in Settings → Developer settings) with one private key,
     * returned once as GitHub lets you download it: PEM, PKCS#1.
     */
    createApp(opts: { slug: string; owner: string; permissions: AppPermissions; events?: readonly string[]; name?: string }): { app: App; privateKey: string; keyId: number } {
        const id = this.nextAppId++;
        const app: App = {
            id, clientId: `Iv23li${randomBytes(7).toString("hex")}`, slug: opts.slug, name: opts.name ?? opts.slug, ownerLogin: opts.owner,
            // Every App has read access to metadata ("Metadata: read-only" is mandatory).
            permissions: { metadata: "read", ...opts.permissions }, events: [...(opts.events ?? [])], keys: new Map(), createdAt: new Date(this.now()),
            botId: 41000000 + id,
        };
        this.apps.set(id, app);
        const key = this.addKey(id);
        return { app, ...key };
    }

    /** "Generate a private key": another key of the App, valid beside the others until deleted. */
    addKey(appId: number): { privateKey: string; keyId: number } {
        const app = this.requireApp(appId);
        const pair = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
        const keyId = this.nextKeyId++;
        app.keys.set(keyId, { id: keyId, publicKey: createPublicKey(pair.publicKey), createdAt: new Date(this.now()) });
        return { privateKey: pair.privateKey, keyId };
    }

    /** Deletes a key: JWTs it signs are refused from now on. GitHub keeps at least one key ("an App must have one"). */
    deleteKey(appId: number, keyId: number): void {
        const app = this.requireApp(appId);
        if (!app.keys.has(keyId)) throw new Error(`deleteKey: App ${appId} has no key ${keyId}`);
        if (app.keys.size === 1) throw new Error("deleteKey: GitHub does not delete an App's last private key");
        app.keys.delete(keyId);
    }

    /** Installs the App on an owner: all of its repositories, or the named ones (ids). */
    install(appId: number, accountLogin: string, repositories: "all" | readonly number[] = "all", permissions?: AppPermissions): Installation {
        const app = this.requireApp(appId);
        const inst: Installation = {
            id: this.nextInstallationId++, appId, accountLogin, repositories: repositories === "all" ? "all" : new Set(repositories),
            permissions: { ...(permissions ?? app.permissions) }, suspendedAt: null, createdAt: new Date(this.now()),
        };
        this.installations.set(inst.id, inst);
        return inst;
    }

    suspend(installationId: number, suspended = true): void {
        this.requireInstallation(installationId).suspendedAt = suspended ? new Date(this.now()) : null;
    }

    /** Tokens minted from now on live this long (GitHub: an hour); tests shorten it. */
    setInstallationTokenLifetime(seconds: number): void {
        if (!(seconds > 0)) throw new Error(`setInstallationTokenLifetime: seconds must be > 0, not ${seconds}`);
        this.tokenLifetimeSeconds = seconds;
    }

    /** Every installation token issued so far expires now, as if their hour had passed: GitHub answers them 401 from here on. */
    expireTokens(): number {
        let n = 0;
        for (const t of this.tokens.values()) {
            if (!t.revoked && t.expiresAt > this.now()) {
                t.expiresAt = this.now();
                n++;
            }
        }
        return n;
    }

    /** A token still valid (not expired, not revoked), or undefined: GitHub's 401 "Bad credentials". */
    liveToken(token: string): InstallationToken | undefined {
        const t = this.tokens.get(token);
        return t && !t.revoked && t.expiresAt > this.now() ? t : undefined;
    }

    /** Whether `token` is an installation token the stand-in issued (live or not). */
    issued(token: string): boolean {
        return this.tokens.has(token);
    }

    /**
     * A JWT judged as GitHub judges it: decodable, RS256, `iss` an App (its ID or client ID) whose
     * current keys verify the signature, `exp` in the future and at most 10 minutes ahead, `iat` not
     * in the future. Recorded either way.
     */
    verifyJwt(jwt: string): JwtVerdict {
        const nowSeconds = Math.floor(this.now() / 1000);
        const refuse = (message: string, claims?: Record<string, unknown>, app?: App): JwtVerdict => {
            this.jwts.push({ appId: app?.id, iat: numberOf(claims?.iat), exp: numberOf(claims?.exp), receivedAt: nowSeconds, status: 401, message });
            return { ok: false, status: 401, message };
        };
        const [h, c, s] = jwt.split(".");
        const header = decodePart(h ?? "");
        const claims = decodePart(c ?? "");
        if (!header || !claims || s === undefined || header.alg !== "RS256") return refuse(Undecodable, claims);
        const iss = claims.iss;
        const app = typeof iss === "number" || (typeof iss === "string" && /^[0-9]+$/.test(iss))
            ? this.apps.get(Number(iss))
            : typeof iss === "string" ? [...this.apps.values()].find((a) => a.clientId === iss) : undefined;
        if (!app && !(typeof iss === "number" || (typeof iss === "string" && /^[0-9]+$/.test(iss)) || (typeof iss === "string" && iss.startsWith("Iv")))) {
            return refuse("'Issuer' claim ('iss') must be an Integer", claims);
        }
        if (!app) return refuse(Undecodable, claims);
        const signed = Buffer.from(`${h}.${c}`);
        const signature = Buffer.from(s, "base64url");
        const key = [...app.keys.values()].find((k) => verify("RSA-SHA256", signed, k.publicKey, signature));
        if (!key) return refuse(Undecodable, claims, app);
        const exp = numberOf(claims.exp);
        const iat = numberOf(claims.iat);
        if (exp === undefined || exp <= nowSeconds) return refuse("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires", claims, app);
        if (exp > nowSeconds + MaxJwtLifetimeSeconds) return refuse("'Expiration time' claim ('exp') is too far in the future", claims, app);
        if (iat === undefined || iat > nowSeconds) return refuse("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued", claims, app);
        this.jwts.push({ appId: app.id, iat, exp, receivedAt: nowSeconds, status: 200, keyId: key.id });
        return { ok: true, app, keyId: key.id };
    }

    /**
     * `POST /app/installations/{id}/access_tokens` for `app`: a token for the installation's
     * repositories (or the ones asked for) with its permissions (or fewer, when asked); GitHub's
     * refusals otherwise.
     */
    mint(app: App, installationId: number, body: { repositoryIds?: readonly number[]; permissions?: Record<string, unknown> } = {}):
        | { ok: true; token: InstallationToken }
        | { ok: false; status: 403 | 404 | 422; message: string } {
        const inst = this.installations.get(installationId);
        if (!inst || inst.appId !== app.id) return { ok: false, status: 404, message: "Not Found" };
        if (inst.suspendedAt) return { ok: false, status: 403, message: "This installation has been suspended" };
        let permissions: AppPermissions = inst.permissions;
        if (body.permissions !== undefined) {
            const asked = Object.entries(body.permissions);
            const level = (x: unknown) => (x === "write" ? 2 : x === "read" ? 1 : 0);
            if (asked.some(([k, v]) => level(v) === 0 || level(inst.permissions[k]) < level(v))) {
                return { ok: false, status: 422, message: "The permissions requested are not granted to this installation." };
            }
            permissions = Object.fromEntries(asked) as AppPermissions;
        }
        let repositories: "all" | ReadonlySet<number> = inst.repositories;
        if (body.repositoryIds !== undefined) {
            if (inst.repositories !== "all" && body.repositoryIds.some((id) => !(inst.repositories as ReadonlySet<number>).has(id))) {
                return { ok: false, status: 422, message: "There is at least one repository that does not exist or is not accessible to the parent installation." };
            }
            repositories = new Set(body.repositoryIds);
        }
        const issuedAt = this.now();
        const token: InstallationToken = {
            token: `ghs_${randomBytes(27).toString("base64url").replace(/[-_]/g, "0").slice(0, 36)}`,
            installationId, appId: app.id, issuedAt, expiresAt: issuedAt + this.tokenLifetimeSeconds * 1000, permissions, repositories, revoked: false,
        };
        this.tokens.set(token.token, token);
        return { ok: true, token };
    }

    /** `DELETE /installation/token`: the token is revoked at once. */
    revoke(token: string): void {
        const t = this.tokens.get(token);
        if (t) t.revoked = true;
    }

    /** Tokens minted for an installation so far, oldest first (tests). */
    tokensOf(installationId: number): InstallationToken[] {
        return [...this.tokens.values()].filter((t) => t.installationId === installationId);
    }

    requireApp(appId: number): App {
        const app = this.apps.get(appId);
        if (!app) throw new Error(`the GitHub stand-in has no App ${appId}`);
        return app;
    }

    requireInstallation(id: number): Installation {
        const inst = this.installations.get(id);
        if (!inst) throw new Error(`the GitHub stand-in has no installation ${id}`);
        return inst;
    }
}

function numberOf(v: unknown): number | undefined {
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Whether `granted` allows `access` ("write" includes "read"). */
export function permits(granted: string | undefined, access: "read" | "write"): boolean {
    return granted === "write" || (granted === "read" && access === "read");
}
