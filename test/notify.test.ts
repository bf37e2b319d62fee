import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditReport } from "../src/core/audit/types.ts";
import { notifyFailures } from "../src/notify/notify.ts";
import { Redactor } from "../src/util/redact.ts";
import { expectNoCanary } from "./helpers/canary.ts";
import { tempDir } from "./helpers/fixtures.ts";

// CI installs openssl and never skips; a developer machine without it skips the TLS tests.
const inCi = process.env.CI != null && process.env.CI !== "" && process.env.CI !== "false";
const canMakeCertificates = inCi || (await execa("openssl", ["version"], { reject: false })).exitCode === 0;

function failedReport(): AuditReport {
  return {
    tool: "ci-mirror",
    command: "audit",
    version: "test",
    checkedAt: "2026-03-10T12:00:00.000Z",
    ok: false,
    settings: { maxAgeMs: 86_400_000, stuckAfterMs: 3_600_000, resyncFailed: false },
    token: { verdict: "ok", message: "fine" },
    counts: { projects: 2, mirrors: 2, ok: 1, warn: 0, fail: 1, resynced: 0 },
    requestCount: 4,
    projects: [
      {
        project: "acme/app",
        id: 1,
        verdict: "fail",
        notes: [],
        mirrors: [
          {
            project: "acme/app",
            id: 7,
            url: "https://*****:*****@github.example/org/app.git",
            enabled: true,
            updateStatus: "failed",
            lastSuccessfulUpdateAt: null,
            lastUpdateStartedAt: null,
            lastError: "push rejected",
            declared: false,
            verdict: "fail",
            reasons: ["update failed: push rejected"],
          },
        ],
      },
    ],
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

describe("webhook", () => {
  it("posts a Slack-compatible JSON summary", async () => {
    const received: { body: unknown; type: string | undefined }[] = [];
    const url = await listen(
      createServer((req, res) => {
        void body(req).then((text) => {
          received.push({ body: JSON.parse(text), type: req.headers["content-type"] });
          res.end("ok");
        });
      }),
    );
    const redactor = new Redactor();
    const result = await notifyFailures(
      failedReport(),
      { webhookVariable: "HOOK", email: false },
      { HOOK: `${url}/services/T000/B000/secret-hook-path` },
      redactor,
    );
    expect(result).toEqual({ sent: ["webhook (HOOK)"], warnings: [] });
    expect(received).toHaveLength(1);
    expect(received[0]?.type).toBe("application/json");
    const posted = received[0]?.body as { text: string } | undefined;
    expect(posted?.text).toContain(
      "• acme/app → https://*****:*****@github.example/org/app.git: update failed: push rejected",
    );
    expect(received[0]?.body).toMatchObject({
      ok: false,
      counts: { fail: 1 },
      failures: [{ project: "acme/app", mirrorId: 7, reasons: ["update failed: push rejected"] }],
    });
    expect(redactor.redact(`${url}/services/T000/B000/secret-hook-path`)).not.toContain("secret-hook-path");
  });

  it("turns a 500 into a warning after one retry, without the URL", async () => {
    let calls = 0;
    const url = await listen(
      createServer((_req, res) => {
        calls += 1;
        res.statusCode = 500;
        res.end("boom");
      }),
    );
    const hook = `${url}/hooks/secret-hook-path`;
    const result = await notifyFailures(
      failedReport(),
      { webhookVariable: "HOOK", email: false, webhook: { retryDelayMs: 10 } },
      { HOOK: hook },
      new Redactor(),
    );
    expect(calls).toBe(2);
    expect(result.sent).toEqual([]);
    expect(result.warnings).toEqual(["webhook not sent: the webhook answered 500 (after 2 attempts)"]);
    expect(result.warnings.join("")).not.toContain("secret-hook-path");
  });

  it("follows no redirect: says where it pointed (origin only), and the body goes nowhere else", async () => {
    const elsewhere: string[] = [];
    const other = await listen(
      createServer((req, res) => {
        void body(req).then((text) => {
          elsewhere.push(text);
          res.end("ok");
        });
      }),
    );
    const url = await listen(
      createServer((_req, res) => {
        res.writeHead(301, { location: `${other}/services/T000/B000/secret-hook-path` });
        res.end();
      }),
    );
    const result = await notifyFailures(
      failedReport(),
      { webhookVariable: "HOOK", email: false, webhook: { retryDelayMs: 10 } },
      { HOOK: `${url}/services/T000/B000/secret-hook-path` },
      new Redactor(),
    );
    expect(elsewhere).toEqual([]);
    expect(result.sent).toEqual([]);
    expect(result.warnings).toEqual([
      `webhook not sent: the webhook answered 301, a redirect to ${other}, which ci-mirror does not follow; put the final URL in the variable (after 1 attempt)`,
    ]);
    expect(result.warnings.join("")).not.toContain("secret-hook-path");
  });

  it("sends nothing when every mirror is fine", async () => {
    const result = await notifyFailures(
      { ...failedReport(), ok: true },
      { webhookVariable: "HOOK", email: true },
      {},
      new Redactor(),
    );
    expect(result).toEqual({ sent: [], warnings: [] });
  });
});

describe("e-mail", () => {
  async function smtp(tls?: { key: string; cert: string }): Promise<{
    port: number;
    mails: { from: string; to: string[]; data: string; user?: string; pass?: string; secure?: boolean }[];
  }> {
    const mails: {
      from: string;
      to: string[];
      data: string;
      user?: string;
      pass?: string;
      secure?: boolean;
    }[] = [];
    let login: { user?: string; pass?: string } = {};
    const server = new SMTPServer({
      ...(tls == null
        ? { disabledCommands: ["STARTTLS"], allowInsecureAuth: true }
        : { key: tls.key, cert: tls.cert }),
      authOptional: true,
      onAuth(auth, _session, callback) {
        login = { user: auth.username ?? "", pass: auth.password ?? "" };
        if (auth.password !== "smtp-s3cret") {
          callback(new Error("Invalid username or password"));
          return;
        }
        callback(null, { user: auth.username });
      },
      onData(stream, session, callback) {
        let data = "";
        stream.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
        stream.on("end", () => {
          mails.push({
            from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
            ...login,
            secure: session.secure,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.server.address() as AddressInfo).port, mails };
  }

  it("delivers the summary to a real SMTP server", async () => {
    const { port, mails } = await smtp();
    const redactor = new Redactor();
    const result = await notifyFailures(
      failedReport(),
      { email: true },
      {
        CI_MIRROR_SMTP_URL: `smtp://mailer:smtp-s3cret@127.0.0.1:${port}`,
        CI_MIRROR_SMTP_TLS: "none",
        CI_MIRROR_SMTP_FROM: "ci-mirror@example.test",
        CI_MIRROR_SMTP_TO: "ops@example.test, dev@example.test",
      },
      redactor,
    );
    expect(result).toEqual({ sent: ["e-mail to ops@example.test, dev@example.test"], warnings: [] });
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    expect(mail).toMatchObject({
      from: "ci-mirror@example.test",
      to: ["ops@example.test", "dev@example.test"],
      user: "mailer",
    });
    expect(mail?.data).toMatch(
      /^Subject: ci-mirror audit: 1 push mirror problem \(2 mirrors in 2 projects\)/m,
    );
    expect(mail?.data).toContain("acme/app");
    expect(mail?.data).toContain("update failed: push rejected");
    expect(mail?.data).not.toContain("smtp-s3cret");
    expect(redactor.redact("password smtp-s3cret")).not.toContain("smtp-s3cret");
  });

  it("masks a credential a mirror's last_error quotes before the mail is written", async () => {
    const { port, mails } = await smtp();
    const secret = 'gh"p_&<leak>\u0003-70c2';
    const report = failedReport();
    const reasons = [`update failed: remote: bad credential ${secret}`];
    report.projects[0]?.mirrors.forEach((mirror) => (mirror.reasons = reasons));
    const redactor = new Redactor();
    redactor.add(secret);
    const result = await notifyFailures(
      report,
      { email: true },
      {
        CI_MIRROR_SMTP_URL: `smtp://127.0.0.1:${port}`,
        CI_MIRROR_SMTP_TLS: "none",
        CI_MIRROR_SMTP_FROM: "ci-mirror@example.test",
        CI_MIRROR_SMTP_TO: "ops@example.test",
      },
      redactor,
    );
    expect(result.sent).toHaveLength(1);
    expect(mails[0]?.data).toContain("bad credential [MASKED]");
    expectNoCanary(secret, [{ where: "mail", text: mails[0]?.data ?? "" }]);
  });

  it("warns, without the password, when the server refuses the login", async () => {
    const { port, mails } = await smtp();
    const redactor = new Redactor();
    const result = await notifyFailures(
      failedReport(),
      { email: true },
      {
        CI_MIRROR_SMTP_HOST: "127.0.0.1",
        CI_MIRROR_SMTP_PORT: String(port),
        CI_MIRROR_SMTP_USER: "mailer",
        CI_MIRROR_SMTP_PASSWORD: "wrong-s3cret",
        CI_MIRROR_SMTP_TLS: "none",
        CI_MIRROR_SMTP_FROM: "ci-mirror@example.test",
        CI_MIRROR_SMTP_TO: "ops@example.test",
      },
      redactor,
    );
    expect(mails).toHaveLength(0);
    expect(result.sent).toEqual([]);
    expect(result.warnings[0]).toMatch(/^e-mail not sent: /);
    expect(redactor.redact(result.warnings.join("\n"))).not.toContain("wrong-s3cret");
  });

  /** A self-signed certificate for 127.0.0.1, made fresh for the test (no fixture key in the repo). */
  async function selfSigned(): Promise<{ key: string; cert: string }> {
    const { path: dir } = await tempDir("smtp-tls");
    await execa("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ]);
    return {
      key: await readFile(join(dir, "key.pem"), "utf8"),
      cert: await readFile(join(dir, "cert.pem"), "utf8"),
    };
  }

  const starttlsEnv = (port: number): Record<string, string> => ({
    CI_MIRROR_SMTP_URL: `smtp://mailer:smtp-s3cret@127.0.0.1:${port}`,
    CI_MIRROR_SMTP_FROM: "ci-mirror@example.test",
    CI_MIRROR_SMTP_TO: "ops@example.test",
  });

  it.skipIf(!canMakeCertificates)("upgrades to TLS with STARTTLS by default before it logs in", async () => {
    const { port, mails } = await smtp(await selfSigned());

    const result = await notifyFailures(
      failedReport(),
      { email: true },
      { ...starttlsEnv(port), CI_MIRROR_SMTP_TLS_VERIFY: "false" },
      new Redactor(),
    );

    expect(result).toEqual({ sent: ["e-mail to ops@example.test"], warnings: [] });
    expect(mails.map((mail) => [mail.user, mail.secure])).toEqual([["mailer", true]]);
  });

  it("does not send a password to a server that offers no STARTTLS, unless told to", async () => {
    const { port, mails } = await smtp();

    const result = await notifyFailures(failedReport(), { email: true }, starttlsEnv(port), new Redactor());

    expect(mails).toHaveLength(0);
    expect(result.sent).toEqual([]);
    expect(result.warnings[0]).toMatch(/^e-mail not sent: /);
  });

  it.skipIf(!canMakeCertificates)("checks the certificate unless told otherwise", async () => {
    const { port, mails } = await smtp(await selfSigned());

    const result = await notifyFailures(failedReport(), { email: true }, starttlsEnv(port), new Redactor());

    expect(mails).toHaveLength(0);
    expect(result.warnings[0]).toMatch(/^e-mail not sent: .*certificate/i);
  });

  it("does not use a password too short to mask, and says which variable holds it", async () => {
    const { port, mails } = await smtp();
    const mail = { CI_MIRROR_SMTP_FROM: "ci-mirror@example.test", CI_MIRROR_SMTP_TO: "ops@example.test" };
    const viaUrl = await notifyFailures(
      failedReport(),
      { email: true },
      { ...mail, CI_MIRROR_SMTP_URL: `smtp://mailer:pw42x@127.0.0.1:${port}`, CI_MIRROR_SMTP_TLS: "none" },
      new Redactor(),
    );
    const viaVariable = await notifyFailures(
      failedReport(),
      { email: true },
      { ...mail, CI_MIRROR_SMTP_URL: `smtp://mailer@127.0.0.1:${port}`, CI_MIRROR_SMTP_PASSWORD: "pw42x" },
      new Redactor(),
    );

    expect(mails).toEqual([]);
    expect(viaUrl.warnings).toEqual([
      "e-mail not sent: the password in CI_MIRROR_SMTP_URL is shorter than 8 characters, too short to be masked",
    ]);
    expect(viaVariable.warnings).toEqual([
      "e-mail not sent: CI_MIRROR_SMTP_PASSWORD is shorter than 8 characters, too short to be masked",
    ]);
  });

  it("names the missing variables", async () => {
    const result = await notifyFailures(failedReport(), { email: true }, {}, new Redactor());
    expect(result.warnings).toEqual([
      "e-mail not sent: set CI_MIRROR_SMTP_URL or CI_MIRROR_SMTP_HOST; set CI_MIRROR_SMTP_FROM; set CI_MIRROR_SMTP_TO",
    ]);
  });
});
