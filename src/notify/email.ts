/**
 * E-mail notifications over SMTP (nodemailer). Settings come from CI variables, so the
 * password can be a masked variable and never sits in the config file:
 *
 *   CI_MIRROR_SMTP_URL        smtp://USER:PASSWORD@HOST:PORT  (STARTTLS, port 587 by default)
 *                             smtps://USER:PASSWORD@HOST:PORT (TLS from the start, port 465)
 *                             User and password are percent-decoded.
 *   or, each overriding the URL's part:
 *   CI_MIRROR_SMTP_HOST       relay host name
 *   CI_MIRROR_SMTP_PORT       default 465 with CI_MIRROR_SMTP_TLS=implicit, else 587
 *   CI_MIRROR_SMTP_USER       login (no login when unset)
 *   CI_MIRROR_SMTP_PASSWORD   password
 *   CI_MIRROR_SMTP_FROM       sender address (required)
 *   CI_MIRROR_SMTP_TO         recipients, comma-separated (required)
 *   CI_MIRROR_SMTP_TLS        starttls (default for smtp://): refuse to send unless the server
 *                               upgrades with STARTTLS, so a password never crosses in clear;
 *                             implicit (default for smtps://): TLS from the first byte;
 *                             none: plain text, STARTTLS not even tried. Only for a relay on
 *                               the same host or network that offers no TLS.
 *   CI_MIRROR_SMTP_TLS_VERIFY "false" accepts a certificate that does not verify (an internal
 *                             relay with a self-signed certificate); default true.
 */
import nodemailer from "nodemailer";
import type { Env } from "../util/env.ts";
import { MIN_SECRET_LENGTH } from "../util/redact.ts";
import type { AuditNotification } from "./audit-notification.ts";
import type { SendResult } from "./webhook.ts";

type SmtpTls = "starttls" | "implicit" | "none";

export interface SmtpSettings {
  host: string;
  port: number;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  to: string[];
  tls: SmtpTls;
  verifyCertificate: boolean;
}

/** The variables the settings come from. */
type SmtpVariable =
  | "CI_MIRROR_SMTP_URL"
  | "CI_MIRROR_SMTP_HOST"
  | "CI_MIRROR_SMTP_PORT"
  | "CI_MIRROR_SMTP_USER"
  | "CI_MIRROR_SMTP_PASSWORD"
  | "CI_MIRROR_SMTP_FROM"
  | "CI_MIRROR_SMTP_TO"
  | "CI_MIRROR_SMTP_TLS"
  | "CI_MIRROR_SMTP_TLS_VERIFY";

const TLS_MODES: readonly SmtpTls[] = ["starttls", "implicit", "none"];

/** Read the settings; the problems are returned (never thrown) with variable names only. */
export function smtpSettingsFromEnv(env: Env): { settings?: SmtpSettings; problems: string[] } {
  const get = (name: SmtpVariable): string | undefined => {
    const value = env[name]?.trim();
    return value == null || value === "" ? undefined : value;
  };
  const problems: string[] = [];
  let fromUrl: {
    host?: string;
    port?: number | undefined;
    user?: string | undefined;
    password?: string | undefined;
    tls?: SmtpTls;
  } = {};
  const url = get("CI_MIRROR_SMTP_URL");
  if (url != null) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
        problems.push("CI_MIRROR_SMTP_URL must start with smtp:// or smtps://");
      }
      fromUrl = {
        host: parsed.hostname.replace(/^\[|\]$/g, ""),
        port: parsed.port === "" ? undefined : Number(parsed.port),
        user: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
        password: parsed.password === "" ? undefined : decodeURIComponent(parsed.password),
        tls: parsed.protocol === "smtps:" ? "implicit" : "starttls",
      };
    } catch {
      // The value holds a password: never echo it.
      problems.push("CI_MIRROR_SMTP_URL is not a valid URL");
    }
  }
  const tlsText = get("CI_MIRROR_SMTP_TLS")?.toLowerCase();
  const chosenTls = TLS_MODES.find((mode) => mode === tlsText);
  const tls = chosenTls ?? fromUrl.tls ?? "starttls";
  if (tlsText != null && chosenTls == null) {
    problems.push(`CI_MIRROR_SMTP_TLS must be one of ${TLS_MODES.join(", ")}`);
  }
  const host = get("CI_MIRROR_SMTP_HOST") ?? fromUrl.host;
  const portText = get("CI_MIRROR_SMTP_PORT");
  const port = portText != null ? Number(portText) : (fromUrl.port ?? (tls === "implicit" ? 465 : 587));
  const from = get("CI_MIRROR_SMTP_FROM");
  const to = (get("CI_MIRROR_SMTP_TO") ?? "")
    .split(",")
    .map((address) => address.trim())
    .filter(Boolean);
  if (host == null) problems.push("set CI_MIRROR_SMTP_URL or CI_MIRROR_SMTP_HOST");
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    problems.push("CI_MIRROR_SMTP_PORT must be a port number");
  if (from == null) problems.push("set CI_MIRROR_SMTP_FROM");
  if (to.length === 0) problems.push("set CI_MIRROR_SMTP_TO");
  const password = get("CI_MIRROR_SMTP_PASSWORD") ?? fromUrl.password;
  if (password != null && password.length < MIN_SECRET_LENGTH) {
    // Too short to mask in the job log (GitLab's own minimum), so it is not used at all.
    const where =
      get("CI_MIRROR_SMTP_PASSWORD") != null
        ? "CI_MIRROR_SMTP_PASSWORD"
        : "the password in CI_MIRROR_SMTP_URL";
    problems.push(`${where} is shorter than ${MIN_SECRET_LENGTH} characters, too short to be masked`);
  }
  if (problems.length > 0 || host == null || from == null) return { problems };
  return {
    problems,
    settings: {
      host,
      port,
      user: get("CI_MIRROR_SMTP_USER") ?? fromUrl.user,
      password,
      from,
      to,
      tls,
      verifyCertificate: get("CI_MIRROR_SMTP_TLS_VERIFY")?.toLowerCase() !== "false",
    },
  };
}

/** Send the notification; never throws, so a mail problem cannot hide the audit result. */
export async function sendEmail(
  settings: SmtpSettings,
  notification: AuditNotification,
  options: { timeoutMs?: number; redact?: ((text: string) => string) | undefined } = {},
): Promise<SendResult> {
  const redact = options.redact ?? String;
  const timeout = options.timeoutMs ?? 20_000;
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.tls === "implicit",
    requireTLS: settings.tls === "starttls",
    ignoreTLS: settings.tls === "none",
    auth: settings.user != null ? { user: settings.user, pass: settings.password ?? "" } : undefined,
    tls: { rejectUnauthorized: settings.verifyCertificate },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    await transport.sendMail({
      from: settings.from,
      to: settings.to,
      subject: redact(notification.subject),
      text: redact(`${notification.text}\n`),
    });
    return { ok: true };
  } catch (error) {
    // nodemailer's messages carry the server's reply, not our credentials; the caller still
    // prints them through the redactor, which knows the password.
    return {
      ok: false,
      reason: `e-mail not sent: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    transport.close();
  }
}
