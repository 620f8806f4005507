// How GitHub Actions resolves a step's `uses: owner/repo[/path]@ref` at "Set up job" ("Prepare all
// required actions", "Getting action download info"), for the Actions stand-in: a ref resolves
// only when it is a release recorded in tests/fixtures/action-releases.json (each repository's
// release tags and their commits, read from the repository itself), by its commit or, where the
// repository's policy allows tags, by its tag. Otherwise the job fails before any step, with
// GitHub's own words, as quoted in public run logs:
// - "Unable to resolve action `OWNER/REPO@REF`, unable to find version `REF`" (e.g.
//   MansaGroup/nrwl-nx-action#92, upptime/upptime#920: the runner's log of "Set up job");
// - "Unable to resolve action. Repository not found: OWNER/REPO" (e.g. Azure/artifact-signing-action
//   #110, 2026; older runners said "Unable to resolve action `X@REF`, repository not found");
// - with the repository or organization policy "Require actions to be pinned to a full-length
//   commit SHA" (GitHub changelog 2025-08-15): "The actions OWNER/REPO@REF are not allowed in
//   OWNER/REPO because all actions must be pinned to a full-length commit SHA." (e.g.
//   rlespinasse/github-slug-action#174, ZettaScaleLabs/hiroz#346).
// The stand-in knows only the recorded releases: a branch or a commit that is no release, which
// GitHub itself would resolve, is refused here too (stricter, never looser).
import * as fs from "fs";
import * as path from "path";

export interface ActionReleases {
    readonly readAt: string;
    readonly repositories: Readonly<Record<string, { readonly actionPaths: readonly string[]; readonly releases: Readonly<Record<string, string>> }>>;
}

/** The record the project's pins are checked against (tests/actionPins.test.ts). */
export const ActionReleasesFile = path.resolve(__dirname, "..", "..", "tests", "fixtures", "action-releases.json");

export function loadActionReleases(file = ActionReleasesFile): ActionReleases {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ActionReleases;
}

export type Resolution =
    | { readonly ok: true; readonly repository: string; readonly path: string; readonly commit: string; readonly release: string }
    | { readonly ok: false; readonly error: string };

/**
 * Resolves one `uses:` value of a job in `workflowRepository` (OWNER/REPO, for the policy's
 * message). `requireShaPinning`: the policy that refuses anything but a full commit SHA.
 */
export function resolveAction(uses: string, releases: ActionReleases, workflowRepository: string, requireShaPinning: boolean): Resolution {
    const m = /^([^/@\s]+)\/([^/@\s]+)((?:\/[^/@\s]+)*)@(.+)$/.exec(uses);
    if (!m) return { ok: false, error: `Unable to resolve action \`${uses}\`, unable to find version \`\`` };
    const [, owner, repo, sub, ref] = m;
    const repository = `${owner}/${repo}`;
    const full = /^[0-9a-f]{40}$/.test(ref);
    if (requireShaPinning && !full) {
        return { ok: false, error: `The actions ${uses} are not allowed in ${workflowRepository} because all actions must be pinned to a full-length commit SHA.` };
    }
    const known = releases.repositories[repository];
    if (known === undefined) return { ok: false, error: `Unable to resolve action. Repository not found: ${repository}` };
    const release = full ? Object.entries(known.releases).find(([, c]) => c === ref)?.[0] : known.releases[ref] !== undefined ? ref : undefined;
    if (release === undefined) return { ok: false, error: `Unable to resolve action \`${uses}\`, unable to find version \`${ref}\`` };
    const actionPath = sub.replace(/^\//, "");
    if (!known.actionPaths.includes(actionPath)) {
        // The runner's words for a release without that action (r-lib/actions#354, a subdirectory;
        // google-github-actions/send-google-chat-webhook#13, the root).
        return {
            ok: false,
            error: actionPath === ""
                ? `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' for action '${uses}'.`
                : `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '/home/runner/work/_actions/${repository}/${ref}/${actionPath}'. Did you forget to run actions/checkout before running your local action?`,
        };
    }
    return { ok: true, repository, path: actionPath, commit: known.releases[release], release };
}
