// What an https payload URL's server showed when a delivery failed before any HTTP answer (its
// certificate), or answered with a redirect, in words that name the cause and the fix. GitHub
// verifies the certificate of an https payload URL unless the hook's insecure_ssl is "1" (webhook
// config: "Determines whether the SSL certificate of the host for url will be verified when
// delivering payloads"), records a failure as "Peer certificate cannot be authenticated with given
// CA certificates" ("Troubleshooting webhooks": most often a self-signed certificate or an
// incomplete chain), and does not follow redirects (a delivery must be answered 2xx: the same page).
// Pure: the probe (providers/githubHooks.ts) reads the certificate; this only explains it.
import { X509Certificate } from "crypto";

/** The server certificate a payload URL presented, as much of it as a message needs. */
export interface PresentedCertificate {
    /** Subject common name (or the whole subject when it has none). */
    readonly subject: string;
    /** DNS names and IP addresses of subjectAltName, as written there. */
    readonly altNames: readonly string[];
    /** Issuer common name (or organization). */
    readonly issuer: string;
    /** Validity, as ISO 8601. */
    readonly validFrom: string;
    readonly validTo: string;
    /** Issued by itself (subject and issuer are the same certificate). */
    readonly selfSigned: boolean;
}

/** What a TLS verification failure is about, from node's (OpenSSL's) error code. */
export type TlsCause = "expired" | "not-yet-valid" | "wrong-host" | "self-signed" | "untrusted" | "handshake";

export function tlsCause(code: string | undefined): TlsCause {
    switch (code) {
        case "CERT_HAS_EXPIRED":
            return "expired";
        case "CERT_NOT_YET_VALID":
            return "not-yet-valid";
        case "ERR_TLS_CERT_ALTNAME_INVALID":
        case "HOSTNAME_MISMATCH":
            return "wrong-host";
        case "DEPTH_ZERO_SELF_SIGNED_CERT":
        case "SELF_SIGNED_CERT_IN_CHAIN":
            return "self-signed";
        case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
        case "UNABLE_TO_GET_ISSUER_CERT":
        case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
        case "CERT_UNTRUSTED":
        case "CERT_SIGNATURE_FAILURE":
        case "CERT_REVOKED":
            return "untrusted";
        default:
            return "handshake";
    }
}

/** Whether an error code is a TLS verification failure (as opposed to no connection at all). */
export function isTlsVerificationCode(code: string | undefined): boolean {
    return code !== undefined && tlsCause(code) !== "handshake";
}

/**
 * Whether the certificate's names cover `host`, as a TLS client checks them (RFC 6125): an exact
 * DNS name (case-insensitive), a wildcard `*.example.com` for exactly one more label, or an IP.
 */
export function certificateCovers(altNames: readonly string[], host: string): boolean {
    const h = host.toLowerCase().replace(/\.$/, "").replace(/^\[(.*)\]$/, "$1");
    return altNames.some((raw) => {
        const name = raw.toLowerCase().replace(/\.$/, "");
        if (name === h) return true;
        if (!name.startsWith("*.")) return false;
        const dot = h.indexOf(".");
        return dot > 0 && h.slice(dot + 1) === name.slice(2);
    });
}

/** "DNS:a.example, DNS:b.example, IP Address:10.0.0.1" (node's subjectaltname) -> the names. */
export function parseSubjectAltName(text: string | undefined): string[] {
    if (!text) return [];
    return text.split(/,\s*/).map((p) => p.replace(/^(DNS|IP Address):/, "")).filter((p) => p !== "");
}

const names = (c: PresentedCertificate) => (c.altNames.length > 0 ? c.altNames.join(", ") : `no subjectAltName (CN ${c.subject})`);
const day = (iso: string) => iso.slice(0, 10);

/** One line describing a certificate: whom it is for, who issued it, until when. */
export function describeCertificate(c: PresentedCertificate): string {
    return `a certificate for ${names(c)}, ${c.selfSigned ? "self-signed" : `issued by ${c.issuer || "an issuer with no name"}`}, valid ${day(c.validFrom)} to ${day(c.validTo)}`;
}

const GitHubRefuses = `GitHub refuses it too: a delivery fails with "Peer certificate cannot be authenticated with given CA certificates"`;
const InsecureFix = "or, only if you accept that GitHub then skips verifying the server (its docs: \"subject to man-in-the-middle and other attacks\"), `pulumi config set insecureSsl true`";

/**
 * Why `host` failed TLS verification and what to do: `code` is node's error code, `cert` what the
 * server presented (read again without verification; absent when that failed too).
 */
export function explainTlsFailure(host: string, code: string | undefined, cert: PresentedCertificate | undefined): string {
    const cause = tlsCause(code);
    const shown = cert ? `${host} presented ${describeCertificate(cert)}` : `${host} presented a certificate that could not be read`;
    const covers = cert ? certificateCovers(cert.altNames, host) : undefined;
    const secret = "the TLS Secret the exposure names (ingressTlsSecret for an Ingress, the listener's certificateRefs for a Gateway)";
    switch (cause) {
        case "expired":
            return `${shown}: it has expired (${code}). ${GitHubRefuses}. Renew it: with cert-manager, \`kubectl describe certificate\` shows why the renewal did not happen; ${secret} must hold the renewed certificate`;
        case "not-yet-valid":
            return `${shown}: it is not valid yet (${code}): the issuer's clock, or this machine's, is wrong. ${GitHubRefuses}`;
        case "wrong-host":
            return `${shown}: its names do not include ${host} (${code}). ${GitHubRefuses}. Issue the certificate for ${host} (cert-manager: the Certificate's spec.dnsNames), or set the exposure's host to a name the certificate holds`;
        case "self-signed": {
            // An ingress controller with no usable certificate for the SNI name serves its own
            // default one, self-signed and for another name (Traefik's "TRAEFIK DEFAULT CERT",
            // ingress-nginx's "Kubernetes Ingress Controller Fake Certificate").
            const fallback = cert && !covers
                ? ` It is not for ${host} either: this is what an ingress controller serves when it has no certificate for the host (its default one), so ${secret} is missing, unreadable, or holds a certificate for other names (cert-manager: the Certificate's spec.dnsNames must include ${host}).`
                : "";
            return `${shown}: it is self-signed (${code}), and GitHub verifies against public certificate authorities. ${GitHubRefuses}.${fallback} ` +
                `Use a certificate from a CA GitHub trusts (cert-manager with an ACME Issuer such as Let's Encrypt), ${InsecureFix}`;
        }
        case "untrusted":
            return `${shown}: its chain does not lead to a certificate authority this machine trusts (${code}): the issuer is private, or the server sends no intermediate certificates. ` +
                `${GitHubRefuses}. Put the full chain (the certificate, then the intermediates) in tls.crt of ${secret}, and use a CA GitHub trusts, ${InsecureFix}`;
        default:
            return `the TLS handshake with ${host} failed (${code ?? "no code"}): the server does not speak TLS on this port, or refused the server name (SNI) ${host}`;
    }
}

/**
 * A 3xx answer to a delivery. `location` is the Location header, shown as its origin only (a
 * redirect of the payload URL carries the webhook path, which is derived from the token).
 */
export function explainRedirect(host: string, status: number, location: string | undefined, payloadScheme: "http:" | "https:"): string {
    let to = "an address it does not name (no Location header)";
    let upgrade = false;
    if (location) {
        try {
            const target = new URL(location, `${payloadScheme}//${host}/`);
            to = target.origin;
            upgrade = payloadScheme === "http:" && target.protocol === "https:";
        } catch {
            to = "an unparsable Location";
        }
    }
    const fix = upgrade
        ? "The server redirects http to https (an ingress controller's or load balancer's https redirect): give GitHub the https URL, i.e. `pulumi config set exposure ingress` (its payload URL is https), or with exposure url a publicUrl starting with https://"
        : "Give GitHub the URL it is redirected to (exposure url: publicUrl), or remove the redirect in front of the receiver for /hook/";
    return `${host} answered ${status}, a redirect to ${to}: GitHub does not follow redirects (the delivery is recorded as failed with that status). ${fix}`;
}

/**
 * What a TLS Secret's certificate (PEM, tls.crt) would make GitHub say of `host` at `now`, or
 * undefined if nothing: for the preflight, which reads the Secret before anything changes.
 */
export function judgeServingCertificate(pem: string, host: string, now: Date): string | undefined {
    let cert: X509Certificate;
    try {
        cert = new X509Certificate(pem);
    } catch (e) {
        return `its tls.crt is not a PEM certificate (${(e as Error).message})`;
    }
    const presented = presentedFromX509(cert);
    if (!certificateCovers(presented.altNames, host)) {
        return `it holds ${describeCertificate(presented)}, whose names do not include ${host}: the ingress controller will serve another certificate for ${host} (its default one) and GitHub will refuse it`;
    }
    if (new Date(presented.validTo).getTime() <= now.getTime()) {
        return `it holds ${describeCertificate(presented)}, which has expired: GitHub will refuse it`;
    }
    if (presented.selfSigned) {
        return `it holds ${describeCertificate(presented)}: GitHub will refuse a self-signed certificate unless insecureSsl is true`;
    }
    return undefined;
}

/** A distinguished name's CN (or O); "" when it has none (cert-manager issues with an empty subject, node then gives undefined). */
function commonName(dn: string | undefined): string {
    if (!dn) return "";
    return /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? /(?:^|\n)O=([^\n]*)/.exec(dn)?.[1] ?? dn.replace(/\n/g, ", ");
}

/** A certificate parsed by node's crypto, in the probe's terms. */
export function presentedFromX509(cert: X509Certificate): PresentedCertificate {
    return {
        subject: commonName(cert.subject),
        altNames: parseSubjectAltName(cert.subjectAltName),
        issuer: commonName(cert.issuer),
        validFrom: new Date(cert.validFrom).toISOString(),
        validTo: new Date(cert.validTo).toISOString(),
        // Signed with its own key: what makes a certificate self-signed, whatever its names say
        // (cert-manager's SelfSigned Issuer leaves subject and issuer empty).
        selfSigned: cert.verify(cert.publicKey),
    };
}
