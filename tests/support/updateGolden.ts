// Rewrites tests/fixtures/staging-flux-objects.yaml from what the program renders now. A separate,
// explicit step: the test only ever compares. Run it, then read `git diff tests/fixtures`.
//   npx ts-node --transpile-only tests/support/updateGolden.ts
import * as fs from "fs";
import { renderStagingFluxObjects, StagingGoldenFile } from "./golden";

renderStagingFluxObjects().then(
    (text) => {
        const before = fs.existsSync(StagingGoldenFile) ? fs.readFileSync(StagingGoldenFile, "utf8") : "";
        fs.writeFileSync(StagingGoldenFile, text);
        console.log(before === text ? `${StagingGoldenFile}: unchanged` : `${StagingGoldenFile}: rewritten; review it with git diff`);
    },
    (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
    },
);
