// A stand-in for GitHub Actions' OIDC issuer, as a GitHub Enterprise Server serves it at
// https://HOST/_services/token (github.com: https://token.actions.githubusercontent.com): the
// OpenID discovery document, the JWKS, and RS256-signed ID tokens with GitHub Actions' claim set.
// notification-controller v1.9.3 verifies its tokens for real (go-oidc v3.18: the discovery
// document's `issuer` must equal the configured issuerURL, the key is found by `kid` in `jwks_uri`,
// `aud` must contain the audience, `exp` must not have passed; RS256).
//
// Sources: GitHub's "OpenID Connect reference" (claims, the GHES issuer
// https://HOSTNAME/_services/token, discovery at <issuer>/.well-known/openid-configuration) and its
// example token (exp = iat + 5 min, nbf = iat - 10 min); token.actions.githubusercontent.com's
// discovery document (its fields below). Not reproduced: the x5t header and x5c key chain GitHub
// adds (go-oidc selects keys by kid), and GitHub's signing-key rotation.
import { createPublicKey, generateKeyPair, KeyObject, randomUUID, sign } from "crypto";
import * as http from "http";

/** GitHub's example token: valid 5 minutes from issue, and from 10 minutes before it. */
export const TokenLifetimeSeconds = 300;
export const NotBeforeSkewSeconds = 600;

/** The claims GitHub documents for an Actions ID token (all values strings, as GitHub sends them). */
export const ActionsClaims = [
    "jti", "sub", "aud", "ref", "sha", "repository", "repository_owner", "repository_owner_id", "repository_id", "repository_visibility",
    "run_id", "run_number", "run_attempt", "runner_environment", "actor", "actor_id", "workflow", "workflow_ref", "workflow_sha",
    "job_workflow_ref", "job_workflow_sha", "head_ref", "base_ref", "event_name", "ref_type", "ref_protected", "iss", "nbf", "exp", "iat",
] as const;

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export interface MintOptions {
    /** Seconds since the epoch; default now. */
    readonly issuedAt?: number;
    readonly lifetimeSeconds?: number;
    /** Sign with another key (a token this issuer did not make). */
    readonly key?: KeyObject;
}

export class OidcIssuer {
    private constructor(readonly issuer: string, private readonly key: KeyObject, readonly kid: string) {}

    /** An issuer at `issuer` (e.g. http://127.0.0.1:PORT/_services/token) with a fresh 2048-bit RSA key (generated off the event loop). */
    static async create(issuer: string): Promise<OidcIssuer> {
        const key = await newSigningKey();
        return new OidcIssuer(issuer.replace(/\/+$/, ""), key, randomUUID().replace(/-/g, "").slice(0, 27));
    }

    /** The discovery document, with the fields token.actions.githubusercontent.com publishes. */
    discovery(): Record<string, unknown> {
        return {
            issuer: this.issuer,
            jwks_uri: `${this.issuer}/.well-known/jwks`,
            subject_types_supported: ["public", "pairwise"],
            response_types_supported: ["id_token"],
            claims_supported: [...ActionsClaims],
            id_token_signing_alg_values_supported: ["RS256"],
            scopes_supported: ["openid"],
        };
    }

    jwks(): Record<string, unknown> {
        const jwk = createPublicKey(this.key).export({ format: "jwk" }) as { n: string; e: string };
        return { keys: [{ kty: "RSA", alg: "RS256", use: "sig", kid: this.kid, n: jwk.n, e: jwk.e }] };
    }

    /** An RS256 JWT with `claims` plus iss, iat, nbf and exp (GitHub's lifetimes unless overridden). */
    mint(claims: Record<string, unknown>, o: MintOptions = {}): string {
        const iat = o.issuedAt ?? Math.floor(Date.now() / 1000);
        const payload = { ...claims, iss: this.issuer, nbf: iat - NotBeforeSkewSeconds, exp: iat + (o.lifetimeSeconds ?? TokenLifetimeSeconds), iat };
        const header = { typ: "JWT", alg: "RS256", kid: this.kid };
        const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
        return `${signingInput}.${b64url(sign("sha256", Buffer.from(signingInput), o.key ?? this.key))}`;
    }

    /** Serves GET <issuer path>/.well-known/openid-configuration and .../jwks; anything else 404, as GitHub's issuer does. */
    serve(req: http.IncomingMessage, res: http.ServerResponse): void {
        const path = new URL(req.url ?? "/", "http://localhost").pathname;
        const base = new URL(this.issuer).pathname.replace(/\/+$/, "");
        const json = (status: number, body: unknown) => {
            res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
            res.end(JSON.stringify(body));
        };
        if (req.method === "GET" && path === `${base}/.well-known/openid-configuration`) return json(200, this.discovery());
        if (req.method === "GET" && path === `${base}/.well-known/jwks`) return json(200, this.jwks());
        return json(404, { message: "Not Found" });
    }
}

/** A 2048-bit RSA private key, generated asynchronously (the sandbox's servers answer from this process). */
export function newSigningKey(): Promise<KeyObject> {
    return new Promise((resolve, reject) => {
        generateKeyPair("rsa", { modulusLength: 2048 }, (err, _publicKey, privateKey) => (err ? reject(err) : resolve(privateKey)));
    });
}
