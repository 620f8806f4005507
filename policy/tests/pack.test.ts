// The pack as CI runs it: rule names and levels, the per-environment policy configs, and the
// shipped production stack passing its own minimum interval.
import * as assert from "assert";
import { PolicyConfigSchema } from "@pulumi/policy";
import * as fs from "fs";
import * as path from "path";
import { durationMs, IntervalConfig, PayloadUrlConfig, policies } from "../policies";

const here = path.join(__dirname, "..");
const readJson = (file: string): Record<string, Record<string, unknown>> => JSON.parse(fs.readFileSync(path.join(here, file), "utf8"));

describe("the pack", () => {
    it("has these rules, at these enforcement levels (security rules mandatory)", () => {
        assert.deepStrictEqual(Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel])), {
            "webhook-tls-verified": "mandatory",
            "payload-url-https": "mandatory",
            "webhook-token-strength": "mandatory",
            "webhook-token-secret-source": "mandatory",
            "webhook-token-not-exported": "mandatory",
            "poll-intervals": "advisory",
            "actions-oidc-receiver-pinned": "mandatory",
        });
    });
    it("is a Node policy pack with a version (PolicyPack refuses to start without one)", () => {
        assert.match(fs.readFileSync(path.join(here, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
        assert.match(readJson("package.json").version as unknown as string, /^\d+\.\d+\.\d+$/);
    });

    for (const stack of ["staging", "production"]) {
        it(`config/${stack}.json names only rules and settings the pack declares`, () => {
            for (const [name, settings] of Object.entries(readJson(`config/${stack}.json`))) {
                const policy = policies.find((p) => p.name === name);
                assert.ok(policy, `${name} is not a rule of the pack`);
                for (const [key, value] of Object.entries(settings)) {
                    if (key === "enforcementLevel") {
                        assert.ok(["advisory", "mandatory", "disabled"].includes(String(value)), `${name}.${key}`);
                        continue;
                    }
                    const schema: PolicyConfigSchema["properties"][string] | undefined = policy.configSchema?.properties[key];
                    assert.ok(schema, `${name}.${key} is not in the rule's configSchema`);
                    // A value of the wrong type is either refused by the CLI's schema check or misread
                    // by the rule (a "true" string is not `=== true`): either way, catch it here.
                    const type = Array.isArray(value) ? "array" : typeof value;
                    assert.strictEqual(type, schema.type, `${name}.${key} is ${type}, the schema says ${String(schema.type)}`);
                    const items = schema.items !== undefined && typeof schema.items === "object" && !Array.isArray(schema.items) ? schema.items : undefined;
                    for (const v of Array.isArray(value) ? value : [value]) {
                        const pattern = Array.isArray(value) ? items?.pattern : schema.pattern;
                        if (typeof pattern === "string") assert.match(String(v), new RegExp(pattern), `${name}.${key}`);
                    }
                }
            }
        });
    }

    it("only staging allows insecureSsl (self-signed certificates); production never does", () => {
        assert.deepStrictEqual(readJson("config/staging.json")["webhook-tls-verified"], { allowInsecureSsl: true });
        assert.notStrictEqual(readJson("config/production.json")["webhook-tls-verified"]?.allowInsecureSsl, true);
        const schema = policies.find((p) => p.name === "webhook-tls-verified")?.configSchema?.properties.allowInsecureSsl;
        assert.ok(schema !== undefined && typeof schema === "object" && schema.default === false, "the pack's default refuses insecureSsl");
    });

    // The policy config names the node address again (a policy cannot read stack config): the two
    // must agree for every committed stack, or staging's own webhook fails its preview.
    for (const stack of ["staging", "production"]) {
        it(`config/${stack}.json lists Pulumi.${stack}.yaml's nodeAddress when its exposure is a NodePort`, function () {
            const project = path.join(here, "..", "Pulumi.yaml");
            const stackFile = path.join(here, "..", `Pulumi.${stack}.yaml`);
            if (!fs.existsSync(project) || !fs.existsSync(stackFile)) this.skip();
            const text = fs.readFileSync(stackFile, "utf8");
            const defaultExposure = /^ {2}exposure:\n(?: {4}.*\n)*? {4}default: "?([a-z-]+)"?$/m.exec(fs.readFileSync(project, "utf8"))?.[1];
            const exposure = /^\s*flux-push:exposure:\s*"?([a-z-]+)"?/m.exec(text)?.[1] ?? defaultExposure;
            assert.ok(exposure !== undefined, "exposure found (stack file or Pulumi.yaml default)");
            const nodeAddress = /^\s*flux-push:nodeAddress:\s*"?([^\s"#]+)"?/m.exec(text)?.[1];
            const config = readJson(`config/${stack}.json`)["payload-url-https"] as PayloadUrlConfig | undefined;
            if (exposure === "patch-nodeport" || exposure === "nodeport-service") {
                assert.ok(nodeAddress !== undefined, `Pulumi.${stack}.yaml sets flux-push:nodeAddress`);
                assert.ok(config?.nodeAddresses?.includes(nodeAddress), `config/${stack}.json payload-url-https.nodeAddresses includes ${nodeAddress}`);
            } else {
                // No NodePort: listing node addresses would only widen what plain http may reach.
                assert.deepStrictEqual(config?.nodeAddresses ?? [], [], `config/${stack}.json lists no nodeAddresses for exposure ${exposure}`);
            }
        });
    }

    it("production allows no plain http origin (its exposure is an https Ingress)", () => {
        const config = readJson("config/production.json")["payload-url-https"] as PayloadUrlConfig | undefined;
        assert.deepStrictEqual([config?.nodeAddresses ?? [], config?.plainHttpOrigins ?? []], [[], []]);
    });

    it("production makes poll-intervals mandatory at 10m; staging sets no minimum", () => {
        assert.deepStrictEqual(readJson("config/production.json")["poll-intervals"], { enforcementLevel: "mandatory", minimumInterval: "10m" });
        assert.strictEqual(readJson("config/staging.json")["poll-intervals"], undefined);
    });

    it("the shipped production stack (Pulumi.production.yaml over Pulumi.yaml's defaults) polls no faster than production's minimum", function () {
        const project = path.join(here, "..", "Pulumi.yaml");
        const stackFile = path.join(here, "..", "Pulumi.production.yaml");
        if (!fs.existsSync(project) || !fs.existsSync(stackFile)) this.skip();
        const { minimumInterval } = readJson("config/production.json")["poll-intervals"] as IntervalConfig;
        const minimum = durationMs(minimumInterval ?? "");
        assert.ok(minimum !== undefined);
        // Defaults: `gitRepositoryInterval:` / `kustomizationInterval:` blocks in Pulumi.yaml; values:
        // every `...interval: <duration>` line of the stack file (stack-wide keys and per-repository ones).
        const defaults = [...fs.readFileSync(project, "utf8").matchAll(/^ {2}(gitRepositoryInterval|kustomizationInterval):\n(?: {4}.*\n)*? {4}default: "?([0-9.a-z]+)"?$/gm)].map((m) => m[2]);
        const values = [...fs.readFileSync(stackFile, "utf8").matchAll(/^\s*(?:-\s+)?(?:flux-push:)?(?:gitRepositoryInterval|kustomizationInterval|interval):\s*"?([0-9.a-z]+)"?\s*(?:#.*)?$/gm)].map((m) => m[1]);
        assert.strictEqual(defaults.length, 2, "both interval defaults found in Pulumi.yaml");
        for (const interval of [...defaults, ...values]) {
            const ms = durationMs(interval);
            assert.ok(ms !== undefined && ms >= minimum, `${interval} is shorter than ${minimumInterval}`);
        }
    });
});
