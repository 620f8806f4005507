// Before anything is registered: is Flux installed where the stack looks, do the namespaces the
// Kustomizations target exist, does an existing GitRepository exist (and which branch it follows).
// Reading (observeCluster) is apart from judging (judgeCluster, pure), so every rule is tested.
import { apiPaths, ApiResponse, ClusterClient } from "./cluster";
import { CommitStatusApiVersion, commitStatusApiVersion, CommitStatusApiVersions, commitStatusSecretProblem, FluxApis, MinimumFluxVersion, NotificationApiGroup, notificationApiVersion, WebhookReceiverService } from "./flux";
import { StackConfig } from "./config";
import { attachToGateway, GatewayApiVersion, GatewayAttachment, GatewayView } from "./gateway";
import { judgeServingCertificate } from "./payloadTls";

type Seen = "present" | "missing" | "forbidden" | "unreachable";

export interface ClusterObservations {
    readonly cluster: string;
    /** `group/version` -> the kinds it serves, or what kept us from knowing. */
    readonly apis: Readonly<Record<string, { readonly seen: Seen; readonly kinds: readonly string[] }>>;
    readonly webhookReceiverService: Seen;
    readonly namespaces: Readonly<Record<string, Seen>>;
    /** existing: true repositories: their GitRepository and its branch. */
    readonly gitRepositories: Readonly<Record<string, { readonly seen: Seen; readonly branch?: string }>>;
    /** The Secret commitStatusSecret names, with its data's keys (never values). */
    readonly commitStatusSecret?: { readonly seen: Seen; readonly keys: readonly string[] };
    /** GitRepositories and Kustomizations the stack is to create that already exist and no Pulumi stack made. */
    readonly foreignObjects: readonly string[];
    /** Exposure gateway: the Gateway API, the Gateway, and the Flux namespace's labels (for a listener's namespace selector). */
    readonly gateway?: { readonly api: Seen; readonly seen: Seen; readonly object?: GatewayView; readonly namespaceLabels: Readonly<Record<string, string>> };
    /** Exposure ingress: the Secret ingressTlsSecret names, and its certificate (tls.crt, PEM). */
    readonly ingressTlsSecret?: { readonly seen: Seen; readonly certificate?: string };
    readonly unreachable?: string;
}

export interface PreflightResult {
    /** Each stops the update before anything changes. */
    readonly problems: readonly string[];
    /** What could not be checked (RBAC): logged, not fatal, since the provider will say it later. */
    readonly warnings: readonly string[];
    /** What the preflight decided from what the cluster serves: logged as information. */
    readonly notices: readonly string[];
    /** With commit statuses: the version of notification.toolkit.fluxcd.io to write Provider and Alert in. */
    readonly commitStatusApiVersion?: CommitStatusApiVersion;
    /** Branch of each existing GitRepository, for the Receiver's branch filter. */
    readonly existingBranches: Readonly<Record<string, string | undefined>>;
    /** Exposure gateway: the listener the HTTPRoute attaches to, and the payload URL's base. */
    readonly gateway?: GatewayAttachment;
}

function seen(r: ApiResponse): Seen {
    if (r.status === 0) return "unreachable";
    if (r.status === 403 || r.status === 401) return "forbidden";
    if (r.status === 404) return "missing";
    return r.status >= 200 && r.status < 300 ? "present" : "unreachable";
}

interface GitRef { branch?: string; tag?: string; semver?: string; name?: string; commit?: string }

/** The branch a GitRepository follows: source-controller's default is master; a tag, semver, name or commit follows no branch. */
export function existingBranch(ref: GitRef | undefined): string | undefined {
    if (ref === undefined) return "master";
    if (ref.tag || ref.semver || ref.name || ref.commit) return undefined;
    return ref.branch ?? "master";
}

/**
 * Whether a Pulumi stack wrote the object: the kubernetes provider applies under field managers
 * named pulumi-kubernetes-<id>. (This stack's own objects from an earlier `up` have them too.)
 */
export function madeByPulumi(object: unknown): boolean {
    const fields = (object as { metadata?: { managedFields?: { manager?: string }[] } } | undefined)?.metadata?.managedFields ?? [];
    return fields.some((f) => f.manager?.startsWith("pulumi-kubernetes") === true);
}

/** The API server's answers to everything the preflight needs, read in parallel. */
export async function observeCluster(client: ClusterClient, config: StackConfig): Promise<ClusterObservations> {
    const ns = config.namespace;
    // With commit statuses, every version Alert and Provider may be served at: the program picks one.
    const groupVersions = [...new Set([...FluxApis.map((a) => `${a.group}/${a.version}`), ...(config.commitStatus ? CommitStatusApiVersions.map(notificationApiVersion) : [])])];
    const targetNamespaces = [...new Set(config.repositories.flatMap((r) => (r.existing ? [] : r.kustomizations.filter((k) => k.targetNamespace && !k.createTargetNamespace).map((k) => k.targetNamespace as string))))];
    const existing = config.repositories.filter((r) => r.existing).map((r) => r.name);
    // Objects the stack creates: one already there is someone else's unless Pulumi made it.
    const owned = config.repositories.flatMap((r) => (r.existing ? [] : [
        { what: `GitRepository ${ns}/${r.name}`, path: apiPaths.gitRepository(ns, r.name), repository: r.name },
        ...r.kustomizations.map((k) => ({ what: `Kustomization ${ns}/${k.name}`, path: apiPaths.kustomization(ns, k.name), repository: r.name })),
    ]));

    const exposure = config.exposure;
    const none = Promise.resolve(undefined);
    const [gvAnswers, svc, nsAnswers, repoAnswers, secret, ownedAnswers, gatewayApi, gateway, fluxNamespace, tlsSecret] = await Promise.all([
        Promise.all(groupVersions.map((gv) => client.get(`/apis/${gv}`))),
        client.get(apiPaths.service(ns, WebhookReceiverService.name)),
        Promise.all(targetNamespaces.map((n) => client.get(apiPaths.namespace(n)))),
        Promise.all(existing.map((n) => client.get(apiPaths.gitRepository(ns, n)))),
        config.commitStatus && !config.commitStatus.createSecret ? client.get(apiPaths.secret(ns, config.commitStatus.secretName)) : Promise.resolve(undefined),
        Promise.all(owned.map((o) => client.get(o.path))),
        exposure.mode === "gateway" ? client.get(`/apis/${GatewayApiVersion}`) : none,
        exposure.mode === "gateway" ? client.get(`/apis/${GatewayApiVersion}/namespaces/${exposure.gateway.namespace}/gateways/${exposure.gateway.name}`) : none,
        exposure.mode === "gateway" ? client.get(apiPaths.namespace(ns)) : none,
        exposure.mode === "ingress" ? client.get(apiPaths.secret(ns, exposure.tlsSecretName)) : none,
    ]);
    const unreachable = [...gvAnswers, svc].find((r) => r.status === 0);
    return {
        cluster: client.description,
        apis: Object.fromEntries(groupVersions.map((gv, i) => [gv, {
            seen: seen(gvAnswers[i]),
            kinds: ((gvAnswers[i].body as { resources?: { kind: string }[] } | undefined)?.resources ?? []).map((r) => r.kind),
        }])),
        webhookReceiverService: seen(svc),
        namespaces: Object.fromEntries(targetNamespaces.map((n, i) => [n, seen(nsAnswers[i])])),
        gitRepositories: Object.fromEntries(existing.map((n, i) => [n, {
            seen: seen(repoAnswers[i]),
            branch: existingBranch((repoAnswers[i].body as { spec?: { ref?: GitRef } } | undefined)?.spec?.ref),
        }])),
        ...(secret ? { commitStatusSecret: { seen: seen(secret), keys: Object.entries((secret.body as { data?: Record<string, string> } | undefined)?.data ?? {}).filter(([, v]) => v !== "").map(([k]) => k) } } : {}),
        foreignObjects: owned.filter((_, i) => ownedAnswers[i].status === 200 && !madeByPulumi(ownedAnswers[i].body)).map((o) => `${o.what} (repositories entry ${o.repository})`),
        ...(gatewayApi && gateway ? {
            gateway: {
                api: seen(gatewayApi),
                seen: seen(gateway),
                ...(gateway.status === 200 ? { object: gateway.body as GatewayView } : {}),
                namespaceLabels: (fluxNamespace?.body as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels ?? {},
            },
        } : {}),
        ...(tlsSecret ? {
            ingressTlsSecret: {
                seen: seen(tlsSecret),
                ...(tlsSecret.status === 200 ? { certificate: Buffer.from((tlsSecret.body as { data?: Record<string, string> } | undefined)?.data?.["tls.crt"] ?? "", "base64").toString() } : {}),
            },
        } : {}),
        ...(unreachable ? { unreachable: unreachable.error ?? `HTTP ${unreachable.status}` } : {}),
    };
}

/** What stops the update, what is only a warning, and what the program needs to know. */
export function judgeCluster(o: ClusterObservations, config: StackConfig): PreflightResult {
    const problems: string[] = [];
    const warnings: string[] = [];
    const ns = config.namespace;
    const install = `install Flux ${MinimumFluxVersion} or later into namespace ${ns} (\`flux install --namespace ${ns}\`, or \`flux bootstrap github ...\`; this project is tested on Flux 2.9), or set \`pulumi config set namespace <namespace Flux runs in>\``;
    if (o.unreachable !== undefined) {
        return { problems: [`cannot reach the Kubernetes API server ${o.cluster}: ${o.unreachable}; check kubernetes:kubeconfig / kubernetes:context (or KUBECONFIG)`], warnings, notices: [], existingBranches: {} };
    }

    const missing = FluxApis.filter((a) => {
        const gv = o.apis[`${a.group}/${a.version}`];
        return gv?.seen === "missing" || (gv?.seen === "present" && !gv.kinds.includes(a.kind));
    });
    if (missing.length > 0) {
        problems.push(`Flux is not installed on ${o.cluster}: the cluster serves no ${missing.map((a) => `${a.kind} (${a.group}/${a.version})`).join(", ")}; ${install}`);
    }
    for (const [gv, a] of Object.entries(o.apis)) {
        if (a.seen === "forbidden") warnings.push(`could not check that the cluster serves ${gv} (forbidden)`);
    }
    if (o.webhookReceiverService === "missing") {
        problems.push(`Service ${ns}/${WebhookReceiverService.name} does not exist: Flux's notification-controller is not installed in namespace ${ns} (the stack ${config.exposure.mode === "patch-nodeport" ? "patches that Service" : "exposes the receiver behind it"}); ${install}`);
    } else if (o.webhookReceiverService === "forbidden") {
        warnings.push(`could not read Service ${ns}/${WebhookReceiverService.name} (forbidden): the stack's identity needs get on services in ${ns}`);
    }

    for (const r of config.repositories) {
        if (r.existing) continue;
        for (const k of r.kustomizations) {
            if (!k.targetNamespace || k.createTargetNamespace) continue;
            const s = o.namespaces[k.targetNamespace];
            if (s === "missing") {
                problems.push(`Kustomization ${k.name} targets namespace ${k.targetNamespace}, which does not exist: Flux would fail to apply into it. Create it (in Git, or \`kubectl create namespace ${k.targetNamespace}\`), or set createTargetNamespace: true on that kustomization to let the stack create it`);
            } else if (s === "forbidden") {
                warnings.push(`could not check that namespace ${k.targetNamespace} exists (forbidden)`);
            }
        }
    }

    const existingBranches: Record<string, string | undefined> = {};
    for (const [name, g] of Object.entries(o.gitRepositories)) {
        if (g.seen === "missing") {
            problems.push(`GitRepository ${ns}/${name} does not exist, but repositories entry ${name} sets existing: true (the stack only references it); create it (\`flux create source git ${name} ...\`) or set existing: false with its url`);
        } else if (g.seen === "forbidden") {
            warnings.push(`could not read GitRepository ${ns}/${name} (forbidden): its branch filter falls back to reconciling on every push`);
        }
        existingBranches[name] = g.branch;
    }

    for (const what of o.foreignObjects) {
        problems.push(`${what} already exists and no Pulumi stack made it (bootstrap, \`flux create\`, Git): the stack would take it over, and delete it on destroy. Set existing: true on that repository to only reference it, or delete the object first`);
    }

    if (config.commitStatus && o.commitStatusSecret) {
        const name = `${ns}/${config.commitStatus.secretName}`;
        if (o.commitStatusSecret.seen === "missing") {
            problems.push(`Secret ${name} (commitStatusSecret) does not exist: create it with key token holding a GitHub token allowed to write commit statuses (or Flux's GitHub App keys), or let the stack write it: \`pulumi config set commitStatusApp true\` (the stack's GitHub App) or \`pulumi config set --secret commitStatusToken <token>\``);
        } else if (o.commitStatusSecret.seen === "present") {
            const problem = commitStatusSecretProblem(o.commitStatusSecret.keys);
            if (problem) problems.push(`Secret ${name} (commitStatusSecret) ${problem}`);
        }
    }
    const gateway = judgeExposureObjects(o, config, problems, warnings);
    const notices: string[] = [];
    if (gateway) notices.push(`exposure gateway: the HTTPRoute attaches to listener ${gateway.listener} of Gateway ${gateway.gateway.namespace}/${gateway.gateway.name}; payload URLs start with ${gateway.baseUrl}`);
    let commitStatusVersion: CommitStatusApiVersion | undefined;
    if (config.commitStatus) {
        const decided = judgeCommitStatusApi(o, install);
        commitStatusVersion = decided.version;
        problems.push(...decided.problems);
        warnings.push(...decided.warnings);
        notices.push(...decided.notices);
    }
    return { problems, warnings, notices, existingBranches, ...(commitStatusVersion ? { commitStatusApiVersion: commitStatusVersion } : {}), ...(gateway ? { gateway } : {}) };
}

/**
 * The objects an exposure builds on that the stack does not make: the Gateway (exposure gateway,
 * which decides the payload URL) and the TLS Secret an Ingress names (a warning: cert-manager may
 * still be issuing it; the probe is what stops the update).
 */
function judgeExposureObjects(o: ClusterObservations, config: StackConfig, problems: string[], warnings: string[], now = new Date()): GatewayAttachment | undefined {
    const ns = config.namespace;
    const exposure = config.exposure;
    if (exposure.mode === "ingress" && o.ingressTlsSecret) {
        const secret = `Secret ${ns}/${exposure.tlsSecretName} (ingressTlsSecret)`;
        if (o.ingressTlsSecret.seen === "missing") {
            warnings.push(`${secret} does not exist (yet): until it does, the ingress controller serves its default certificate for ${exposure.host} and GitHub refuses it; create it (cert-manager: a Certificate with spec.secretName ${exposure.tlsSecretName} and ${exposure.host} in spec.dnsNames)`);
        } else if (o.ingressTlsSecret.seen === "forbidden") {
            warnings.push(`could not read ${secret} (forbidden): its certificate was not checked`);
        } else if (o.ingressTlsSecret.certificate !== undefined && !config.insecureSsl) {
            const why = judgeServingCertificate(o.ingressTlsSecret.certificate, exposure.host, now);
            if (why) warnings.push(`${secret}: ${why}`);
        }
    }
    if (exposure.mode !== "gateway" || !o.gateway) return undefined;
    const ref = `Gateway ${exposure.gateway.namespace}/${exposure.gateway.name}`;
    if (o.gateway.api === "missing") {
        problems.push(`exposure is gateway, but ${o.cluster} serves no Gateway API (${GatewayApiVersion}): install its CRDs and a Gateway controller, or choose another exposure (e.g. \`pulumi config set exposure ingress\`)`);
        return undefined;
    }
    if (o.gateway.seen === "forbidden" || o.gateway.seen === "unreachable") {
        problems.push(`could not read ${ref} (${o.gateway.seen}): the stack reads the Gateway's listeners to attach the HTTPRoute and to know the payload URL; it needs get on gateways in ${exposure.gateway.namespace}`);
        return undefined;
    }
    const judged = attachToGateway(o.gateway.seen === "present" ? o.gateway.object : undefined, exposure, ns, o.gateway.namespaceLabels, config.allowPrivateAddresses);
    if (!judged.ok) {
        problems.push(judged.problem);
        return undefined;
    }
    return judged.attachment;
}

/**
 * Which version of notification.toolkit.fluxcd.io the commit-status Provider and Alert are written
 * in, from what discovery lists: v1 from Flux 2.10 on, v1beta3 before. Saying which is part of the
 * preflight's output: after a Flux upgrade the next `up` moves both to v1 in place (an update).
 */
function judgeCommitStatusApi(o: ClusterObservations, install: string): { version?: CommitStatusApiVersion; problems: string[]; warnings: string[]; notices: string[] } {
    const kinds: Partial<Record<CommitStatusApiVersion, readonly string[]>> = {};
    for (const v of CommitStatusApiVersions) {
        const gv = o.apis[notificationApiVersion(v)];
        if (gv?.seen === "present") kinds[v] = gv.kinds;
        else if (gv?.seen === "missing") kinds[v] = [];
    }
    const version = commitStatusApiVersion(kinds);
    const both = (v: CommitStatusApiVersion) => `${NotificationApiGroup}/${v}`;
    if (version === undefined) {
        return { problems: [`Flux on ${o.cluster} serves no Provider and Alert (${CommitStatusApiVersions.map(both).join(" or ")}), which commit statuses need; ${install}`], warnings: [], notices: [] };
    }
    const served = kinds[version] !== undefined;
    if (!served) {
        return { version, problems: [], notices: [], warnings: [`could not read which versions of Alert and Provider the cluster serves (forbidden): commit statuses use ${both(version)}`] };
    }
    const why = version === "v1"
        ? "the cluster serves them there: Flux 2.10 or later"
        : `the cluster serves no v1 Alert and Provider: Flux 2.9 or older; after an upgrade to Flux 2.10 the next update moves them to v1 in place`;
    return { version, problems: [], warnings: [], notices: [`commit statuses: Provider and Alert as ${both(version)} (${why})`] };
}
