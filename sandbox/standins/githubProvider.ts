// Stand-in for the `github` provider's RepositoryWebhook (pulumi-github cannot be had here). Same
// type token, inputs and outputs as @pulumi/github's SDK; it calls GitHub's REST routes for
// repository hooks (create, get, update, delete) against GITHUB_BASE_URL, like the real provider.
// Owner, token and base URL come from the provider's documented environment variables
// (GITHUB_OWNER, GITHUB_TOKEN, GITHUB_BASE_URL): the Node provider SDK does not pass provider
// config (`github:owner`) through to a provider written with it.
import * as provider from "@pulumi/pulumi/provider";
import { changedKeys, plain, Wire } from "./wire";

export const RepositoryWebhookType = "github:index/repositoryWebhook:RepositoryWebhook";

export interface WebhookInputs {
    repository: string;
    events: string[];
    active: boolean;
    configuration?: { url: string; contentType?: string; insecureSsl?: boolean; secret?: string };
}

export interface GitHubSettings {
    readonly baseUrl: string;
    readonly owner: string;
    readonly token: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubSettings {
    const baseUrl = env.GITHUB_BASE_URL ?? "https://api.github.com/";
    const owner = env.GITHUB_OWNER ?? "";
    const token = env.GITHUB_TOKEN ?? "";
    if (!owner) throw new Error("github stand-in: GITHUB_OWNER is not set");
    return { baseUrl: baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`, owner, token };
}

/** `repository` replaces the hook (it lives under the repository); everything else updates it in place. */
export function diffWebhook(olds: Record<string, Wire>, news: Record<string, Wire>): { changes: boolean; replaces: string[] } {
    const changed = changedKeys(olds, news, ["repository", "events", "active", "configuration"]);
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

/** The request body GitHub's API takes for a repository hook (what the Terraform provider sends). */
export function hookBody(i: WebhookInputs): Record<string, unknown> {
    const c = i.configuration;
    return {
        name: "web",
        active: i.active,
        events: i.events,
        ...(c ? { config: { url: c.url, content_type: c.contentType ?? "form", insecure_ssl: c.insecureSsl ? "1" : "0", ...(c.secret ? { secret: c.secret } : {}) } } : {}),
    };
}

interface HookResponse {
    id: number;
    url: string;
    active: boolean;
    events: string[];
    config: { url: string; content_type: string; insecure_ssl: string };
}

export class GitHubClient {
    constructor(private readonly s: GitHubSettings) {}

    async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; etag?: string }> {
        const res = await fetch(new URL(path.replace(/^\//, ""), this.s.baseUrl), {
            method,
            headers: {
                Accept: "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "pulumi-github-standin",
                ...(this.s.token ? { Authorization: `Bearer ${this.s.token}` } : {}),
                ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, etag: res.headers.get("etag") ?? undefined };
    }

    hooksPath(repository: string, id?: string): string {
        return `/repos/${this.s.owner}/${repository}/hooks${id ? `/${id}` : ""}`;
    }
}

function fail(what: string, res: { status: number; body: unknown }): never {
    throw new Error(`${what}: GitHub answered ${res.status}: ${JSON.stringify(res.body)}`);
}

export function webhookProvider(client: () => GitHubClient): provider.Provider {
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
            const res = await c.request<HookResponse>("POST", c.hooksPath(i.repository), hookBody(i));
            if (res.status !== 201) fail(`creating the webhook on ${i.repository}`, res);
            return { id: String(res.body.id), outs: { ...inputs, url: res.body.url, etag: res.etag ?? "" } };
        },
        async read(id, _urn, props: Record<string, Wire>) {
            const i = plain(props) as { repository: string; configuration?: Record<string, unknown> };
            const c = client();
            const res = await c.request<HookResponse>("GET", c.hooksPath(i.repository, id));
            if (res.status === 404) return { id: undefined, props: {} }; // deleted outside Pulumi
            if (res.status !== 200) fail(`reading webhook ${id}`, res);
            // GitHub never returns the secret: keep the one in state, as the real provider does.
            const old = (props.configuration ?? {}) as Record<string, Wire>;
            return {
                id,
                props: {
                    ...props,
                    active: res.body.active,
                    events: res.body.events,
                    url: res.body.url,
                    configuration: { ...old, url: res.body.config.url, contentType: res.body.config.content_type, insecureSsl: res.body.config.insecure_ssl === "1" },
                },
            };
        },
        async update(id, _urn, _olds, news: Record<string, Wire>) {
            const i = checkWebhook(plain(news) as Record<string, unknown>).inputs;
            const c = client();
            const res = await c.request<HookResponse>("PATCH", c.hooksPath(i.repository, id), hookBody(i));
            if (res.status !== 200) fail(`updating webhook ${id}`, res);
            return { outs: { ...news, url: res.body.url, etag: res.etag ?? "" } };
        },
        async delete(id, _urn, props: Record<string, Wire>) {
            const i = plain(props) as { repository: string };
            const c = client();
            const res = await c.request("DELETE", c.hooksPath(i.repository, id));
            if (res.status !== 204 && res.status !== 404) fail(`deleting webhook ${id}`, res);
        },
    };
}

if (require.main === module) {
    void provider.main(webhookProvider(() => new GitHubClient(settingsFromEnv())), process.argv.slice(2));
}
