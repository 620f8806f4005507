// Runs a policy the way @pulumi/policy's server does, on hand-made arguments: props wrapped in
// `unknownCheckingProxy` (so reading a not-yet-known value throws, as in a preview), getConfig
// returning the policy's config, violations collected as { message, urn }. Modelled on
// pulumi-policy's own sdk/nodejs/policy/tests/util.ts (runResourcePolicy / runStackPolicy).
import {
    PolicyResource, PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy,
    StackValidationArgs, StackValidationPolicy, unknownCheckingProxy,
} from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** The engine's marker for a value a preview does not know yet. */
export const unknown: string = unknownValue;

export interface Violation {
    message: string;
    urn?: string;
}

const emptyOptions: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

class NotApplicable extends Error {}

function collector(): [Violation[], (message: string, urn?: string) => void] {
    const violations: Violation[] = [];
    return [violations, (message, urn) => violations.push({ message, ...(urn ? { urn } : {}) })];
}

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:production::flux-push::${type}::${name}`;
}

/** Runs every validateResource of `policy` on one resource's inputs. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, config: object = {}, name = "r",
): Promise<Violation[]> {
    const [violations, report] = collector();
    const proxied = unknownCheckingProxy(props);
    const args: ResourceValidationArgs = {
        type, props: proxied, urn: urnOf(type, name), name, opts: emptyOptions, stackTags: new Map(),
        isType: () => false, asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => { throw new NotApplicable(reason); },
    };
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const validate of validations) {
        if (validate) await Promise.resolve(validate(args, report));
    }
    return violations;
}

/** A resource as a stack policy sees it; `deps` are its property dependencies. */
export function resource(type: string, name: string, props: Record<string, unknown>, deps: Record<string, PolicyResource[]> = {}): PolicyResource {
    return {
        type, name, urn: urnOf(type, name), props: unknownCheckingProxy(props), opts: emptyOptions,
        dependencies: [...new Set(Object.values(deps).flat())], propertyDependencies: deps,
        isType: () => false, asType: () => undefined,
    };
}

/** Runs `policy.validateStack` over `resources`. */
export async function runStackPolicy(policy: StackValidationPolicy, resources: PolicyResource[], config: object = {}): Promise<Violation[]> {
    const [violations, report] = collector();
    const args: StackValidationArgs = {
        resources, stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => { throw new NotApplicable(reason); },
    };
    await Promise.resolve(policy.validateStack(args, report));
    return violations;
}
