// GitHub's own descriptions of its API, as a judge for the GitHub stand-in: the REST description
// (@octokit/openapi 23.0.2: generated/api.github.com.json, generated/ghes-3.19.json) and the
// webhook description (@octokit/openapi-webhooks 12.1.0: the same two names), with ajv 8 and
// ajv-formats. A response is judged by the schema of its operation and status, found from the
// description's own paths (so a body served at a path GitHub does not describe fails); a webhook
// by `webhook-<event>` and the headers its operation requires.
import Ajv, { ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import * as fs from "fs";
import type { Flavor } from "../standins/githubApi";

type Schema = Record<string, unknown>;
interface Doc { paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, Schema>>; webhooks?: Record<string, Record<string, Operation>> }
interface Operation { operationId: string; responses?: Record<string, Schema>; parameters?: Schema[]; requestBody?: Schema }

/** The description files each flavor is judged by. */
export const DescriptionFiles: Readonly<Record<Flavor, { rest: string; webhooks: string; serverPrefix: string }>> = {
    "github.com": { rest: "@octokit/openapi/generated/api.github.com.json", webhooks: "@octokit/openapi-webhooks/generated/api.github.com.json", serverPrefix: "" },
    // ghes-3.19.json servers: {protocol}://{hostname}/api/v3
    ghes: { rest: "@octokit/openapi/generated/ghes-3.19.json", webhooks: "@octokit/openapi-webhooks/generated/ghes-3.19.json", serverPrefix: "/api/v3" },
};

export interface Verdict {
    /** "repos/create-webhook 201", or "(no operation) 404" for a path GitHub does not describe. */
    readonly operation: string;
    /** Which schema judged it: a components name or "inline". */
    readonly schema: string;
    /** ajv's errors, and properties the description does not have; empty when the body conforms. */
    readonly errors: readonly string[];
}

/**
 * Where GitHub's answers have a property its description lacks (measured on GitHub, so the
 * stand-in keeps it): every error body carries `status` (the status code as a string), which
 * `basic-error` has and `validation-error` does not ("Validation Failed" bodies with
 * "status":"422": GitHub's contents and search APIs, go-github ErrorResponse since 2023).
 */
export const DescriptionGaps: readonly { readonly schema: string; readonly property: string }[] = [
    { schema: "validation-error", property: "/status" },
];

const loaded = new Map<string, Doc>();
function load(file: string): Doc {
    let doc = loaded.get(file);
    if (!doc) {
        doc = JSON.parse(fs.readFileSync(require.resolve(file), "utf8")) as Doc;
        loaded.set(file, doc);
    }
    return doc;
}

/** A JSON pointer as a URI fragment (RFC 6901 escaping, then percent-encoding: paths hold "{" and "/"). */
function pointer(segments: readonly string[]): string {
    return `#/${segments.map((s) => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/")}`;
}

export class GitHubDescription {
    private readonly rest: Doc;
    private readonly hooks: Doc;
    private readonly ajvRest: Ajv;
    private readonly ajvHooks: Ajv2020;
    private readonly compiled = new Map<string, ValidateFunction>();
    private readonly templates: { template: string; regex: RegExp; literals: number }[];
    readonly serverPrefix: string;

    constructor(readonly flavor: Flavor) {
        const files = DescriptionFiles[flavor];
        this.serverPrefix = files.serverPrefix;
        this.rest = load(files.rest);
        this.hooks = load(files.webhooks);
        // The REST description is OpenAPI 3.0 (`nullable`, which ajv knows), the webhooks one 3.1
        // (JSON Schema 2020-12). strict: false lets the OpenAPI keywords ajv has no use for pass
        // (example, discriminator, deprecated…); validateSchema: false skips judging GitHub's own schema.
        this.ajvRest = new Ajv({ strict: false, allErrors: true, validateSchema: false });
        this.ajvHooks = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
        addFormats(this.ajvRest);
        addFormats(this.ajvHooks);
        this.ajvRest.addSchema(nullableWithoutType(this.rest) as unknown as Schema, "rest");
        this.ajvHooks.addSchema(this.hooks as unknown as Schema, "webhooks");
        this.templates = Object.keys(this.rest.paths).map((template) => ({
            template,
            regex: new RegExp(`^${template.split("/").map((s) => (/^\{.+\}$/.test(s) ? "[^/]+" : s.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))).join("/")}$`),
            literals: template.split("/").filter((s) => s && !/^\{.+\}$/.test(s)).length,
        }));
    }

    /** The description's path template for a request path (prefix included), the most specific match. */
    operationFor(method: string, fullPath: string): { template: string; operation: Operation } | undefined {
        if (!fullPath.startsWith(`${this.serverPrefix}/`)) return undefined;
        const p = fullPath.slice(this.serverPrefix.length).replace(/\/+$/, "") || "/";
        const match = this.templates.filter((t) => t.regex.test(p) && this.rest.paths[t.template][method.toLowerCase()]).sort((a, b) => b.literals - a.literals)[0];
        return match ? { template: match.template, operation: this.rest.paths[match.template][method.toLowerCase()] } : undefined;
    }

    /** Judges one response body by the schema GitHub describes for its operation and status. */
    judgeResponse(method: string, fullPath: string, status: number, body: unknown): Verdict {
        const found = this.operationFor(method, fullPath);
        const opName = found ? found.operation.operationId : "(no operation)";
        const operation = `${opName} ${status}`;
        if (status === 204 || status === 304) {
            const listed = !found || found.operation.responses?.[String(status)] !== undefined || status === 304;
            const errors = [...(body === undefined ? [] : [`a ${status} has no body, got ${JSON.stringify(body).slice(0, 80)}`]), ...(listed ? [] : [`${status} is not a response of ${opName}`])];
            return { operation, schema: "(no body)", errors };
        }
        const target = this.responseSchema(found, status);
        if (!target) return { operation, schema: "(none)", errors: [`the description has no ${status} response for ${opName}, and it is not an error status`] };
        const validate = this.compile(this.ajvRest, "rest", target.ref);
        const ok = validate(body);
        const errors = ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
        const extra = undocumented(this.rest, resolveRef(this.rest, { $ref: target.ref.replace(/^rest/, "") }), body, "")
            .filter((p) => !DescriptionGaps.some((g) => target.name.startsWith(g.schema) && g.property === p));
        return { operation, schema: target.name, errors: [...errors, ...extra.map((p) => `${p} is not in the description`)] };
    }

    /**
     * Judges a webhook payload by `webhook-<event>`, and its headers by the ones the event's
     * operation requires; X-Hub-Signature-256 only for a hook with a secret (`signed`): GitHub
     * signs only then ("Validating webhook deliveries"), though the description marks it required.
     */
    judgeWebhook(event: string, payload: unknown, headers: Readonly<Record<string, string>>, signed = true): Verdict {
        const name = `webhook-${event}`;
        if (!this.hooks.components.schemas[name]) return { operation: `webhook ${event}`, schema: "(none)", errors: [`no schema ${name} in the webhook description`] };
        const ref = `webhooks${pointer(["components", "schemas", name])}`;
        const validate = this.compile(this.ajvHooks, "webhooks", ref);
        const errors = validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
        const extra = undocumented(this.hooks, this.hooks.components.schemas[name], payload, "");
        const post = this.hooks.webhooks?.[event]?.post;
        const sent = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
        const missing = (post?.parameters ?? []).filter((p) => p.in === "header" && p.required === true && !sent.has(String(p.name).toLowerCase()) && (signed || !/^x-hub-signature/i.test(String(p.name)))).map((p) => `header ${String(p.name)} is required`);
        return { operation: `webhook ${event}`, schema: name, errors: [...errors, ...extra.map((p) => `${p} is not in the description`), ...missing] };
    }

    /**
     * The schema for a status: the operation's own response; else, for an error status the
     * description does not list per operation (401, 403 and 429 from authentication, permissions
     * and rate limits apply to every operation; a path GitHub does not have), GitHub's error body:
     * `validation-error` for 422, `basic-error` otherwise.
     */
    private responseSchema(found: { template: string; operation: Operation } | undefined, status: number): { ref: string; name: string } | undefined {
        const response = found?.operation.responses?.[String(status)];
        if (found && response) {
            let r = response;
            let where = ["paths", found.template, Object.entries(this.rest.paths[found.template]).find(([, op]) => op === found.operation)?.[0] ?? "", "responses", String(status)];
            if (typeof r.$ref === "string") {
                where = r.$ref.replace(/^#\//, "").split("/");
                r = resolveRef(this.rest, r);
            }
            const content = (r.content as Record<string, { schema: Schema }> | undefined)?.["application/json"];
            if (!content) return undefined;
            const schema = content.schema;
            if (typeof schema.$ref === "string") return { ref: `rest${schema.$ref.split("/").map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join("/")}`, name: schema.$ref.split("/").pop() as string };
            return { ref: `rest${pointer([...where, "content", "application/json", "schema"])}`, name: "inline" };
        }
        if (status >= 400) {
            const name = status === 422 ? "validation-error" : "basic-error";
            return { ref: `rest${pointer(["components", "schemas", name])}`, name: `${name} (status not listed)` };
        }
        return undefined;
    }

    private compile(ajv: Ajv, _doc: string, ref: string): ValidateFunction {
        let v = this.compiled.get(ref);
        if (!v) {
            v = ajv.compile({ $ref: ref });
            this.compiled.set(ref, v);
        }
        return v;
    }
}

/**
 * OpenAPI 3.0's `nullable: true` beside `anyOf`/`oneOf`/`$ref` and no `type` (GitHub's
 * `installation.account`, `suspended_by`: "nullable": true, "anyOf": […]) means "or null"; ajv
 * takes `nullable` only with a `type`, so such a schema becomes an `anyOf` with `{type: "null"}`
 * (in place, once per loaded document).
 */
const normalized = new WeakSet<object>();
function nullableWithoutType<T>(doc: T): T {
    if (typeof doc !== "object" || doc === null || normalized.has(doc as object)) return doc;
    const walk = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (typeof node !== "object" || node === null) return;
        const n = node as Record<string, unknown>;
        for (const v of Object.values(n)) walk(v);
        if (n.nullable === true && n.type === undefined) {
            delete n.nullable;
            if (Array.isArray(n.anyOf)) n.anyOf = [...n.anyOf, { type: "null" }];
            else if (Array.isArray(n.oneOf)) n.oneOf = [...n.oneOf, { type: "null" }];
            else {
                const rest = { ...n };
                for (const k of Object.keys(n)) delete n[k];
                n.anyOf = [rest, { type: "null" }];
            }
        }
    };
    walk(doc);
    normalized.add(doc as object);
    return doc;
}

function resolveRef(doc: Doc, schema: Schema): Schema {
    let s = schema;
    for (let i = 0; i < 20 && typeof s.$ref === "string"; i++) {
        const parts = s.$ref.replace(/^#\//, "").split("/").map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
        s = parts.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc) as Schema;
    }
    return s;
}

/**
 * Properties a body has that no applicable schema declares (GitHub's schemas mostly allow extra
 * properties, so ajv alone would let a stand-in invent fields a client might come to rely on).
 * Objects without declared properties, or with additionalProperties, are free-form.
 */
function undocumented(doc: Doc, schema: Schema, value: unknown, at: string): string[] {
    const s = resolveRef(doc, schema);
    const branches = [s, ...["allOf", "anyOf", "oneOf"].flatMap((k) => ((s[k] as Schema[] | undefined) ?? []).map((b) => resolveRef(doc, b)))];
    if (Array.isArray(value)) {
        const items = branches.map((b) => b.items as Schema | undefined).find((i) => i !== undefined);
        return items ? value.flatMap((v, i) => undocumented(doc, items, v, `${at}/${i}`)) : [];
    }
    if (typeof value !== "object" || value === null) return [];
    const objectBranches = branches.filter((b) => b.properties !== undefined || b.additionalProperties !== undefined);
    if (objectBranches.length === 0 || objectBranches.some((b) => b.additionalProperties !== undefined && b.additionalProperties !== false)) return [];
    const props = new Map<string, Schema>();
    for (const b of objectBranches) for (const [k, v] of Object.entries((b.properties as Record<string, Schema> | undefined) ?? {})) if (!props.has(k)) props.set(k, v);
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
        const p = props.get(k);
        return p ? undocumented(doc, p, v, `${at}/${k}`) : [`${at}/${k}`];
    });
}
