// `pulumi up` entry point: run the stack and export its outputs. The logic is in program.ts.
import { fluxPushReconciliation } from "./program";

// An async program (it reads the cluster before it registers anything): Pulumi runs an exported
// function and takes the object it resolves to as the stack's outputs. One promise, so a config or
// preflight error is reported once.
export = async () => {
    const stack = await fluxPushReconciliation();
    return {
        namespace: stack.namespace,
        tokenSecret: stack.tokenSecret,
        tokenGeneration: stack.tokenGeneration,
        exposure: stack.exposure,
        /** Per repository: GitRepository, Kustomizations, Receiver, webhook id, delivery check, commit status, and (secret) payload URL and path. */
        repositories: stack.repositories,
    };
};
