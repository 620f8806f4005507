// The PushReconciliation component's inputs (components/pushReconciliation.ts) as the stack's
// config: the inputs carry the config keys' names and types (Pulumi.yaml), so one validation
// (lib/config.ts validateConfig) serves both. Defaults are the ones Pulumi.yaml declares for the
// stack (the CLI applies those; the component applies these: a test keeps the two equal).
import { ConfigKey, ConfigKeys, ConfigNaming, RawConfig, SecretConfigKey, SecretConfigKeys } from "./config";

/** Every input the component takes: the plain config keys, and the secret ones (commitStatusToken). */
export const ComponentInputKeys: readonly (ConfigKey | SecretConfigKey)[] = [...ConfigKeys, ...SecretConfigKeys];

/** Pulumi.yaml's defaults for the project's config keys, as the component applies them (`repositories` has none: it is required). */
export const ConfigDefaults: Readonly<Partial<Record<ConfigKey, string | number | boolean | readonly unknown[]>>> = {
    namespace: "flux-system",
    exposure: "patch-nodeport",
    nodePort: 31234,
    nodeAddress: "",
    ingressHost: "",
    ingressTlsSecret: "",
    ingressClassName: "",
    gatewayName: "",
    gatewayListener: "",
    gatewayHost: "",
    gatewayPort: 0,
    loadBalancerTimeout: 600,
    publicUrl: "",
    allowPrivateAddresses: false,
    allowedSources: "any",
    insecureSsl: false,
    receiverProbe: "fail",
    deliveryCheck: "fail",
    deliveryCheckTrigger: "",
    deliveryCheckTimeout: 60,
    commitStatusSecret: "",
    commitStatusApp: false,
    gitRepositoryInterval: "30m",
    kustomizationInterval: "30m",
    tokenLength: 48,
    tokenRotation: "initial",
    actionsRunners: [],
    actionsRunner: "",
    actionsAudience: "notification-controller",
    actionsWorkflowPath: ".github/workflows/flux-push.yml",
    actionsWorkflowDelivery: "output",
    actionsCheck: "fail",
    actionsCheckTimeout: 300,
    actionsOidcIssuer: "",
};

/** A config value as the CLI hands it to a program: strings as they are, other scalars as text, lists and objects as JSON. */
export function configText(v: unknown): string {
    return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

/**
 * The component's inputs (resolved: plain values) as the stack's raw config, with Pulumi.yaml's
 * defaults for the inputs not given; `secretsSet` says which secret inputs are given (their
 * values never pass through validation). Inputs the component does not take are problems, named
 * as the naming names inputs.
 */
export function rawConfigFromInputs(inputs: Readonly<Record<string, unknown>>, naming: ConfigNaming): { raw: RawConfig; problems: string[] } {
    const problems: string[] = [];
    const raw: Partial<Record<ConfigKey, string>> = {};
    for (const k of ConfigKeys) {
        const v = inputs[k] ?? ConfigDefaults[k];
        if (v !== undefined && v !== null) raw[k] = configText(v);
    }
    const known = new Set<string>(ComponentInputKeys);
    for (const k of Object.keys(inputs)) {
        if (!known.has(k)) problems.push(`${naming.key(k)}: unknown input; the inputs are the stack's config keys: ${ComponentInputKeys.join(", ")}`);
    }
    const secretsSet = SecretConfigKeys.filter((k) => inputs[k] !== undefined && inputs[k] !== null && inputs[k] !== "");
    return { raw: { ...raw, secretsSet }, problems };
}
