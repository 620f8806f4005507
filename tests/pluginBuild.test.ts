// The plugin compiled ahead (plugin/build.js, run by npm ci's `prepare` and `npm test`'s
// `pretest`): the engine's start of it loads the JavaScript, and a source changed since the build
// is never run from stale JavaScript (plugin/buildInfo.js).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { pluginDir, startProviderPlugin } from "./support/providerPlugin";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const buildInfo = require(path.join(pluginDir, "buildInfo.js")) as {
    readBuildInfo(): { sources: Record<string, string> } | undefined;
    staleReason(info?: { sources: Record<string, string> }): string | undefined;
    distDir: string;
};

describe("the provider plugin compiled ahead (plugin/build.js)", function () {
    this.timeout(30000);

    it("the build records every TypeScript source it compiled, and all of them are current", () => {
        const info = buildInfo.readBuildInfo();
        assert.ok(info, "plugin/dist/build-info.json exists (npm ci / npm test build it)");
        for (const f of ["plugin/main.ts", "resources/lifecycle.ts", "resources/githubHooks.ts", "lib/github.ts"]) assert.ok(f in info.sources, `${f} is recorded`);
        assert.ok(Object.keys(info.sources).every((f) => !f.includes("node_modules")), "only the project's own sources");
        assert.strictEqual(buildInfo.staleReason(info), undefined);
        assert.ok(fs.existsSync(path.join(buildInfo.distDir, "plugin", "main.js")));
    });

    it("a source whose content differs from the build's, or that is gone, makes the build stale, naming the file", () => {
        const info = buildInfo.readBuildInfo();
        assert.ok(info);
        assert.strictEqual(buildInfo.staleReason({ sources: { ...info.sources, "lib/github.ts": "0".repeat(64) } }), "lib/github.ts changed since the build");
        assert.strictEqual(buildInfo.staleReason({ sources: { "lib/gone.ts": "0".repeat(64) } }), "lib/gone.ts is gone since the build");
        assert.match(buildInfo.staleReason({} as { sources: Record<string, string> }) ?? "", /build-info\.json is missing/);
    });

    it("the engine's start of the plugin (cmd/run-plugin) serves from the compiled JavaScript, not from source", async () => {
        const plugin = await startProviderPlugin();
        try {
            assert.doesNotMatch(plugin.stderr(), /running from source/);
        } finally {
            await plugin.stop();
        }
    });
});
