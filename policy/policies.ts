// The rules flux-push's users want enforced. Pure policies, exported one by one so each can be
// unit tested with hand-made arguments (as pulumi-policy's own tests do).
import { ResourceValidationPolicy, StackValidationPolicy, PolicyResource } from "@pulumi/policy";

export const Types = {
    repositoryWebhook: "github:index/repositoryWebhook:RepositoryWebhook",
    randomPassword: "random:index/randomPassword:RandomPassword",
    randomString: "random:index/randomString:RandomString",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    servicePatch: "kubernetes:core/v1:ServicePatch",
    // A Flux CustomResource reaches the engine typed by its apiVersion and kind.
    gitRepository: "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
    kustomization: "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
} as const;

/** 43 alphanumerics carry 256 bits (43 * log2(62)). */
export const MinTokenLength = 43;

/** The Flux duration syntax, in milliseconds. */
export function durationMs(d: string): number | undefined {
    if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(d)) return undefined;
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 };
    return [...d.matchAll(/([0-9.]+)(ms|s|m|h)/g)].reduce((t, [, n, u]) => t + Number(n) * unit[u], 0);
}

export const webhookTlsVerified: ResourceValidationPolicy = {
    name: "webhook-tls-verified",
    description: "GitHub must verify the TLS certificate of the payload URL (configuration.insecureSsl is never true).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== Types.repositoryWebhook) return;
        if (args.props.configuration?.insecureSsl === true) {
            reportViolation(`webhook on ${args.props.repository} sets insecureSsl: anyone on the path could read or replay deliveries; use a certificate GitHub trusts (flux-push:insecureSsl false)`);
        }
    },
};

/** The stack exposes the receiver on a NodePort or LoadBalancer: plain http by nature, chosen explicitly. */
export function exposesPlainHttp(resources: readonly PolicyResource[]): boolean {
    return resources.some((r) => {
        const spec = r.props.spec ?? {};
        if (r.type === Types.servicePatch) return spec.type === "NodePort" && r.props.metadata?.name === "webhook-receiver";
        if (r.type === Types.service) return (spec.type === "NodePort" || spec.type === "LoadBalancer") && spec.selector?.app === "notification-controller";
        return false;
    });
}

export const payloadUrlHttps: StackValidationPolicy = {
    name: "payload-url-https",
    description: "Webhook payload URLs are https, unless the stack explicitly exposes the receiver on a NodePort or LoadBalancer (plain http by nature).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const optedIntoHttp = exposesPlainHttp(args.resources);
        for (const r of args.resources.filter((x) => x.type === Types.repositoryWebhook)) {
            const url: unknown = r.props.configuration?.url;
            if (typeof url !== "string") continue;
            if (url.startsWith("http://") && !optedIntoHttp) {
                reportViolation(`webhook on ${r.props.repository} posts to plain http (${new URL(url).origin}) without a NodePort/LoadBalancer exposure in this stack; use exposure ingress, or an https publicUrl`, r.urn);
            }
        }
    },
};

export const tokenStrength: ResourceValidationPolicy = {
    name: "webhook-token-strength",
    description: `The webhook token is a RandomPassword of at least ${MinTokenLength} alphanumerics (256 bits), without characters that need escaping in headers or YAML.`,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== Types.randomPassword) return;
        const length = Number(args.props.length);
        if (!(length >= MinTokenLength)) reportViolation(`length ${args.props.length} is below ${MinTokenLength} (256 bits of alphanumerics); set flux-push:tokenLength`);
        if (args.props.special !== false) reportViolation("special characters are enabled; the token goes into a YAML Secret and an HMAC key: set special: false");
    },
};

/**
 * Policies see secrets already unpacked, so secrecy itself cannot be read here. What can: the
 * token in the webhook-token Secret and in every webhook comes from a RandomPassword (whose
 * result the provider always stores as a secret), never from a literal or a RandomString.
 */
export const tokenFromRandomPassword: StackValidationPolicy = {
    name: "webhook-token-secret-source",
    description: "The webhook-token Secret and every webhook's secret come from a RandomPassword (secret by construction), not from a literal or a RandomString.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const fromPassword = (r: PolicyResource, prop: string) => (r.propertyDependencies[prop] ?? []).some((d) => d.type === Types.randomPassword);
        for (const r of args.resources) {
            if (r.type === Types.secret && r.props.metadata?.name === "webhook-token" && !fromPassword(r, "stringData") && !fromPassword(r, "data")) {
                reportViolation("the webhook-token Secret's token does not come from a RandomPassword", r.urn);
            }
            if (r.type === Types.repositoryWebhook && !fromPassword(r, "configuration")) {
                reportViolation(`webhook on ${r.props.repository}: its secret does not come from a RandomPassword`, r.urn);
            }
            if (r.type === Types.randomString) {
                reportViolation("a RandomString is in this stack: its result is not secret; the token must be a RandomPassword", r.urn);
            }
        }
    },
};

export interface IntervalConfig {
    minimumInterval?: string;
}

export const pollIntervals: ResourceValidationPolicy = {
    name: "poll-intervals",
    description: "GitRepository and Kustomization intervals are not shorter than the pack's minimumInterval: pushes trigger syncs, so faster polling is only load. Set per environment in the policy config (policy/config/production.json).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { minimumInterval: { type: "string", default: "", description: "Shortest allowed interval (Flux duration); empty: no minimum." } },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== Types.gitRepository && args.type !== Types.kustomization) return;
        const { minimumInterval } = args.getConfig<IntervalConfig>();
        const minimum = minimumInterval ? durationMs(minimumInterval) : undefined;
        if (minimum === undefined) return;
        const interval: unknown = args.props.spec?.interval;
        const ms = typeof interval === "string" ? durationMs(interval) : undefined;
        if (ms === undefined || ms < minimum) {
            reportViolation(`${args.props.kind ?? "object"} ${args.props.metadata?.name} polls every ${interval}, more often than ${minimumInterval}: pushes trigger syncs, so raise flux-push:gitRepositoryInterval / kustomizationInterval`);
        }
    },
};

export const policies = [webhookTlsVerified, payloadUrlHttps, tokenStrength, tokenFromRandomPassword, pollIntervals];
