// What is pinned, and that the pins agree: the workflows deploy with the Pulumi CLI the sandbox
// tests (sandbox/toolchain/build.sh), the SDKs are no newer than that CLI, and @pulumi/kubernetes
// is the current release, no older than the provider build the sandbox runs.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { root } from "./support/projectConfig";

const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const buildSh = read(path.join("sandbox", "toolchain", "build.sh"));
function buildVar(name: string): string {
    const m = new RegExp(`^${name}=(\\S+)`, "m").exec(buildSh);
    if (!m) throw new Error(`build.sh sets no ${name}`);
    return m[1];
}
/** The sandbox's Pulumi CLI, without the v. */
const cliVersion = buildVar("pulumi_version").replace(/^v/, "");

function compare(a: string, b: string): number {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
}

const workflowFiles = fs.readdirSync(path.join(root, ".github", "workflows")).filter((f) => f.endsWith(".yml")).sort();
const deps = (file: string) => {
    const p = JSON.parse(read(file)) as { dependencies?: Record<string, string> };
    return p.dependencies ?? {};
};

describe("pins: Pulumi CLI and SDKs", () => {
    it("compare orders versions numerically", () => {
        assert.ok(compare("3.270.0", "3.274.1") < 0 && compare("3.276.0", "3.274.1") > 0 && compare("3.10.0", "3.9.9") > 0 && compare("1.2.3", "1.2.3") === 0);
    });

    // Every workflow that installs a CLI (the credentials action's pulumi-version input); verify.yml
    // only calls verify-stack.yml.
    const installing = workflowFiles.filter((f) => read(path.join(".github", "workflows", f)).includes("pulumi-version:"));
    it("four workflows install the Pulumi CLI", () => assert.deepStrictEqual(installing, ["deploy.yml", "destroy.yml", "preview.yml", "verify-stack.yml"]));
    for (const file of installing) {
        it(`${file} deploys with the CLI the sandbox tests (PULUMI_VERSION = build.sh's pulumi_version ${cliVersion})`, () => {
            const env = (parse(read(path.join(".github", "workflows", file))) as { env?: Record<string, unknown> }).env ?? {};
            assert.strictEqual(String(env.PULUMI_VERSION), cliVersion);
        });
    }

    for (const file of ["package.json", path.join("policy", "package.json")]) {
        it(`${file}: @pulumi/pulumi is exact and no newer than the CLI (an SDK may ask for engine features an older CLI lacks)`, () => {
            const sdk = deps(file)["@pulumi/pulumi"];
            assert.match(sdk ?? "", /^\d+\.\d+\.\d+$/, `${file} pins @pulumi/pulumi exactly`);
            assert.ok(compare(sdk, cliVersion) <= 0, `@pulumi/pulumi ${sdk} is newer than the CLI ${cliVersion}`);
        });
    }

    it("Pulumi.yaml and the package's PulumiPlugin.yaml require at least the CLI the sandbox tests", () => {
        for (const file of ["Pulumi.yaml", path.join("plugin", "PulumiPlugin.yaml")]) {
            const required = (parse(read(file)) as { requiredPulumiVersion?: string }).requiredPulumiVersion;
            assert.strictEqual(required, `>=${cliVersion}`, file);
        }
    });

    it("@pulumi/kubernetes is exact and no older than the provider build the sandbox proves it with (build.sh's label), and docs/sandbox.md names both", () => {
        const sdk = deps("package.json")["@pulumi/kubernetes"];
        assert.match(sdk ?? "", /^\d+\.\d+\.\d+$/);
        assert.ok(compare(sdk, buildVar("k8s_provider_label")) >= 0, `@pulumi/kubernetes ${sdk} is older than the sandbox's provider ${buildVar("k8s_provider_label")}`);
        const page = read(path.join("docs", "sandbox.md"));
        for (const v of [sdk, buildVar("k8s_provider_label"), buildVar("k8s_provider")]) assert.ok(page.includes(v), `docs/sandbox.md names ${v}`);
    });
});
