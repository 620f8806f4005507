// `pulumi up` entry point: run the stack and export its outputs. The logic is in program.ts.
import { fluxPushReconciliation } from "./program";

// Async: the program reads the cluster (is Flux there?) before it registers anything.
const stack = fluxPushReconciliation();

export const namespace = stack.then((s) => s.namespace);
export const tokenSecret = stack.then((s) => s.tokenSecret);
export const tokenGeneration = stack.then((s) => s.tokenGeneration);
export const exposure = stack.then((s) => s.exposure);
/** Per repository: GitRepository, Kustomizations, Receiver, webhook id, delivery check, and (secret) payload URL and path. */
export const repositories = stack.then((s) => s.repositories);
