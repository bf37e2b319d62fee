import type { AuditReport } from "../core/audit/types.ts";
import type { Env } from "../util/env.ts";
import type { Redactor } from "../util/redact.ts";
import { sendEmail, smtpSettingsFromEnv } from "./email.ts";
import { buildNotification } from "./audit-notification.ts";
import { sendWebhook, type WebhookOptions } from "./webhook.ts";

export interface NotifyRequest {
  /** NAME of the variable holding the webhook URL. */
  webhookVariable?: string | undefined;
  email: boolean;
  webhook?: WebhookOptions | undefined;
}

/**
 * Tell people when the audit found failures. Returns what went out and the warnings for what
 * did not; secrets involved (the webhook URL, the SMTP password) are registered with the
 * redactor first, so nothing printed afterwards can show them.
 */
export async function notifyFailures(
  report: AuditReport,
  request: NotifyRequest,
  env: Env,
  redactor: Redactor,
): Promise<{ sent: string[]; warnings: string[] }> {
  const sent: string[] = [];
  const warnings: string[] = [];
  if (report.ok || (request.webhookVariable == null && !request.email)) return { sent, warnings };
  // Redacted before it is serialised: a mirror's last_error can quote a credential.
  const notification = redactor.redactValue(buildNotification(report, env.CI_JOB_URL));
  if (request.webhookVariable != null) {
    const url = env[request.webhookVariable]?.trim();
    redactor.add(url);
    if (url == null || url === "") {
      warnings.push(`webhook not sent: variable ${request.webhookVariable} is not set`);
    } else {
      const result = await sendWebhook(url, notification, {
        ...request.webhook,
        redact: (text) => redactor.redact(text),
      });
      if (result.ok) sent.push(`webhook (${request.webhookVariable})`);
      else warnings.push(`webhook not sent: ${result.reason}`);
    }
  }
  if (request.email) {
    const { settings, problems } = smtpSettingsFromEnv(env);
    redactor.add(env.CI_MIRROR_SMTP_URL);
    redactor.add(settings?.password);
    if (settings == null) {
      warnings.push(`e-mail not sent: ${problems.join("; ")}`);
    } else {
      const result = await sendEmail(settings, notification, { redact: (text) => redactor.redact(text) });
      if (result.ok) sent.push(`e-mail to ${settings.to.join(", ")}`);
      else warnings.push(result.reason);
    }
  }
  return { sent, warnings };
}
