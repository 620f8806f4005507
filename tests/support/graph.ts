// The dependency graph the engine receives, as the mocks recorded it: which resource waits for
// which, and through which input property. Resources are named by their Pulumi names; a component
// (by type and name) stands for every custom resource under it, as it does for the engine.
import { Registered, registered } from "./mocks";

/** A custom resource by its Pulumi name, or a component standing for the custom resources under it. */
export type GraphNode = string | { readonly component: string; readonly type: string };

export function describeNode(n: GraphNode): string {
    return typeof n === "string" ? n : `${n.type} ${n.component}`;
}

const listing = () => registered.map((r) => `${r.custom ? "" : "(component) "}${r.name}`).join(", ");

/** The one custom resource registered under `name`. */
export function resource(name: string): Registered {
    const found = registered.filter((r) => r.custom && r.name === name);
    if (found.length !== 1) throw new Error(`expected one custom resource named ${name}, found ${found.length}; registered: ${listing()}`);
    return found[0];
}

function byUrn(urn: string): Registered | undefined {
    return registered.find((r) => r.urn === urn);
}

/** Whether `r` sits (at any depth) under the resource with URN `ancestor`. */
function isUnder(r: Registered, ancestor: string): boolean {
    for (let parent = r.parent; parent; parent = byUrn(parent)?.parent ?? "") {
        if (parent === ancestor) return true;
    }
    return false;
}

/** The URNs a node stands for (never empty: an empty set would make every "depends on" false). */
export function urnsOf(n: GraphNode): Set<string> {
    if (typeof n === "string") return new Set([resource(n).urn]);
    const components = registered.filter((r) => !r.custom && r.type === n.type && r.name === n.component);
    if (components.length !== 1) throw new Error(`expected one component ${describeNode(n)}, found ${components.length}; registered: ${listing()}`);
    const urns = new Set(registered.filter((r) => r.custom && isUnder(r, components[0].urn)).map((r) => r.urn));
    if (urns.size === 0) throw new Error(`component ${describeNode(n)} has no custom resources under it`);
    return urns;
}

const names = (urns: readonly string[]) => urns.map((u) => u.split("::").pop()).join(", ") || "nothing";

/** Whether `name` waits for `on` directly (explicit dependsOn or an Output among its inputs). */
export function dependsOn(name: string, on: GraphNode): boolean {
    const targets = urnsOf(on);
    return resource(name).dependencies.some((u) => targets.has(u));
}

/** Whether input `property` of `name` carries an Output of `on` (the engine's propertyDependencies). */
export function propertyDependsOn(name: string, property: string, on: GraphNode): boolean {
    const targets = urnsOf(on);
    return (resource(name).propertyDependencies[property] ?? []).some((u) => targets.has(u));
}

/** Whether `name` waits for `on` through any chain of dependencies. */
export function dependsOnTransitively(name: string, on: GraphNode): boolean {
    const targets = urnsOf(on);
    const seen = new Set<string>();
    const queue = [...resource(name).dependencies];
    while (queue.length > 0) {
        const urn = queue.shift() as string;
        if (targets.has(urn)) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        queue.push(...(byUrn(urn)?.dependencies ?? []));
    }
    return false;
}

/** For failure messages: what `name` waits for, overall and per property. */
export function dependencySummary(name: string): string {
    const r = resource(name);
    const perProperty = Object.entries(r.propertyDependencies).map(([k, v]) => `${k}: ${names(v)}`).join("; ");
    return `${name} waits for ${names(r.dependencies)}${perProperty ? ` (${perProperty})` : ""}`;
}
