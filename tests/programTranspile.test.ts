// How `pulumi preview`/`up` load the program: @pulumi/pulumi's runner registers ts-node with
// Pulumi.yaml's tsconfig (tsconfig.pulumi.json), transpile-only from its `noCheck`, and ts-node
// takes the file's own `ts-node` options: SWC transpiles every file it loads (tsconfig.pulumi.json
// says why). The service is created here with the options the runner passes (cmd/run/run.js), so
// a config that drops SWC, or an install without @swc/core, fails here rather than at a user's
// `pulumi up`.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { create } from "ts-node";
import { parse } from "yaml";
import { root } from "./support/projectConfig";

describe("the program as Pulumi's Node runtime loads it (tsconfig.pulumi.json)", () => {
    const tsconfig = (parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { runtime: { options: { tsconfig: string } } }).runtime.options.tsconfig;
    // As the runner creates it: the project file, transpile-only when the file says noCheck.
    const service = create({ project: path.join(root, tsconfig), transpileOnly: true, compilerOptions: {} });

    it("is the file Pulumi.yaml names, transpile-only, through SWC", () => {
        assert.strictEqual(tsconfig, "tsconfig.pulumi.json");
        assert.strictEqual(service.config.options.noCheck, true, "noCheck: the runner's transpile-only");
        assert.strictEqual(service.options.swc, true, "ts-node.swc in the project file");
        assert.strictEqual(service.options.transpileOnly, true);
    });

    it("transpiles the entry point and the stack's module to CommonJS the runner can run (index.ts's `export =` is module.exports)", () => {
        for (const file of ["index.ts", "program.ts"]) {
            const full = path.join(root, file);
            const js = service.compile(fs.readFileSync(full, "utf8"), full);
            assert.match(js, /require\("\.\/program"\)|require\("@pulumi\/pulumi"\)/, `${file} imports by require`);
            if (file === "index.ts") assert.match(js, /module\.exports = /, "export = becomes module.exports");
            assert.ok(!/^\s*import\s/m.test(js), `${file}: no ES import left`);
        }
    });
});
