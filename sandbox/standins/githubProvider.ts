// Stand-in for the `github` provider (pulumi-github cannot be had here): RepositoryWebhook and the
// function getIpRanges, with the type tokens, inputs and outputs of @pulumi/github 6.15.0's SDK.
// It does what integrations/terraform-provider-github v6.13.0 (which pulumi-github 6.15.0 wraps:
// its `upstream` submodule is the v6.13.0 commit 20728bb3) does, read at that tag:
// - configuration (github/provider.go configureProvider): the owner is `organization` (else
//   GITHUB_ORGANIZATION), then the GITHUB_OWNER environment variable, then `owner`; `baseUrl` and
//   `token` from the provider configuration, else GITHUB_BASE_URL / GITHUB_TOKEN; the base URL
//   resolves to the REST root as the provider's getBaseURL does (providerApiUrl); the token is sent
//   as `Authorization: Bearer` (oauth2.StaticTokenSource);
// - at Configure (configureProviderMeta): with no owner and a token, GET /user names the owner
//   ("owner cannot be found by token" otherwise); with an owner, GET /orgs/{owner} looks it up: a
//   404 means a user account, any other error fails Configure ("failed to lookup organization"),
//   so a bad token fails `preview`;
// - a GitHub App, as v6.13.0 takes it (provider.go getAppAuth, configureProvider; apps.go):
//   `github:appAuth` {id, installationId, pemFile}, each field else GITHUB_APP_ID /
//   GITHUB_APP_INSTALLATION_ID / GITHUB_APP_PEM_FILE, `\n` in the PEM read as a newline; a complete
//   App wins over the token; a set block with a field missing fails Configure ("app_auth block is
//   set but required fields are missing or contains empty values"), so does an App without an
//   owner. With the legacy client (its default) the provider mints ONE installation token at
//   Configure (a JWT: RS256, iss the App ID, iat now-60 s, exp now+5 min; POST
//   {REST root}app/installations/{id}/access_tokens, no body) and uses it for the whole run;
// - create: POST .../hooks {name: "web", config, events, active}, then a read;
// - read: GET .../hooks/{id} with If-None-Match: <etag in state>; 304 keeps the state, 404 removes
//   the hook from state ("no longer exists in GitHub"); the secret GitHub masks is kept from state,
//   and a secret GitHub no longer has is dropped; `configuration.url` and `configuration.secret`
//   are Sensitive in the schema (schema_webhook_configuration.go), so the bridge keeps them secret
//   in state;
// - import: by `<repository>/<webhook_id>` (the resource's Importer), anything else refused with
//   its message;
// - update: PATCH .../hooks/{id} with the whole hook (url, config with the secret, events, active),
//   then a read;
// - delete: DELETE .../hooks/{id}; any error, a 404 too, fails the delete
//   (resource_github_repository_webhook.go returns DeleteHook's error as is);
// - getIpRanges: GET /meta, each list and its IPv4/IPv6 halves (data_source_github_ip_ranges.go).
import { createPrivateKey, KeyObject, sign } from "crypto";
import { isIPv4 } from "net";
import type { GetIpRangesResult } from "@pulumi/github/getIpRanges";
import * as provider from "@pulumi/pulumi/provider";
import { ProviderConfig, serve } from "./serve";
import { changedKeys, isSecretValue, plain, secret as secretValue, Wire } from "./wire";

export const RepositoryWebhookType = "github:index/repositoryWebhook:RepositoryWebhook";
export const GetIpRangesToken = "github:index/getIpRanges:getIpRanges";
export const GetRepositoryToken = "github:index/getRepository:getRepository";

export interface WebhookInputs {
    repository: string;
    events: string[];
    active: boolean;
    configuration?: { url: string; contentType?: string; insecureSsl?: boolean; secret?: string };
}

export interface GitHubSettings {
    /** The REST API root the client calls, ending in "/" (providerApiUrl). */
    readonly apiUrl: string;
    readonly owner: string;
    /** The token; with a GitHub App, the installation token minted at Configure (configureGitHub). */
    readonly token: string;
    /** The GitHub App, when `appAuth` (or GITHUB_APP_*) is complete: it wins over the token. */
    readonly app?: { readonly id: string; readonly installationId: string; readonly pem: string };
}

const GitHubDotCom = "https://api.github.com/";

/**
 * The REST root for a `baseUrl`, as terraform-provider-github (v6.9.1+, getBaseURL) resolves it:
 * api.github.com as is; https://github.com/ to api.github.com; a GitHub Enterprise Cloud data
 * residency host https://<x>.ghe.com/ to https://api.<x>.ghe.com/ (REST at the root, like
 * GitHub.com); a URL already ending in /api/v3/ as is; any other host (GitHub Enterprise Server,
 * whose documented form is the host root) gets "api/v3/".
 */
export function providerApiUrl(baseUrl: string): string {
    const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
    const url = new URL(base);
    if (base === GitHubDotCom) return base;
    if (url.protocol === "https:" && url.host === "github.com" && url.pathname === "/") return GitHubDotCom;
    if (url.protocol === "https:" && /\.ghe\.com$/i.test(url.hostname) && url.pathname === "/") {
        return url.hostname.toLowerCase().startsWith("api.") ? base : `https://api.${url.host}/`;
    }
    return base.endsWith("/api/v3/") ? base : `${base}api/v3/`;
}

/**
 * The provider configuration over the documented environment variables, as the real provider reads
 * them. The owner, in configureProvider's order: `organization` (its schema default:
 * GITHUB_ORGANIZATION), then GITHUB_OWNER (os.LookupEnv), then `owner`; "" when none is set
 * (configureGitHub then asks GitHub for the token's user).
 */
export function githubSettings(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): GitHubSettings {
    const pick = (key: string, variable: string): string => {
        const v = config[key];
        return typeof v === "string" && v !== "" ? v : env[variable] ?? "";
    };
    const configured = (key: string): string => (typeof config[key] === "string" ? String(config[key]) : "");
    const owner = pick("organization", "GITHUB_ORGANIZATION") || (env.GITHUB_OWNER ?? "") || configured("owner");
    const base = pick("baseUrl", "GITHUB_BASE_URL") || GitHubDotCom;
    const app = appAuthSettings(config.appAuth, env);
    if (app && !owner) throw new Error("owner must be set for github app authentication");
    // A complete App wins: the token is not even read (configureProvider reads it only when AppID is nil).
    if (app) return { apiUrl: providerApiUrl(base), owner, token: "", app };
    return { apiUrl: providerApiUrl(base), owner, token: pick("token", "GITHUB_TOKEN") };
}

/**
 * `app_auth` as v6.13.0's getAppAuth reads it: GITHUB_APP_* first, each overridden by the block's
 * non-empty field; all three set: the App (PEM with `\n` as newlines). A block set with a field
 * still empty: configureProvider's error. The engine hands an object config as its JSON text.
 */
export function appAuthSettings(value: unknown, env: NodeJS.ProcessEnv): GitHubSettings["app"] | undefined {
    let block: Record<string, unknown> | undefined;
    if (typeof value === "string" && value !== "") {
        try {
            block = JSON.parse(value) as Record<string, unknown>;
        } catch {
            block = undefined;
        }
    } else if (typeof value === "object" && value !== null) {
        block = value as Record<string, unknown>;
    }
    const field = (k: string, variable: string): string => {
        const v = block?.[k];
        return (typeof v === "string" || typeof v === "number") && String(v) !== "" ? String(v) : env[variable] ?? "";
    };
    const id = field("id", "GITHUB_APP_ID");
    const installationId = field("installationId", "GITHUB_APP_INSTALLATION_ID");
    const pem = field("pemFile", "GITHUB_APP_PEM_FILE");
    if (id === "" || installationId === "" || pem === "") {
        if (block !== undefined) throw new Error("app_auth block is set but required fields are missing or contains empty values");
        return undefined;
    }
    return { id, installationId, pem: pem.split("\\n").join("\n") };
}

/** The JWT of apps.go generateAppJWT: go-jose, RS256, {"exp","iat","iss"}; the key parsed as PKCS#1 only. */
export function providerAppJwt(appId: string, pem: string, nowMs: number): string {
    const block = /-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/.exec(pem);
    if (!block) throw new Error("no decodeable PEM data found");
    let key: KeyObject;
    try {
        key = createPrivateKey({ key: block[0], format: "pem", type: "pkcs1" });
        if (!/BEGIN RSA PRIVATE KEY/.test(block[0])) throw new Error("not PKCS#1");
    } catch {
        throw new Error("x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)");
    }
    const now = Math.floor(nowMs / 1000);
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const signed = `${part({ alg: "RS256", typ: "JWT" })}.${part({ exp: now + 300, iat: now - 60, iss: appId })}`;
    return `${signed}.${sign("RSA-SHA256", Buffer.from(signed), key).toString("base64url")}`;
}

/**
 * Configure, as configureProvider then configureProviderMeta run it: the settings read, a GitHub
 * App's one installation token minted, the owner looked up.
 */
export async function configureFromConfig(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): Promise<GitHubSettings & { isOrganization: boolean }> {
    return configureGitHub(await withAppToken(githubSettings(config, env), now));
}

/** Settings with a GitHub App's installation token minted (GenerateOAuthTokenFromApp); token settings as they are. */
export async function withAppToken(settings: GitHubSettings, now: () => number = Date.now): Promise<GitHubSettings> {
    if (!settings.app) return settings;
    const res = await fetch(new URL(`app/installations/${settings.app.installationId}/access_tokens`, settings.apiUrl), {
        method: "POST",
        // http.DefaultClient: Go's own User-Agent; the request has no body.
        headers: { Accept: "application/vnd.github.v3+json", Authorization: `Bearer ${providerAppJwt(settings.app.id, settings.app.pem, now())}`, "User-Agent": "Go-http-client/1.1" },
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`failed to create OAuth token from GitHub App: ${text}`);
    return { ...settings, token: String((JSON.parse(text) as { token?: unknown }).token ?? "") };
}

/**
 * What configureProviderMeta does once the settings are read: no owner and a token, the token's
 * user (GET /user) is the owner; an owner is looked up as an organization (GET /orgs/{owner}),
 * where a 404 means a user and any other failure (a bad token: 401) fails the configuration.
 */
export async function configureGitHub(settings: GitHubSettings): Promise<GitHubSettings & { isOrganization: boolean }> {
    const c = new GitHubClient(settings);
    let owner = settings.owner;
    if (owner === "" && settings.token !== "") {
        const user = await c.request<{ login?: string; message?: string }>("GET", "user");
        if (user.status !== 200) throw new Error(`owner cannot be found by token: ${goGitHubError("GET", new URL("user", settings.apiUrl).href, user)}`);
        owner = String(user.body.login);
    }
    if (owner === "") return { ...settings, isOrganization: false };
    const org = await c.request<{ id?: number; message?: string }>("GET", `orgs/${owner}`);
    if (org.status !== 200 && org.status !== 404) {
        throw new Error(`failed to lookup organization ${JSON.stringify(owner)}: ${goGitHubError("GET", new URL(`orgs/${owner}`, settings.apiUrl).href, org)}`);
    }
    return { ...settings, owner, isOrganization: org.status === 200 };
}

/** go-github's ErrorResponse.Error(): "METHOD URL: STATUS MESSAGE [errors]". */
function goGitHubError(method: string, url: string, res: ApiResponse<unknown>): string {
    const body = (res.body ?? {}) as { message?: string; errors?: unknown[] };
    return `${method} ${url}: ${res.status} ${body.message ?? ""} ${JSON.stringify(body.errors ?? [])}`;
}

/** The import ID the resource's Importer takes: `<repository>/<webhook_id>`. */
export function parseImportId(id: string): { repository: string; id: string } {
    const parts = id.split("/");
    if (parts.length !== 2) throw new Error("invalid ID specified: supplied ID must be written as <repository>/<webhook_id>");
    return { repository: parts[0], id: parts[1] };
}

/**
 * The configuration block without its zero values: the real provider (Terraform plugin SDK) takes
 * an optional attribute that is unset, "" or false as the same, so state that a read filled in
 * (insecureSsl: false) is no change against inputs that leave it out.
 */
function withoutZeroValues(configuration: Wire): Wire {
    if (typeof configuration !== "object" || configuration === null || Array.isArray(configuration) || isSecretValue(configuration)) return configuration;
    return Object.fromEntries(Object.entries(configuration).filter(([, v]) => {
        const p = plain(v);
        return p !== undefined && p !== null && p !== "" && p !== false;
    }));
}

/** `repository` replaces the hook (it lives under the repository); everything else updates it in place. */
export function diffWebhook(olds: Record<string, Wire>, news: Record<string, Wire>): { changes: boolean; replaces: string[] } {
    const changed = changedKeys(
        { ...olds, configuration: withoutZeroValues(olds.configuration) },
        { ...news, configuration: withoutZeroValues(news.configuration) },
        ["repository", "events", "active", "configuration"],
    );
    return { changes: changed.length > 0, replaces: changed.filter((k) => k === "repository") };
}

export function checkWebhook(news: Record<string, unknown>): { inputs: WebhookInputs; failures: string[] } {
    const failures: string[] = [];
    if (typeof news.repository !== "string" || news.repository === "") failures.push("repository is required");
    if (!Array.isArray(news.events) || news.events.length === 0) failures.push("events must be a non-empty list");
    const configuration = news.configuration as WebhookInputs["configuration"];
    if (configuration !== undefined && typeof configuration.url !== "string") failures.push("configuration.url is required");
    return {
        inputs: { repository: String(news.repository), events: (news.events as string[]) ?? [], active: (news.active as boolean | undefined) ?? true, ...(configuration ? { configuration } : {}) },
        failures,
    };
}

/** The hook's config as the provider sends it (webhookConfigFromInterface): insecure_ssl as "0"/"1", the secret included. */
export function hookConfig(c: NonNullable<WebhookInputs["configuration"]>): Record<string, string> {
    return {
        url: c.url,
        ...(c.contentType ? { content_type: c.contentType } : {}),
        insecure_ssl: c.insecureSsl ? "1" : "0",
        ...(c.secret ? { secret: c.secret } : {}),
    };
}

/** The body of POST .../hooks (go-github CreateHook's createHookRequest: name "web", config, events, active). */
export function hookBody(i: WebhookInputs): Record<string, unknown> {
    return { name: "web", ...(i.configuration ? { config: hookConfig(i.configuration) } : {}), events: i.events, active: i.active };
}

/** The body of PATCH .../hooks/{id}: the whole Hook (resourceGithubRepositoryWebhookObject), its API url too. */
export function editHookBody(i: WebhookInputs, apiUrl: string): Record<string, unknown> {
    return { url: apiUrl, events: i.events, active: i.active, ...(i.configuration ? { config: hookConfig(i.configuration) } : {}) };
}

interface HookResponse {
    id: number;
    url: string;
    active: boolean;
    events: string[];
    config: { url: string; content_type: string; insecure_ssl: string; secret?: string };
}

export interface ApiResponse<T> { status: number; body: T; etag?: string }

export class GitHubClient {
    constructor(readonly settings: GitHubSettings) {}

    async request<T>(method: string, path: string, opts: { body?: unknown; etag?: string } = {}): Promise<ApiResponse<T>> {
        const res = await fetch(new URL(path.replace(/^\//, ""), this.settings.apiUrl), {
            method,
            headers: {
                Accept: "application/vnd.github.v3+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "go-github/v65.0.0",
                ...(this.settings.token ? { Authorization: `Bearer ${this.settings.token}` } : {}),
                ...(opts.body !== undefined ? { "Content-Type": "application/json" } : {}),
                ...(opts.etag ? { "If-None-Match": opts.etag } : {}),
            },
            body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        });
        const text = await res.text();
        return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, etag: res.headers.get("etag") ?? undefined };
    }

    hooksPath(repository: string, id?: string): string {
        return `repos/${this.settings.owner}/${repository}/hooks${id ? `/${id}` : ""}`;
    }
}

/** The error text go-github gives (ErrorResponse.Error): "METHOD URL: STATUS MESSAGE [errors]". */
function fail(what: string, method: string, url: string, res: ApiResponse<unknown>): never {
    const body = (res.body ?? {}) as { message?: string; errors?: unknown[] };
    const errors = body.errors?.length ? ` ${JSON.stringify(body.errors)}` : "";
    throw new Error(`${what}: ${method} ${url}: ${res.status} ${body.message ?? ""}${errors}`);
}

/** State from a hook GitHub returned: the secret GitHub masks is the one in state, if GitHub still has one. */
function stateFromHook(props: Record<string, Wire>, hook: HookResponse, etag: string | undefined): Record<string, Wire> {
    const old = (props.configuration ?? {}) as Record<string, Wire>;
    const { secret, ...rest } = old;
    // Sensitive in the schema (url, secret): the bridge hands them back as secrets, whatever the inputs were.
    const sensitive = (v: Wire): Wire => (isSecretValue(v) ? v : secretValue(v));
    return {
        ...props,
        active: hook.active,
        events: hook.events,
        url: hook.url,
        etag: etag ?? "",
        configuration: {
            ...rest,
            url: sensitive(hook.config.url),
            contentType: hook.config.content_type,
            insecureSsl: hook.config.insecure_ssl === "1",
            ...(hook.config.secret !== undefined && secret !== undefined ? { secret: sensitive(secret) } : {}),
        },
    };
}

/** getIpRanges' outputs (GetIpRangesResult's names) from GET /meta; a list GitHub does not send is empty. */
export function ipRanges(meta: Record<string, unknown>): Record<keyof GetIpRangesResult, string | string[]> {
    const list = (key: string): string[] => (Array.isArray(meta[key]) ? (meta[key] as string[]) : []);
    const split = (key: string): [string[], string[], string[]] => {
        const all = list(key);
        for (const cidr of all) {
            const [host, bits] = cidr.split("/");
            if (bits === undefined || !(isIPv4(host) || host.includes(":"))) throw new Error(`failed parsing cidr ${cidr} (invalid CIDR address: ${cidr})`);
        }
        return [all, all.filter((c) => isIPv4(c.split("/")[0])), all.filter((c) => !isIPv4(c.split("/")[0]))];
    };
    const [hooks, hooksIpv4s, hooksIpv6s] = split("hooks");
    const [gits, gitIpv4s, gitIpv6s] = split("git");
    const [packages, packagesIpv4s, packagesIpv6s] = split("packages");
    const [pages, pagesIpv4s, pagesIpv6s] = split("pages");
    const [importers, importerIpv4s, importerIpv6s] = split("importer");
    const [actions, actionsIpv4s, actionsIpv6s] = split("actions");
    const [actionsMacos, actionsMacosIpv4s, actionsMacosIpv6s] = split("actions_macos");
    const [githubEnterpriseImporters, githubEnterpriseImporterIpv4s, githubEnterpriseImporterIpv6s] = split("github_enterprise_importer");
    const [dependabots, dependabotIpv4s, dependabotIpv6s] = split("dependabot");
    const [webs, webIpv4s, webIpv6s] = split("web");
    const [apis, apiIpv4s, apiIpv6s] = split("api");
    const any = hooks.length + gits.length + pages.length + importers.length + actions.length + dependabots.length > 0;
    return {
        id: any ? "github-ip-ranges" : "",
        hooks, hooksIpv4s, hooksIpv6s, gits, gitIpv4s, gitIpv6s, packages, packagesIpv4s, packagesIpv6s,
        pages, pagesIpv4s, pagesIpv6s, importers, importerIpv4s, importerIpv6s, actions, actionsIpv4s, actionsIpv6s,
        actionsMacos, actionsMacosIpv4s, actionsMacosIpv6s,
        githubEnterpriseImporters, githubEnterpriseImporterIpv4s, githubEnterpriseImporterIpv6s,
        dependabots, dependabotIpv4s, dependabotIpv6s, webs, webIpv4s, webIpv6s, apis, apiIpv4s, apiIpv6s,
    };
}

/**
 * getRepository (data_source_github_repository.go): `fullName` OWNER/NAME, else `name` under the
 * provider's owner; GET /repos/{owner}/{name}; a 404 is not an error there: the data source comes
 * back empty (id ""), which the program must check.
 */
async function repositoryOutputs(c: GitHubClient, inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const [owner, name] = typeof inputs.fullName === "string" && inputs.fullName.includes("/") ? inputs.fullName.split("/", 2) : [c.settings.owner, String(inputs.name ?? "")];
    const res = await c.request<Record<string, unknown>>("GET", `repos/${owner}/${name}`);
    if (res.status === 404) return { id: "", fullName: "", name: "", repoId: 0, nodeId: "", defaultBranch: "" };
    if (res.status !== 200) fail("reading the repository", "GET", new URL(`repos/${owner}/${name}`, c.settings.apiUrl).href, res);
    const r = res.body;
    return {
        id: String(r.name), fullName: r.full_name, name: r.name, repoId: r.id, nodeId: r.node_id, defaultBranch: r.default_branch,
        htmlUrl: r.html_url, httpCloneUrl: r.clone_url, private: r.private, visibility: r.visibility, archived: r.archived, fork: r.fork,
    };
}

export function githubProvider(client: () => GitHubClient): provider.Provider {
    const getHook = async (c: GitHubClient, repository: string, id: string, etag?: string) => {
        const path = c.hooksPath(repository, id);
        return { path, res: await c.request<HookResponse>("GET", path, { etag }) };
    };
    return {
        version: "6.15.0",
        async check(_urn, _olds, news) {
            const { failures } = checkWebhook(plain(news) as Record<string, unknown>);
            // Keep the inputs as sent (secret markers included); add the default the real provider has.
            return { inputs: { active: true, ...news }, failures: failures.map((reason) => ({ property: "", reason })) };
        },
        async diff(_id, _urn, olds, news) {
            return diffWebhook(olds, news);
        },
        async create(_urn, inputs: Record<string, Wire>) {
            const i = checkWebhook(plain(inputs) as Record<string, unknown>).inputs;
            const c = client();
            const path = c.hooksPath(i.repository);
            const res = await c.request<HookResponse>("POST", path, { body: hookBody(i) });
            if (res.status !== 201) fail("creating the repository webhook", "POST", new URL(path, c.settings.apiUrl).href, res);
            const id = String(res.body.id);
            const read = await getHook(c, i.repository, id);
            if (read.res.status !== 200) fail("reading the new repository webhook", "GET", new URL(read.path, c.settings.apiUrl).href, read.res);
            return { id, outs: stateFromHook(inputs, read.res.body, read.res.etag) };
        },
        async read(readId, _urn, state: Record<string, Wire>) {
            // `pulumi import` reads with the import ID and no state: the Importer's `<repository>/<webhook_id>`.
            const imported = typeof plain(state.repository) === "string" ? undefined : parseImportId(readId);
            const id = imported?.id ?? readId;
            const props: Record<string, Wire> = imported ? { repository: imported.repository, events: [], active: true } : state;
            const i = plain(props) as { repository: string; etag?: string };
            const c = client();
            const { path, res } = await getHook(c, i.repository, id, i.etag || undefined);
            if (res.status === 304) return { id, props };
            if (res.status === 404) return { id: "", props: {} }; // "no longer exists in GitHub": removed from state
            if (res.status !== 200) fail("reading the repository webhook", "GET", new URL(path, c.settings.apiUrl).href, res);
            return { id, props: stateFromHook(props, res.body, res.etag) };
        },
        async update(id, _urn, olds: Record<string, Wire>, news: Record<string, Wire>) {
            const i = checkWebhook(plain(news) as Record<string, unknown>).inputs;
            const c = client();
            const path = c.hooksPath(i.repository, id);
            const apiUrl = typeof plain(olds.url) === "string" ? String(plain(olds.url)) : new URL(path, c.settings.apiUrl).href;
            const res = await c.request<HookResponse>("PATCH", path, { body: editHookBody(i, apiUrl) });
            if (res.status !== 200) fail("updating the repository webhook", "PATCH", new URL(path, c.settings.apiUrl).href, res);
            const read = await getHook(c, i.repository, id, typeof olds.etag === "string" ? olds.etag : undefined);
            // 304: GitHub shows the hook as before (nothing it reports changed), so the inputs are the state.
            if (read.res.status === 304) return { outs: { ...news, url: olds.url, etag: olds.etag } };
            if (read.res.status !== 200) fail("reading the updated repository webhook", "GET", new URL(read.path, c.settings.apiUrl).href, read.res);
            return { outs: stateFromHook(news, read.res.body, read.res.etag) };
        },
        async delete(id, _urn, props: Record<string, Wire>) {
            const i = plain(props) as { repository: string };
            const c = client();
            const path = c.hooksPath(i.repository, id);
            const res = await c.request("DELETE", path);
            if (res.status !== 204) fail("deleting the repository webhook", "DELETE", new URL(path, c.settings.apiUrl).href, res);
        },
        async invoke(token, inputs) {
            if (token === GetRepositoryToken) return { outputs: await repositoryOutputs(client(), plain(inputs) as Record<string, unknown>) };
            if (token !== GetIpRangesToken) throw new Error(`github stand-in: unknown function ${token}`);
            const c = client();
            const res = await c.request<Record<string, unknown>>("GET", "meta");
            if (res.status !== 200) fail("reading GitHub's IP ranges", "GET", new URL("meta", c.settings.apiUrl).href, res);
            return { outputs: ipRanges(res.body) };
        },
    };
}

if (require.main === module) {
    // Configured when the engine sends Configure, before any resource call (as the real provider,
    // which mints a GitHub App's token and looks the owner up there: a bad token or an unusable App
    // fails Configure, so `preview` fails).
    let settings: GitHubSettings | undefined;
    void serve(githubProvider(() => {
        if (!settings) throw new Error("github stand-in: not configured");
        return new GitHubClient(settings);
    }), process.argv.slice(2), async (c) => {
        settings = await configureFromConfig(c);
    });
}
