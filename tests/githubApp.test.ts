// A GitHub App in place of a personal token (lib/githubApp.ts): the settings as the github provider
// reads them, the JWT GitHub documents (checked with node's own crypto), the installation tokens'
// reuse and renewal, and what each refusal tells the user to change.
import * as assert from "assert";
import { createPublicKey, generateKeyPairSync, verify } from "crypto";
import { acceptedPermissions, appPermissionFix, explainApiFailure, GitHubResponse, githubRequest } from "../lib/github";
import {
    appJwt, appJwtClaims, appKeyProblem, explainTokenRefusal, InstallationTokenSource, JwtBackdateSeconds, JwtLifetimeSeconds, pemFromSetting, resolveAppAuth,
    tokenReuseUntil,
} from "../lib/githubApp";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const other = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const pkcs8 = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "sec1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const encrypted = generateKeyPairSync("rsa", {
    modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "p" }, publicKeyEncoding: { type: "spki", format: "pem" },
});

function decode(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signed: Buffer; signature: Buffer } {
    const [h, c, s] = jwt.split(".");
    return { header: JSON.parse(Buffer.from(h, "base64url").toString()), claims: JSON.parse(Buffer.from(c, "base64url").toString()), signed: Buffer.from(`${h}.${c}`), signature: Buffer.from(s, "base64url") };
}

describe("GitHub App settings, as terraform-provider-github v6.13.0 reads app_auth", () => {
    it("pem_file holds the key's contents; a literal \\n stands for a newline (validateAppAuth)", () => {
        const cases: [string, string][] = [
            ["-----BEGIN RSA PRIVATE KEY-----\\nAAAA\\n-----END RSA PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"],
            [rsa.privateKey, rsa.privateKey],
            [rsa.privateKey.split("\n").join("\\n"), rsa.privateKey],
        ];
        for (const [given, read] of cases) assert.strictEqual(pemFromSetting(given), read);
    });

    it("takes the PKCS#1 key GitHub generates, on one line too; refuses what x509.ParsePKCS1PrivateKey cannot read, naming the setting and the fix", () => {
        const table: { key: string; problem: RegExp | undefined }[] = [
            { key: rsa.privateKey, problem: undefined },
            { key: `-----BEGIN RSA PRIVATE KEY-----\r\n${rsa.privateKey.split("\n").slice(1, -2).join("\r\n")}\r\n-----END RSA PRIVATE KEY-----\r\n`, problem: undefined },
            { key: `some text before\n${rsa.privateKey}`, problem: undefined },
            { key: pkcs8.privateKey, problem: /^S is a PKCS#8 key \("-----BEGIN PRIVATE KEY-----"\).*openssl rsa -in key\.pem -traditional/ },
            { key: rsa.publicKey, problem: /^S holds a public key; use the private key GitHub generated/ },
            { key: ec.privateKey, problem: /^S is not an RSA private key in PKCS#1 form/ },
            { key: encrypted.privateKey, problem: /^S is an encrypted key \(Proc-Type\/DEK-Info headers\)/ },
            { key: "ghp_notakey", problem: /^S holds no PEM block \("-----BEGIN \.\.\.-----"\); use the private key GitHub generated for the App \(App settings → Private keys → Generate a private key/ },
        ];
        for (const { key, problem } of table) {
            const got = appKeyProblem(key, "S");
            if (problem === undefined) assert.strictEqual(got, undefined, key.slice(0, 40));
            else assert.match(got ?? "(none)", problem);
            if (key.length > 80) assert.ok(!(got ?? "").includes(key.slice(40, 80)), "the message never quotes the key");
        }
    });

    it("resolves each field from its env var, overridden by the config's non-empty value; all three set: the App", () => {
        const env = { GITHUB_APP_ID: "111", GITHUB_APP_INSTALLATION_ID: "222", GITHUB_APP_PEM_FILE: rsa.privateKey.split("\n").join("\\n") };
        const table: { name: string; config: Record<string, unknown> | undefined; env: Record<string, string>; want: unknown }[] = [
            { name: "config alone", config: { id: "1", installationId: "2", pemFile: rsa.privateKey }, env: {}, want: { appId: "1", installationId: "2", sources: "config,config,config" } },
            { name: "env alone (no block)", config: undefined, env, want: { appId: "111", installationId: "222", sources: "env,env,env" } },
            { name: "config over env, field by field", config: { installationId: 7 }, env, want: { appId: "111", installationId: "7", sources: "env,config,env" } },
            { name: "numbers set with --path", config: { id: 42, installationId: 43, pemFile: rsa.privateKey }, env: {}, want: { appId: "42", installationId: "43", sources: "config,config,config" } },
            { name: "an empty config value falls back to the env var", config: { id: "", installationId: "", pemFile: "" }, env, want: { appId: "111", installationId: "222", sources: "env,env,env" } },
        ];
        for (const t of table) {
            const r = resolveAppAuth(t.config, t.env);
            assert.strictEqual(r.kind, "app", t.name);
            if (r.kind !== "app") continue;
            assert.deepStrictEqual({ appId: r.credentials.appId, installationId: r.credentials.installationId, sources: [r.sources.id, r.sources.installationId, r.sources.pemFile].join() }, t.want, t.name);
            assert.strictEqual(r.credentials.privateKey, rsa.privateKey, t.name);
        }
    });

    it("no block and not all env vars: no App (the provider uses the token), naming the ones set; a block with a field missing: refused, as the provider refuses it", () => {
        assert.deepStrictEqual(resolveAppAuth(undefined, {}), { kind: "none", partialEnv: [] });
        assert.deepStrictEqual(resolveAppAuth(undefined, { GITHUB_APP_ID: "1", GITHUB_APP_PEM_FILE: "x" }), { kind: "none", partialEnv: ["GITHUB_APP_ID", "GITHUB_APP_PEM_FILE"] });
        const r = resolveAppAuth({ id: "1" }, {});
        assert.strictEqual(r.kind, "invalid");
        assert.deepStrictEqual(r.kind === "invalid" ? r.problems : [], [
            "github:appAuth is set, but github:appAuth.installationId, github:appAuth.pemFile are missing or empty (nor GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PEM_FILE set), which the github provider refuses too; " +
            "set `pulumi config set --path github:appAuth.installationId <installation ID>`, `pulumi config set --secret --path github:appAuth.pemFile < app.private-key.pem`, or remove github:appAuth to use github:token",
        ]);
    });

    it("refuses an App ID, installation ID or key GitHub could not take, every problem at once, each named by where it came from", () => {
        const r = resolveAppAuth({ id: "my-app", pemFile: pkcs8.privateKey }, { GITHUB_APP_INSTALLATION_ID: "12a" });
        assert.strictEqual(r.kind, "invalid");
        const problems = r.kind === "invalid" ? r.problems : [];
        assert.strictEqual(problems.length, 3);
        assert.match(problems[0], /^github:appAuth\.id: "my-app" is not a GitHub App ID \(the number on the App's settings page/);
        assert.match(problems[1], /^GITHUB_APP_INSTALLATION_ID: "12a" is not an installation ID \(the number at the end of the installation's settings URL/);
        assert.match(problems[2], /^github:appAuth\.pemFile is a PKCS#8 key/);
        // GitHub takes the client ID as iss too (the github provider passes `id` through as is).
        assert.strictEqual(resolveAppAuth({ id: "Iv23liAbCdEf", installationId: "5", pemFile: rsa.privateKey }, {}).kind, "app");
    });
});

describe("the App's JWT, as GitHub documents it (RS256; iat 60 s ago; exp at most 10 minutes ahead; iss the App ID)", () => {
    it("has GitHub's header and claims, in whole seconds, and verifies with the App's public key and no other", () => {
        const now = Date.parse("2026-12-05T16:00:00.750Z");
        const jwt = appJwt("1234", rsa.privateKey, now);
        const { header, claims, signed, signature } = decode(jwt);
        assert.deepStrictEqual(header, { alg: "RS256", typ: "JWT" });
        const t = Math.floor(now / 1000);
        assert.deepStrictEqual(claims, { iat: t - 60, exp: t + 300, iss: "1234" });
        assert.deepStrictEqual(appJwtClaims("1234", now), claims);
        assert.ok(claims.exp as number - t <= 600, "no more than 10 minutes ahead");
        assert.strictEqual(JwtBackdateSeconds, 60);
        assert.ok(JwtLifetimeSeconds <= 600);
        assert.strictEqual(verify("RSA-SHA256", signed, createPublicKey(rsa.publicKey), signature), true);
        assert.strictEqual(verify("RSA-SHA256", signed, createPublicKey(other.publicKey), signature), false);
        assert.ok(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jwt), "base64url, unpadded");
    });
});

describe("installation tokens: reused until 80 % of their lifetime, minted again then or when GitHub refuses one", () => {
    const app = { appId: "1234", installationId: "5678", privateKey: rsa.privateKey };
    const restBase = "https://ghe.example.com/api/v3/";

    it("the reuse deadline: 80 % of the lifetime on GitHub's clock, counted from when the answer arrived", () => {
        const at = 1_000_000_000_000;
        assert.strictEqual(tokenReuseUntil(at, at + 3_600_000, at), at + 2_880_000);
        assert.strictEqual(tokenReuseUntil(at, at + 3_600_000 - 600_000, at - 600_000), at + 2_880_000, "a local clock 10 minutes ahead of GitHub's changes nothing");
        assert.strictEqual(tokenReuseUntil(at, at + 20_000, undefined), at + 16_000, "a shortened lifetime keeps its share");
        assert.strictEqual(tokenReuseUntil(at, at - 5_000, at), at, "an expiry in the past: not reused");
    });

    /** GitHub's mint route, scripted: each call answers the next entry; records the requests. */
    function mintRoute(answers: { status: number; body?: unknown; date?: number }[], clock: { t: number }) {
        const calls: { url: string; auth: string; method: string; body: unknown }[] = [];
        const f = async (url: string | URL | Request, init?: RequestInit) => {
            calls.push({ url: String(url), auth: String((init?.headers as Record<string, string>).Authorization), method: String(init?.method), body: init?.body });
            const a = answers[Math.min(calls.length - 1, answers.length - 1)];
            return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status, headers: { date: new Date(a.date ?? clock.t).toUTCString() } });
        };
        return { fetch: f as typeof fetch, calls };
    }
    const minted = (n: number, clock: { t: number }, lifetimeMs = 3_600_000) => ({ status: 201, body: { token: `ghs_${n}`, expires_at: new Date(clock.t + lifetimeMs).toISOString(), permissions: { repository_hooks: "write" } } });

    it("mints at first use with a JWT signed by the App's key (POST /app/installations/{id}/access_tokens, no body), reuses it, and mints again at 80 %", async () => {
        const clock = { t: Date.parse("2026-12-05T16:00:00Z") };
        const answers = [minted(1, clock), minted(2, clock)];
        const r = mintRoute(answers, clock);
        const src = new InstallationTokenSource(app, restBase, { fetch: r.fetch, now: () => clock.t });
        assert.strictEqual(await src.token(), "ghs_1");
        assert.deepStrictEqual(r.calls.map((c) => [c.method, c.url, c.body]), [["POST", "https://ghe.example.com/api/v3/app/installations/5678/access_tokens", undefined]]);
        const { claims, signed, signature } = decode(r.calls[0].auth.replace(/^Bearer /, ""));
        assert.strictEqual(claims.iss, "1234");
        assert.ok(verify("RSA-SHA256", signed, createPublicKey(rsa.publicKey), signature));
        clock.t += 47 * 60_000;
        assert.strictEqual(await src.token(), "ghs_1", "47 minutes on: still the same");
        assert.strictEqual(r.calls.length, 1);
        clock.t += 60_001;
        answers[1] = minted(2, clock);
        assert.strictEqual(await src.token(), "ghs_2", "past 48 minutes: a new one");
        assert.strictEqual(src.minted, 2);
        assert.deepStrictEqual(src.held?.permissions, { repository_hooks: "write" });
    });

    it("concurrent callers share one mint; a refused token is minted again, another token's refusal changes nothing", async () => {
        const clock = { t: Date.parse("2026-12-05T16:00:00Z") };
        const r = mintRoute([minted(1, clock), minted(2, clock)], clock);
        const src = new InstallationTokenSource(app, restBase, { fetch: r.fetch, now: () => clock.t });
        assert.deepStrictEqual(await Promise.all([src.token(), src.token(), src.token()]), ["ghs_1", "ghs_1", "ghs_1"]);
        assert.strictEqual(r.calls.length, 1);
        src.refused("ghs_other");
        assert.strictEqual(await src.token(), "ghs_1");
        src.refused("ghs_1");
        assert.strictEqual(await src.token(), "ghs_2");
        assert.strictEqual(r.calls.length, 2);
    });

    it("a request whose token GitHub refuses (401) is made once more with a new token; a second 401 is GitHub's answer, explained for an App", async () => {
        const clock = { t: Date.parse("2026-12-05T16:00:00Z") };
        let mints = 0;
        const seen: string[] = [];
        const refuseFirst = (n: number) => (async (url: string | URL | Request, init?: RequestInit) => {
            const u = String(url);
            const auth = String((init?.headers as Record<string, string>).Authorization);
            if (u.endsWith("/access_tokens")) return new Response(JSON.stringify(minted(++mints, clock).body), { status: 201 });
            seen.push(auth);
            return seen.length <= n ? new Response(JSON.stringify({ message: "Bad credentials" }), { status: 401 }) : new Response("[]", { status: 200 });
        }) as typeof fetch;
        const src = new InstallationTokenSource(app, restBase, { fetch: refuseFirst(1), now: () => clock.t });
        const ok = await githubRequest({ baseUrl: restBase, token: src }, "GET", "repos/o/r/hooks", undefined, { fetch: refuseFirst(1) });
        assert.deepStrictEqual([ok.status, ok.auth, seen], [200, "app", ["Bearer ghs_1", "Bearer ghs_2"]]);

        seen.length = 0;
        mints = 0;
        const src2 = new InstallationTokenSource(app, restBase, { fetch: refuseFirst(9), now: () => clock.t });
        const refused = await githubRequest({ baseUrl: restBase, token: src2 }, "GET", "repos/o/r/hooks", undefined, { fetch: refuseFirst(9) });
        assert.deepStrictEqual([refused.status, seen.length], [401, 2], "asked once more, not in a loop");
        assert.match(explainApiFailure("listing the webhooks of o/r", "o", "r", refused), /GitHub answered 401 "Bad credentials", to the GitHub App's installation token and to a new one minted right after: .*check github:appAuth\.installationId/);
        // A plain token is never asked again: a 401 there is final.
        seen.length = 0;
        const plain = await githubRequest({ baseUrl: restBase, token: "ghp_x" }, "GET", "repos/o/r/hooks", undefined, { fetch: refuseFirst(9) });
        assert.deepStrictEqual([plain.status, plain.auth, seen.length], [401, undefined, 1]);
    });

    it("a refused mint names what to change: the installation, the key, the clock, a suspended installation", async () => {
        const clock = { t: Date.parse("2026-12-05T16:00:00Z") };
        const table: { answer: { status: number; body?: unknown }; want: RegExp }[] = [
            { answer: { status: 404, body: { message: "Not Found" } }, want: /App 1234 has no installation 5678 there: check github:appAuth\.installationId/ },
            { answer: { status: 401, body: { message: "A JSON web token could not be decoded" } }, want: /GitHub cannot verify the JWT with App 1234's keys: github:appAuth\.pemFile is not a current private key of that App.*pulumi config set --secret --path github:appAuth\.pemFile < app\.private-key\.pem/ },
            { answer: { status: 401, body: { message: "'Expiration time' claim ('exp') is too far in the future" } }, want: /this machine's clock differs from GitHub's by a minute or more.*set the clock \(NTP\)/ },
            { answer: { status: 401, body: { message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued" } }, want: /clock differs from GitHub's/ },
            { answer: { status: 403, body: { message: "This installation has been suspended" } }, want: /the installation cannot be used \(suspended/ },
            { answer: { status: 201, body: { message: "?" } }, want: /GitHub's answer has no token and expiry \(check github:baseUrl\)/ },
        ];
        for (const t of table) {
            const r = mintRoute([t.answer], clock);
            const src = new InstallationTokenSource(app, restBase, { fetch: r.fetch, now: () => clock.t });
            await assert.rejects(src.token(), (e: Error) => {
                assert.match(e.message, t.want);
                assert.match(e.message, /^minting an installation token for GitHub App 1234 \(installation 5678\)/);
                assert.ok(!e.message.includes("PRIVATE KEY") && !e.message.includes("ghs_"), "neither the key nor a token in the message");
                return true;
            });
        }
        assert.match(explainTokenRefusal({ status: 302, headers: {}, body: undefined, notJson: "text/html" }, app, "ghe.example.com"), /not JSON: check github:baseUrl/);
    });
});

describe("GitHub App permissions, in the settings page's words", () => {
    it("reads X-Accepted-GitHub-Permissions: sets by `;`, permissions by `,`", () => {
        const table: [string | undefined, string][] = [
            [undefined, ""],
            ["repository_hooks=write", "\"Webhooks: read and write\""],
            ["statuses=read", "\"Commit statuses: read-only\""],
            ["contents=write,workflows=write", "\"Contents: read and write\" and \"Workflows: read and write\""],
            ["repository_projects=write; organization_projects=admin", "\"repository_projects: read and write\", or \"organization_projects: admin\""],
        ];
        for (const [header, want] of table) assert.strictEqual(acceptedPermissions(header), want);
    });

    it("a 403 to an App names the permission GitHub asked for (or the one the call needs) and where to add it", () => {
        const res = (headers: Record<string, string>): GitHubResponse<unknown> => ({ status: 403, headers, body: { message: "Resource not accessible by integration" }, auth: "app" });
        assert.match(appPermissionFix(res({ "x-accepted-github-permissions": "repository_hooks=write" }), "\"X\""), /^the GitHub App's installation needs "Webhooks: read and write": add it in the App's settings \(Permissions & events → Repository permissions\), then approve/);
        assert.match(appPermissionFix(res({}), "\"Actions: read and write\""), /needs "Actions: read and write"/);
        assert.match(explainApiFailure("creating the hook", "o", "r", res({ "x-accepted-github-permissions": "repository_hooks=write" }), "write"),
            /GitHub answered 403 "Resource not accessible by integration": the GitHub App may not change the webhooks of o\/r; the GitHub App's installation needs "Webhooks: read and write"/);
        assert.match(explainApiFailure("listing hooks", "o", "r", { ...res({}), status: 404, body: { message: "Not Found" } }), /the GitHub App's installation does not include the repository/);
        // A token keeps the token's words.
        assert.match(explainApiFailure("listing hooks", "o", "r", { status: 403, headers: {}, body: { message: "Resource not accessible by personal access token" } }), /the token needs the repository permission "Webhooks: read"/);
    });
});
