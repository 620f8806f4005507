// Local servers for unit tests: listened on an ephemeral loopback port, closed in `after`, and a
// self-signed certificate for 127.0.0.1 (made with openssl in the test's temp dir, which the test
// removes).
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import * as path from "path";

/** Listens on an ephemeral port of 127.0.0.1; resolves with the port. */
export function listen(server: http.Server | https.Server): Promise<number> {
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

export const close = (server: http.Server | https.Server) => new Promise<void>((r) => server.close(() => r()));

/** A self-signed certificate for 127.0.0.1, made with openssl in `dir`. */
export async function selfSigned(dir: string): Promise<{ key: Buffer; cert: Buffer }> {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    await new Promise<void>((resolve, reject) => execFile("openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    ], (err) => (err ? reject(err) : resolve())));
    return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}
