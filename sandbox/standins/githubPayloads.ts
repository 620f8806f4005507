// The objects GitHub puts in its REST answers and webhook payloads (users, organizations,
// repositories, commits), whole: every field GitHub's descriptions require, filled with the
// stand-in's owner, repository, ids and URLs. Shapes follow @octokit/openapi-webhooks 12.1.0
// (`webhook-ping`, `webhook-push`, `repository-webhooks`, `simple-user`,
// `organization-simple-webhooks`) and @octokit/openapi 23.0.2 (`simple-user` for a status's
// creator); the values follow @octokit/webhooks-examples 7.6.1 (its push and ping examples), whose
// 2019 repository object lacks the fields GitHub added since (has_discussions, topics, visibility…).
// sandbox/tests/githubConformance.test.ts validates every payload and answer against those schemas.

/** Where the objects point: the REST root and the web root the client used (each ends in "/"). */
export interface Hosts {
    /** e.g. https://api.github.com/, http://ghe.example/api/v3/ */
    readonly api: string;
    /** e.g. https://github.com/, http://ghe.example/ */
    readonly web: string;
}

export interface Account {
    readonly login: string;
    readonly id: number;
    readonly type: "User" | "Organization" | "Bot";
}

export interface RepositoryFacts {
    readonly id: number;
    readonly name: string;
    readonly owner: Account;
    readonly createdAt: Date;
    /** The last push, if any (GitHub's pushed_at). */
    readonly pushedAt?: Date;
    readonly defaultBranch: string;
}

export interface CommitFacts {
    readonly id: string;
    readonly message: string;
    readonly timestamp: Date;
}

/** GitHub's legacy global node id: base64 of "<len>:<Type><id>" (what the examples carry, e.g. MDEwOlJlcG9zaXRvcnkxODY4NTMyNjE=). */
export function nodeId(type: string, id: number): string {
    return Buffer.from(`0${type.length}:${type}${id}`).toString("base64");
}

const trim = (u: string) => u.replace(/\/$/, "");
/** The host part of a web root, as in ssh and git URLs. */
const webHost = (h: Hosts) => new URL(h.web).host;

/** A user or organization as `simple-user` (REST and webhooks: sender, owner, creator). */
export function simpleUser(a: Account, h: Hosts): Record<string, unknown> {
    // A GitHub App's bot (`<slug>[bot]`): its API URL has the login escaped, its page is the App's
    // (GitHub's own, e.g. /users/dependabot%5Bbot%5D and /apps/dependabot).
    const api = `${trim(h.api)}/users/${encodeURIComponent(a.login)}`;
    return {
        login: a.login, id: a.id, node_id: nodeId(a.type, a.id),
        avatar_url: `${trim(h.web)}/avatars/u/${a.id}?v=4`, gravatar_id: "",
        url: api, html_url: a.type === "Bot" ? `${trim(h.web)}/apps/${a.login.replace(/\[bot\]$/, "")}` : `${trim(h.web)}/${a.login}`,
        followers_url: `${api}/followers`, following_url: `${api}/following{/other_user}`,
        gists_url: `${api}/gists{/gist_id}`, starred_url: `${api}/starred{/owner}{/repo}`,
        subscriptions_url: `${api}/subscriptions`, organizations_url: `${api}/orgs`,
        repos_url: `${api}/repos`, events_url: `${api}/events{/privacy}`,
        received_events_url: `${api}/received_events`, type: a.type, user_view_type: "public", site_admin: false,
    };
}

/** An organization as webhook payloads carry it (`organization-simple-webhooks`). */
export function organizationSimple(a: Account, h: Hosts): Record<string, unknown> {
    const api = `${trim(h.api)}/orgs/${a.login}`;
    return {
        login: a.login, id: a.id, node_id: nodeId("Organization", a.id), url: api,
        repos_url: `${api}/repos`, events_url: `${api}/events`, hooks_url: `${api}/hooks`, issues_url: `${api}/issues`,
        members_url: `${api}/members{/member}`, public_members_url: `${api}/public_members{/member}`,
        avatar_url: `${trim(h.web)}/avatars/u/${a.id}?v=4`, description: null,
    };
}

/** The URL fields every repository object has, in GitHub's templates. */
function repositoryUrls(r: RepositoryFacts, h: Hosts): Record<string, string> {
    const full = `${r.owner.login}/${r.name}`;
    const api = `${trim(h.api)}/repos/${full}`;
    const web = `${trim(h.web)}/${full}`;
    return {
        html_url: web, url: api,
        forks_url: `${api}/forks`, keys_url: `${api}/keys{/key_id}`, collaborators_url: `${api}/collaborators{/collaborator}`,
        teams_url: `${api}/teams`, hooks_url: `${api}/hooks`, issue_events_url: `${api}/issues/events{/number}`,
        events_url: `${api}/events`, assignees_url: `${api}/assignees{/user}`, branches_url: `${api}/branches{/branch}`,
        tags_url: `${api}/tags`, blobs_url: `${api}/git/blobs{/sha}`, git_tags_url: `${api}/git/tags{/sha}`,
        git_refs_url: `${api}/git/refs{/sha}`, trees_url: `${api}/git/trees{/sha}`, statuses_url: `${api}/statuses/{sha}`,
        languages_url: `${api}/languages`, stargazers_url: `${api}/stargazers`, contributors_url: `${api}/contributors`,
        subscribers_url: `${api}/subscribers`, subscription_url: `${api}/subscription`, commits_url: `${api}/commits{/sha}`,
        git_commits_url: `${api}/git/commits{/sha}`, comments_url: `${api}/comments{/number}`,
        issue_comment_url: `${api}/issues/comments{/number}`, contents_url: `${api}/contents/{+path}`,
        compare_url: `${api}/compare/{base}...{head}`, merges_url: `${api}/merges`, archive_url: `${api}/{archive_format}{/ref}`,
        downloads_url: `${api}/downloads`, issues_url: `${api}/issues{/number}`, pulls_url: `${api}/pulls{/number}`,
        milestones_url: `${api}/milestones{/number}`, notifications_url: `${api}/notifications{?since,all,participating}`,
        labels_url: `${api}/labels{/name}`, releases_url: `${api}/releases{/id}`, deployments_url: `${api}/deployments`,
        git_url: `git://${webHost(h)}/${full}.git`, ssh_url: `git@${webHost(h)}:${full}.git`,
        clone_url: `${web}.git`, svn_url: web,
    };
}

/** The counters and settings of a new, empty, public repository. */
function repositoryState(r: RepositoryFacts): Record<string, unknown> {
    return {
        description: null, fork: false, homepage: null, size: 0,
        stargazers_count: 0, watchers_count: 0, language: null,
        has_issues: true, has_projects: true, has_downloads: true, has_wiki: true, has_pages: false, has_discussions: false,
        forks_count: 0, mirror_url: null, archived: false, disabled: false, open_issues_count: 0, license: null,
        allow_forking: true, is_template: false, web_commit_signoff_required: false, topics: [], visibility: "public", custom_properties: {},
        forks: 0, open_issues: 0, watchers: 0, default_branch: r.defaultBranch,
    };
}

/** The repository as `ping` (and most events) carry it: `repository-webhooks`, timestamps as ISO strings. */
export function repositoryWebhooks(r: RepositoryFacts, h: Hosts): Record<string, unknown> {
    return {
        id: r.id, node_id: nodeId("Repository", r.id), name: r.name, full_name: `${r.owner.login}/${r.name}`, private: false,
        owner: simpleUser(r.owner, h),
        ...repositoryUrls(r, h),
        created_at: iso(r.createdAt), updated_at: iso(r.pushedAt ?? r.createdAt), pushed_at: iso(r.pushedAt ?? r.createdAt),
        ...repositoryState(r),
    };
}

/**
 * The repository as `push` carries it: GitHub writes created_at and pushed_at as Unix seconds in
 * push payloads (the examples and `webhook-push` allow integer there), and adds stargazers,
 * master_branch and, for an organization's repository, its login.
 */
export function repositoryPush(r: RepositoryFacts, h: Hosts): Record<string, unknown> {
    return {
        id: r.id, node_id: nodeId("Repository", r.id), name: r.name, full_name: `${r.owner.login}/${r.name}`, private: false,
        owner: { name: r.owner.login, email: null, ...simpleUser(r.owner, h) },
        ...repositoryUrls(r, h),
        created_at: unix(r.createdAt), updated_at: iso(r.pushedAt ?? r.createdAt), pushed_at: unix(r.pushedAt ?? r.createdAt),
        ...repositoryState(r),
        stargazers: 0, master_branch: r.defaultBranch,
        ...(r.owner.type === "Organization" ? { organization: r.owner.login } : {}),
    };
}

/** A pushed commit as `push` lists it (commits[] and head_commit). */
export function pushCommit(c: CommitFacts, r: RepositoryFacts, h: Hosts, committer: { name: string; email: string; username: string }): Record<string, unknown> {
    const person = { name: committer.name, email: committer.email, username: committer.username, date: iso(c.timestamp) };
    return {
        id: c.id, tree_id: c.id, distinct: true, message: c.message, timestamp: iso(c.timestamp),
        url: `${trim(h.web)}/${r.owner.login}/${r.name}/commit/${c.id}`,
        author: person, committer: person, added: [], removed: [], modified: [],
    };
}

function iso(d: Date): string {
    // GitHub writes timestamps to the second, with Z.
    return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function unix(d: Date): number {
    return Math.floor(d.getTime() / 1000);
}

export { iso as githubTime };
