// Every action the project pins resolves: each `uses: owner/repo[/path]@<sha> # vX.Y.Z`, in the
// generated workflow (lib/workflow.ts), the project's own workflows and composite actions, and the
// docs, names the commit of that release as the upstream repository itself records it
// (tests/fixtures/action-releases.json: read from a snapshot of each repository with
// `git rev-parse 'TAG^{commit}'`, which gives the commit of an annotated tag, not its tag object).
// A pin copied from a third-party page (the v2.4.0 pin of fluxcd/flux2/action this replaced named
// no object at all) fails here, as it would fail every job at "Set up job" on GitHub.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { renderWorkflow } from "../lib/workflow";
import { root } from "./support/projectConfig";

interface RepositoryRecord {
    readonly snapshot: { readonly head: string; readonly committedAt: string; readonly newestRelease: string };
    /** Directories holding an action.yml at the recorded releases ("" = the repository's root). */
    readonly actionPaths: readonly string[];
    /** Release tag vX.Y.Z -> the commit it names. */
    readonly releases: Readonly<Record<string, string>>;
}
interface ReleaseRecord { readonly readAt: string; readonly repositories: Readonly<Record<string, RepositoryRecord>> }

const record = JSON.parse(fs.readFileSync(path.join(root, "tests", "fixtures", "action-releases.json"), "utf8")) as ReleaseRecord;

export interface Pin { readonly where: string; readonly line: string; readonly ref: string; readonly comment: string }

/** Every `uses:` line of a YAML (or a YAML block in Markdown) that names another repository's action. */
export function pinsIn(where: string, text: string): Pin[] {
    const out: Pin[] = [];
    text.split("\n").forEach((line, i) => {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m || m[1].startsWith("./") || m[1].startsWith("docker://")) return;
        out.push({ where: `${where}:${i + 1}`, line: line.trim(), ref: m[1], comment: m[2] });
    });
    return out;
}

/** Why a pin does not resolve to a recorded release, or undefined when it does. */
export function pinProblem(p: Pin, r: ReleaseRecord = record): string | undefined {
    const m = /^([\w.-]+)\/([\w.-]+)((?:\/[\w.-]+)*)@(.+)$/.exec(p.ref);
    if (!m) return `${p.where}: ${p.line}: not owner/repo[/path]@ref`;
    const [, owner, repo, sub, sha] = m;
    const repository = `${owner}/${repo}`;
    if (!/^[0-9a-f]{40}$/.test(sha)) return `${p.where}: ${p.line}: not pinned to a full commit SHA`;
    const tag = /^\s+#\s+(v\d+\.\d+\.\d+)\s*$/.exec(p.comment)?.[1];
    if (tag === undefined) return `${p.where}: ${p.line}: no "# vX.Y.Z" release comment`;
    const known = r.repositories[repository];
    if (known === undefined) return `${p.where}: ${repository} is not in tests/fixtures/action-releases.json: record its releases from the repository itself first`;
    if (!known.actionPaths.includes(sub.replace(/^\//, ""))) return `${p.where}: ${repository} has no action at ${sub || "its root"} in the record`;
    const named = known.releases[tag];
    if (named === undefined) return `${p.where}: ${repository} has no release ${tag} (newest recorded: ${known.snapshot.newestRelease})`;
    if (named !== sha) {
        const actual = Object.entries(known.releases).find(([, c]) => c === sha)?.[0];
        return `${p.where}: ${p.line}: ${tag} of ${repository} is ${named}` + (actual ? `; ${sha} is ${actual}` : `; ${sha} is no release commit of ${repository}`);
    }
    return undefined;
}

const generated = renderWorkflow({
    repositoryName: "instavote", path: ".github/workflows/flux-push.yml", branch: "main", receiverName: "instavote-actions", namespace: "flux-system",
    audience: "notification-controller", runners: [{ job: "staging", runsOn: ["arc-staging"], receiverUrl: "http://webhook-receiver.flux-system.svc.cluster.local" }],
});
const files = (dir: string, pick: (f: string) => boolean) => (fs.existsSync(path.join(root, dir)) ? fs.readdirSync(path.join(root, dir)).filter(pick).map((f) => path.join(dir, f)) : []);
const scanned = [
    ...files(path.join(".github", "workflows"), (f) => /\.ya?ml$/.test(f)),
    ...files(path.join(".github", "actions"), () => true).map((d) => path.join(d, "action.yml")).filter((f) => fs.existsSync(path.join(root, f))),
    ...files("docs", (f) => f.endsWith(".md")),
    "README.md",
];
const allPins = [...pinsIn("the generated workflow (lib/workflow.ts)", generated), ...scanned.flatMap((f) => pinsIn(f, fs.readFileSync(path.join(root, f), "utf8")))];

describe("action pins: every pinned action is a release commit of its repository, as the repository records it", () => {
    it("the record says where and when it was read", () => {
        assert.match(record.readAt, /^\d{4}-\d{2}-\d{2}$/);
        for (const [repo, r] of Object.entries(record.repositories)) {
            assert.match(r.snapshot.head, /^[0-9a-f]{40}$/, repo);
            assert.strictEqual(r.releases[r.snapshot.newestRelease] !== undefined, true, `${repo}: its newest release is recorded`);
            for (const [tag, commit] of Object.entries(r.releases)) assert.match(`${tag} ${commit}`, /^v\d+\.\d+\.\d+ [0-9a-f]{40}$/, repo);
        }
    });

    it("finds the pins of the generated workflow, the project's workflows, its composite action and the docs", () => {
        const where = new Set(allPins.map((p) => p.where.replace(/:\d+$/, "")));
        for (const f of ["the generated workflow (lib/workflow.ts)", ".github/workflows/deploy.yml", ".github/actions/pulumi-credentials/action.yml", "docs/actions-oidc.md"]) {
            assert.ok(where.has(f), `${f} is scanned and pins something`);
        }
        assert.ok(allPins.some((p) => p.ref.startsWith("pulumi/esc-action@")));
    });

    for (const p of allPins) {
        it(`${p.where}: ${p.ref.split("@")[0]} ${p.comment.trim()}`, () => assert.strictEqual(pinProblem(p), undefined));
    }

    it("the generated workflow pins fluxcd/flux2's newest recorded release", () => {
        const flux = record.repositories["fluxcd/flux2"];
        assert.deepStrictEqual(allPins.filter((p) => p.where.startsWith("the generated")).map((p) => `${p.ref} ${p.comment.trim()}`),
            [`fluxcd/flux2/action@${flux.releases[flux.snapshot.newestRelease]} # ${flux.snapshot.newestRelease}`]);
    });

    describe("refuses what GitHub could not resolve, or a comment that misleads a reviewer", () => {
        const pin = (ref: string, comment: string): Pin => ({ where: "x.yml:1", line: `uses: ${ref}${comment}`, ref, comment });
        const rows: [Pin, RegExp][] = [
            // The pin this record replaced: a corrupted copy of v2.5.1's commit, no object in fluxcd/flux2.
            [pin("fluxcd/flux2/action@8d5f40dca5aa5d3c0fc3414457dda81dd6ce3f55", " # v2.4.0"), /v2\.4\.0 of fluxcd\/flux2 is 5350425cdcd5fa015337e09fa502153c0275bd4b; 8d5f40dca5aa5d3c0fc3414457dda81dd6ce3f55 is no release commit/],
            [pin("fluxcd/flux2/action@8d5f40dca5aa5d3c0fc3414457dda15a0ac92fa4", " # v2.4.0"), /v2\.4\.0 of fluxcd\/flux2 is 5350425c.*; 8d5f40dca5aa5d3c0fc3414457dda15a0ac92fa4 is v2\.5\.1/],
            [pin("pulumi/esc-action@57e332b6dfb0d7edcf6cb813ee9a98b9665f12c2", " # v3.2.1"), /pulumi\/esc-action has no release v3\.2\.1 \(newest recorded: v3\.1\.0\)/],
            [pin("fluxcd/flux2/action@v2.9.4", ""), /not pinned to a full commit SHA/],
            [pin("fluxcd/flux2/action@889be9d6cc8afa8ed639e1e1ba4ab678e3b38d8c", " # v2.9"), /no "# vX\.Y\.Z" release comment/],
            [pin("fluxcd/flux2/action@ed8c5f2c24d57715d08423d3c1a7b0554ceb030e", " # v2.9.4"), /is no release commit/], // v2.9.4's tag object, not its commit
            [pin("fluxcd/flux2/other@889be9d6cc8afa8ed639e1e1ba4ab678e3b38d8c", " # v2.9.4"), /has no action at \/other/],
            [pin("someone/setup-flux@889be9d6cc8afa8ed639e1e1ba4ab678e3b38d8c", " # v2.9.4"), /someone\/setup-flux is not in tests\/fixtures\/action-releases\.json/],
        ];
        for (const [p, want] of rows) it(`${p.ref} ${p.comment.trim()}`, () => assert.match(String(pinProblem(p)), want));
        it("(and accepts the same release written correctly)", () => assert.strictEqual(pinProblem(pin("fluxcd/flux2/action@889be9d6cc8afa8ed639e1e1ba4ab678e3b38d8c", " # v2.9.4")), undefined));
    });
});
