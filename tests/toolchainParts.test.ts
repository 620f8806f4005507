// `npm run sandbox` builds only what the sandbox needs (SandboxParts), not the exposures' or the
// YAML suite's parts: every name build.sh knows must be in exactly one of the three lists, so a
// part added to build.sh is either built for the sandbox or said to belong to one suite.
import * as assert from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { ExposureParts, SandboxParts, YamlParts } from "../sandbox/toolchain";
import { root } from "./support/projectConfig";

/** The names build.sh knows, as it lists them when refusing an unknown one (it exits 2 before building anything). */
function knownNames(): Promise<string[]> {
    return new Promise((resolve, reject) => {
        execFile("bash", [path.join(root, "sandbox", "toolchain", "build.sh"), "no-such-part"], (err, _stdout, stderr) => {
            const m = /known: (.*)$/m.exec(stderr);
            if (!err || !m) return reject(new Error(`build.sh took an unknown name: ${stderr}`));
            resolve(m[1].trim().split(/\s+/));
        });
    });
}

describe("the toolchain's parts: what `npm run sandbox` builds", () => {
    it("every part build.sh knows is the sandbox's, the exposures suite's or the YAML suite's, and only one", async () => {
        const lists = [...SandboxParts, ...ExposureParts, ...YamlParts];
        assert.strictEqual(new Set(lists).size, lists.length, "a part in two lists");
        assert.deepStrictEqual([...lists].sort(), (await knownNames()).sort());
    });
});
