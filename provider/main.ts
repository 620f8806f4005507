// The provider plugin's process: @pulumi/pulumi's provider server, serving the program's own
// GitHub-side resources by type (providers/lifecycle.ts says why they are a plugin). The engine
// starts it with its own address as the argument; the server prints its port and serves gRPC.
import * as provider from "@pulumi/pulumi/provider";
import { actionsProofProvider, workflowFileProvider } from "../providers/actionsTrigger";
import { hookCapacityProvider, payloadUrlProbeProvider, webhookPingProvider } from "../providers/githubHooks";
import { lifecycleProvider, ResourceTypes } from "../providers/lifecycle";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("./package.json") as { version: string };

void provider.main(lifecycleProvider({
    [ResourceTypes.hookCapacity]: hookCapacityProvider,
    [ResourceTypes.payloadUrlProbe]: payloadUrlProbeProvider,
    [ResourceTypes.webhookPing]: webhookPingProvider,
    [ResourceTypes.workflowFile]: workflowFileProvider,
    [ResourceTypes.actionsProof]: actionsProofProvider,
}, version), process.argv.slice(2));
