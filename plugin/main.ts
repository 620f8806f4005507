// The provider plugin's process: @pulumi/pulumi's provider server, serving the program's own
// GitHub-side resources by type (resources/lifecycle.ts says why they are a plugin) with the
// configuration of the provider the program registers (resources/pluginProvider.ts: GitHub's REST
// base and the stack's current credentials), the whole stack as the PushReconciliation component
// (construct: components/pushReconciliation.ts), and the package's schema (schema.ts). The engine
// starts it with its own address as the argument; the server prints its port and serves gRPC.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ConstructResult } from "@pulumi/pulumi/provider";
import type { PushReconciliationArgs } from "../components/pushReconciliation";
import { actionsProofProvider, workflowFileProvider } from "../resources/actionsTrigger";
import { hookCapacityProvider, payloadUrlProbeProvider, webhookPingProvider } from "../resources/githubHooks";
import { ComponentTypes, lifecycleProvider, ProviderPackage, ResourceTypes } from "../resources/lifecycle";
import { serveProvider } from "./providerServer";
import { packageSchema } from "./schema";

/**
 * Serves the plugin (index.js calls it with the version from the plugin's package.json and the
 * project's directory, where Pulumi.yaml declares the config the component's inputs mirror).
 */
export function serve(version: string, projectRoot: string): void {
    const plugin = lifecycleProvider({
        [ResourceTypes.hookCapacity]: hookCapacityProvider,
        [ResourceTypes.payloadUrlProbe]: payloadUrlProbeProvider,
        [ResourceTypes.webhookPing]: webhookPingProvider,
        [ResourceTypes.workflowFile]: workflowFileProvider,
        [ResourceTypes.actionsProof]: actionsProofProvider,
    }, version);
    const served = {
        ...plugin,
        async getSchema(): Promise<string> {
            return JSON.stringify(packageSchema(version, fs.readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8")));
        },
        async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<ConstructResult> {
            if (type !== ComponentTypes.pushReconciliation) throw new Error(`${ProviderPackage} has one component, ${ComponentTypes.pushReconciliation}; not ${type}`);
            // Loaded on the first construct only: the stack's code (the kubernetes, github and random
            // SDKs) would otherwise cost every start of the plugin, which serves most stacks' resources only.
            const { componentOutputs, PushReconciliation } = await import("../components/pushReconciliation");
            const component = new PushReconciliation(name, inputs as unknown as PushReconciliationArgs, options);
            const outputs = await component.result;
            return { urn: component.urn, state: componentOutputs(outputs) };
        },
    };
    void serveProvider(served, process.argv.slice(2), (req) => plugin.configure(req.getArgs()?.toJavaScript()));
}
