// `pulumi up` entry point: run the stack and export its outputs. The logic is in program.ts.
import { fluxPushReconciliation } from "./program";

const stack = fluxPushReconciliation();

export const namespace = stack.namespace;
export const tokenSecret = stack.tokenSecret;
export const exposure = stack.exposure;
/** Per repository: GitRepository, Kustomizations, Receiver, webhook id, and (secret) payload URL and path. */
export const repositories = stack.repositories;
