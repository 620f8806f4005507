// The provider plugin's process: @pulumi/pulumi's provider server, serving the program's own
// GitHub-side resources by type (providers/lifecycle.ts says why they are a plugin) with the
// configuration of the provider the program registers (providers/pluginProvider.ts: GitHub's REST
// base and the stack's current credentials). The engine starts it with its own address as the
// argument; the server prints its port and serves gRPC.
import { actionsProofProvider, workflowFileProvider } from "../providers/actionsTrigger";
import { hookCapacityProvider, payloadUrlProbeProvider, webhookPingProvider } from "../providers/githubHooks";
import { lifecycleProvider, ResourceTypes } from "../providers/lifecycle";
import { serveProvider } from "../providers/providerServer";

/** Serves the plugin (index.js calls it with the version from the plugin's package.json). */
export function serve(version: string): void {
    const plugin = lifecycleProvider({
        [ResourceTypes.hookCapacity]: hookCapacityProvider,
        [ResourceTypes.payloadUrlProbe]: payloadUrlProbeProvider,
        [ResourceTypes.webhookPing]: webhookPingProvider,
        [ResourceTypes.workflowFile]: workflowFileProvider,
        [ResourceTypes.actionsProof]: actionsProofProvider,
    }, version);
    void serveProvider(plugin, process.argv.slice(2), (req) => plugin.configure(req.getArgs()?.toJavaScript()));
}
