// What GitHub does with the project's Markdown, as far as links go: the anchor it gives each
// heading, and which links and references point where. tests/docsLinks.test.ts uses it to fail on
// a dead path or anchor in the README, docs/ and the code's own references to them.
import * as fs from "fs";
import * as path from "path";

/**
 * A heading's anchor as GitHub makes it (github-slugger, used by github.com): the rendered text
 * lowercased, every character that is not a letter, a digit, a space, `-` or `_` removed, and each
 * space turned into `-` (not collapsed: "a — b" gives "a--b").
 */
export function githubSlug(heading: string): string {
    return renderedText(heading)
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
        .replace(/ /g, "-");
}

/** The text GitHub renders for inline Markdown: code spans keep their content, links their text, emphasis markers go. */
function renderedText(inline: string): string {
    return inline
        .trim()
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/`([^`]*)`/g, "$1")
        .replace(/(\*\*|__)(.+?)\1/g, "$2")
        .replace(/\*(.+?)\*/g, "$1");
}

/** The lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): { readonly text: string; readonly line: number }[] {
    const out: { text: string; line: number }[] = [];
    let fence: string | undefined;
    markdown.split("\n").forEach((text, i) => {
        const open = /^\s{0,3}(```+|~~~+)/.exec(text);
        if (fence !== undefined) {
            if (open && open[1][0] === fence[0] && open[1].length >= fence.length && text.trim() === open[1]) fence = undefined;
            return;
        }
        if (open) {
            fence = open[1];
            return;
        }
        out.push({ text, line: i + 1 });
    });
    return out;
}

/** Every heading's anchor, in order; a repeated one gets `-1`, `-2`, … as GitHub numbers them. */
export function headingAnchors(markdown: string): string[] {
    const seen = new Map<string, number>();
    const anchors: string[] = [];
    for (const { text } of proseLines(markdown)) {
        const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
        if (!h) continue;
        const slug = githubSlug(h[1]);
        const n = seen.get(slug);
        anchors.push(n === undefined ? slug : `${slug}-${n}`);
        seen.set(slug, (n ?? 0) + 1);
    }
    return anchors;
}

export interface Reference {
    /** As written: a path (relative to the file, or to the repository for code references), maybe `#anchor`, or only `#anchor`. */
    readonly target: string;
    readonly line: number;
}

/** The targets of inline links and images outside code (fenced blocks and code spans). */
export function markdownLinks(markdown: string): Reference[] {
    const refs: Reference[] = [];
    for (const { text, line } of proseLines(markdown)) {
        const prose = text.replace(/`[^`]*`/g, (m) => " ".repeat(m.length));
        for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) refs.push({ target: m[1], line });
    }
    return refs;
}

/**
 * References to the README and docs/ in code, comments and messages: `README.md`, `docs/page.md`,
 * or a folder's `…/README.md`, each maybe with `#anchor`; paths are relative to the repository root.
 */
export function codeReferences(text: string): Reference[] {
    const refs: Reference[] = [];
    text.split("\n").forEach((l, i) => {
        for (const m of l.matchAll(/(?<![\w./-])((?:[\w-]+\/)*README\.md|docs\/[\w.-]+\.md)(#[\w-]+)?/g)) {
            refs.push({ target: `${m[1]}${m[2] ?? ""}`, line: i + 1 });
        }
    });
    return refs;
}

/** Why a reference made in `fromFile` leads nowhere, or undefined when its path and anchor exist. */
export function deadReference(root: string, fromFile: string, target: string, relativeToRoot = false): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: — not ours to check
    const hash = target.indexOf("#");
    const pathPart = hash < 0 ? target : target.slice(0, hash);
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const file = pathPart === "" ? fromFile : path.resolve(relativeToRoot ? root : path.dirname(fromFile), decodeURI(pathPart));
    if (path.relative(root, file).startsWith("..")) return `${target}: outside the repository`;
    if (!fs.existsSync(file)) return `${target}: no such file or directory (${path.relative(root, file)})`;
    if (anchor === undefined) return undefined;
    if (!file.endsWith(".md")) return `${target}: an anchor into a file that is not Markdown`;
    const anchors = headingAnchors(fs.readFileSync(file, "utf8"));
    return anchors.includes(anchor) ? undefined : `${target}: ${path.relative(root, file)} has no heading with the anchor #${anchor}`;
}
