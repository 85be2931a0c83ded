import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** PEM material of a throwaway CA, a server certificate for 127.0.0.1 and a client certificate. */
export interface TestCerts {
  readonly ca: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  /** Files of the same, for the binary's flags. */
  readonly files: { ca: string; serverCert: string; serverKey: string };
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** Generates the certificates with the machine's `openssl` into `dir` (valid one day). */
export function generateTestCerts(dir: string): TestCerts {
  const subj = (cn: string): string[] => ["-subj", `/CN=${cn}`];
  openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", ...subj("inferd test CA")]);
  const issue = (name: string, extensions: string): void => {
    openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, ...subj(name)]);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-days", "1", "-extfile", `${name}.ext`]);
  };
  issue("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  issue("client", "extendedKeyUsage=clientAuth\n");
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  return {
    ca: read("ca.pem"),
    serverCert: read("server.pem"),
    serverKey: read("server.key"),
    clientCert: read("client.pem"),
    clientKey: read("client.key"),
    files: { ca: join(dir, "ca.pem"), serverCert: join(dir, "server.pem"), serverKey: join(dir, "server.key") },
  };
}
