// Judges `pulumi preview --refresh --expect-no-changes --json`: clean, changes (drift, or code on
// main not yet deployed), or an error that left the question open. Pure, so it is unit-tested.
//
// The CLI (>= 3.226.1; the workflows pin 3.274.1) exits 0 when nothing would change and 7 when
// --expect-no-changes is not met; --json still prints the whole preview digest before that error.
// Older CLIs exit 255 for both a failed expectation and an error, so the digest decides: changes
// in it mean "changes", whatever the code. Only URNs, operations and property *names* are kept:
// the digest holds non-secret values in clear, and none of them belongs in an issue.

export const ExpectationNotMetExitCode = 7;

/** Operations that change nothing: unchanged, refreshed-and-unchanged, reads of unowned objects. */
const NoChangeOps = new Set(["same", "refresh", "read", "read-discard"]);

export interface Change {
    readonly op: string;
    readonly urn: string;
    /** Changed property names (never values), sorted. */
    readonly keys: readonly string[];
}

export type DriftVerdict =
    | { readonly status: "clean" }
    | { readonly status: "changes"; readonly changes: readonly Change[]; readonly summary: Readonly<Record<string, number>> }
    | { readonly status: "error"; readonly exitCode: number; readonly detail: string };

interface DigestStep {
    op?: unknown;
    urn?: unknown;
    diffReasons?: unknown;
    detailedDiff?: unknown;
}

interface Digest {
    steps?: unknown;
    changeSummary?: unknown;
}

function parseDigest(stdout: string): Digest | undefined {
    const text = stdout.trim();
    if (text === "") return undefined;
    try {
        const v: unknown = JSON.parse(text);
        return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Digest) : undefined;
    } catch {
        return undefined;
    }
}

function changedKeys(step: DigestStep): string[] {
    const detailed = step.detailedDiff;
    const keys = typeof detailed === "object" && detailed !== null ? Object.keys(detailed) : Array.isArray(step.diffReasons) ? step.diffReasons.map(String) : [];
    return [...new Set(keys)].sort();
}

/** The URN's last segment: the resource's name, for short messages. */
export function urnName(urn: string): string {
    const i = urn.lastIndexOf("::");
    return i === -1 ? urn : urn.slice(i + 2);
}

/** The resource type from the URN (`...::type::name` -> type; a child's `parent$type` -> type). */
export function urnType(urn: string): string {
    const parts = urn.split("::");
    if (parts.length < 2) return "";
    const t = parts[parts.length - 2];
    return t.slice(t.lastIndexOf("$") + 1);
}

export function judgePreview(exitCode: number, stdout: string): DriftVerdict {
    const digest = parseDigest(stdout);
    const steps = Array.isArray(digest?.steps) ? (digest.steps as DigestStep[]) : [];
    const changes: Change[] = steps
        .filter((s) => typeof s.op === "string" && typeof s.urn === "string" && !NoChangeOps.has(s.op))
        .map((s) => ({ op: s.op as string, urn: s.urn as string, keys: changedKeys(s) }))
        .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : a.op < b.op ? -1 : a.op > b.op ? 1 : 0));
    const summary: Record<string, number> = {};
    if (typeof digest?.changeSummary === "object" && digest.changeSummary !== null) {
        for (const [op, n] of Object.entries(digest.changeSummary as Record<string, unknown>)) {
            if (!NoChangeOps.has(op) && typeof n === "number" && n > 0) summary[op] = n;
        }
    }
    if (changes.length > 0 || Object.keys(summary).length > 0) return { status: "changes", changes, summary };
    if (exitCode === 0) return { status: "clean" };
    const detail =
        exitCode === ExpectationNotMetExitCode
            ? "the CLI reported changes, but its output held no readable preview"
            : digest === undefined
              ? "no preview was produced (login, stack selection, config or program error)"
              : "the preview failed (a provider or program error)";
    return { status: "error", exitCode, detail };
}
