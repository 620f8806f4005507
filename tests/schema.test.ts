// The package's schema (plugin/schema.ts), as the plugin serves it to `pulumi package
// get-schema` / `package add`: built from the declared lists, every input documented, secrets
// marked as the resources register them.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ComponentInputKeys, ConfigDefaults } from "../lib/componentInputs";
import { ConfigKeys, KustomizationKeys, RepositoryKeys } from "../lib/config";
import { ComponentTypes, ProviderPackage, ResourceTypes } from "../resources/lifecycle";
import { FluxPushGitHubProvider, ProviderInputs } from "../resources/pluginProvider";
import { packageSchema, PropertySpec } from "../plugin/schema";
import { isWireSecret, one, promiseOf, resetMocks, settle } from "./support/mocks";
import { root } from "./support/projectConfig";

interface Schema {
    name: string;
    version: string;
    config: { variables: Record<string, PropertySpec> };
    provider: { inputProperties: Record<string, PropertySpec> };
    resources: Record<string, { description: string; isComponent?: boolean; inputProperties: Record<string, PropertySpec>; properties: Record<string, PropertySpec>; requiredInputs?: string[] }>;
    types: Record<string, { properties: Record<string, PropertySpec>; required?: string[] }>;
}

const schema = packageSchema("0.1.0", fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as unknown as Schema;

describe("the package schema (GetSchema)", () => {
    it("names the package as the plugin and Pulumi.yaml's packages: do, not as the project", () => {
        assert.strictEqual(schema.name, ProviderPackage);
        assert.notStrictEqual(schema.name, "flux-push");
    });

    it("the provider's inputs are ProviderInputs, each documented, the secret ones secret; also as config of its default provider", () => {
        assert.deepStrictEqual(Object.keys(schema.provider.inputProperties), Object.keys(ProviderInputs));
        for (const [k, spec] of Object.entries(ProviderInputs)) {
            assert.strictEqual(schema.provider.inputProperties[k].secret === true, spec.secret, k);
            assert.ok(schema.provider.inputProperties[k].description, k);
        }
        assert.strictEqual(schema.provider.inputProperties.token.secret, true);
        assert.deepStrictEqual(schema.config.variables, schema.provider.inputProperties);
    });

    it("the provider the program registers sends exactly the inputs the schema declares (with a token, or with a GitHub App), secret where the schema says", async () => {
        await resetMocks();
        const withToken = new FluxPushGitHubProvider("t", { apiBaseUrl: "https://api.github.com/", token: "ghp_x" });
        const withApp = new FluxPushGitHubProvider("a", { apiBaseUrl: "https://api.github.com/", app: { appId: "1", installationId: "2", privateKey: "-----BEGIN RSA PRIVATE KEY-----" } });
        await Promise.all([promiseOf(withToken.urn), promiseOf(withApp.urn)]);
        await settle();
        const sent = new Set<string>();
        for (const name of ["t", "a"]) {
            const registered = one(`pulumi:providers:${ProviderPackage}`, name);
            for (const k of Object.keys(registered.inputs).filter((x) => x !== "version")) {
                assert.ok(k in ProviderInputs, `${k} is not declared in the schema`);
                assert.strictEqual(isWireSecret(registered.wire, [k]), ProviderInputs[k as keyof typeof ProviderInputs].secret, `${name}: ${k} secret on the wire`);
                sent.add(k);
            }
        }
        assert.deepStrictEqual([...sent].sort(), Object.keys(ProviderInputs).sort(), "every declared input is one the program sends");
    });

    it("describes every resource the plugin serves, and the component", () => {
        assert.deepStrictEqual(Object.keys(schema.resources).sort(), [...Object.values(ResourceTypes), ...Object.values(ComponentTypes)].sort());
        for (const [type, r] of Object.entries(schema.resources)) {
            assert.ok(r.description, type);
            for (const [k, p] of Object.entries({ ...r.inputProperties, ...r.properties })) assert.ok(p.description, `${type} ${k} is documented`);
            for (const k of r.requiredInputs ?? []) assert.ok(k in r.inputProperties, `${type} requires ${k}, which it declares`);
        }
        assert.strictEqual(schema.resources[ComponentTypes.pushReconciliation].isComponent, true);
    });

    it("the component's inputs are the stack's config keys with Pulumi.yaml's types and defaults, every one documented, the token secret", () => {
        const component = schema.resources[ComponentTypes.pushReconciliation];
        assert.deepStrictEqual(Object.keys(component.inputProperties), [...ComponentInputKeys]);
        assert.deepStrictEqual(component.requiredInputs, ["repositories"]);
        for (const k of ConfigKeys) {
            const p = component.inputProperties[k];
            assert.ok(p.description && p.description.length > 20, `${k} is documented`);
            const d = ConfigDefaults[k];
            if (d !== undefined && !Array.isArray(d)) assert.strictEqual(p.default, d, `${k}'s default`);
        }
        assert.strictEqual(component.inputProperties.nodePort.type, "integer");
        assert.strictEqual(component.inputProperties.insecureSsl.type, "boolean");
        assert.strictEqual(component.inputProperties.commitStatusToken.secret, true);
        assert.deepStrictEqual(component.inputProperties.repositories.items, { $ref: `#/types/${ProviderPackage}:index:Repository` });
        assert.deepStrictEqual(Object.keys(component.properties).sort(), ["exposure", "namespace", "repositories", "tokenGeneration", "tokenSecret"]);
    });

    it("a repositories entry and a Kustomization take the keys the validation takes", () => {
        assert.deepStrictEqual(Object.keys(schema.types[`${ProviderPackage}:index:Repository`].properties).sort(), [...RepositoryKeys].sort());
        assert.deepStrictEqual(Object.keys(schema.types[`${ProviderPackage}:index:Kustomization`].properties).sort(), [...KustomizationKeys].sort());
        assert.deepStrictEqual(Object.keys(schema.types[`${ProviderPackage}:index:ActionsRunner`].properties).sort(), ["job", "receiverUrl", "runsOn"]);
    });

    it("every type the schema refers to is declared and documented", () => {
        const refs = JSON.stringify(schema).match(/#\/types\/[^"]+/g) ?? [];
        assert.ok(refs.length > 0);
        for (const ref of refs) assert.ok(ref.slice("#/types/".length) in schema.types, ref);
        for (const [name, t] of Object.entries(schema.types)) {
            for (const [k, p] of Object.entries(t.properties)) assert.ok(p.description, `${name}.${k} is documented`);
        }
    });
});
