// Validation of the Actions OIDC trigger's settings (issue 17), in lib/config.ts's contract: every
// problem at once, each naming the key, the bad value and the fix. lib/config.ts calls these with
// its problem collector; they are exported so their tables can be tested on their own.
import { DefaultOidcAudience, OidcValidation, openToEveryRepository } from "./oidc";
import { isJobId, WorkflowRunner } from "./workflow";
import type { ConfigNaming } from "./config";

/** How a push reaches the cluster: GitHub's webhook (today's path), or a GitHub Actions job with an OIDC token. */
export const Triggers = ["webhook", "actions-oidc"] as const;
export type Trigger = (typeof Triggers)[number];
export const DefaultTriggers: readonly Trigger[] = ["webhook"];

/** Where the workflow goes: a stack output a person commits (default), or a commit the stack makes through the contents API. */
export const WorkflowDeliveries = ["output", "commit"] as const;
export type WorkflowDelivery = (typeof WorkflowDeliveries)[number];

export const ActionsCheckTimeoutRange = { min: 30, max: 1800 } as const;
export const DefaultWorkflowPath = ".github/workflows/flux-push.yml";

/** The validated Actions settings, present when at least one repository uses the actions-oidc trigger. */
export interface ActionsConfig {
    /** One job per cluster that reconciles on the workflow's pushes (a fleet shares one workflow). */
    readonly runners: readonly WorkflowRunner[];
    /** This stack's cluster among them: the job `up`'s proof watches. */
    readonly runner: string;
    readonly audience: string;
    readonly workflowPath: string;
    readonly delivery: WorkflowDelivery;
    readonly check: { readonly mode: "fail" | "warn" | "off"; readonly timeoutSeconds: number };
    /** The issuer, when set by hand (default: derived from github:baseUrl). */
    readonly issuer?: string;
}

export type AddProblem = (where: string, message: string) => void;
const quote = (v: unknown) => JSON.stringify(v);

/**
 * A repository entry's `triggers`: a non-empty list of distinct known triggers (default: webhook
 * only). After a problem it returns [] ("not known"), so no rule that depends on the triggers adds
 * problems of its own on top.
 */
export function parseTriggers(add: AddProblem, where: string, v: unknown): Trigger[] {
    if (v === undefined || v === null) return [...DefaultTriggers];
    const allowed = `allowed: ${Triggers.join(", ")}; e.g. triggers: [actions-oidc], or [webhook, actions-oidc] for both`;
    if (!Array.isArray(v) || v.length === 0) {
        add(where, `must be a non-empty list of triggers, got ${quote(v)}; ${allowed}`);
        return [];
    }
    const out: Trigger[] = [];
    let bad = false;
    for (const t of v) {
        if (typeof t !== "string" || !(Triggers as readonly string[]).includes(t)) {
            add(where, `${quote(t)} is not a trigger; ${allowed}`);
            bad = true;
        } else if (out.includes(t as Trigger)) {
            add(where, `${quote(t)} is listed twice`);
        } else {
            out.push(t as Trigger);
        }
    }
    return bad ? [] : out;
}

/**
 * A repository entry's `actionsValidations`: CEL validations that replace the stack's own (for a
 * token of another workflow, e.g. a reusable one of the organization). Each needs an expression
 * and a message (notification-controller refuses a Receiver without either), and one of them must
 * pin the repository or its owner, or the Receiver would admit every Actions token on the platform.
 */
export function parseActionsValidations(add: AddProblem, where: string, v: unknown): OidcValidation[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.length === 0) {
        add(where, `must be a non-empty list of {expression, message}, got ${quote(v)}; remove it to use the stack's own validations`);
        return undefined;
    }
    const out: OidcValidation[] = [];
    v.forEach((e: unknown, i: number) => {
        const at = `${where}[${i}]`;
        const o = (typeof e === "object" && e !== null && !Array.isArray(e) ? e : {}) as Record<string, unknown>;
        for (const k of Object.keys(o)) if (k !== "expression" && k !== "message") add(`${at}.${k}`, "unknown setting; allowed here: expression, message");
        const ok = (x: unknown) => typeof x === "string" && x.trim() !== "";
        if (!ok(o.expression)) add(`${at}.expression`, `is required: a CEL expression over claims that must be true, got ${quote(o.expression)}`);
        if (!ok(o.message)) add(`${at}.message`, `is required: what notification-controller logs when the expression is false, got ${quote(o.message)}`);
        if (ok(o.expression) && ok(o.message)) out.push({ expression: String(o.expression), message: String(o.message) });
    });
    const open = out.length === v.length ? openToEveryRepository(out) : undefined;
    if (open) add(where, open);
    return out;
}

/** A receiver URL the runner reaches: http(s), no credentials, query or fragment (flux appends /hook/<sha256> to it). */
function checkReceiverUrl(add: AddProblem, where: string, v: string): string {
    let u: URL;
    try {
        u = new URL(v);
    } catch {
        add(where, `${quote(v)} is not a URL; give the base URL the runner reaches notification-controller's receiver at, e.g. http://webhook-receiver.flux-system.svc.cluster.local`);
        return v;
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") add(where, `scheme ${quote(u.protocol.replace(/:$/, ""))} is not allowed; use http:// or https://`);
    if (u.username || u.password) add(where, "must not carry credentials: the OIDC token authenticates the request");
    if (u.search || u.hash) add(where, `${quote(v)} has a query or fragment: notification-controller matches the request URI exactly and would answer 404`);
    return v.replace(/\/+$/, "");
}

/** The in-cluster address of Flux's webhook-receiver Service: what a runner inside the cluster (Actions Runner Controller) reaches. */
export function inClusterReceiverUrl(namespace: string): string {
    return `http://webhook-receiver.${namespace}.svc.cluster.local`;
}

function parseRunners(add: AddProblem, naming: ConfigNaming, raw: string | undefined, namespace: string): WorkflowRunner[] {
    const where = naming.key("actionsRunners");
    const example = `e.g. ${naming.set("actionsRunners[0].job", "staging")} and ${naming.set("actionsRunners[0].runsOn[0]", "arc-runner-set")}`;
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw && raw !== "" ? raw : "[]");
    } catch {
        add(where, `is not a list of objects (could not parse ${quote(raw)}); ${example}`);
        return [];
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
        add(where, `is required with the actions-oidc trigger: one entry {job, runsOn, receiverUrl?} per cluster, naming a runner that reaches this cluster's receiver (an Actions Runner Controller scale set inside it, a runner on its network); ${example}`);
        return [];
    }
    const runners: WorkflowRunner[] = [];
    const jobs = new Map<string, string>();
    parsed.forEach((e: unknown, i: number) => {
        const at = `${where}[${i}]`;
        if (typeof e !== "object" || e === null || Array.isArray(e)) {
            add(at, `must be an object with job, runsOn and optionally receiverUrl, got ${quote(e)}`);
            return;
        }
        const o = e as Record<string, unknown>;
        for (const k of Object.keys(o)) if (!["job", "runsOn", "receiverUrl"].includes(k)) add(`${at}.${k}`, "unknown setting; allowed here: job, runsOn, receiverUrl");
        const job = typeof o.job === "string" ? o.job : "";
        if (!isJobId(job)) {
            add(`${at}.job`, `${quote(o.job)} is not a GitHub job id (letters, digits, '-' and '_', starting with a letter or '_'), e.g. staging`);
        } else if (jobs.has(job)) {
            add(`${at}.job`, `${quote(job)} is already used by ${jobs.get(job)}; each cluster needs its own job`);
        } else {
            jobs.set(job, at);
        }
        const labels = typeof o.runsOn === "string" ? [o.runsOn] : Array.isArray(o.runsOn) ? o.runsOn : undefined;
        const goodLabel = (l: unknown) => typeof l === "string" && l.trim() !== "" && !/[\x00-\x1f,]/.test(l);
        if (!labels || labels.length === 0 || !labels.every(goodLabel)) {
            add(`${at}.runsOn`, `${quote(o.runsOn)} is not a runner label or a non-empty list of them (the job's runs-on), e.g. arc-runner-set or [self-hosted, linux, staging]`);
        } else if (labels.length === 1 && /^(ubuntu|windows|macos)-/.test(String(labels[0])) && o.receiverUrl === undefined) {
            add(`${at}.runsOn`, `${quote(labels[0])} is a GitHub-hosted runner, which cannot reach the in-cluster receiver URL; give receiverUrl (a public URL of an exposed cluster) or a runner inside the cluster`);
        }
        const receiverUrl = o.receiverUrl === undefined ? inClusterReceiverUrl(namespace)
            : typeof o.receiverUrl === "string" && o.receiverUrl !== "" ? checkReceiverUrl(add, `${at}.receiverUrl`, o.receiverUrl)
                : (add(`${at}.receiverUrl`, `must be a non-empty URL, got ${quote(o.receiverUrl)}; remove it for the in-cluster default`), "");
        runners.push({ job, runsOn: (labels ?? []).map(String), receiverUrl });
    });
    return runners;
}

export interface ActionsRaw {
    readonly actionsRunners?: string;
    readonly actionsRunner?: string;
    readonly actionsAudience?: string;
    readonly actionsWorkflowPath?: string;
    readonly actionsWorkflowDelivery?: string;
    readonly actionsCheck?: string;
    readonly actionsCheckTimeout?: string;
    readonly actionsOidcIssuer?: string;
}

/**
 * The actions* keys. `used`: some repository has the actions-oidc trigger; otherwise the keys
 * without a default must stay unset (they would do nothing), and nothing is returned.
 */
export function checkActions(add: AddProblem, naming: ConfigNaming, raw: ActionsRaw, namespace: string, used: boolean): ActionsConfig | undefined {
    if (!used) {
        for (const k of ["actionsRunners", "actionsRunner", "actionsOidcIssuer"] as const) {
            const v = raw[k];
            if (v !== undefined && v !== "" && v !== "[]") {
                add(naming.key(k), `is set but no repository uses the actions-oidc trigger; add triggers: [actions-oidc] to a repositories entry, or remove it (${naming.rm(k)})`);
            }
        }
        return undefined;
    }
    const runners = parseRunners(add, naming, raw.actionsRunners, namespace);
    const key = (k: string) => naming.key(k);
    const set = (k: string, example: string) => naming.set(k, example);
    let runner = raw.actionsRunner ?? "";
    if (runner === "" && runners.length === 1) runner = runners[0].job;
    else if (runner === "" && runners.length > 1) {
        add(key("actionsRunner"), `is required with more than one actionsRunners entry: the job of this stack's cluster, which \`up\`'s proof watches; one of ${runners.map((r) => r.job).join(", ")}`);
    } else if (runner !== "" && runners.length > 0 && !runners.some((r) => r.job === runner)) {
        add(key("actionsRunner"), `${quote(runner)} is not a job of actionsRunners (${runners.map((r) => r.job).join(", ")})`);
    }
    const audience = raw.actionsAudience ?? DefaultOidcAudience;
    if (audience === "" || /\s/.test(audience) || !/^[A-Za-z0-9._:/=@%+,-]+$/.test(audience)) {
        add(key("actionsAudience"), `${quote(audience)} is not an audience (letters, digits and . _ : / = @ % + , -, no spaces); the default is ${DefaultOidcAudience}`);
    }
    const workflowPath = raw.actionsWorkflowPath ?? DefaultWorkflowPath;
    if (!/^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/.test(workflowPath)) {
        add(key("actionsWorkflowPath"), `${quote(workflowPath)} is not a workflow file GitHub runs: it must be directly in .github/workflows/ (no subdirectory) and end in .yml or .yaml, e.g. ${DefaultWorkflowPath}`);
    }
    const delivery = raw.actionsWorkflowDelivery ?? "output";
    if (!(WorkflowDeliveries as readonly string[]).includes(delivery)) {
        add(key("actionsWorkflowDelivery"), `${quote(delivery)} is not a delivery; allowed: ${WorkflowDeliveries.join(", ")} (output: the stack outputs the file for a person to commit; commit: the stack commits it)`);
    } else if (delivery === "commit" && runners.length > 1) {
        add(key("actionsWorkflowDelivery"), `commit with ${runners.length} actionsRunners entries: every stack of the fleet would commit the one shared file, and destroying one would remove it for all; use output and commit the file once`);
    }
    const mode = raw.actionsCheck ?? "fail";
    if (!["fail", "warn", "off"].includes(mode)) add(key("actionsCheck"), `${quote(mode)} is not an actionsCheck mode; allowed: fail, warn, off (e.g. ${set("actionsCheck", "warn")})`);
    const t = (raw.actionsCheckTimeout ?? "300").trim();
    const timeoutSeconds = /^-?[0-9]+$/.test(t) ? Number(t) : NaN;
    if (!(timeoutSeconds >= ActionsCheckTimeoutRange.min && timeoutSeconds <= ActionsCheckTimeoutRange.max)) {
        add(key("actionsCheckTimeout"), `${quote(raw.actionsCheckTimeout)} is not a number of seconds in ${ActionsCheckTimeoutRange.min}-${ActionsCheckTimeoutRange.max} (how long the proof waits for a runner and the reconcile); e.g. ${set("actionsCheckTimeout", "300")}`);
    }
    const issuer = raw.actionsOidcIssuer ?? "";
    if (issuer !== "") {
        let ok = false;
        try {
            const u = new URL(issuer);
            ok = (u.protocol === "https:" || u.protocol === "http:") && !u.search && !u.hash && !u.username;
        } catch {
            ok = false;
        }
        // notification-controller's pattern ^https?:// and go-oidc's exact comparison with the token's iss.
        if (!ok) add(key("actionsOidcIssuer"), `${quote(issuer)} is not an issuer URL (http(s)://host[/path], exactly the tokens' iss claim); remove it to derive it from github:baseUrl`);
    }
    return {
        runners, runner, audience, workflowPath,
        delivery: delivery as WorkflowDelivery,
        check: { mode: mode as "fail" | "warn" | "off", timeoutSeconds },
        ...(issuer !== "" ? { issuer: issuer.replace(/\/+$/, "") } : {}),
    };
}
