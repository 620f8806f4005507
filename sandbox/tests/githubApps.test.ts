// GitHub Apps at the GitHub API stand-in (githubApps.ts, mounted by githubApi.ts): the JWT checked
// as GitHub checks it, with GitHub's refusals; installation tokens with their expiry, the
// installation's repositories and permissions enforced per route (hooks, statuses, and through
// githubActions.ts contents, workflows, Actions); keys rotated; and the clients that use it: the
// program's own (lib/githubApp.ts), the github provider stand-in (as terraform-provider-github
// v6.13.0 mints at Configure), and Flux's (fluxcd/pkg auth/githubapp: iat 30 s back, a JSON null body).
import * as assert from "assert";
import { createPrivateKey, sign } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { githubRequest } from "../../lib/github";
import { appJwt, InstallationTokenSource } from "../../lib/githubApp";
import { GitHubActions } from "../standins/githubActions";
import { GitHubApi } from "../standins/githubApi";
import { App } from "../standins/githubApps";
import { configureFromConfig, GitHubClient, githubProvider, githubSettings, providerAppJwt } from "../standins/githubProvider";
import { createRepository, GitServer, startGitServer } from "../standins/gitServer";

interface Answer { status: number; json: any; headers: Headers } // eslint-disable-line @typescript-eslint/no-explicit-any -- GitHub's JSON, asserted field by field

async function call(api: GitHubApi, method: string, p: string, token: string | undefined, body?: string): Promise<Answer> {
    const res = await fetch(new URL(p.replace(/^\//, ""), api.apiUrl), {
        method,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
        body,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A JWT with any claims and header, signed with `pem` (to make the refusals GitHub answers). */
function jwtWith(pem: string, claims: Record<string, unknown>, header: Record<string, unknown> = { alg: "RS256", typ: "JWT" }): string {
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const signed = `${part(header)}.${part(claims)}`;
    return `${signed}.${sign("RSA-SHA256", Buffer.from(signed), createPrivateKey(pem)).toString("base64url")}`;
}

const now = () => Math.floor(Date.now() / 1000);
const Permissions = { repository_hooks: "write", statuses: "write", contents: "write", workflows: "write", actions: "write" } as const;

describe("GitHub Apps at the GitHub API stand-in (GHES flavor, as in the sandbox)", () => {
    let api: GitHubApi;
    let app: App;
    let key: string;
    let keyId: number;
    let installationId: number;
    const jwt = (pem = key, id: string | number = app.id) => appJwt(String(id), pem, Date.now());
    const mint = async (body?: string, pem = key) => call(api, "POST", `/app/installations/${installationId}/access_tokens`, jwt(pem), body);

    beforeEach(async () => {
        api = await GitHubApi.start({ flavor: "ghes", token: "admin", repositories: [{ owner: "org", name: "app" }, { owner: "org", name: "other" }, { owner: "elsewhere", name: "x" }] });
        ({ app, privateKey: key, keyId } = api.createApp("flux-push", Permissions, "org"));
        installationId = api.apps.install(app.id, "org").id;
    });
    afterEach(() => api.close());

    it("GET /app and the installation with the JWT; a token minted with no body (the provider's) or a JSON null (Flux's go-github) lives an hour with the installation's permissions", async () => {
        const self = await call(api, "GET", "/app", jwt());
        assert.deepStrictEqual([self.status, self.json.id, self.json.slug, self.json.permissions], [200, app.id, "flux-push", { metadata: "read", ...Permissions }]);
        const inst = await call(api, "GET", `/app/installations/${installationId}`, jwt());
        assert.deepStrictEqual([inst.status, inst.json.account.login, inst.json.repository_selection, inst.json.app_id], [200, "org", "all", app.id]);
        assert.strictEqual((await call(api, "GET", "/repos/org/app/installation", jwt())).json.id, installationId);
        assert.strictEqual((await call(api, "GET", "/orgs/org/installation", jwt())).json.id, installationId);
        assert.strictEqual((await call(api, "GET", "/repos/elsewhere/x/installation", jwt())).status, 404);
        for (const body of [undefined, "null\n"]) {
            const t = await mint(body);
            assert.strictEqual(t.status, 201, JSON.stringify(t.json));
            assert.match(t.json.token, /^ghs_[A-Za-z0-9]{36}$/);
            const lifetime = Date.parse(t.json.expires_at) - Date.now();
            assert.ok(lifetime > 3_590_000 && lifetime <= 3_600_000, `an hour: ${lifetime} ms`);
            assert.deepStrictEqual([t.json.permissions, t.json.repository_selection], [{ metadata: "read", ...Permissions }, "all"]);
            assert.strictEqual((await call(api, "GET", "/repos/org/app/hooks", t.json.token)).status, 200);
        }
        assert.deepStrictEqual(api.exchanges.filter((e) => e.path.endsWith("/access_tokens")).map((e) => e.auth), ["jwt", "jwt"]);
    });

    it("refuses JWTs as GitHub does: expired, too long, future-dated, wrongly signed, another App's id, no RS256, an iss that is no App ID (401, GitHub's words)", async () => {
        const other = api.createApp("other", {}, "org");
        const t = now();
        const table: [string, string, string][] = [
            ["expired", jwtWith(key, { iat: t - 700, exp: t - 100, iss: String(app.id) }), "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"],
            ["more than 10 minutes ahead", jwtWith(key, { iat: t - 60, exp: t + 601, iss: String(app.id) }), "'Expiration time' claim ('exp') is too far in the future"],
            ["issued in the future", jwtWith(key, { iat: t + 120, exp: t + 300, iss: String(app.id) }), "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"],
            ["signed with another App's key", jwt(other.privateKey), "A JSON web token could not be decoded"],
            ["naming another App", jwt(key, other.app.id), "A JSON web token could not be decoded"],
            ["an App that does not exist", jwt(key, 999999), "A JSON web token could not be decoded"],
            ["alg none", jwtWith(key, { iat: t - 60, exp: t + 300, iss: String(app.id) }, { alg: "none" }), "A JSON web token could not be decoded"],
            ["iss neither an App ID nor a client ID", jwtWith(key, { iat: t - 60, exp: t + 300, iss: "my-app " }), "'Issuer' claim ('iss') must be an Integer"],
        ];
        for (const [what, token, message] of table) {
            const r = await call(api, "POST", `/app/installations/${installationId}/access_tokens`, token);
            assert.deepStrictEqual([r.status, r.json.message], [401, message], what);
        }
        // The bounds themselves pass: exp exactly 10 minutes ahead, iat now; and the client ID as iss.
        assert.strictEqual((await call(api, "GET", "/app", jwtWith(key, { iat: t, exp: t + 600, iss: app.id }))).status, 200);
        assert.strictEqual((await call(api, "GET", "/app", jwtWith(key, { iat: t - 60, exp: t + 300, iss: app.clientId }))).status, 200);
        // A token where a JWT is required.
        const minted = (await mint()).json.token as string;
        assert.deepStrictEqual([(await call(api, "GET", "/app", minted)).status, (await call(api, "GET", "/app", "admin")).json.message], [401, "A JSON web token could not be decoded"]);
    });

    it("the installation's repositories and permissions, per route: 404 outside it, 403 \"Resource not accessible by integration\" with the permission GitHub wants", async () => {
        const limited = api.apps.install(api.createApp("status-only", { statuses: "write" }, "org").app.id, "org", [api.repository("org", "app")!.id]);
        const token = async (appKey: string, appId: number, inst: number) => (await call(api, "POST", `/app/installations/${inst}/access_tokens`, appJwt(String(appId), appKey, Date.now()))).json.token as string;
        const statusApp = [...api.apps.apps.values()].find((a) => a.slug === "status-only")!;
        // Its key is not kept by the stand-in: make another and use it.
        const statusKey = api.apps.addKey(statusApp.id).privateKey;
        const t = await token(statusKey, statusApp.id, limited.id);
        const sha = "d".repeat(40);
        api.addCommit("org", "app", sha, "main");
        const hooks = await call(api, "GET", "/repos/org/app/hooks", t);
        assert.deepStrictEqual([hooks.status, hooks.json.message, hooks.headers.get("x-accepted-github-permissions")], [403, "Resource not accessible by integration", "repository_hooks=read"]);
        const write = await call(api, "POST", "/repos/org/app/hooks", t, JSON.stringify({ config: { url: "http://127.0.0.1:9/hook/x" } }));
        assert.strictEqual(write.headers.get("x-accepted-github-permissions"), "repository_hooks=write");
        const status = await call(api, "POST", `/repos/org/app/statuses/${sha}`, t, JSON.stringify({ state: "success", context: "kustomization/x" }));
        assert.deepStrictEqual([status.status, status.json.creator.login, status.json.creator.type], [201, "status-only[bot]", "Bot"], "a status made by the App's bot");
        assert.strictEqual((await call(api, "GET", `/repos/org/other/commits/${sha}/statuses`, t)).status, 404, "a repository the installation was not given");
        assert.strictEqual((await call(api, "GET", "/repos/elsewhere/x/hooks", (await mint()).json.token)).status, 404, "another owner's repository");
        // Fewer permissions or repositories on request; more than granted: 422.
        const down = await mint(JSON.stringify({ permissions: { statuses: "read" }, repositories: ["app"] }));
        assert.deepStrictEqual([down.status, down.json.permissions, down.json.repository_selection], [201, { statuses: "read" }, "selected"]);
        assert.strictEqual((await call(api, "GET", "/repos/org/other/commits/main/statuses", down.json.token)).status, 404);
        assert.strictEqual((await call(api, "POST", `/app/installations/${limited.id}/access_tokens`, jwt())).status, 404, "another App's installation");
        const more = await call(api, "POST", `/app/installations/${limited.id}/access_tokens`, appJwt(String(statusApp.id), statusKey, Date.now()), JSON.stringify({ permissions: { contents: "write" } }));
        assert.deepStrictEqual([more.status, more.json.message], [422, "The permissions requested are not granted to this installation."]);
    });

    it("an unknown installation is 404, a suspended one 403; tokens expire (a shortened lifetime, or all at once) and are revoked: 401 Bad credentials", async () => {
        assert.deepStrictEqual([(await call(api, "POST", "/app/installations/1/access_tokens", jwt())).status], [404]);
        api.apps.suspend(installationId);
        assert.deepStrictEqual([(await mint()).status, (await mint()).json.message], [403, "This installation has been suspended"]);
        api.apps.suspend(installationId, false);
        api.apps.setInstallationTokenLifetime(1);
        const short = await mint();
        assert.ok(Date.parse(short.json.expires_at) - Date.now() <= 1000);
        await new Promise((r) => setTimeout(r, 1100));
        assert.deepStrictEqual([(await call(api, "GET", "/repos/org/app/hooks", short.json.token)).status, (await call(api, "GET", "/repos/org/app/hooks", short.json.token)).json.message], [401, "Bad credentials"]);
        api.apps.setInstallationTokenLifetime(3600);
        const a = (await mint()).json.token as string;
        assert.strictEqual(api.apps.expireTokens(), 1);
        assert.strictEqual((await call(api, "GET", "/repos/org/app/hooks", a)).status, 401, "every token issued so far, expired at once");
        const b = (await mint()).json.token as string;
        assert.strictEqual((await call(api, "DELETE", "/installation/token", b)).status, 204);
        assert.strictEqual((await call(api, "GET", "/repos/org/app/hooks", b)).status, 401, "revoked");
    });

    it("keys rotate: a new key works beside the old; once the old is deleted, its JWTs are refused and the new one's pass", async () => {
        const next = api.apps.addKey(app.id);
        assert.strictEqual((await mint(undefined, next.privateKey)).status, 201);
        assert.strictEqual((await mint(undefined, key)).status, 201);
        api.apps.deleteKey(app.id, keyId);
        assert.deepStrictEqual([(await mint(undefined, key)).status, (await mint(undefined, key)).json.message], [401, "A JSON web token could not be decoded"]);
        assert.strictEqual((await mint(undefined, next.privateKey)).status, 201);
        assert.throws(() => api.apps.deleteKey(app.id, next.keyId), /does not delete an App's last private key/);
    });

    it("the program's token source (lib/githubApp.ts): mints at first use, reuses, and after an expiry GitHub answers 401 once and the request goes through with a new token", async () => {
        const src = new InstallationTokenSource({ appId: String(app.id), installationId: String(installationId), privateKey: key }, api.apiUrl);
        const settings = { baseUrl: api.apiUrl, token: src };
        assert.strictEqual((await githubRequest(settings, "GET", "repos/org/app/hooks")).status, 200);
        assert.strictEqual((await githubRequest(settings, "GET", "repos/org/app/hooks")).status, 200);
        assert.strictEqual(src.minted, 1);
        api.apps.expireTokens();
        const from = api.exchanges.length;
        const after = await githubRequest(settings, "GET", "repos/org/app/hooks");
        assert.deepStrictEqual([after.status, after.auth, src.minted], [200, "app", 2]);
        assert.deepStrictEqual(api.exchanges.slice(from).map((e) => `${e.method} ${e.path} ${e.status} ${e.auth}`), [
            "GET /api/v3/repos/org/app/hooks 401 installation",
            `POST /api/v3/app/installations/${installationId}/access_tokens 201 jwt`,
            "GET /api/v3/repos/org/app/hooks 200 installation",
        ]);
        api.apps.addKey(app.id);
        api.apps.deleteKey(app.id, keyId);
        api.apps.expireTokens();
        await assert.rejects(githubRequest(settings, "GET", "repos/org/app/hooks"), /GitHub cannot verify the JWT with App \d+'s keys: github:appAuth\.pemFile is not a current private key/);
    });

    it("Flux's App client (fluxcd/pkg auth/githubapp: iat 30 s back, exp 2 min after it, iss the App ID as a string, body null) gets a token", async () => {
        const t = now();
        const r = await call(api, "POST", `/app/installations/${installationId}/access_tokens`, jwtWith(key, { exp: t - 30 + 120, iat: t - 30, iss: String(app.id) }), "null\n");
        assert.strictEqual(r.status, 201);
        assert.deepStrictEqual(api.apps.jwts.map((j) => [j.status, j.iat !== undefined && t - j.iat, j.exp !== undefined && j.exp - t]), [[200, 30, 90]]);
    });
});

describe("the github provider stand-in with a GitHub App (as terraform-provider-github v6.13.0)", () => {
    let api: GitHubApi;
    let app: App;
    let key: string;
    let installationId: number;
    beforeEach(async () => {
        api = await GitHubApi.start({ flavor: "ghes", token: "admin", repositories: [{ owner: "org", name: "app" }] });
        ({ app, privateKey: key } = api.createApp("flux-push", Permissions, "org"));
        installationId = api.apps.install(app.id, "org").id;
    });
    afterEach(() => api.close());

    it("reads appAuth (its JSON, or each field from GITHUB_APP_*), lets it win over the token, and mints one token at Configure with apps.go's JWT", async () => {
        const appAuth = JSON.stringify({ id: String(app.id), installationId: String(installationId), pemFile: key.split("\n").join("\\n") });
        const s = await configureFromConfig({ owner: "org", baseUrl: api.url, token: "ghp_ignored", appAuth }, {});
        assert.match(s.token, /^ghs_/);
        assert.deepStrictEqual([s.app?.id, s.app?.installationId, s.app?.pem], [String(app.id), String(installationId), key]);
        const mints = api.exchanges.filter((e) => e.path.endsWith("/access_tokens"));
        assert.deepStrictEqual(mints.map((e) => [e.status, e.userAgent]), [[201, "Go-http-client/1.1"]]);
        assert.deepStrictEqual(api.apps.jwts.map((j) => [j.iat !== undefined && j.receivedAt - j.iat, j.exp !== undefined && j.exp - j.receivedAt]), [[60, 300]]);
        const env = { GITHUB_APP_ID: String(app.id), GITHUB_APP_INSTALLATION_ID: String(installationId), GITHUB_APP_PEM_FILE: key };
        assert.strictEqual(githubSettings({ owner: "org", baseUrl: api.url }, env).app?.id, String(app.id));
        const hook = await githubProvider(() => new GitHubClient(s)).create!("urn", { repository: "app", events: ["push"], active: true, configuration: { url: "http://127.0.0.1:9/hook/a", contentType: "json" } });
        assert.ok(Number(hook.id) > 0);
        assert.deepStrictEqual(api.exchanges.filter((e) => e.path.includes("/hooks")).map((e) => e.auth), ["installation", "installation"]);
    });

    it("refuses as the provider does: an incomplete block, an App without owner, a key it cannot parse, a refused mint", async () => {
        assert.throws(() => githubSettings({ owner: "org", appAuth: JSON.stringify({ id: "1" }) }, {}), /^Error: app_auth block is set but required fields are missing or contains empty values$/);
        assert.throws(() => githubSettings({ appAuth: JSON.stringify({ id: "1", installationId: "2", pemFile: key }) }, {}), /owner must be set for github app authentication/);
        assert.throws(() => providerAppJwt("1", "nope", Date.now()), /no decodeable PEM data found/);
        const pkcs8 = createPrivateKey(key).export({ type: "pkcs8", format: "pem" }).toString();
        assert.throws(() => providerAppJwt("1", pkcs8, Date.now()), /x509: failed to parse private key/);
        await assert.rejects(configureFromConfig({ owner: "org", baseUrl: api.url, appAuth: JSON.stringify({ id: String(app.id), installationId: "999", pemFile: key }) }, {}),
            /^Error: failed to create OAuth token from GitHub App: \{"message":"Not Found"/);
    });

    it("uses the one token for the whole run: once it expires, its calls get 401 (the legacy client never mints again)", async () => {
        const s = await configureFromConfig({ owner: "org", baseUrl: api.url, appAuth: JSON.stringify({ id: app.id, installationId, pemFile: key }) }, {});
        api.apps.expireTokens();
        await assert.rejects(githubProvider(() => new GitHubClient(s)).create!("urn", { repository: "app", events: ["push"], active: true, configuration: { url: "http://127.0.0.1:9/hook/a" } }), /401 Bad credentials/);
    });
});

describe("GitHub Actions stand-in with an installation token: contents, workflows and Actions per the App's permissions", () => {
    let api: GitHubApi;
    let git: GitServer;
    let actions: GitHubActions;
    let dir: string;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "apps-actions-"));
        git = await startGitServer(path.join(dir, "git"));
        await createRepository(git, "app", { "README.md": "app\n" });
        api = await GitHubApi.start({ flavor: "ghes", token: "admin", repositories: [{ owner: "org", name: "app" }] });
        actions = await GitHubActions.start({ github: api, gitRepository: (_o, n) => path.join(git.root, `${n}.git`), fluxCli: "/bin/false", fluxVersion: "2.9.5", runners: [], dir: path.join(dir, "actions") });
    });
    after(async () => {
        await actions.close();
        await api.close();
        await git.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reads the repository with Metadata, writes a file with Contents, a workflow only with Workflows too (403, naming it)", async () => {
        const make = async (permissions: Record<string, "read" | "write">) => {
            const { app, privateKey } = api.createApp(`app-${Object.keys(permissions).join("-") || "none"}`, permissions, "org");
            const inst = api.apps.install(app.id, "org");
            return (await call(api, "POST", `/app/installations/${inst.id}/access_tokens`, appJwt(String(app.id), privateKey, Date.now()))).json.token as string;
        };
        const contentsOnly = await make({ contents: "write" });
        const both = await make({ contents: "write", workflows: "write" });
        const nothing = await make({});
        assert.strictEqual((await call(api, "GET", "/repos/org/app", nothing)).status, 200, "Metadata: read-only comes with every App");
        const file = (what: string) => JSON.stringify({ message: `add ${what}`, content: Buffer.from("on: push\n").toString("base64"), branch: "main" });
        assert.strictEqual((await call(api, "PUT", "/repos/org/app/contents/notes.txt", contentsOnly, file("notes.txt"))).status, 201);
        const wf = await call(api, "PUT", "/repos/org/app/contents/.github/workflows/x.yml", contentsOnly, file("x"));
        assert.deepStrictEqual([wf.status, wf.json.message, wf.headers.get("x-accepted-github-permissions")], [403, "Resource not accessible by integration", "workflows=write"]);
        assert.strictEqual((await call(api, "PUT", "/repos/org/app/contents/.github/workflows/x.yml", both, file("x"))).status, 201);
        const dispatch = await call(api, "POST", "/repos/org/app/actions/workflows/x.yml/dispatches", both, JSON.stringify({ ref: "main" }));
        assert.deepStrictEqual([dispatch.status, dispatch.headers.get("x-accepted-github-permissions")], [403, "actions=write"]);
        const reader = await call(api, "GET", "/repos/org/app/contents/notes.txt", nothing);
        assert.deepStrictEqual([reader.status, reader.headers.get("x-accepted-github-permissions")], [403, "contents=read"]);
    });
});
