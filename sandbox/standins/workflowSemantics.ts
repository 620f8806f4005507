// What GitHub Actions reads from a workflow file, for the sandbox's Actions stand-in: which events
// and refs start it (`on`, with GitHub's branch/tag filter patterns), the jobs and their steps, and
// the GITHUB_TOKEN permissions a job gets (only `id-token: write` matters here: GitHub hands a job
// ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN only with it). Pure functions; the runner is githubActions.ts.
//
// Sources: GitHub's "Workflow syntax for GitHub Actions" (on.<push>.<branches|tags|branches-ignore|
// tags-ignore|paths>, "Filter pattern cheat sheet", jobs.<id>.runs-on/permissions/steps/
// timeout-minutes, permissions: read-all/write-all/{}), and "Events that trigger workflows". What
// the stand-in does not evaluate (expressions, `if`, `needs`, matrices, containers, services,
// `paths` filters, actions other than the flux setup action) is refused loudly, never skipped.
import { parse } from "yaml";

export interface PushFilter {
    readonly branches?: readonly string[];
    readonly branchesIgnore?: readonly string[];
    readonly tags?: readonly string[];
    readonly tagsIgnore?: readonly string[];
    readonly paths?: readonly string[];
}

export interface WorkflowStep {
    readonly name?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Readonly<Record<string, string>>;
    readonly env?: Readonly<Record<string, string>>;
    readonly shell?: string;
}

export interface WorkflowJob {
    readonly id: string;
    /** What GitHub shows as the job's name (`name:`, else the id). */
    readonly name: string;
    readonly runsOn: readonly string[];
    readonly permissions?: unknown;
    readonly env: Readonly<Record<string, string>>;
    readonly timeoutMinutes: number;
    readonly steps: readonly WorkflowStep[];
    /** Why the stand-in cannot run this job as GitHub would (it fails the job with this message). */
    readonly unsupported?: string;
}

export interface Workflow {
    /** `name:`, else the file's path (GitHub's default display name). */
    readonly name: string;
    readonly push?: PushFilter;
    readonly workflowDispatch?: { readonly inputs: readonly string[] };
    readonly permissions?: unknown;
    readonly env: Readonly<Record<string, string>>;
    readonly jobs: readonly WorkflowJob[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);

function env(v: unknown): Record<string, string> {
    if (!isObj(v)) return {};
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

/** Parses a workflow file as GitHub reads it; throws GitHub's kind of message for an invalid one. */
export function parseWorkflow(text: string, path: string): Workflow {
    const doc = parse(text) as unknown;
    if (!isObj(doc)) throw new Error(`${path}: the workflow is not a mapping`);
    // YAML 1.1 reads a bare `on` key as true; the yaml library (1.2) keeps "on".
    const on = doc.on ?? (doc as Record<string, unknown>)["true"];
    if (on === undefined) throw new Error(`${path}: No event triggers defined in \`on\``);
    const events: Record<string, unknown> = typeof on === "string" ? { [on]: null } : Array.isArray(on) ? Object.fromEntries(on.map((e) => [String(e), null])) : isObj(on) ? on : {};
    const push = "push" in events ? pushFilter(events.push) : undefined;
    const dispatch = "workflow_dispatch" in events
        ? { inputs: isObj(events.workflow_dispatch) && isObj(events.workflow_dispatch.inputs) ? Object.keys(events.workflow_dispatch.inputs) : [] }
        : undefined;
    if (!isObj(doc.jobs) || Object.keys(doc.jobs).length === 0) throw new Error(`${path}: the workflow has no jobs`);
    const jobs = Object.entries(doc.jobs).map(([id, j]) => job(id, j));
    return {
        name: typeof doc.name === "string" ? doc.name : path,
        ...(push ? { push } : {}),
        ...(dispatch ? { workflowDispatch: dispatch } : {}),
        ...(doc.permissions !== undefined ? { permissions: doc.permissions } : {}),
        env: env(doc.env),
        jobs,
    };
}

function pushFilter(v: unknown): PushFilter {
    if (!isObj(v)) return {};
    const f: { -readonly [K in keyof PushFilter]: PushFilter[K] } = {};
    if (v.branches !== undefined) f.branches = strings(v.branches);
    if (v["branches-ignore"] !== undefined) f.branchesIgnore = strings(v["branches-ignore"]);
    if (v.tags !== undefined) f.tags = strings(v.tags);
    if (v["tags-ignore"] !== undefined) f.tagsIgnore = strings(v["tags-ignore"]);
    if (v.paths !== undefined || v["paths-ignore"] !== undefined) f.paths = strings(v.paths ?? v["paths-ignore"]);
    return f;
}

function job(id: string, v: unknown): WorkflowJob {
    const j = isObj(v) ? v : {};
    const steps = (Array.isArray(j.steps) ? j.steps : []).map((s): WorkflowStep => {
        const o = isObj(s) ? s : {};
        return {
            ...(typeof o.name === "string" ? { name: o.name } : {}),
            ...(typeof o.uses === "string" ? { uses: o.uses } : {}),
            ...(typeof o.run === "string" ? { run: o.run } : {}),
            ...(isObj(o.with) ? { with: env(o.with) } : {}),
            ...(isObj(o.env) ? { env: env(o.env) } : {}),
            ...(typeof o.shell === "string" ? { shell: o.shell } : {}),
        };
    });
    const unsupported = [
        j.needs !== undefined ? "needs" : "",
        j.if !== undefined ? "if" : "",
        j.strategy !== undefined ? "strategy (matrices)" : "",
        j.container !== undefined || j.services !== undefined ? "containers and services" : "",
        j.uses !== undefined ? "reusable workflows" : "",
        (Array.isArray(j.steps) ? j.steps : []).some((s) => isObj(s) && s.if !== undefined) ? "step conditions (if)" : "",
        JSON.stringify(j).includes("${{") ? "expressions (${{ }})" : "",
    ].filter(Boolean);
    return {
        id,
        name: typeof j.name === "string" ? j.name : id,
        runsOn: strings(j["runs-on"]) ?? [],
        ...(j.permissions !== undefined ? { permissions: j.permissions } : {}),
        env: env(j.env),
        timeoutMinutes: typeof j["timeout-minutes"] === "number" ? j["timeout-minutes"] : 360,
        steps,
        ...(unsupported.length > 0 ? { unsupported: `the sandbox's Actions stand-in does not run ${unsupported.join(", ")}` } : {}),
    };
}

/**
 * GitHub's filter pattern as a regular expression: `*` any characters but `/`, `**` any
 * characters, `?` zero or one of the preceding character, `+` one or more of it, `[...]` a
 * character class, `\` escapes the next character.
 */
export function filterPattern(pattern: string): RegExp {
    let re = "";
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "\\" && i + 1 < pattern.length) re += escape(pattern[++i]);
        else if (c === "*" && pattern[i + 1] === "*") { re += ".*"; i++; }
        else if (c === "*") re += "[^/]*";
        else if (c === "?") re += "?";
        else if (c === "+") re += "+";
        else if (c === "[") {
            const end = pattern.indexOf("]", i + 1);
            if (end < 0) re += "\\[";
            else { re += `[${pattern.slice(i + 1, end).replace(/\\/g, "\\\\")}]`; i = end; }
        } else re += escape(c);
    }
    return new RegExp(`^${re}$`);
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** GitHub's rule for a list of patterns where a leading `!` negates: the last matching pattern decides. */
export function matchesPatterns(patterns: readonly string[], name: string): boolean {
    let matched = false;
    for (const p of patterns) {
        if (p.startsWith("!")) { if (filterPattern(p.slice(1)).test(name)) matched = false; }
        else if (filterPattern(p).test(name)) matched = true;
    }
    return matched;
}

/**
 * Whether a push of `ref` starts the workflow (GitHub: with no branch or tag filter, every push;
 * with only branch filters, no tag push, and the other way round).
 */
export function pushStarts(f: PushFilter | undefined, ref: string): boolean {
    if (f === undefined) return false;
    const branch = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined;
    const tag = ref.startsWith("refs/tags/") ? ref.slice("refs/tags/".length) : undefined;
    const branchFilters = f.branches !== undefined || f.branchesIgnore !== undefined;
    const tagFilters = f.tags !== undefined || f.tagsIgnore !== undefined;
    if (!branchFilters && !tagFilters) return branch !== undefined || tag !== undefined;
    if (branch !== undefined) {
        if (!branchFilters) return false;
        if (f.branches !== undefined) return matchesPatterns(f.branches, branch);
        return !matchesPatterns(f.branchesIgnore ?? [], branch);
    }
    if (tag !== undefined) {
        if (!tagFilters) return false;
        if (f.tags !== undefined) return matchesPatterns(f.tags, tag);
        return !matchesPatterns(f.tagsIgnore ?? [], tag);
    }
    return false;
}

/**
 * Whether the job's GITHUB_TOKEN gets `id-token: write`: the job's `permissions`, else the
 * workflow's; `write-all` grants it, `read-all`, `{}` and the repository default never do (id-token
 * has no read level, and no default grants it).
 */
export function idTokenWrite(workflowPermissions: unknown, jobPermissions: unknown): boolean {
    const p = jobPermissions !== undefined ? jobPermissions : workflowPermissions;
    if (p === "write-all") return true;
    return isObj(p) && p["id-token"] === "write";
}
