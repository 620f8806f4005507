// How the payload URL GitHub posts to is built: the exposure's base URL + the Receiver's path.
import * as net from "net";
import { ReceiverWebhookPathPrefix } from "./flux";

/** `http://node:nodePort` — what the original guide pastes into GitHub ("Node IP" + NodePort). */
export function nodePortBaseUrl(nodeAddress: string, nodePort: number): string {
    const host = net.isIPv6(nodeAddress) ? `[${nodeAddress}]` : nodeAddress;
    return `http://${host}:${nodePort}`;
}

/** An Ingress with TLS terminates https on 443. */
export function ingressBaseUrl(host: string): string {
    return `https://${host}`;
}

/** A LoadBalancer Service publishes port 80 on the address its controller reports. */
export function loadBalancerBaseUrl(ingress: readonly { ip?: string; hostname?: string }[] | undefined, allowPrivateAddresses = false): string {
    const first = ingress?.find((i) => i.ip || i.hostname);
    const address = first?.ip || first?.hostname;
    if (!address) {
        throw new Error("the LoadBalancer Service has no address in status.loadBalancer.ingress yet");
    }
    // The address is known only once the load balancer exists: the same rule as nodeAddress, at run time.
    const reach = hostReach(address);
    if (reach.kind === "localhost" || (reach.kind === "private" && !allowPrivateAddresses)) {
        throw new Error(`the LoadBalancer's address ${JSON.stringify(address)} is ${reach.kind === "localhost" ? "localhost, which GitHub refuses in a payload URL" : `in ${reach.range}: GitHub.com never delivers to private or loopback addresses`}; use a public load balancer (e.g. not an internal one), or, only for a GitHub Enterprise Server on the same private network, \`pulumi config set allowPrivateAddresses true\``);
    }
    return `http://${net.isIPv6(address) ? `[${address}]` : address}`;
}

/** Base URL + webhook path, with exactly one slash between them. */
export function payloadUrl(baseUrl: string, webhookPath: string): string {
    if (!webhookPath.startsWith(ReceiverWebhookPathPrefix)) {
        throw new Error(`webhook path ${JSON.stringify(webhookPath)} does not start with ${ReceiverWebhookPathPrefix}`);
    }
    return baseUrl.replace(/\/+$/, "") + webhookPath;
}

/**
 * What a payload URL's host is, for GitHub: `localhost` (refused by GitHub itself with 422 "Sorry,
 * the URL host localhost is not supported because it isn't reachable over the public Internet"),
 * an address in a range GitHub.com never delivers to (`range` names it), or anything else
 * (a public address, a documentation address, or a DNS name, which only DNS can tell more of).
 */
export type HostReach =
    | { readonly kind: "localhost" }
    | { readonly kind: "private"; readonly range: string }
    | { readonly kind: "public" };

interface Range {
    readonly bits: readonly number[];
    readonly prefix: number;
    readonly range: string;
    /** The same range as IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`). */
    readonly mapped?: string;
}

const v4 = (cidr: string, label: string): Range => {
    const [address, prefix] = cidr.split("/");
    return {
        bits: address.split(".").map(Number),
        prefix: Number(prefix),
        range: `${cidr} (${label})`,
        mapped: `::ffff:${address}/${96 + Number(prefix)} (IPv4-mapped ${label})`,
    };
};

/** IPv4 ranges GitHub.com cannot deliver to. Documentation ranges (TEST-NET-1/2/3) are not among them. */
const PrivateIPv4: readonly Range[] = [
    v4("0.0.0.0/8", "unspecified"),
    v4("10.0.0.0/8", "private, RFC 1918"),
    v4("100.64.0.0/10", "shared address space, CGNAT"),
    v4("127.0.0.0/8", "loopback"),
    v4("169.254.0.0/16", "link-local"),
    v4("172.16.0.0/12", "private, RFC 1918"),
    v4("192.168.0.0/16", "private, RFC 1918"),
    v4("224.0.0.0/4", "multicast"),
];

const v6 = (first: number, prefix: number, cidr: string, label: string): Range => ({ bits: [first], prefix, range: `${cidr} (${label})` });

/** IPv6 ranges GitHub.com cannot deliver to, by their first 16-bit group (`::` and `::1` below). */
const PrivateIPv6: readonly Range[] = [
    v6(0xfc00, 7, "fc00::/7", "unique local"),
    v6(0xfe80, 10, "fe80::/10", "link-local"),
    v6(0xff00, 8, "ff00::/8", "multicast"),
];

function inPrefix(value: readonly number[], base: readonly number[], width: number, prefix: number): boolean {
    for (let i = 0, left = prefix; left > 0; i++, left -= width) {
        const take = Math.min(width, left);
        const mask = ((1 << take) - 1) << (width - take);
        if (((value[i] ?? 0) & mask) !== ((base[i] ?? 0) & mask)) return false;
    }
    return true;
}

/** The eight 16-bit groups of an IPv6 address (`net.isIPv6` must hold), a trailing dotted quad included. */
function ipv6Groups(address: string): number[] {
    let text = address.replace(/%.*$/, "");
    const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
    if (quad) {
        const [a, b, c, d] = quad.slice(1).map(Number);
        text = text.slice(0, quad.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    }
    const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
    const parse = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
    const first = parse(head);
    const last = parse(tail);
    return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}

function ipv4Reach(octets: readonly number[], mapped: boolean): HostReach {
    const hit = PrivateIPv4.find((r) => inPrefix(octets, r.bits, 8, r.prefix));
    return hit ? { kind: "private", range: mapped ? hit.mapped ?? hit.range : hit.range } : { kind: "public" };
}

/**
 * Classifies a host as GitHub would see it in a payload URL: a DNS name, an IPv4 address (also in
 * the forms a URL parser accepts: `127.1`, `2130706433`, `0x7f.0.0.1`), or an IPv6 address (with
 * or without brackets, IPv4-mapped forms included).
 */
export function hostReach(host: string): HostReach {
    let h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
    if (h === "localhost" || h.endsWith(".localhost")) return { kind: "localhost" };
    if (!net.isIP(h)) {
        // The WHATWG URL parser (GitHub's and every browser's) reads a host whose last label is
        // numeric as IPv4: give such a host the address it stands for.
        try {
            const parsed = new URL(`http://${h}/`).hostname;
            if (net.isIPv4(parsed)) h = parsed;
        } catch {
            return { kind: "public" };
        }
    }
    if (net.isIPv4(h)) return ipv4Reach(h.split(".").map(Number), false);
    if (!net.isIPv6(h)) return { kind: "public" };
    const groups = ipv6Groups(h);
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
        return ipv4Reach([groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff], true);
    }
    if (groups.every((g) => g === 0)) return { kind: "private", range: ":: (unspecified)" };
    if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return { kind: "private", range: "::1 (loopback)" };
    const hit = PrivateIPv6.find((r) => inPrefix(groups, r.bits, 16, r.prefix));
    return hit ? { kind: "private", range: hit.range } : { kind: "public" };
}
