// The golden fixture of the Flux objects the staging stack renders: one function renders them for
// the test (which only compares) and for updateGolden.ts (the one place that writes the file).
import * as path from "path";
import { stringify } from "yaml";
import { registered, resetMocks } from "./mocks";
import { runStack } from "./program";
import { root, stackConfig } from "./projectConfig";

export const StagingGoldenFile = path.join(root, "tests", "fixtures", "staging-flux-objects.yaml");

/** How to refresh the fixture, after reading the diff it makes. */
export const UpdateGoldenCommand = "npx ts-node --transpile-only tests/support/updateGolden.ts";

/** The Flux objects (and the ServicePatch) of the staging stack under fresh mocks, as YAML documents. */
export async function renderStagingFluxObjects(): Promise<string> {
    await resetMocks();
    await runStack(stackConfig("staging").raw);
    return registered
        .filter((r) => /^kubernetes:(source|kustomize|notification)\.toolkit\.fluxcd\.io\//.test(r.type) || r.type === "kubernetes:core/v1:ServicePatch")
        .map((r) => r.inputs)
        .sort((a, b) => `${a.kind}/${(a.metadata as { name: string }).name}`.localeCompare(`${b.kind}/${(b.metadata as { name: string }).name}`))
        .map((o) => stringify(o))
        .join("---\n");
}
