// What an https payload URL's certificate or a redirect means for GitHub, in the project's words
// (lib/payloadTls.ts): the cause named, the fix named, the webhook path never shown.
import * as assert from "assert";
import {
    certificateCovers, describeCertificate, explainRedirect, explainTlsFailure, isTlsVerificationCode, judgeServingCertificate,
    parseSubjectAltName, PresentedCertificate, tlsCause,
} from "../lib/payloadTls";
import { createSandboxCa, SandboxCa } from "../sandbox/standins/sandboxTls";

const Host = "flux-webhook.example.com";
const cert = (over: Partial<PresentedCertificate> = {}): PresentedCertificate => ({
    subject: Host, altNames: [Host], issuer: "R11", validFrom: "2026-11-01T00:00:00.000Z", validTo: "2027-01-30T00:00:00.000Z", selfSigned: false, ...over,
});

describe("payload URL TLS: node's codes, grouped by what they mean", () => {
    const rows: [string | undefined, ReturnType<typeof tlsCause>][] = [
        ["CERT_HAS_EXPIRED", "expired"],
        ["CERT_NOT_YET_VALID", "not-yet-valid"],
        ["ERR_TLS_CERT_ALTNAME_INVALID", "wrong-host"],
        ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed"],
        ["SELF_SIGNED_CERT_IN_CHAIN", "self-signed"],
        ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "untrusted"],
        ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "untrusted"],
        ["ECONNRESET", "handshake"],
        [undefined, "handshake"],
    ];
    for (const [code, cause] of rows) {
        it(`${code ?? "no code"} -> ${cause}`, () => {
            assert.strictEqual(tlsCause(code), cause);
            assert.strictEqual(isTlsVerificationCode(code), cause !== "handshake");
        });
    }
});

describe("which names a certificate covers (RFC 6125, as a TLS client checks)", () => {
    const rows: [string[], string, boolean][] = [
        [[Host], Host, true],
        [[Host.toUpperCase()], Host, true],
        [["*.example.com"], Host, true],
        [["*.example.com"], "a.b.example.com", false],
        [["*.example.com"], "example.com", false],
        [["other.example.com"], Host, false],
        [[], Host, false],
        [["203.0.113.10"], "203.0.113.10", true],
    ];
    for (const [names, host, covered] of rows) {
        it(`${JSON.stringify(names)} ${covered ? "covers" : "does not cover"} ${host}`, () => assert.strictEqual(certificateCovers(names, host), covered));
    }
    it("reads node's subjectaltname text", () => {
        assert.deepStrictEqual(parseSubjectAltName("DNS:a.example.com, DNS:*.b.example.com, IP Address:10.0.0.1"), ["a.example.com", "*.b.example.com", "10.0.0.1"]);
        assert.deepStrictEqual(parseSubjectAltName(undefined), []);
    });
});

describe("explainTlsFailure: the cause and the fix, per cause", () => {
    it("expired: says so, with its dates, that GitHub refuses it, and to renew (cert-manager: why the renewal did not happen)", () => {
        const m = explainTlsFailure(Host, "CERT_HAS_EXPIRED", cert({ validTo: "2026-11-30T00:00:00.000Z" }));
        assert.strictEqual(m, `${Host} presented a certificate for ${Host}, issued by R11, valid 2026-11-01 to 2026-11-30: it has expired (CERT_HAS_EXPIRED). ` +
            `GitHub refuses it too: a delivery fails with "Peer certificate cannot be authenticated with given CA certificates". Renew it: with cert-manager, \`kubectl describe certificate\` shows why the renewal did not happen; ` +
            "the TLS Secret the exposure names (ingressTlsSecret for an Ingress, the listener's certificateRefs for a Gateway) must hold the renewed certificate");
    });

    it("wrong host: names the certificate's names and the host, and the two ways out", () => {
        const m = explainTlsFailure(Host, "ERR_TLS_CERT_ALTNAME_INVALID", cert({ altNames: ["other.example.com"] }));
        assert.match(m, /presented a certificate for other\.example\.com, .*: its names do not include flux-webhook\.example\.com \(ERR_TLS_CERT_ALTNAME_INVALID\)\..*Issue the certificate for flux-webhook\.example\.com \(cert-manager: the Certificate's spec\.dnsNames\), or set the exposure's host to a name the certificate holds$/);
    });

    it("self-signed for another name: an ingress controller's default certificate, so the Secret is missing or for other names; the insecureSsl way out named with its risk", () => {
        const m = explainTlsFailure(Host, "DEPTH_ZERO_SELF_SIGNED_CERT", cert({ subject: "TRAEFIK DEFAULT CERT", altNames: ["a1b2.traefik.default"], issuer: "TRAEFIK DEFAULT CERT", selfSigned: true }));
        assert.match(m, /presented a certificate for a1b2\.traefik\.default, self-signed, .*: it is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\), and GitHub verifies against public certificate authorities\./);
        assert.match(m, /It is not for flux-webhook\.example\.com either: this is what an ingress controller serves when it has no certificate for the host \(its default one\), so the TLS Secret the exposure names .* is missing, unreadable, or holds a certificate for other names/);
        assert.match(m, /`pulumi config set insecureSsl true`$/);
    });

    it("self-signed for the host itself: no default-certificate story, the two ways out", () => {
        const m = explainTlsFailure(Host, "DEPTH_ZERO_SELF_SIGNED_CERT", cert({ selfSigned: true, issuer: Host }));
        assert.ok(!m.includes("default one"), m);
        assert.match(m, /Use a certificate from a CA GitHub trusts \(cert-manager with an ACME Issuer such as Let's Encrypt\), or, only if you accept/);
    });

    it("untrusted chain: a private issuer or no intermediates; the full chain in tls.crt", () => {
        assert.match(explainTlsFailure(Host, "UNABLE_TO_VERIFY_LEAF_SIGNATURE", cert({ issuer: "Corp Issuing CA 2" })),
            /issued by Corp Issuing CA 2.*: its chain does not lead to a certificate authority this machine trusts \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\).*Put the full chain \(the certificate, then the intermediates\) in tls\.crt/);
    });

    it("without the certificate (it could not be read again) the cause still stands", () => {
        assert.match(explainTlsFailure(Host, "CERT_HAS_EXPIRED", undefined), /^flux-webhook\.example\.com presented a certificate that could not be read: it has expired/);
    });

    it("describes a certificate in one line", () => {
        assert.strictEqual(describeCertificate(cert({ altNames: ["a.example.com", "b.example.com"] })), "a certificate for a.example.com, b.example.com, issued by R11, valid 2026-11-01 to 2027-01-30");
    });
});

describe("explainRedirect: GitHub follows none; the path (derived from the token) is never shown", () => {
    const Path = `/hook/${"ab".repeat(32)}`;
    it("http -> https: the https payload URL is the fix", () => {
        const m = explainRedirect(Host, 308, `https://${Host}${Path}`, "http:");
        assert.strictEqual(m, `${Host} answered 308, a redirect to https://${Host}: GitHub does not follow redirects (the delivery is recorded as failed with that status). ` +
            "The server redirects http to https (an ingress controller's or load balancer's https redirect): give GitHub the https URL, i.e. `pulumi config set exposure ingress` (its payload URL is https), or with exposure url a publicUrl starting with https://");
        assert.ok(!m.includes(Path));
    });
    it("elsewhere: the target's origin, and to give that URL", () => {
        const m = explainRedirect(Host, 302, "https://login.example.com/sso?next=/hook/x", "https:");
        assert.match(m, /answered 302, a redirect to https:\/\/login\.example\.com: .*Give GitHub the URL it is redirected to/);
        assert.ok(!m.includes("/hook/x") && !m.includes("sso"));
    });
    it("a relative Location resolves against the payload URL's host; none at all is said", () => {
        assert.match(explainRedirect(Host, 301, "/elsewhere", "http:"), /a redirect to http:\/\/flux-webhook\.example\.com:/);
        assert.match(explainRedirect(Host, 301, undefined, "http:"), /an address it does not name \(no Location header\)/);
    });
});

describe("judgeServingCertificate: what GitHub would say of a TLS Secret's certificate (the preflight's warning)", function () {
    this.timeout(20000);
    let ca: SandboxCa;
    before(async () => {
        ca = await createSandboxCa();
    });
    after(() => ca?.remove());

    it("a valid certificate for the host (or a wildcard covering it): nothing to say", async () => {
        assert.strictEqual(judgeServingCertificate((await ca.issue([Host])).cert, Host, new Date()), undefined);
        assert.strictEqual(judgeServingCertificate((await ca.issue(["*.example.com"])).cert, Host, new Date()), undefined);
    });
    it("a certificate with an empty subject, as cert-manager issues them, is read by its names", async () => {
        const issued = await ca.issue(["other.example.com"], undefined, { emptySubject: true });
        assert.match(judgeServingCertificate(issued.cert, Host, new Date()) ?? "", /^it holds a certificate for other\.example\.com, issued by flux-push sandbox CA,/);
        assert.strictEqual(judgeServingCertificate((await ca.issue([Host], undefined, { emptySubject: true })).cert, Host, new Date()), undefined);
    });
    it("for other names: the ingress controller will serve its default certificate", async () => {
        assert.match(judgeServingCertificate((await ca.issue(["other.example.com"])).cert, Host, new Date()) ?? "",
            /^it holds a certificate for other\.example\.com, issued by flux-push sandbox CA, .*whose names do not include flux-webhook\.example\.com: the ingress controller will serve another certificate/);
    });
    it("expired", async () => {
        const day = 86400e3;
        const expired = await ca.issue([Host], { notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) });
        assert.match(judgeServingCertificate(expired.cert, Host, new Date()) ?? "", /which has expired: GitHub will refuse it$/);
    });
    it("self-signed with empty subject and issuer (cert-manager's SelfSigned Issuer): still self-signed", async () => {
        assert.match(judgeServingCertificate((await ca.selfSigned([Host], { emptySubject: true })).cert, Host, new Date()) ?? "",
            /^it holds a certificate for flux-webhook\.example\.com, self-signed, valid .*: GitHub will refuse a self-signed certificate unless insecureSsl is true$/);
    });
    it("self-signed for the host: GitHub refuses it unless insecureSsl", async () => {
        assert.match(judgeServingCertificate((await ca.selfSigned([Host])).cert, Host, new Date()) ?? "",
            /^it holds a certificate for flux-webhook\.example\.com, self-signed, valid .*: GitHub will refuse a self-signed certificate unless insecureSsl is true$/);
    });
    it("not a certificate", () => {
        assert.match(judgeServingCertificate("not pem", Host, new Date()) ?? "", /^its tls\.crt is not a PEM certificate/);
    });
});
