// The README is the front door and docs/ holds one page per task: a link that leads nowhere (a
// moved page, a renamed heading) is a broken door. This checks every relative link and anchor in
// the README and docs/, the references to them in the code (comments, error messages, workflows),
// and that the README stays short and keeps the two commands a newcomer needs near the top.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { codeReferences, deadReference, githubSlug, headingAnchors, markdownLinks } from "./support/markdownLinks";
import { root } from "./support/projectConfig";

/** About a tenth of the 73 KB README it replaced, with room to grow a little. */
const ReadmeMaxBytes = 12 * 1024;
/** "Near the top": within the first screen or so. */
const CommandsWithinLines = 40;

const markdownFiles = ["README.md", ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => path.join("docs", f))];

/** Files whose text may name README.md or docs/…: code, workflows, scripts; not dependencies or build output. */
function codeFiles(dir = root): string[] {
    const skip = new Set(["node_modules", ".git", "dist", ".sandbox"]);
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (skip.has(entry.name)) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) out.push(...codeFiles(full));
        else if (/\.(ts|ya?ml|sh)$/.test(entry.name)) out.push(path.relative(root, full));
    }
    return out;
}

// The link checker's own sources hold example references, not real ones.
const checkerFiles = new Set([path.join("tests", "docsLinks.test.ts"), path.join("tests", "support", "markdownLinks.ts")]);

describe("docs: links and anchors (GitHub's rules)", () => {
    const slugs: [string, string][] = [
        ["Only GitHub's addresses: `allowedSources: github`", "only-githubs-addresses-allowedsources-github"],
        ["Scheduled verification (`verify.yml`)", "scheduled-verification-verifyyml"],
        ["Measured (2 cores, Go 1.26.8)", "measured-2-cores-go-1268"],
        ["Why no `reconcile.fluxcd.io/requestedAt` annotation", "why-no-reconcilefluxcdiorequestedat-annotation"],
        ["The proof at `up`", "the-proof-at-up"],
        ["Fleets: one workflow, one job per cluster", "fleets-one-workflow-one-job-per-cluster"],
        ["snake_case and kebab-case stay", "snake_case-and-kebab-case-stay"],
        ["A — B", "a--b"],
        ["**Bold** and [a link](x.md)", "bold-and-a-link"],
    ];
    for (const [heading, slug] of slugs) {
        it(`"${heading}" -> #${slug}`, () => assert.strictEqual(githubSlug(heading), slug));
    }

    it("numbers repeated headings -1, -2 and ignores headings in code blocks", () => {
        const md = "# Set-up\n## Set-up\n```sh\n# Set-up\n```\n### Set up\n## Set-up\n";
        assert.deepStrictEqual(headingAnchors(md), ["set-up", "set-up-1", "set-up-2", "set-up-3"]);
    });

    it("finds links in prose, not in code", () => {
        const md = "see [a](a.md#x) and ![b](img/b.png)\n`[c](c.md)` inline\n```\n[d](d.md)\n```\n";
        assert.deepStrictEqual(markdownLinks(md).map((r) => r.target), ["a.md#x", "img/b.png"]);
    });

    it("finds README and docs references in code", () => {
        const ts = "// see docs/fleets.md#patterns\nthrow new Error(\"see README.md#try-it, sandbox/toolchain/README.md\");\nconst x = 'mydocs/a.md';\n";
        assert.deepStrictEqual(codeReferences(ts).map((r) => `${r.line}:${r.target}`), ["1:docs/fleets.md#patterns", "2:README.md#try-it", "2:sandbox/toolchain/README.md"]);
    });

    for (const file of markdownFiles) {
        it(`${file}: every relative link and anchor leads somewhere`, () => {
            const full = path.join(root, file);
            const dead = markdownLinks(fs.readFileSync(full, "utf8"))
                .map((r) => ({ r, why: deadReference(root, full, r.target) }))
                .filter((d) => d.why !== undefined)
                .map((d) => `${file}:${d.r.line}: ${d.why}`);
            assert.deepStrictEqual(dead, []);
        });
    }

    it("the code's references to README.md and docs/ (comments, messages, workflows) lead somewhere", () => {
        const files = codeFiles().filter((f) => !checkerFiles.has(f));
        assert.ok(files.includes(path.join("lib", "github.ts")) && files.some((f) => f.startsWith(path.join(".github", "workflows"))), "the scan reaches lib/ and the workflows");
        const dead: string[] = [];
        for (const f of files) {
            for (const r of codeReferences(fs.readFileSync(path.join(root, f), "utf8"))) {
                const why = deadReference(root, path.join(root, f), r.target, true);
                if (why !== undefined) dead.push(`${f}:${r.line}: ${why}`);
            }
        }
        assert.deepStrictEqual(dead, []);
    });

    it("no page of docs/ is an orphan: the README links to each", () => {
        const linked = new Set(markdownLinks(fs.readFileSync(path.join(root, "README.md"), "utf8")).map((r) => r.target.split("#")[0]));
        const orphans = markdownFiles.filter((f) => f !== "README.md" && !linked.has(f.split(path.sep).join("/")));
        assert.deepStrictEqual(orphans, []);
    });
});

describe("docs: the README is the front door", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

    it(`stays under ${ReadmeMaxBytes / 1024} KB (the reference lives in docs/)`, () => {
        const bytes = Buffer.byteLength(readme, "utf8");
        assert.ok(bytes <= ReadmeMaxBytes, `README.md is ${bytes} bytes, over ${ReadmeMaxBytes}: move reference material to a page of docs/`);
    });

    for (const command of ["npm ci", "npm run sandbox", "bash .ci/run"]) {
        it(`shows \`${command}\` in a code block within its first ${CommandsWithinLines} lines`, () => {
            const top = readme.split("\n").slice(0, CommandsWithinLines);
            const inBlock: string[] = [];
            let fenced = false;
            for (const l of top) {
                if (/^```/.test(l)) fenced = !fenced;
                else if (fenced) inBlock.push(l.replace(/\s+#.*$/, "").trim());
            }
            assert.ok(inBlock.includes(command), `README.md's first ${CommandsWithinLines} lines have no code line \`${command}\``);
        });
    }
});
