// Before anything changes: can this cluster's Flux serve a generic-oidc Receiver? The Receiver
// kind is `notification.toolkit.fluxcd.io/v1` on every supported Flux, so the API discovery the
// main preflight reads cannot tell; the CRD's own schema can: notification-controller v1.9
// (Flux 2.9) added `spec.oidcProviders` and the `generic-oidc` type. An older API server would
// drop the unknown field (or refuse the type) and the Receiver would never admit a token.
import { ApiResponse, ClusterClient } from "./cluster";
import { StackConfig } from "./config";
import { GenericOidcReceiverType } from "./oidc";

export const ReceiverCrdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/receivers.notification.toolkit.fluxcd.io";
/** The Flux release that brought the generic-oidc Receiver (notification-controller v1.9). */
export const MinimumOidcFluxVersion = "2.9";

export interface OidcSupportObservation {
    readonly seen: "present" | "missing" | "forbidden" | "unreachable";
    /** The v1 schema's spec has `oidcProviders`. */
    readonly oidcProviders: boolean;
    /** The v1 schema's spec.type enum lists generic-oidc (true when the schema has no enum). */
    readonly genericOidcType: boolean;
    /** The Flux version `flux install` labels the CRD with (app.kubernetes.io/version), when it does. */
    readonly version?: string;
}

interface CrdView {
    metadata?: { labels?: Record<string, string> };
    spec?: { versions?: { name: string; schema?: { openAPIV3Schema?: { properties?: { spec?: { properties?: Record<string, { enum?: string[] }> } } } } }[] };
}

/** What the Receiver CRD's v1 schema says (pure, so the rules are table-tested). */
export function readOidcSupport(res: ApiResponse): OidcSupportObservation {
    if (res.status === 0) return { seen: "unreachable", oidcProviders: false, genericOidcType: false };
    if (res.status === 401 || res.status === 403) return { seen: "forbidden", oidcProviders: false, genericOidcType: false };
    if (res.status !== 200) return { seen: "missing", oidcProviders: false, genericOidcType: false };
    const crd = res.body as CrdView;
    const spec = crd.spec?.versions?.find((v) => v.name === "v1")?.schema?.openAPIV3Schema?.properties?.spec?.properties ?? {};
    const types = spec.type?.enum;
    const version = crd.metadata?.labels?.["app.kubernetes.io/version"];
    return {
        seen: "present",
        oidcProviders: spec.oidcProviders !== undefined,
        genericOidcType: types === undefined || types.includes(GenericOidcReceiverType),
        ...(version ? { version } : {}),
    };
}

export async function observeOidcSupport(client: ClusterClient): Promise<OidcSupportObservation> {
    return readOidcSupport(await client.get(ReceiverCrdPath));
}

/** Problems stop the update before anything changes; warnings are what could not be checked. */
export function judgeOidcSupport(o: OidcSupportObservation, config: StackConfig, cluster: string): { problems: string[]; warnings: string[] } {
    const users = config.repositories.filter((r) => r.triggers.includes("actions-oidc")).map((r) => r.name);
    if (users.length === 0) return { problems: [], warnings: [] };
    const who = `${users.join(", ")} use${users.length === 1 ? "s" : ""} the actions-oidc trigger`;
    if (o.seen === "forbidden") {
        return { problems: [], warnings: [`could not read the Receiver CRD (forbidden: customresourcedefinitions are cluster-scoped) to check that Flux serves generic-oidc Receivers (Flux ${MinimumOidcFluxVersion}+); ${who}`] };
    }
    if (o.seen !== "present") return { problems: [], warnings: [] }; // the main preflight names a missing Flux or API server
    if (o.oidcProviders && o.genericOidcType) return { problems: [], warnings: [] };
    const lacks = [!o.oidcProviders ? "spec.oidcProviders" : "", !o.genericOidcType ? `the type ${GenericOidcReceiverType}` : ""].filter(Boolean).join(" and ");
    return {
        problems: [`Flux on ${cluster} cannot serve a generic-oidc Receiver: its Receiver CRD (notification.toolkit.fluxcd.io/v1${o.version ? `, labelled Flux ${o.version}` : ""}) has no ${lacks}, which notification-controller v1.9 (Flux ${MinimumOidcFluxVersion}) added; ${who}. Upgrade Flux to ${MinimumOidcFluxVersion} or later (\`flux install\` with a ${MinimumOidcFluxVersion} CLI, or bump your bootstrap), or set those repositories' triggers to [webhook]`],
        warnings: [],
    };
}
